# Serverless SQL warehouse for BI (Power BI connects through its ODBC/JDBC endpoint), stopped
# when idle, usable by the BI group only.

resource "databricks_sql_endpoint" "this" {
  name                      = var.name
  cluster_size              = var.cluster_size
  min_num_clusters          = var.min_num_clusters
  max_num_clusters          = var.max_num_clusters
  auto_stop_mins            = var.auto_stop_mins
  enable_serverless_compute = true
  warehouse_type            = "PRO"
  enable_photon             = true

  channel {
    name = "CHANNEL_NAME_CURRENT"
  }

  tags {
    dynamic "custom_tags" {
      for_each = merge(var.tags, { purpose = "bi" })
      content {
        key   = custom_tags.key
        value = custom_tags.value
      }
    }
  }
}

resource "databricks_permissions" "warehouse" {
  sql_endpoint_id = databricks_sql_endpoint.this.id

  dynamic "access_control" {
    for_each = toset(var.user_groups)
    content {
      group_name       = access_control.value
      permission_level = "CAN_USE"
    }
  }

  dynamic "access_control" {
    for_each = toset(var.manager_groups)
    content {
      group_name       = access_control.value
      permission_level = "CAN_MANAGE"
    }
  }
}
