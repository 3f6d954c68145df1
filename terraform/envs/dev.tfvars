# Non-secret settings of dev (terraform plan -var-file=dev.tfvars). IDs come from the environment or the command line:
#   TF_VAR_subscription_id, TF_VAR_databricks_account_id, TF_VAR_metastore_id, TF_VAR_github_repository
environment                = "dev"
location                   = "westeurope"
storage_account_name       = "lakehousedevlake"
storage_replication_type   = "LRS"
catalog_name               = "lakehouse_dev"
create_account_groups      = true
warehouse_cluster_size     = "2X-Small"
warehouse_max_num_clusters = 1
warehouse_auto_stop_mins   = 5
# Who deploys the dev target (`databricks bundle deploy -t dev`): each gets lakehouse_dev_<short name>.
developers = []
