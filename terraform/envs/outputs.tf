output "workspace_url" {
  description = "Workspace URL: DATABRICKS_HOST of the GitHub environment and the bundle target's workspace host."
  value       = module.workspace.workspace_url
}

output "lake_private_endpoint_rules" {
  description = "Private endpoints from serverless compute to the lake: approve each once on the storage account (Networking > Private endpoint connections)."
  value       = module.workspace.lake_private_endpoint_rules
}

output "catalog_name" {
  description = "Catalog of this environment."
  value       = module.unity_catalog.catalog_name
}

output "developer_catalogs" {
  description = "Development catalogs (dev only): catalog name to developer; the dev bundle target's catalog is lakehouse_dev_<short name>."
  value       = module.unity_catalog.developer_catalogs
}

output "landing_url" {
  description = "abfss:// URL of the landing zone (bundle variable for the landing root)."
  value       = module.unity_catalog.landing_url
}

output "sql_warehouse_id" {
  description = "ID of the BI SQL warehouse (Power BI and other SQL clients; the bundle uses none)."
  value       = module.sql_warehouse.id
}

output "sql_warehouse_odbc_params" {
  description = "Server hostname and HTTP path for Power BI and other ODBC/JDBC clients."
  value       = module.sql_warehouse.odbc_params
}

output "ci_service_principal_application_id" {
  description = "DATABRICKS_CLIENT_ID variable of the GitHub environment for bundle deployments."
  value       = module.identities.ci_service_principal_application_id
}

output "pipelines_service_principal_application_id" {
  description = "run_as service principal of the bundle's staging/prod targets."
  value       = module.identities.pipelines_service_principal_application_id
}

output "secret_scopes" {
  description = "Every secret scope the config names (generated/secret_scopes.json: keys, and pii_keys for the PII scope), created here: put each key with `databricks secrets put-secret`."
  value       = module.secret_scopes.scopes
}

output "bundle_variables" {
  description = "Values for this environment's target in databricks.yml, in one map."
  value = {
    catalog      = module.unity_catalog.catalog_name
    landing_root = module.unity_catalog.landing_url
    run_as       = module.identities.pipelines_service_principal_application_id
  }
}
