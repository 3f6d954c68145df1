"""Backfill job task (``spark_python_task``): ``backfill.py --src <synced src/> ...``.

``--src`` goes on ``sys.path`` before the package is imported, since a Python task does not
get the pipelines' ``root_path``. The logic is in ``pipelines.deploy.backfill``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.databricks.task import run_task
    from pipelines.deploy.backfill import main

    run_task(main)
