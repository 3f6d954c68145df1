# Identities of one environment: the account groups declared in grants.json (platform groups
# and one group per feature team), a CI service principal that GitHub Actions authenticates as
# through OIDC workload identity federation (no secret exists), and the pipelines service
# principal the bundle runs as in staging and prod.

locals {
  access             = jsondecode(file(var.grants_file))
  groups             = { for g in local.access.groups : g.name => g.description }
  github_environment = coalesce(var.github_environment, var.environment)
  github_subject     = "repo:${var.github_repository}:environment:${local.github_environment}"
}

resource "databricks_group" "this" {
  for_each = var.create_groups ? local.groups : {}

  display_name = each.key

  lifecycle {
    # Every grant and ACL references these groups; deleting one is never routine.
    prevent_destroy = true
  }
}

data "databricks_group" "existing" {
  for_each = var.create_groups ? {} : local.groups

  display_name = each.key
}

locals {
  group_ids = var.create_groups ? { for name, g in databricks_group.this : name => g.id } : { for name, g in data.databricks_group.existing : name => g.id }
}

resource "databricks_mws_permission_assignment" "groups" {
  for_each = local.groups

  workspace_id = var.workspace_id
  principal_id = local.group_ids[each.key]
  permissions  = ["USER"]
}

resource "databricks_service_principal" "ci" {
  display_name = "lakehouse-ci-${var.environment}"
}

resource "databricks_service_principal" "pipelines" {
  display_name = "lakehouse-pipelines-${var.environment}"
}

# GitHub Actions jobs that declare `environment: <github_environment>` in this repository can
# exchange their OIDC token for a Databricks token of the CI service principal.
resource "databricks_service_principal_federation_policy" "ci_github" {
  service_principal_id = tonumber(databricks_service_principal.ci.id)
  policy_id            = "github-${local.github_environment}"
  description          = "GitHub Actions of ${var.github_repository}, environment ${local.github_environment}"

  oidc_policy = {
    issuer        = "https://token.actions.githubusercontent.com"
    audiences     = [var.databricks_account_id]
    subject_claim = "sub"
    subject       = local.github_subject
  }
}

resource "databricks_mws_permission_assignment" "ci" {
  workspace_id = var.workspace_id
  principal_id = databricks_service_principal.ci.id
  permissions  = ["USER"]
}

resource "databricks_mws_permission_assignment" "pipelines" {
  workspace_id = var.workspace_id
  principal_id = databricks_service_principal.pipelines.id
  permissions  = ["USER"]
}

# The CI principal deploys bundles whose run_as is the pipelines principal: it needs the
# servicePrincipal.user role on it, and nothing more.
resource "databricks_access_control_rule_set" "pipelines_users" {
  name = "accounts/${var.databricks_account_id}/servicePrincipals/${databricks_service_principal.pipelines.application_id}/ruleSets/default"

  grant_rules {
    principals = concat([databricks_service_principal.ci.acl_principal_id], var.pipelines_sp_users)
    role       = "roles/servicePrincipal.user"
  }
}
