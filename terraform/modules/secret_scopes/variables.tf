variable "secret_scopes_file" {
  description = "Path of terraform/generated/secret_scopes.json (written by `lakehouse grants` from the secrets the config names)."
  type        = string
}

variable "pipelines_principal" {
  description = "Application ID of the pipelines service principal; gets READ on every scope."
  type        = string
}

variable "reader_groups" {
  description = "Groups with READ on every scope besides the pipelines principal. Keep it to data_engineers."
  type        = list(string)
  default     = ["data_engineers"]

  validation {
    condition     = !contains(var.reader_groups, "users")
    error_message = "The workspace-wide users group must never read the PII keys or source credentials."
  }
}
