output "id" {
  description = "ID of the SQL warehouse (the bundle's warehouse variable)."
  value       = databricks_sql_endpoint.this.id
}

output "jdbc_url" {
  description = "JDBC URL of the warehouse."
  value       = databricks_sql_endpoint.this.jdbc_url
}

output "odbc_params" {
  description = "ODBC connection parameters (hostname, path, protocol, port); Power BI needs the server hostname and the HTTP path."
  value       = databricks_sql_endpoint.this.odbc_params
}
