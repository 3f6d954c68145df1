"""A day of the hotel's extracts: its daily report folded from its parts, against the engine.

    .venv/bin/python benchmarks/hotel_day.py --days 120 --bookings-per-day 3000 --ref 4068b31

The demo's hotel generator (``pipelines.demo.generate_hotel``) writes ``--days`` daily
reservation extracts and folio files (new bookings, cancellations re-delivering earlier ones,
the night audit's lines), then one more day of each, held back. The shipped config's hotel
sources and the gold models over them only (``--only hotel_reservations --only hotel_folios``:
``gold.hotel_daily_report``, ``gold.hotel_bookings_by_segment``). Per repeat and code (this
checkout, then each ``--ref``, alternating, each on a home of its own), each run a fresh
``lakehouse run`` process:

1. ``full``: ``--full-refresh`` over the history;
2. ``day``: a plain run after the day's two files landed. Silver takes the day's rows alone
   in every code since session 28; this checkout also folds the day's changes into the daily
   report's two parts (``pipelines.local.mart_parts``), where a commit before it has the
   engine recompute the report from all of silver.

Every run must end with the same counts for every code, and this checkout's day must say the
report was folded. Writes ``benchmarks/results/hotel_day-<time>.json``; the report's own
step is ``phases["gold.hotel_daily_report"]``.
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from day_series import DaySeries, add_day_options, summary
from pipelines.demo import generate_hotel
from run import REPO, parse_ours, save

_COUNT = re.compile(r"(?m)^(bronze|silver|quarantine|gold)\.(\w+)\s+([\d,]+)\s*$")
REPORT = "gold.hotel_daily_report"
SOURCES = ("hotel_reservations", "hotel_folios")
FOLDED = f"{REPORT} "  # its line, which must say "folded into its parts"


def landing_with_a_day(landing: Path, days: int, per_day: int) -> tuple[int, list[Path]]:
    """``days`` days of extracts under ``landing/hotel``, and the next day's files held back
    in ``landing``'s parent; returns the history's reservation rows and the held files."""
    stats = generate_hotel(landing / "hotel", bookings_per_day=per_day, days=days + 1)
    held = []
    for folder in ("reservations", "folios"):
        last = sorted((landing / "hotel" / folder).iterdir())[-1]
        held.append(last.rename(landing.parent / last.name))
    day_rows = sum(1 for _ in held[0].open()) - 1
    return stats.reservation_rows - day_rows, held


def _parse(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    _, phases, _ = parse_ours(stdout)
    # Every table's count (``parse_ours`` keeps one per layer): each must agree between codes.
    counts = {f"{m[1]}.{m[2]}": int(m[3].replace(",", "")) for m in _COUNT.finditer(stdout)}
    if len(counts) < 8:  # bronze, silver and quarantine of two sources; two marts
        return counts, phases, "no summary table"
    if any(FOLDED in line and "folded into its parts" in line for line in stdout.splitlines()):
        phases["folded"] = 1.0
    return counts, phases, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--bookings-per-day", type=int, default=3000)
    add_day_options(parser, "/tmp/lakehouse-bench-hotel")
    args = parser.parse_args()

    landing = args.work / "landing"
    shutil.rmtree(args.work, ignore_errors=True)
    history, kept = landing_with_a_day(landing, args.days, args.bookings_per_day)
    print(f"history: {history:,} reservation rows over {args.days} days; the day: {kept[0].name}")
    folders = ("reservations", "folios")
    held = [(path, landing / "hotel" / f / path.name) for f, path in zip(folders, kept, strict=True)]  # fmt: skip # noqa: E501
    series = DaySeries(landing, REPO / "src" / "conf", SOURCES, held, history, _parse)
    results = series.run(
        args,
        ("folded", "the report was not folded"),
        lambda m: f"report {m.phases.get(REPORT, 0.0):5.1f}s ",
    )
    document = {"reservations": history, "days": args.days, "results": [asdict(m) for m in results]}  # fmt: skip # noqa: E501
    save(args.out, "hotel_day", document, summary(results))


if __name__ == "__main__":
    main()
