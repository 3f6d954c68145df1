"""The cost of a run with nothing new against a full run, on the demo's landing zone.

    .venv/bin/python benchmarks/nothing_new.py --landing .lakehouse/landing --repeats 3

``--landing``: a landing zone ``lakehouse demo`` generated (every file source of the shipped
config). Per repeat, on a fresh ``LAKEHOUSE_HOME``, each a fresh ``lakehouse run --profile``
process, as ``run.py`` measures them:

1. ``full``: ``--full-refresh``, every dataset recomputed;
2. ``nothing_new``: a plain run right after: no file is new, so every dataset is left as it is
   (``pipelines.ops.up_to_date``), and the run says so per source.

The sources the demo serves from local servers (PostgreSQL, Kafka, the rates API) are not
configured in these runs and are skipped the same way in both. Prints the median of each and
the ratio, and writes every measurement to ``benchmarks/results/nothing_new-<time>.json``.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import asdict
from pathlib import Path

from run import (
    REPO,
    VENV_BIN,
    Job,
    add_wait_options,
    measure,
    parse_ours,
    save,
    wait_until_quiet,
)


def _job(landing: Path, home: Path, *, full_refresh: bool) -> Job:
    env = {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing)}
    env["LAKEHOUSE_CONF"] = str(REPO / "src" / "conf")
    command = [str(VENV_BIN / "lakehouse"), "run", "--profile"]
    return Job(
        "ours", home, command + (["--full-refresh"] if full_refresh else []), env, parse_ours
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/nothing_new"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    args = parser.parse_args()
    home, results = args.work / "home", []
    for repeat in range(1, args.repeats + 1):
        for kind in ("full", "nothing_new"):
            wait_until_quiet(args.quiet, args.quiet_wait)
            job = _job(args.landing.resolve(), home, full_refresh=kind == "full")
            result = measure(job, 0, repeat, kind, 1800, fresh=kind == "full")
            if kind == "nothing_new" and result.ok and "up to date" not in _log(home):
                result.error = "no dataset was left up to date"
            print(f"  #{repeat} {kind:<12} {result.seconds:7.1f}s cpu {result.cpu_seconds:6.1f}s "
                  f"others {result.other_cores:.2f} cores  "
                  f"{'ok' if result.ok else 'FAILED: ' + result.error}", flush=True)  # fmt: skip
            results.append(result)
    medians = {
        kind: statistics.median(r.seconds for r in results if r.settings == kind and r.ok)
        for kind in ("full", "nothing_new")
    }
    summary = (
        f"full {medians['full']:.1f} s, nothing new {medians['nothing_new']:.1f} s: "
        f"{medians['nothing_new'] / medians['full']:.2f}x (median of {args.repeats})"
    )
    print(summary)
    save(args.out, "nothing_new", {"runs": [asdict(r) for r in results]}, summary)


def _log(home: Path) -> str:
    return (home.parent / f"{home.name}.log").read_text()


if __name__ == "__main__":
    main()
