# Azure foundation of one environment: resource group, ADLS Gen2 storage with the landing and
# lakehouse containers, the access connector (managed identity) Unity Catalog uses to reach
# the storage, and a premium Azure Databricks workspace (premium is required for Unity Catalog).

locals {
  base_name = "${var.name_prefix}-${var.environment}"
  tags = merge(var.tags, {
    environment = var.environment
    managed_by  = "terraform"
    project     = "lakehouse"
  })
}

resource "azurerm_resource_group" "this" {
  name     = "${local.base_name}-rg"
  location = var.location
  tags     = local.tags
}

resource "azurerm_databricks_access_connector" "this" {
  name                = "${local.base_name}-uc-connector"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_storage_account" "lake" {
  name                     = var.storage_account_name
  resource_group_name      = azurerm_resource_group.this.name
  location                 = azurerm_resource_group.this.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type
  is_hns_enabled           = true

  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  infrastructure_encryption_enabled = true
  public_network_access_enabled     = var.storage_public_network_access_enabled

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    ip_rules                   = var.storage_allowed_ip_ranges
    virtual_network_subnet_ids = var.storage_allowed_subnet_ids

    private_link_access {
      endpoint_resource_id = azurerm_databricks_access_connector.this.id
    }
  }

  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }

  tags = local.tags
}

resource "azurerm_storage_container" "this" {
  for_each = toset(var.containers)

  name                  = each.value
  storage_account_id    = azurerm_storage_account.lake.id
  container_access_type = "private"
}

# Unity Catalog reads and writes the lake through the access connector's managed identity.
resource "azurerm_role_assignment" "connector_blob_contributor" {
  scope                = azurerm_storage_account.lake.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_databricks_access_connector.this.identity[0].principal_id
}

resource "azurerm_databricks_workspace" "this" {
  name                              = "${local.base_name}-dbw"
  resource_group_name               = azurerm_resource_group.this.name
  location                          = azurerm_resource_group.this.location
  sku                               = "premium"
  managed_resource_group_name       = "${local.base_name}-dbw-managed-rg"
  public_network_access_enabled     = var.workspace_public_network_access_enabled
  infrastructure_encryption_enabled = true
  tags                              = local.tags
}

# Serverless compute (Lakeflow pipelines, job tasks, the SQL warehouse) runs in Databricks'
# serverless plane, not in this subscription: the storage firewall above (default Deny) refuses
# it unless a network connectivity configuration (NCC) is bound to the workspace. The NCC's
# private endpoint rules create private endpoints from the serverless plane to the lake (dfs for
# abfss://, blob for the Blob APIs) that the storage account must approve once (runbook: README,
# "Deploying to Databricks"); after that serverless traffic never crosses the public endpoint.
# Docs: learn.microsoft.com/azure/databricks/security/network/serverless-network-security/serverless-private-link
resource "databricks_mws_network_connectivity_config" "this" {
  provider = databricks.account

  name   = "${local.base_name}-ncc"
  region = azurerm_resource_group.this.location
}

resource "databricks_mws_ncc_binding" "this" {
  provider = databricks.account

  network_connectivity_config_id = databricks_mws_network_connectivity_config.this.network_connectivity_config_id
  workspace_id                   = azurerm_databricks_workspace.this.workspace_id
}

resource "databricks_mws_ncc_private_endpoint_rule" "lake" {
  provider = databricks.account
  for_each = toset(["dfs", "blob"])

  network_connectivity_config_id = databricks_mws_network_connectivity_config.this.network_connectivity_config_id
  resource_id                    = azurerm_storage_account.lake.id
  group_id                       = each.key
}
