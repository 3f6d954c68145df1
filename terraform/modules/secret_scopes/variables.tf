variable "secret_scopes_file" {
  description = "Path of terraform/generated/secret_scopes.json (written by `lakehouse grants` from the secrets the config names)."
  type        = string
}

variable "pipelines_principal" {
  description = "Application ID of the pipelines service principal; gets READ on every scope."
  type        = string
}

variable "pii_reader_groups" {
  description = "Groups with READ on the PII key scope besides the pipelines principal: the groups entitled to clear PII (pii_readers), who need the key to decrypt."
  type        = list(string)
  default     = ["pii_readers"]

  validation {
    condition     = alltrue([for g in var.pii_reader_groups : g == "pii_readers"])
    error_message = "Only pii_readers (and the pipelines principal) may read the PII keys."
  }
}

variable "reader_groups" {
  description = "Groups with READ on the scopes without PII keys besides the pipelines principal. Keep it to data_engineers."
  type        = list(string)
  default     = ["data_engineers"]

  validation {
    condition     = !contains(var.reader_groups, "users")
    error_message = "The workspace-wide users group must never read the PII keys or source credentials."
  }
}
