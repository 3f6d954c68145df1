# Databricks notebook source
# MAGIC %md
# MAGIC # Explore the gold marts
# MAGIC
# MAGIC What the lakehouse serves to BI and to feature teams: every gold table, its size, and a
# MAGIC first look at the products with an image.
# MAGIC
# MAGIC Runs unchanged on Databricks (the runtime's `spark`; set `LAKEHOUSE_CATALOG`, e.g.
# MAGIC `lakehouse_dev`, on the cluster or job), through Databricks Connect, and on a laptop against
# MAGIC the local lakehouse (`make demo` first; `LAKEHOUSE_HOME` chooses which one).

# COMMAND ----------

import os
import sys

try:
    import pipelines  # noqa: F401
except ImportError:  # a checkout without the package installed (Databricks Repos, Connect)
    sys.path.insert(0, os.path.abspath(os.path.join(os.getcwd(), "..", "src")))

from pipelines.notebook import environment, read_table, spark_session

spark = spark_session()
catalog = os.environ.get("LAKEHOUSE_CATALOG")
if catalog:  # so that the %sql cells below resolve gold.<table> in the target's catalog
    spark.sql(f"USE CATALOG {catalog}")

try:
    display  # noqa: B018 - Databricks notebooks provide display()
except NameError:

    def display(frame):
        frame.show(truncate=False)


print(f"session: {environment()}")

# COMMAND ----------

# MAGIC %md
# MAGIC ## The gold tables and their sizes

# COMMAND ----------

gold_tables = sorted(
    row.tableName for row in spark.sql("SHOW TABLES IN gold").collect() if not row.isTemporary
)
table_sizes = {name: read_table(f"gold.{name}").count() for name in gold_tables}
for name, rows in table_sizes.items():
    print(f"gold.{name}: {rows:,} rows")

# COMMAND ----------

# MAGIC %md
# MAGIC ## Products with an image, by brand

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT brand, count(*) AS products,
# MAGIC        min(year_release) AS first_year, max(year_release) AS last_year
# MAGIC FROM gold.team_a_products_with_image
# MAGIC GROUP BY brand
# MAGIC ORDER BY products DESC, brand

# COMMAND ----------

brands_with_image = _sqldf  # noqa: F821 - Databricks binds the last %sql result to _sqldf
display(brands_with_image)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Missing values per column
# MAGIC
# MAGIC A quick profile before modelling: how often each column of the mart is empty.

# COMMAND ----------

from pyspark.sql import functions as F  # noqa: E402

products = read_table("gold.team_a_products_with_image")
columns = [c for c in products.columns if c != "image"]
null_counts = (
    products.select([F.sum(F.col(c).isNull().cast("int")).alias(c) for c in columns])
    .collect()[0]
    .asDict()
)
display(spark.createDataFrame([(c, null_counts[c]) for c in columns], "column string, nulls long"))
