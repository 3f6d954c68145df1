variable "environment" {
  description = "Environment name (dev, staging or prod); used in resource names and tags."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "name_prefix" {
  description = "Prefix of every Azure resource name, e.g. lakehouse -> lakehouse-dev-rg."
  type        = string
  default     = "lakehouse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lower case letters, digits or dashes, starting with a letter."
  }
}

variable "location" {
  description = "Azure region of the resource group, storage, access connector and workspace (must match the Unity Catalog metastore region)."
  type        = string
}

variable "storage_account_name" {
  description = "Globally unique name of the ADLS Gen2 storage account (3-24 lower case letters and digits)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lower case letters and digits."
  }
}

variable "storage_replication_type" {
  description = "Replication of the storage account: LRS/ZRS for dev, ZRS or GZRS for prod."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "containers" {
  description = "ADLS Gen2 containers: landing (raw files that feature teams drop) and lakehouse (managed storage of the Unity Catalog catalog)."
  type        = list(string)
  default     = ["landing", "lakehouse"]

  validation {
    condition     = contains(var.containers, "landing") && contains(var.containers, "lakehouse")
    error_message = "containers must include landing and lakehouse."
  }
}

variable "storage_public_network_access_enabled" {
  description = "Allow the public endpoint of the storage account at all. Even when true the firewall denies by default and only admits the Databricks access connector, Azure services, storage_allowed_ip_ranges and storage_allowed_subnet_ids; set false when you reach it through private endpoints."
  type        = bool
  default     = true
}

variable "storage_allowed_ip_ranges" {
  description = "Public IP ranges (CIDR) admitted by the storage firewall, e.g. your office or self-hosted runners."
  type        = list(string)
  default     = []
}

variable "storage_allowed_subnet_ids" {
  description = "Subnet IDs admitted by the storage firewall (VNet-injected workspace subnets, serverless network connectivity config subnets)."
  type        = list(string)
  default     = []
}

variable "workspace_public_network_access_enabled" {
  description = "Allow access to the Databricks workspace from the public internet (false requires Private Link front-end)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every Azure resource."
  type        = map(string)
  default     = {}
}
