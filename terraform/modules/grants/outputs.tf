output "catalog_grants" {
  description = "Grants applied on the catalog (principal and privileges)."
  value       = module.access.catalog_grants
}

output "schema_grants" {
  description = "Grants applied per schema, keyed by schema name."
  value       = module.access.schema_grants
}

output "table_grants" {
  description = "Grants applied per table, keyed by <schema>.<table> (empty while manage_table_grants is false)."
  value       = var.manage_table_grants ? module.access.table_grants : {}
}

output "volume_grants" {
  description = "Grants applied per volume the jobs write, keyed by <schema>.<volume>."
  value       = module.access.volume_grants
}

output "principals" {
  description = "Every principal that holds at least one grant in the catalog."
  value       = module.access.principals
}
