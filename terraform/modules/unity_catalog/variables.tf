variable "environment" {
  description = "Environment name (dev, staging or prod); used in names and comments."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "workspace_id" {
  description = "Numeric Databricks workspace ID to attach to the metastore."
  type        = number
}

variable "metastore_id" {
  description = "ID of the region's existing Unity Catalog metastore (one per region per account; created once by an account admin)."
  type        = string
}

variable "access_connector_id" {
  description = "Azure resource ID of the Databricks access connector whose managed identity backs the storage credential."
  type        = string
}

variable "catalog_name" {
  description = "Name of the environment's catalog, e.g. lakehouse_dev (the bundle target's catalog variable)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.catalog_name))
    error_message = "catalog_name must be lower case letters, digits and underscores, starting with a letter."
  }
}

variable "lakehouse_url" {
  description = "abfss:// URL of the container that holds the catalog's managed tables."
  type        = string

  validation {
    condition     = startswith(var.lakehouse_url, "abfss://")
    error_message = "lakehouse_url must be an abfss:// URL."
  }
}

variable "landing_url" {
  description = "abfss:// URL of the landing container that the pipelines read raw files from (Auto Loader)."
  type        = string

  validation {
    condition     = startswith(var.landing_url, "abfss://")
    error_message = "landing_url must be an abfss:// URL."
  }
}

variable "schemas" {
  description = "Schemas of the medallion layout created in the catalog."
  type        = list(string)
  default     = ["bronze", "bronze_pii", "silver", "gold", "quarantine", "ops"]

  validation {
    condition     = alltrue([for s in ["bronze", "bronze_pii", "silver", "gold", "quarantine", "ops"] : contains(var.schemas, s)])
    error_message = "schemas must include bronze, bronze_pii, silver, gold, quarantine and ops."
  }
}

variable "volumes" {
  description = "Managed volumes the job tasks write files into, as <schema>.<volume> (grants.json pipeline_principal_volumes), created in the catalog and in every developer catalog."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.volumes : can(regex("^[a-z_]+\\.[a-z0-9_]+$", v))])
    error_message = "volumes: each must be <schema>.<volume> (lower case letters, digits and underscores)."
  }
}

variable "schema_comments" {
  description = "Comment of each schema, keyed by schema name (schemas without an entry get a generic comment)."
  type        = map(string)
  default = {
    bronze     = "Raw data as ingested, typed as raw, with ingestion metadata; PII columns masked."
    bronze_pii = "Restricted: clear PII values split from bronze. Only pii_readers and the pipelines principal."
    silver     = "Cleaned, validated, deduplicated and CDC-applied data."
    gold       = "Marts for BI, ad hoc analytics and data science."
    quarantine = "Rows that failed quality rules, with the names of the rules they broke."
    ops        = "Pipeline operations: run logs, quality metrics, audit."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to drop non-empty schemas and catalog (keep false outside throwaway environments)."
  type        = bool
  default     = false
}

variable "developers" {
  description = "User names (e-mail) of the people who deploy the dev bundle target; each gets the catalog <catalog_name>_<short name>. Empty outside dev."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for user in var.developers : can(regex("^[A-Za-z0-9._%+-]+@[^@]+$", user))])
    error_message = "developers: each must be a user name (e-mail) whose part before @ is ASCII letters, digits and ._%+- (so the catalog name follows the Databricks CLI's short name)."
  }

  validation {
    condition     = var.environment == "dev" || length(var.developers) == 0
    error_message = "developers: development catalogs exist in dev only."
  }
}
