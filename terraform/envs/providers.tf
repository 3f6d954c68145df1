# Authentication is never configured here: it comes from the environment.
#   Laptop: `az login`, then the azurerm and databricks providers use the Azure CLI.
#   GitHub Actions: azure/login with OIDC plus ARM_USE_OIDC=true, ARM_CLIENT_ID, ARM_TENANT_ID,
#   ARM_SUBSCRIPTION_ID and DATABRICKS_AUTH_TYPE=github-oidc-azure (see .github/workflows/terraform.yml).

provider "azurerm" {
  features {}

  subscription_id     = var.subscription_id
  storage_use_azuread = true
}

# Account-level provider: metastore assignment, groups, service principals, federation policies.
provider "databricks" {
  alias      = "account"
  host       = "https://accounts.azuredatabricks.net"
  account_id = var.databricks_account_id
}

# Workspace-level provider for the workspace this configuration creates.
provider "databricks" {
  host                        = module.workspace.workspace_url
  azure_workspace_resource_id = module.workspace.workspace_resource_id
}
