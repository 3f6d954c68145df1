# Provider-free on purpose: this module only reads terraform/generated/grants.json and
# computes the grant model, so `terraform init/apply` on it works offline (used by the
# offline checks in scripts/infra and tests/infra).
terraform {
  required_version = ">= 1.9.0, < 2.0.0"
}
