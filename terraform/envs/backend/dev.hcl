# Backend settings of dev: its state key. With the state account (state.hcl):
#   terraform -chdir=terraform/envs init -reconfigure -backend-config=backend/dev.hcl -backend-config=state.hcl
key = "lakehouse/dev.tfstate"
