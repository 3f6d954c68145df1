# Databricks-backed secret scopes for PII keys and webhook URLs. Only the pipelines principal
# and data_engineers may READ; the Terraform principal that creates a scope keeps MANAGE and
# workspace admins always can. Secret values are never in Terraform state: put them with
# `databricks secrets put-secret <scope> <key>`.

locals {
  scopes = {
    pii      = databricks_secret_scope.pii.name
    webhooks = databricks_secret_scope.webhooks.name
  }

  # Keyed by static labels: the pipelines principal's application ID is unknown until the
  # service principal exists, and for_each keys must be known at plan time.
  readers = merge(
    { pipelines = var.pipelines_principal },
    { for g in var.reader_groups : "group:${g}" => g },
  )

  acls = {
    for pair in setproduct(keys(local.scopes), keys(local.readers)) :
    "${pair[0]}/${pair[1]}" => { scope = local.scopes[pair[0]], principal = local.readers[pair[1]] }
  }
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
