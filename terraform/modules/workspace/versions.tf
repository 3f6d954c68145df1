terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0.0, < 5.0.0"
    }
    # Account level only: the serverless network connectivity configuration (NCC).
    databricks = {
      source                = "databricks/databricks"
      version               = ">= 1.90.0, < 2.0.0"
      configuration_aliases = [databricks.account]
    }
  }
}
