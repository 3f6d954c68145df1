output "catalog_name" {
  description = "Name of the environment's catalog."
  value       = databricks_catalog.this.name
}

output "schema_names" {
  description = "Full names (<catalog>.<schema>) of the created schemas, keyed by schema name."
  value       = { for name, s in databricks_schema.this : name => "${databricks_catalog.this.name}.${s.name}" }
}

output "storage_credential_name" {
  description = "Name of the storage credential backed by the access connector."
  value       = databricks_storage_credential.this.name
}

output "landing_external_location" {
  description = "Name of the landing external location (read-only; the pipelines read raw files from it)."
  value       = databricks_external_location.landing.name
}

output "lakehouse_external_location" {
  description = "Name of the external location that holds the catalog's managed storage."
  value       = databricks_external_location.lakehouse.name
}

output "landing_url" {
  description = "abfss:// URL of the landing zone (the bundle's landing root variable)."
  value       = databricks_external_location.landing.url
}

output "developer_catalogs" {
  description = "Development catalogs created, as a map of catalog name to the developer's user name."
  value       = { for name, catalog in databricks_catalog.developer : name => local.developer_catalogs[name] }
}

output "volumes" {
  description = "Full names (<catalog>.<schema>.<volume>) of the volumes created in the catalog, keyed by <schema>.<volume>."
  value       = { for key, v in databricks_volume.this : key => v.id }
}
