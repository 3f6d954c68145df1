terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "= 4.74.0"
    }
    databricks = {
      source  = "databricks/databricks"
      version = "= 1.128.0" # the newest release in the provider CHANGELOG (2026-08-19)
    }
  }
}
