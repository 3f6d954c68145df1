# Remote state in Azure Storage. Partial configuration: the state account is supplied at init,
#   terraform init -backend-config=backend.hcl
# with backend.hcl written from backend.hcl.example (see terraform/README.md).
terraform {
  backend "azurerm" {
    key              = "lakehouse/staging.tfstate"
    use_azuread_auth = true
  }
}
