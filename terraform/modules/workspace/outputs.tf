output "resource_group_name" {
  description = "Name of the environment's resource group."
  value       = azurerm_resource_group.this.name
}

output "workspace_id" {
  description = "Numeric Databricks workspace ID (used by metastore and permission assignments)."
  value       = azurerm_databricks_workspace.this.workspace_id
}

output "workspace_resource_id" {
  description = "Azure resource ID of the Databricks workspace (azure_workspace_resource_id of the databricks provider)."
  value       = azurerm_databricks_workspace.this.id
}

output "workspace_url" {
  description = "Workspace URL with https:// (DATABRICKS_HOST for the bundle and the databricks provider)."
  value       = "https://${azurerm_databricks_workspace.this.workspace_url}"
}

output "storage_account_id" {
  description = "Azure resource ID of the ADLS Gen2 storage account."
  value       = azurerm_storage_account.lake.id
}

output "storage_account_name" {
  description = "Name of the ADLS Gen2 storage account."
  value       = azurerm_storage_account.lake.name
}

output "container_urls" {
  description = "abfss:// URL of every container, keyed by container name (landing, lakehouse)."
  value = {
    for name, c in azurerm_storage_container.this :
    name => "abfss://${c.name}@${azurerm_storage_account.lake.name}.dfs.core.windows.net/"
  }
}

output "access_connector_id" {
  description = "Azure resource ID of the Databricks access connector (the Unity Catalog storage credential's managed identity)."
  value       = azurerm_databricks_access_connector.this.id
}

output "network_connectivity_config_id" {
  description = "Serverless network connectivity configuration bound to the workspace (private endpoints to the lake)."
  value       = databricks_mws_network_connectivity_config.this.network_connectivity_config_id
}

output "lake_private_endpoint_rules" {
  description = "Private endpoint rules of the NCC to the lake, by sub-resource (dfs, blob): approve each once on the storage account."
  value       = { for group, rule in databricks_mws_ncc_private_endpoint_rule.lake : group => rule.endpoint_name }
}
