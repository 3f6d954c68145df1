output "group_ids" {
  description = "Account group IDs keyed by group name."
  value       = local.group_ids
}

output "group_names" {
  description = "Names of the account groups declared in grants.json, sorted."
  value       = sort(keys(local.groups))
}

output "ci_service_principal_application_id" {
  description = "Application (client) ID of the CI service principal: set it as DATABRICKS_CLIENT_ID variable of the GitHub environment."
  value       = databricks_service_principal.ci.application_id
}

output "pipelines_service_principal_application_id" {
  description = "Application ID of the pipelines service principal: the bundle's run_as in staging/prod and the pipelines principal of the grants."
  value       = databricks_service_principal.pipelines.application_id
}

output "github_oidc_subject" {
  description = "OIDC subject the CI federation policy accepts (repo:<owner/name>:environment:<env>)."
  value       = local.github_subject
}
