# Remote state in Azure Storage, one state per environment. Partial configuration: the state
# key comes from backend/<env>.hcl, the state account from state.hcl (not committed, written
# from state.hcl.example) or -backend-config flags (CI):
#   terraform -chdir=terraform/envs init -reconfigure \
#     -backend-config=backend/staging.hcl -backend-config=state.hcl
# -reconfigure: this one directory serves every environment, so each init names its backend.
terraform {
  backend "azurerm" {
    use_azuread_auth = true
  }
}
