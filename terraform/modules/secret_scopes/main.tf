# Databricks-backed secret scopes: exactly the scopes the config names ({secret: <scope>/<key>}),
# read from terraform/generated/secret_scopes.json (written by `lakehouse grants`), so the scope a
# pipeline reads always exists and has one name end to end (config, this module, dbutils.secrets,
# the secret() of `lakehouse pii-sql`). The pipelines principal and reader_groups may READ; the
# Terraform principal that creates a scope keeps MANAGE and workspace admins always can. Secret
# values are never in Terraform state: put them with `databricks secrets put-secret <scope> <key>`.

locals {
  declared = jsondecode(file(var.secret_scopes_file)).secret_scopes
  scopes   = { for scope in local.declared : scope.name => scope }

  # Keyed by static labels: the pipelines principal's application ID is unknown until the
  # service principal exists, and for_each keys must be known at plan time.
  readers = merge(
    { pipelines = var.pipelines_principal },
    { for g in var.reader_groups : "group:${g}" => g },
  )

  acls = {
    for pair in setproduct(keys(local.scopes), keys(local.readers)) :
    "${pair[0]}/${pair[1]}" => { scope = pair[0], principal = local.readers[pair[1]] }
  }
}

resource "databricks_secret_scope" "this" {
  for_each = local.scopes

  name = each.key
}

resource "databricks_secret_acl" "read" {
  for_each = local.acls

  scope      = databricks_secret_scope.this[each.value.scope].name
  principal  = each.value.principal
  permission = "READ"
}
