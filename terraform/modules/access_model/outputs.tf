# The three grant outputs carry the least-privilege check (the grants module consumes all three),
# so `terraform plan` stops with the list of violations before any grant is touched.

output "schemas" {
  description = "Schemas declared in grants.json (bronze, bronze_pii, silver, gold, quarantine, ops)."
  value       = local.schemas
}

output "groups" {
  description = "Account groups declared in grants.json, as a map of group name to description."
  value       = local.groups
}

output "catalog_grants" {
  description = "Grants on the catalog: securable (catalog name) and grants (USE_CATALOG for every principal holding any grant below it)."
  value       = local.catalog_grants

  precondition {
    condition     = length(local.violations) == 0
    error_message = local.violation_message
  }
}

output "schema_grants" {
  description = "Map of schema name to {securable = \"<catalog>.<schema>\", grants = [{principal, privileges}]}, one entry per schema with any grant."
  value       = local.schema_grants

  precondition {
    condition     = length(local.violations) == 0
    error_message = local.violation_message
  }
}

output "table_grants" {
  description = "Map of \"<schema>.<table>\" to {securable = \"<catalog>.<schema>.<table>\", grants = [{principal, privileges}]}."
  value       = local.table_grants

  precondition {
    condition     = length(local.violations) == 0
    error_message = local.violation_message
  }
}

output "volume_grants" {
  description = "Map of \"<schema>.<volume>\" to {securable = \"<catalog>.<schema>.<volume>\", grants = [{principal, privileges}]}: the pipelines principal only, on each volume the jobs write."
  value       = local.volume_grants

  precondition {
    condition     = length(local.violations) == 0
    error_message = local.violation_message
  }
}

output "pipeline_volume_privileges" {
  description = "Volume (<schema>.<volume>) to what the identity that runs the jobs holds on it (grants.json pipeline_principal_volumes); the developer catalogs grant the same."
  value       = local.volume_privileges
}

output "principals" {
  description = "Every principal that receives at least one grant (declared groups plus the pipelines principal), sorted."
  value       = local.catalog_principals
}

output "pipeline_schema_privileges" {
  description = "What the identity that runs the pipelines holds on each schema it writes (grants.json pipeline_principal_privileges); the developer catalogs grant the same."
  value       = local.pipeline_privileges
}

output "pipeline_extra_privileges" {
  description = "Schema to what the identity that runs the pipelines holds there beyond pipeline_schema_privileges (grants.json pipeline_principal_extra_privileges); the developer catalogs grant the same."
  value       = local.extra_privileges
}

output "pipeline_schemas" {
  description = "The schemas the pipelines write (grants.json pipeline_principal_schemas)."
  value       = local.config.pipeline_principal_schemas
}
