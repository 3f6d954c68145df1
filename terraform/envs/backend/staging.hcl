# Backend settings of staging: its state key. With the state account (state.hcl):
#   terraform -chdir=terraform/envs init -reconfigure -backend-config=backend/staging.hcl -backend-config=state.hcl
key = "lakehouse/staging.tfstate"
