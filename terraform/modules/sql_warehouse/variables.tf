variable "name" {
  description = "Display name of the SQL warehouse (what Power BI users see)."
  type        = string
}

variable "cluster_size" {
  description = "T-shirt size of the warehouse clusters."
  type        = string
  default     = "Small"

  validation {
    condition     = contains(["2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large", "2X-Large", "3X-Large", "4X-Large"], var.cluster_size)
    error_message = "cluster_size must be one of 2X-Small, X-Small, Small, Medium, Large, X-Large, 2X-Large, 3X-Large, 4X-Large."
  }
}

variable "min_num_clusters" {
  description = "Minimum number of clusters kept while the warehouse runs."
  type        = number
  default     = 1
}

variable "max_num_clusters" {
  description = "Maximum number of clusters the warehouse scales out to under concurrent BI load."
  type        = number
  default     = 2

  validation {
    condition     = var.max_num_clusters >= 1 && var.max_num_clusters <= 40
    error_message = "max_num_clusters must be between 1 and 40."
  }
}

variable "auto_stop_mins" {
  description = "Minutes of inactivity after which the warehouse stops (serverless allows 5 or more; 0 would disable auto-stop and is refused)."
  type        = number
  default     = 10

  validation {
    condition     = var.auto_stop_mins >= 5
    error_message = "auto_stop_mins must be at least 5: a BI warehouse must stop when idle."
  }
}

variable "user_groups" {
  description = "Groups that may run queries on the warehouse (CAN_USE), typically bi_readers."
  type        = list(string)
  default     = ["bi_readers"]
}

variable "manager_groups" {
  description = "Groups that may edit, start and stop the warehouse (CAN_MANAGE)."
  type        = list(string)
  default     = ["data_engineers"]
}

variable "tags" {
  description = "Custom tags put on the warehouse's resources (cost attribution)."
  type        = map(string)
  default     = {}
}
