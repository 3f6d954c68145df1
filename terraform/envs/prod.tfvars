# Non-secret settings of prod (terraform plan -var-file=prod.tfvars). IDs come from the environment or the command line:
#   TF_VAR_subscription_id, TF_VAR_databricks_account_id, TF_VAR_metastore_id, TF_VAR_github_repository
environment                = "prod"
location                   = "westeurope"
storage_account_name       = "lakehouseprodlake"
storage_replication_type   = "GZRS"
catalog_name               = "lakehouse_prod"
create_account_groups      = false
warehouse_cluster_size     = "Small"
warehouse_max_num_clusters = 4
warehouse_auto_stop_mins   = 15
