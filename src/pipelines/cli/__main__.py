"""``python -m pipelines.cli``."""

from pipelines.cli import main

raise SystemExit(main())
