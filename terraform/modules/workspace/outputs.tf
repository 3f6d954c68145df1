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
