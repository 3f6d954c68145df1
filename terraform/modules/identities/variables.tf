variable "environment" {
  description = "Environment name (dev, staging or prod); suffix of the service principal names."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "grants_file" {
  description = "Path to terraform/generated/grants.json; its groups list (platform groups and one group per feature team) defines the account groups."
  type        = string
}

variable "create_groups" {
  description = "Create the account groups (true) or look up existing ones (false). Account groups are account-wide: create them in exactly one environment (or sync them from Entra ID) and look them up elsewhere."
  type        = bool
  default     = false
}

variable "databricks_account_id" {
  description = "Databricks account ID (audience of the GitHub OIDC tokens and part of rule set names)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.databricks_account_id))
    error_message = "databricks_account_id must be a UUID."
  }
}

variable "workspace_id" {
  description = "Numeric ID of the environment's workspace; groups and service principals are assigned to it as USER."
  type        = number
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions may authenticate as the CI service principal."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_environment" {
  description = "GitHub environment whose jobs may authenticate as the CI service principal (the OIDC subject is repo:<owner/name>:environment:<this>). Defaults to the environment name."
  type        = string
  default     = null
}

variable "pipelines_sp_users" {
  description = "Extra principals (acl principal ids such as groups/data_engineers) allowed to run jobs as the pipelines service principal, besides the CI service principal."
  type        = list(string)
  default     = []
}
