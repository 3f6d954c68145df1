"""Daily-job task (``spark_python_task``): ``task_record_ops.py --src <synced src/> ...``.

Records the pipeline's finished updates (event log) with the same code a local run ends with:
runs, flow metrics, quality metrics and thresholds, reconciliation, alerts
(``pipelines.databricks.record_task``). ``--src`` goes on ``sys.path`` first, as in
``task_backfill.py``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.databricks.record_task import main

    raise SystemExit(main(sys.argv[1:]))
