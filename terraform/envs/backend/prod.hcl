# Backend settings of prod: its state key. With the state account (state.hcl):
#   terraform -chdir=terraform/envs init -reconfigure -backend-config=backend/prod.hcl -backend-config=state.hcl
key = "lakehouse/prod.tfstate"
