output "scopes" {
  description = "Names of the secret scopes created (those the config names), sorted."
  value       = sort([for scope in databricks_secret_scope.this : scope.name])
}

output "pii_scopes" {
  description = "Names of the secret scopes with the PII keys (project.yml pii.*; usually one), sorted."
  value       = sort([for scope in local.declared : scope.name if scope.pii_keys])
}

output "readers" {
  description = "Principals with READ on each scope, keyed by scope, then label (pipelines, group:<name>)."
  value       = local.readers
}
