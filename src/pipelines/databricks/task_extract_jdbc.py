"""Daily-job task (``spark_python_task``): ``extract_jdbc.py --src <synced src/> ...``.

Extracts the increments of the pipeline's incremental JDBC sources before its bronze task; the
logic is in ``pipelines.sources.jdbc_task``. ``--src`` goes on ``sys.path`` first, as in
``backfill.py``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.databricks.task import run_task
    from pipelines.sources.jdbc_task import main

    run_task(main)
