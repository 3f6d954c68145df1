# Databricks-backed secret scopes for PII keys and webhook URLs. The PII keys: only the
# pipelines principal and pii_readers may READ (pii_readers decrypt `encrypt` columns with
# them; anyone else could decrypt and dictionary-attack tokens). Webhook URLs: the pipelines
# principal and data_engineers. The Terraform principal that creates a scope keeps MANAGE and
# workspace admins always can. Secret values are never in Terraform state: put them with
# `databricks secrets put-secret <scope> <key>`.

locals {
  scopes = {
    pii      = databricks_secret_scope.pii.name
    webhooks = databricks_secret_scope.webhooks.name
  }

  # Keyed by static labels: the pipelines principal's application ID is unknown until the
  # service principal exists, and for_each keys must be known at plan time.
  readers = {
    pii      = merge({ pipelines = var.pipelines_principal }, { for g in var.pii_reader_groups : "group:${g}" => g })
    webhooks = merge({ pipelines = var.pipelines_principal }, { for g in var.reader_groups : "group:${g}" => g })
  }

  acls = merge([
    for scope, readers in local.readers : {
      for label, principal in readers : "${scope}/${label}" => { scope = local.scopes[scope], principal = principal }
    }
  ]...)
}

resource "databricks_secret_scope" "pii" {
  name = var.pii_scope_name
}

resource "databricks_secret_scope" "webhooks" {
  name = var.webhook_scope_name
}

resource "databricks_secret_acl" "read" {
  for_each = local.acls

  scope      = each.value.scope
  principal  = each.value.principal
  permission = "READ"
}
