# The access model: turns the declaration in grants.json (generated from src/conf by
# `lakehouse grants`) into one authoritative grant list per Unity Catalog securable, and
# refuses declarations that break the least-privilege rules (see outputs.tf preconditions).

locals {
  config = jsondecode(file(var.grants_file))

  schemas = local.config.schemas
  # What the pipelines principal holds on each schema it writes (exactly: lakehouse grants says why),
  # and beyond that on single schemas (CREATE_FUNCTION on bronze_pii: the PII mask functions).
  pipeline_privileges = local.config.pipeline_principal_privileges
  extra_privileges    = try(local.config.pipeline_principal_extra_privileges, {})
  groups              = { for g in local.config.groups : g.name => g.description }

  declared_schema_grants = [
    for g in local.config.schema_grants : {
      where      = "schema_grants[${g.schema}/${g.principal}]"
      schema     = g.schema
      principal  = g.principal
      privileges = g.privileges
    }
  ]

  declared_table_grants = [
    for g in local.config.table_grants : {
      where      = "table_grants[${g.table}/${g.principal}]"
      table      = g.table
      schema     = split(".", g.table)[0]
      principal  = g.principal
      privileges = g.privileges
    }
  ]

  # Volumes the job tasks write files into: the pipelines principal holds exactly the listed
  # privileges (READ_VOLUME, WRITE_VOLUME), nobody else anything (databricks_grants is
  # authoritative: a grant made by hand is reverted).
  volume_privileges = try(local.config.pipeline_principal_volumes, {})
  volume_grants = {
    for v, privileges in local.volume_privileges : v => {
      securable = "${var.catalog_name}.${v}"
      grants    = [{ principal = var.pipeline_principal, privileges = sort(privileges) }]
    }
  }

  # Every schema-level privilege: declared ones, the pipelines principal on its schemas, and
  # USE_SCHEMA on the parent schema for each table grantee (a table grant is useless without it).
  schema_entries = concat(
    [for g in local.declared_schema_grants : { schema = g.schema, principal = g.principal, privileges = g.privileges }],
    [for s in local.config.pipeline_principal_schemas : { schema = s, principal = var.pipeline_principal, privileges = concat(local.pipeline_privileges, lookup(local.extra_privileges, s, [])) }],
    [for g in local.declared_table_grants : { schema = g.schema, principal = g.principal, privileges = ["USE_SCHEMA"] }],
  )

  # databricks_grants is authoritative per securable: all principals of one securable must be
  # in one resource, so group by securable, then by principal.
  schema_grants = {
    for s in sort(distinct([for e in local.schema_entries : e.schema])) : s => {
      securable = "${var.catalog_name}.${s}"
      grants = [
        for p in sort(distinct([for e in local.schema_entries : e.principal if e.schema == s])) : {
          principal  = p
          privileges = sort(distinct(flatten([for e in local.schema_entries : e.privileges if e.schema == s && e.principal == p])))
        }
      ]
    }
  }

  table_grants = {
    for t in sort(distinct([for g in local.declared_table_grants : g.table])) : t => {
      securable = "${var.catalog_name}.${t}"
      grants = [
        for p in sort(distinct([for g in local.declared_table_grants : g.principal if g.table == t])) : {
          principal  = p
          privileges = sort(distinct(flatten([for g in local.declared_table_grants : g.privileges if g.table == t && g.principal == p])))
        }
      ]
    }
  }

  # USE_CATALOG for every principal that holds any grant below the catalog.
  catalog_principals = sort(distinct(concat(
    [for e in local.schema_entries : e.principal],
    [for g in local.declared_table_grants : g.principal],
  )))

  catalog_grants = {
    securable = var.catalog_name
    grants    = [for p in local.catalog_principals : { principal = p, privileges = ["USE_CATALOG"] }]
  }

  declared             = concat(local.declared_schema_grants, local.declared_table_grants)
  forbidden_privileges = ["ALL_PRIVILEGES", "MANAGE"]

  violations = concat(
    [
      for d in local.declared : "${d.where}: ${join(", ", sort(setintersection(d.privileges, local.forbidden_privileges)))} is never granted (least privilege)"
      if length(setintersection(d.privileges, local.forbidden_privileges)) > 0
    ],
    [
      for d in local.declared : "${d.where}: only ${var.pii_reader_group} and the pipelines principal may be granted on ${var.pii_schema}"
      if d.schema == var.pii_schema && d.principal != var.pii_reader_group
    ],
    [
      for d in local.declared : "${d.where}: ${var.bi_reader_group} may only be granted on ${join(", ", var.bi_reader_schemas)}"
      if d.principal == var.bi_reader_group && !contains(var.bi_reader_schemas, d.schema)
    ],
    # A feature team's landing schema holds its undeclared arrivals (raw, maybe PII): that team only.
    [
      for d in local.declared : "${d.where}: only ${trimprefix(d.schema, "landing_")} may be granted on ${d.schema} (its undeclared arrivals, held back)"
      if startswith(d.schema, "landing_") && d.schema != "landing_${d.principal}"
    ],
    [
      for d in local.declared : "${d.where}: principal ${d.principal} is not one of the declared groups"
      if !contains(keys(local.groups), d.principal)
    ],
    [
      for d in local.declared : "${d.where}: schema ${d.schema} is not one of the declared schemas"
      if !contains(local.schemas, d.schema)
    ],
    [
      for g in local.declared_table_grants : "${g.where}: table must be written <schema>.<table>"
      if length(split(".", g.table)) != 2
    ],
    [
      for g in local.declared_schema_grants : "${g.where}: ${join(", ", sort(setsubtract(g.privileges, var.allowed_schema_privileges)))} is not an allowed schema privilege"
      if length(setsubtract(g.privileges, var.allowed_schema_privileges)) > 0 && length(setintersection(g.privileges, local.forbidden_privileges)) == 0
    ],
    [
      for g in local.declared_table_grants : "${g.where}: ${join(", ", sort(setsubtract(g.privileges, var.allowed_table_privileges)))} is not an allowed table privilege"
      if length(setsubtract(g.privileges, var.allowed_table_privileges)) > 0 && length(setintersection(g.privileges, local.forbidden_privileges)) == 0
    ],
    [
      for s in local.config.pipeline_principal_schemas : "pipeline_principal_schemas: ${s} is not one of the declared schemas"
      if !contains(local.schemas, s)
    ],
    [
      for p in local.pipeline_privileges : "pipeline_principal_privileges: ${p} is not an allowed schema privilege"
      if !contains(var.allowed_schema_privileges, p)
    ],
    [
      for s, privileges in local.extra_privileges : "pipeline_principal_extra_privileges[${s}]: ${join(", ", sort(setsubtract(privileges, var.allowed_schema_privileges)))} is not an allowed schema privilege"
      if length(setsubtract(privileges, var.allowed_schema_privileges)) > 0
    ],
    [
      for s, privileges in local.extra_privileges : "pipeline_principal_extra_privileges[${s}]: not one of pipeline_principal_schemas"
      if !contains(local.config.pipeline_principal_schemas, s)
    ],
    [
      for v, privileges in local.volume_privileges : "pipeline_principal_volumes[${v}]: ${join(", ", sort(setsubtract(privileges, var.allowed_volume_privileges)))} is not an allowed volume privilege"
      if length(setsubtract(privileges, var.allowed_volume_privileges)) > 0
    ],
    [
      for v, privileges in local.volume_privileges : "pipeline_principal_volumes[${v}]: must be <schema>.<volume> in one of pipeline_principal_schemas (the principal needs USE_SCHEMA there)"
      if length(split(".", v)) != 2 || !contains(local.config.pipeline_principal_schemas, split(".", v)[0])
    ],
  )

  violation_message = "grants.json breaks the least-privilege rules:\n  - ${join("\n  - ", local.violations)}"
}
