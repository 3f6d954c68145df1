variable "grants_file" {
  description = "Path to the access declaration generated from src/conf by `lakehouse grants` (terraform/generated/grants.json)."
  type        = string

  validation {
    condition     = fileexists(var.grants_file)
    error_message = "The grants file does not exist. Run `lakehouse grants` to generate terraform/generated/grants.json."
  }
}

variable "catalog_name" {
  description = "Unity Catalog catalog of the environment (e.g. lakehouse_dev); prefixes every securable name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.catalog_name))
    error_message = "catalog_name must be lower case letters, digits and underscores, starting with a letter."
  }
}

variable "pipeline_principal" {
  description = "Principal the pipelines run as (application ID of the pipelines service principal); receives the pipeline_principal_privileges of grants.json on every schema in its pipeline_principal_schemas."
  type        = string

  validation {
    condition     = length(trimspace(var.pipeline_principal)) > 0
    error_message = "pipeline_principal must not be empty."
  }
}

variable "pii_schema" {
  description = "Restricted schema that holds clear PII values."
  type        = string
  default     = "bronze_pii"
}

variable "pii_reader_group" {
  description = "The only group that may be granted anything on the PII schema (besides the pipelines principal)."
  type        = string
  default     = "pii_readers"
}

variable "bi_reader_group" {
  description = "Group of BI users (Power BI through the SQL warehouse)."
  type        = string
  default     = "bi_readers"
}

variable "bi_reader_schemas" {
  description = "Schemas the BI group may be granted anything on."
  type        = list(string)
  default     = ["gold"]
}

variable "allowed_schema_privileges" {
  description = "Privileges that grants.json may grant on a schema. ALL_PRIVILEGES and MANAGE are never allowed."
  type        = list(string)
  default = [
    "APPLY_TAG", "BROWSE", "CREATE_FUNCTION", "CREATE_MATERIALIZED_VIEW", "CREATE_TABLE",
    "CREATE_VOLUME", "EXECUTE", "MODIFY", "READ_VOLUME", "REFRESH", "SELECT", "USE_SCHEMA",
    "WRITE_VOLUME",
  ]

  validation {
    condition     = length(setintersection(var.allowed_schema_privileges, ["ALL_PRIVILEGES", "MANAGE"])) == 0
    error_message = "ALL_PRIVILEGES and MANAGE cannot be allowed."
  }
}

variable "allowed_table_privileges" {
  description = "Privileges that grants.json may grant on a table. ALL_PRIVILEGES and MANAGE are never allowed."
  type        = list(string)
  default     = ["APPLY_TAG", "MODIFY", "REFRESH", "SELECT"]

  validation {
    condition     = length(setintersection(var.allowed_table_privileges, ["ALL_PRIVILEGES", "MANAGE"])) == 0
    error_message = "ALL_PRIVILEGES and MANAGE cannot be allowed."
  }
}

variable "allowed_volume_privileges" {
  description = "Privileges the pipelines principal may hold on a volume the jobs write (grants.json pipeline_principal_volumes). ALL_PRIVILEGES and MANAGE are never allowed."
  type        = list(string)
  default     = ["READ_VOLUME", "WRITE_VOLUME"]

  validation {
    condition     = length(setintersection(var.allowed_volume_privileges, ["ALL_PRIVILEGES", "MANAGE"])) == 0
    error_message = "ALL_PRIVILEGES and MANAGE cannot be allowed."
  }
}
