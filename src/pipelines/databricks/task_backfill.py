"""Backfill job task (``spark_python_task``): ``backfill.py --src <synced src/> ...``.

``--src`` goes on ``sys.path`` before the package is imported, since a Python task does not
get the pipelines' ``root_path``. The logic is in ``pipelines.deploy.backfill``.
"""

import sys

if __name__ == "__main__":
    if "--src" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
    from pipelines.deploy.backfill import main
    from pipelines.errors import LakehouseError

    try:
        main(sys.argv[1:])
    except LakehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
