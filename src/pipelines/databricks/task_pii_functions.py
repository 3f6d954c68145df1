"""Job task (``spark_python_task``): ``task_pii_functions.py --src <synced src/> --conf C
--catalog K``.

Creates the PII mask functions (and the revealing views whose tables exist) before the
pipeline update that declares the masks; the logic is in ``pipelines.pii.unity.main``.
``--src`` goes on ``sys.path`` first, as in ``task_backfill.py``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.databricks.task import run_task
    from pipelines.pii.unity import main

    run_task(main)
