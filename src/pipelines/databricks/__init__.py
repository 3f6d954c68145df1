"""Databricks launcher: the Lakeflow pipeline source file and the job tasks' entry files."""
