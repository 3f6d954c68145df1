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
  # The ops tables gain a file per run: predictive optimisation runs OPTIMIZE, VACUUM and
  # ANALYZE on UC managed tables (on by default only in accounts created since 2024-11-11).
  enable_predictive_optimization = "ENABLE"

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

# Volumes the job tasks write files into (grants.json pipeline_principal_volumes, e.g.
# bronze_pii.jdbc_extracts for the JDBC extracts): managed, so their files live in the
# catalog's storage and nothing writes to an external location (the landing one stays
# read-only). Who may read or write them is ../grants'.
resource "databricks_volume" "this" {
  for_each = toset(var.volumes)

  catalog_name = databricks_catalog.this.name
  schema_name  = databricks_schema.this[split(".", each.value)[0]].name
  name         = split(".", each.value)[1]
  volume_type  = "MANAGED"
  comment      = "Files the lakehouse jobs write (${each.value}); managed by Terraform."
}

# Development: one catalog per developer (`<catalog>_<short name>`, the dev bundle target's
# catalog), with the same schemas. In development mode a bundle's pipelines run as the person
# who deploys them, and every copy publishes the same <schema>.<table> names: in one shared
# catalog the second developer's deploy fails ("datasets can be defined only once") and each
# developer would need write access to everyone's tables. Empty outside dev.
locals {
  # The dev target's catalog is lakehouse_dev_${workspace.current_user.short_name}; the short
  # name is the Databricks CLI's: the user name's part before "@", every character that is not
  # a letter or digit as "_" (variables.tf keeps that part ASCII, so this rule is the CLI's).
  # Unity Catalog stores names lower case and compares them case-insensitively.
  developer_catalogs = {
    for user in var.developers :
    lower("${var.catalog_name}_${replace(split("@", user)[0], "/[^0-9A-Za-z]/", "_")}") => user
  }
}

resource "databricks_catalog" "developer" {
  for_each = local.developer_catalogs

  name           = each.key
  comment        = "Development catalog of ${each.value} (managed by Terraform)."
  storage_root   = "${trimsuffix(databricks_external_location.lakehouse.url, "/")}/developers/${each.key}"
  isolation_mode = "ISOLATED"
  force_destroy  = true # a sandbox: everything in it can be rebuilt from the landing zone
  # as databricks_catalog.this: the developer's ops tables gain a file per run too
  enable_predictive_optimization = "ENABLE"

  properties = {
    environment = var.environment
    developer   = each.value
    managed_by  = "terraform"
  }
}

resource "databricks_schema" "developer" {
  for_each = {
    for pair in setproduct(keys(local.developer_catalogs), var.schemas) :
    "${pair[0]}.${pair[1]}" => { catalog = pair[0], schema = pair[1] }
  }

  catalog_name  = databricks_catalog.developer[each.value.catalog].name
  name          = each.value.schema
  comment       = lookup(var.schema_comments, each.value.schema, "Lakehouse schema ${each.value.schema}.")
  force_destroy = true

  properties = {
    layer        = each.value.schema
    contains_pii = each.value.schema == "bronze_pii" ? "true" : "false"
  }
}

resource "databricks_volume" "developer" {
  for_each = {
    for pair in setproduct(keys(local.developer_catalogs), var.volumes) :
    "${pair[0]}.${pair[1]}" => { catalog = pair[0], schema = split(".", pair[1])[0], name = split(".", pair[1])[1] }
  }

  catalog_name = databricks_catalog.developer[each.value.catalog].name
  schema_name  = databricks_schema.developer["${each.value.catalog}.${each.value.schema}"].name
  name         = each.value.name
  volume_type  = "MANAGED"
  comment      = "Files the lakehouse jobs write (${each.value.schema}.${each.value.name}); managed by Terraform."
}
