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
    from pipelines.deploy.tags import main
    from pipelines.errors import LakehouseError

    try:
        raise SystemExit(main(sys.argv[1:]))
    except LakehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
