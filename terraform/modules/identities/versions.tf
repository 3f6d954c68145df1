# Account-level identities: call this module with the account-level databricks provider
# (host https://accounts.azuredatabricks.net), e.g. providers = { databricks = databricks.account }.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.90.0, < 2.0.0"
    }
  }
}
