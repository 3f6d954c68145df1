# Unity Catalog for one environment: attach the workspace to the regional metastore, register
# the access connector as storage credential, declare the landing and lakehouse external
# locations, and create the environment's catalog (isolated to this workspace) with the
# medallion schemas. Grants live in ../grants.

resource "databricks_metastore_assignment" "this" {
  provider = databricks.account

  workspace_id = var.workspace_id
  metastore_id = var.metastore_id
}

resource "databricks_storage_credential" "this" {
  name           = "lakehouse-${var.environment}-connector"
  comment        = "Access connector of the ${var.environment} lakehouse storage (managed by Terraform)."
  isolation_mode = "ISOLATION_MODE_ISOLATED"

  azure_managed_identity {
    access_connector_id = var.access_connector_id
  }

  depends_on = [databricks_metastore_assignment.this]
}

resource "databricks_external_location" "lakehouse" {
  name            = "lakehouse-${var.environment}-managed"
  url             = var.lakehouse_url
  credential_name = databricks_storage_credential.this.name
  comment         = "Managed storage of catalog ${var.catalog_name}."
  isolation_mode  = "ISOLATION_MODE_ISOLATED"
}

resource "databricks_external_location" "landing" {
  name            = "lakehouse-${var.environment}-landing"
  url             = var.landing_url
  credential_name = databricks_storage_credential.this.name
  comment         = "Landing zone: raw files read by the bronze pipelines."
  isolation_mode  = "ISOLATION_MODE_ISOLATED"
  read_only       = true
}

resource "databricks_catalog" "this" {
  name           = var.catalog_name
  comment        = "Lakehouse catalog of the ${var.environment} environment (managed by Terraform)."
  storage_root   = databricks_external_location.lakehouse.url
  isolation_mode = "ISOLATED"
  force_destroy  = var.force_destroy

  properties = {
    environment = var.environment
    managed_by  = "terraform"
  }
}

resource "databricks_schema" "this" {
  for_each = toset(var.schemas)

  catalog_name  = databricks_catalog.this.name
  name          = each.value
  comment       = lookup(var.schema_comments, each.value, "Lakehouse schema ${each.value}.")
  force_destroy = var.force_destroy

  properties = {
    layer        = each.value
    contains_pii = each.value == "bronze_pii" ? "true" : "false"
  }
}
