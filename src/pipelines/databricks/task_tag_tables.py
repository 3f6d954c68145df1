"""Job task (``spark_python_task``): ``task_tag_tables.py --src <synced src/> --conf C
--catalog K --pipeline P``.

Tags the pipeline's tables after its last refresh (owner, domain, layer; PII class and mask
of columns); the logic is in ``pipelines.deploy.tags.main``. ``--src`` goes on ``sys.path``
first, as in ``task_backfill.py``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.databricks.task import run_task
    from pipelines.deploy.tags import main

    run_task(main)
