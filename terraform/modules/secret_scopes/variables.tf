variable "pii_scope_name" {
  description = "Name of the secret scope with the PII keys (hash salts, encryption keys); the bundle's PII secret scope variable."
  type        = string
  default     = "lakehouse-pii"
}

variable "webhook_scope_name" {
  description = "Name of the secret scope with notification webhook URLs (Slack/Teams destinations)."
  type        = string
  default     = "lakehouse-webhooks"
}

variable "pipelines_principal" {
  description = "Application ID of the pipelines service principal; gets READ on both scopes."
  type        = string
}

variable "reader_groups" {
  description = "Groups with READ on both scopes besides the pipelines principal. Keep it to data_engineers."
  type        = list(string)
  default     = ["data_engineers"]

  validation {
    condition     = !contains(var.reader_groups, "users")
    error_message = "The workspace-wide users group must never read the PII and webhook secrets."
  }
}
