# Non-secret settings of staging (terraform plan -var-file=staging.tfvars). IDs come from the environment or the command line:
#   TF_VAR_subscription_id, TF_VAR_databricks_account_id, TF_VAR_metastore_id, TF_VAR_github_repository
environment                = "staging"
location                   = "westeurope"
storage_account_name       = "lakehousestaginglake"
storage_replication_type   = "ZRS"
catalog_name               = "lakehouse_staging"
create_account_groups      = false
warehouse_cluster_size     = "X-Small"
warehouse_max_num_clusters = 1
warehouse_auto_stop_mins   = 5
