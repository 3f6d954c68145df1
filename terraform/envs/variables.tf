variable "environment" {
  description = "Environment this root module deploys: dev, staging or prod (set in <env>.tfvars)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "subscription_id" {
  description = "Azure subscription that hosts the environment (TF_VAR_subscription_id or -var)."
  type        = string
}

variable "location" {
  description = "Azure region; must be the region of the Unity Catalog metastore."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the Azure resource names."
  type        = string
  default     = "lakehouse"
}

variable "storage_account_name" {
  description = "Globally unique name of the environment's ADLS Gen2 account (3-24 lower case letters and digits)."
  type        = string
}

variable "storage_replication_type" {
  description = "Replication of the lake storage account (LRS, ZRS, GZRS, ...)."
  type        = string
  default     = "ZRS"
}

variable "storage_allowed_ip_ranges" {
  description = "Public CIDR ranges admitted by the storage firewall (e.g. self-hosted runners)."
  type        = list(string)
  default     = []
}

variable "databricks_account_id" {
  description = "Databricks account ID (TF_VAR_databricks_account_id or -var)."
  type        = string
}

variable "metastore_id" {
  description = "ID of the region's Unity Catalog metastore (TF_VAR_metastore_id or -var)."
  type        = string
}

variable "catalog_name" {
  description = "Catalog of this environment, e.g. lakehouse_dev; must equal the bundle target's catalog variable."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository (owner/name) allowed to deploy as the CI service principal (TF_VAR_github_repository or -var)."
  type        = string
}

variable "create_account_groups" {
  description = "Create the account groups of grants.json in this environment (true in exactly one environment, dev by default) or look them up (false)."
  type        = bool
  default     = false
}

variable "manage_table_grants" {
  description = "Manage table-level grants. Use false for the first apply of a new environment (the tables do not exist before the first pipeline run)."
  type        = bool
  default     = true
}

variable "warehouse_cluster_size" {
  description = "Size of the BI SQL warehouse."
  type        = string
  default     = "Small"
}

variable "warehouse_max_num_clusters" {
  description = "Maximum number of clusters of the BI SQL warehouse."
  type        = number
  default     = 2
}

variable "warehouse_auto_stop_mins" {
  description = "Idle minutes before the BI SQL warehouse stops (at least 5)."
  type        = number
  default     = 10
}

variable "tags" {
  description = "Extra tags for the Azure resources and the SQL warehouse."
  type        = map(string)
  default     = {}
}

variable "developers" {
  description = "User names (e-mail) of the people who deploy the dev bundle target, each given a catalog of their own (modules/unity_catalog). Empty outside dev."
  type        = list(string)
  default     = []
}
