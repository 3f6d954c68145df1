"""Daily-job task (``spark_python_task``): ``record_ops.py --src <synced src/> ...``.

Fills ``ops.pipeline_runs`` and ``ops.flow_metrics`` from the pipeline's event log; the logic is
in ``pipelines.ops.from_eventlog``. ``--src`` goes on ``sys.path`` first, as in ``backfill.py``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.ops.from_eventlog import main

    raise SystemExit(main(sys.argv[1:]))
