"""Local launcher: a Spark Connect server with Delta, the pipeline run, ``lakehouse serve``."""
