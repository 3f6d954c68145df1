output "pii_scope" {
  description = "Name of the PII keys secret scope."
  value       = databricks_secret_scope.pii.name
}

output "webhook_scope" {
  description = "Name of the webhook URLs secret scope."
  value       = databricks_secret_scope.webhooks.name
}

output "readers" {
  description = "Principals with READ on each scope (pii, webhooks), keyed by label (pipelines, group:<name>)."
  value       = local.readers
}
