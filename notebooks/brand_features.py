# Databricks notebook source
# MAGIC %md
# MAGIC # Brand features for data scientists
# MAGIC
# MAGIC One row per brand, built from `silver.product_catalog` (every valid product) and
# MAGIC `gold.team_a_products_with_image`: how many products, how many have an image, the span and
# MAGIC average of release years, how many categories and currencies. A small, documented feature
# MAGIC set to start a model from; it is returned as `features` (and a pandas copy, `features_pdf`).
# MAGIC
# MAGIC Runs unchanged on Databricks, through Databricks Connect and on the local lakehouse.

# COMMAND ----------

import os
import sys

try:
    import pipelines  # noqa: F401
except ImportError:  # a checkout without the package installed (Databricks Repos, Connect)
    sys.path.insert(0, os.path.abspath(os.path.join(os.getcwd(), "..", "src")))

from pyspark.sql import functions as F

from pipelines.notebook import read_table, spark_session

spark = spark_session()

try:
    display  # noqa: B018 - Databricks notebooks provide display()
except NameError:

    def display(frame):
        frame.show(truncate=False)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Inputs

# COMMAND ----------

products = read_table("silver.product_catalog")
with_image = read_table("gold.team_a_products_with_image")

# COMMAND ----------

# MAGIC %md
# MAGIC ## Features
# MAGIC
# MAGIC | feature | meaning |
# MAGIC |---|---|
# MAGIC | `products` | valid products of the brand in silver |
# MAGIC | `products_with_image` | of those, how many have an image (gold mart of team A) |
# MAGIC | `image_share` | `products_with_image / products`, rounded to 4 decimals |
# MAGIC | `first_year`, `last_year`, `avg_year` | release years (avg rounded to 1 decimal) |
# MAGIC | `categories`, `currencies` | distinct category ids and currency codes |

# COMMAND ----------

per_brand = products.groupBy("brand").agg(
    F.count(F.lit(1)).alias("products"),
    F.min("year_release").alias("first_year"),
    F.max("year_release").alias("last_year"),
    F.round(F.avg("year_release"), 1).alias("avg_year"),
    F.countDistinct("category_id").alias("categories"),
    F.countDistinct("currency").alias("currencies"),
)
images = with_image.groupBy("brand").agg(F.count(F.lit(1)).alias("products_with_image"))

features = (
    per_brand.join(images, "brand", "left")
    .fillna(0, subset=["products_with_image"])
    .withColumn("image_share", F.round(F.col("products_with_image") / F.col("products"), 4))
    .select(
        "brand",
        "products",
        "products_with_image",
        "image_share",
        "first_year",
        "last_year",
        "avg_year",
        "categories",
        "currencies",
    )
    .orderBy("brand")
)
display(features)

# COMMAND ----------

# MAGIC %md
# MAGIC ## To pandas, for scikit-learn and friends

# COMMAND ----------

features_pdf = features.toPandas()
print(f"{len(features_pdf)} brands x {len(features_pdf.columns) - 1} features")
