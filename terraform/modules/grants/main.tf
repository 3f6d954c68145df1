# Unity Catalog grants, generated from config: the access model (../access_model) reads
# grants.json, checks the least-privilege rules and groups the grants by securable.
# databricks_grants is authoritative for its securable, so every principal of a securable is
# declared in the same resource and grants made by hand are reverted on the next apply.

module "access" {
  source = "../access_model"

  grants_file        = var.grants_file
  catalog_name       = var.catalog_name
  pipeline_principal = var.pipeline_principal
}

resource "databricks_grants" "catalog" {
  catalog = module.access.catalog_grants.securable

  dynamic "grant" {
    for_each = module.access.catalog_grants.grants
    content {
      principal  = grant.value.principal
      privileges = grant.value.privileges
    }
  }
}

resource "databricks_grants" "schema" {
  for_each = module.access.schema_grants

  schema = each.value.securable

  dynamic "grant" {
    for_each = each.value.grants
    content {
      principal  = grant.value.principal
      privileges = grant.value.privileges
    }
  }
}

resource "databricks_grants" "table" {
  for_each = var.manage_table_grants ? module.access.table_grants : {}

  table = each.value.securable

  dynamic "grant" {
    for_each = each.value.grants
    content {
      principal  = grant.value.principal
      privileges = grant.value.privileges
    }
  }
}

# Volumes the job tasks write files into (the JDBC extracts: raw PII): the pipelines principal
# only, READ_VOLUME and WRITE_VOLUME (access model); nobody else.
resource "databricks_grants" "volume" {
  for_each = module.access.volume_grants

  volume = each.value.securable

  dynamic "grant" {
    for_each = each.value.grants
    content {
      principal  = grant.value.principal
      privileges = grant.value.privileges
    }
  }
}

resource "databricks_grants" "external_location" {
  for_each = var.external_location_grants

  external_location = each.key

  dynamic "grant" {
    for_each = each.value
    content {
      principal  = grant.value.principal
      privileges = grant.value.privileges
    }
  }
}

# Development catalogs: their developer runs the dev bundle's pipelines and jobs (development
# mode runs them as the deploying person), so the developer holds on their own catalog exactly
# what the pipelines principal holds on the environment's catalog, and nobody else anything.
resource "databricks_grants" "developer_catalog" {
  for_each = var.developer_catalogs

  catalog = each.key

  grant {
    principal  = each.value
    privileges = ["USE_CATALOG"]
  }
}

resource "databricks_grants" "developer_schema" {
  for_each = {
    for pair in setproduct(keys(var.developer_catalogs), module.access.pipeline_schemas) :
    "${pair[0]}.${pair[1]}" => { developer = var.developer_catalogs[pair[0]], schema = pair[1] }
  }

  schema = each.key

  grant {
    principal  = each.value.developer
    privileges = concat(module.access.pipeline_schema_privileges, lookup(module.access.pipeline_extra_privileges, each.value.schema, []))
  }
}

resource "databricks_grants" "developer_volume" {
  for_each = {
    for pair in setproduct(keys(var.developer_catalogs), keys(module.access.pipeline_volume_privileges)) :
    "${pair[0]}.${pair[1]}" => { developer = var.developer_catalogs[pair[0]], privileges = module.access.pipeline_volume_privileges[pair[1]] }
  }

  volume = each.key

  grant {
    principal  = each.value.developer
    privileges = each.value.privileges
  }
}
