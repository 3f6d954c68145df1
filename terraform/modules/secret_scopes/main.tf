# Databricks-backed secret scopes: exactly the scopes the config names ({secret: <scope>/<key>}),
# read from terraform/generated/secret_scopes.json (written by `lakehouse grants`), so the scope a
# pipeline reads always exists and has one name end to end (config, this module, dbutils.secrets,
# the secret() of `lakehouse pii-sql`). READ: the pipelines principal everywhere; on the scopes
# holding the PII keys (pii_keys in the JSON) only pii_reader_groups besides it (pii_readers
# decrypt `encrypt` columns with them; anyone else could decrypt and dictionary-attack tokens),
# on the others reader_groups. The Terraform principal that creates a scope keeps MANAGE and
# workspace admins always can. Secret values are never in Terraform state: put them with
# `databricks secrets put-secret <scope> <key>`.

locals {
  declared = jsondecode(file(var.secret_scopes_file)).secret_scopes
  scopes   = { for scope in local.declared : scope.name => scope }

  # Keyed by static labels: the pipelines principal's application ID is unknown until the
  # service principal exists, and for_each keys must be known at plan time.
  pii_readers   = merge({ pipelines = var.pipelines_principal }, { for g in var.pii_reader_groups : "group:${g}" => g })
  other_readers = merge({ pipelines = var.pipelines_principal }, { for g in var.reader_groups : "group:${g}" => g })
  readers       = { for name, scope in local.scopes : name => scope.pii_keys ? local.pii_readers : local.other_readers }

  acls = merge([
    for scope, readers in local.readers : {
      for label, principal in readers : "${scope}/${label}" => { scope = scope, principal = principal }
    }
  ]...)
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
