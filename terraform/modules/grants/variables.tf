variable "grants_file" {
  description = "Path to terraform/generated/grants.json, written by `lakehouse grants` from the access declaration in src/conf."
  type        = string
}

variable "catalog_name" {
  description = "Unity Catalog catalog of the environment; every grant is made on <catalog>.<schema> or <catalog>.<schema>.<table>."
  type        = string
}

variable "pipeline_principal" {
  description = "Application ID of the pipelines service principal (the bundle's run_as identity)."
  type        = string
}

variable "manage_table_grants" {
  description = "Manage the table-level grants of grants.json. Tables are created by the first pipeline run, so bootstrap a new environment with false and switch to true afterwards."
  type        = bool
  default     = true
}

variable "external_location_grants" {
  description = "Grants on external locations, keyed by external location name (e.g. READ_FILES on the landing location for the pipelines principal and data_engineers)."
  type = map(list(object({
    principal  = string
    privileges = list(string)
  })))
  default = {}

  validation {
    condition = alltrue(flatten([
      for location, grants in var.external_location_grants : [
        for g in grants : length(setintersection(g.privileges, ["ALL_PRIVILEGES", "MANAGE"])) == 0
      ]
    ]))
    error_message = "External location grants must not include ALL_PRIVILEGES or MANAGE."
  }
}

variable "developer_catalogs" {
  description = "Development catalogs (map of catalog name to the developer's user name, from the unity_catalog module): each developer gets the pipelines principal's privileges on their own catalog only."
  type        = map(string)
  default     = {}
}
