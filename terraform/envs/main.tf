# The lakehouse of one environment. One root module serves dev, staging and prod: they differ
# only in values, <env>.tfvars (-var-file) and the state key, backend/<env>.hcl
# (-backend-config). The modules apply in dependency order: workspace -> unity_catalog ->
# identities -> grants (plus the SQL warehouse and secret scopes, which need the identities).

locals {
  # Written by `lakehouse grants` from the access declaration in src/conf.
  grants_file        = "${path.root}/../generated/grants.json"
  secret_scopes_file = "${path.root}/../generated/secret_scopes.json"
  access             = jsondecode(file(local.grants_file))
}

module "workspace" {
  source = "../modules/workspace"
  providers = {
    databricks.account = databricks.account
  }

  environment               = var.environment
  name_prefix               = var.name_prefix
  location                  = var.location
  storage_account_name      = var.storage_account_name
  storage_replication_type  = var.storage_replication_type
  storage_allowed_ip_ranges = var.storage_allowed_ip_ranges
  tags                      = var.tags
}

module "unity_catalog" {
  source = "../modules/unity_catalog"
  providers = {
    databricks         = databricks
    databricks.account = databricks.account
  }

  environment         = var.environment
  workspace_id        = module.workspace.workspace_id
  metastore_id        = var.metastore_id
  access_connector_id = module.workspace.access_connector_id
  catalog_name        = var.catalog_name
  lakehouse_url       = module.workspace.container_urls["lakehouse"]
  landing_url         = module.workspace.container_urls["landing"]
  schemas             = local.access.schemas
  volumes             = keys(local.access.pipeline_principal_volumes)
  developers          = var.developers
}

module "identities" {
  source = "../modules/identities"
  providers = {
    databricks = databricks.account
  }

  environment           = var.environment
  grants_file           = local.grants_file
  create_groups         = var.create_account_groups
  databricks_account_id = var.databricks_account_id
  workspace_id          = module.workspace.workspace_id
  github_repository     = var.github_repository

  # Account principals can be assigned to the workspace once it is attached to the metastore.
  depends_on = [module.unity_catalog]
}

module "grants" {
  source = "../modules/grants"

  grants_file         = local.grants_file
  catalog_name        = module.unity_catalog.catalog_name
  pipeline_principal  = module.identities.pipelines_service_principal_application_id
  manage_table_grants = var.manage_table_grants
  developer_catalogs  = module.unity_catalog.developer_catalogs

  external_location_grants = {
    (module.unity_catalog.landing_external_location) = concat(
      [
        { principal = module.identities.pipelines_service_principal_application_id, privileges = ["READ_FILES"] },
        { principal = "pii_readers", privileges = ["READ_FILES"] }, # raw PII: the delivered feeds
      ],
      # a developer's dev pipelines read the landing zone as the developer
      [for user in var.developers : { principal = user, privileges = ["READ_FILES"] }],
    )
  }

  depends_on = [module.unity_catalog, module.identities]
}

module "sql_warehouse" {
  source = "../modules/sql_warehouse"

  name             = "lakehouse-${var.environment}-bi"
  cluster_size     = var.warehouse_cluster_size
  max_num_clusters = var.warehouse_max_num_clusters
  auto_stop_mins   = var.warehouse_auto_stop_mins
  user_groups      = ["bi_readers"]
  manager_groups   = ["data_engineers"]
  tags             = merge(var.tags, { environment = var.environment })

  depends_on = [module.identities]
}

module "secret_scopes" {
  source = "../modules/secret_scopes"

  secret_scopes_file  = local.secret_scopes_file
  pipelines_principal = module.identities.pipelines_service_principal_application_id
  reader_groups       = ["data_engineers"]
  pii_reader_groups   = ["pii_readers"]

  depends_on = [module.identities]
}
