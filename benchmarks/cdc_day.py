"""A day of change events applied to a CDC source's silver, against the engine's recompute.

    .venv/bin/python benchmarks/cdc_day.py --events 1000000 --repeats 3 --ref ba43518

A feed of order events (``placed``, ``paid``, ``shipped``, ``delivered``; some ``cancelled``,
3% deleted) in ``--days`` daily CSV files, then a day's file of ``--day-pct`` % more events,
in order: the next events of the orders in flight and new orders. One source, silver as SCD2
(``track_history: [status]``, deletes). Per repeat and code (this checkout, then each
``--ref``, alternating, each on a home of its own), each run a fresh ``lakehouse run --only
order_events`` process:

1. ``full``: ``--full-refresh`` over the history;
2. ``day``: a plain run after the day's file landed. This checkout applies the day's events
   to silver (``pipelines.local.cdc_merge``); a commit before it recomputes silver from every
   event in bronze. With ``--late N``, the day also sends N orders' first event again: late
   events, whose keys this checkout applies again from bronze.

Every run must end with the same bronze, silver and quarantine counts for every code, and
this checkout's day must say ``incremental``. Writes
``benchmarks/results/cdc_day-<time>.json``.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from day_series import DaySeries, add_day_options, summary
from run import bare_conf, parse_ours, save

SOURCE = """
name: order_events
description: Order events from the order service, one CSV per day.
owner: data_engineers
source: {type: files, path: order_events/*.csv}
columns:
  - {name: order_id, type: bigint, nullable: false}
  - {name: status, type: string}
  - {name: quantity, type: int}
  - {name: amount, type: 'decimal(10,2)'}
  - {name: note, type: string}
  - {name: updated_at, type: timestamp}
  - {name: seq, type: bigint, nullable: false}
  - {name: op, type: string}
quality:
  - accepted_values: {column: status, values: [placed, paid, shipped, delivered, cancelled]}
silver:
  cdc:
    keys: [order_id]
    sequence_by: seq
    delete_when: op = 'DELETE'
    scd_type: 2
    track_history: [status]
    exclude_columns: [op]
"""
HEADER = ["order_id", "status", "quantity", "amount", "note", "updated_at", "seq", "op"]
LIFE = ("placed", "paid", "shipped", "delivered")
START = datetime(2026, 1, 1)


def _values(order: int) -> list[object]:
    """An order's quantity and amount (the same in every event: only its status moves)."""
    return [1 + order % 5, f"{order % 997 + 0.5:.2f}"]


def feed(
    folder: Path, events: int, days: int, day_pct: float, late: int = 0, seed: int = 7
) -> tuple[int, Path]:
    """Write ``events`` events over ``days`` daily files to ``folder``, and the next day's
    file (``day_pct`` % of ``events``, and ``late`` events sent again: an order's first
    event, at the sequence silver holds) beside it; returns the history's event count and
    the day's file (not in ``folder``)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    in_flight: dict[int, int] = {}  # order -> its next step
    next_order, written = 1, 0

    def day_rows(day: int, count: int) -> list[list[object]]:
        nonlocal next_order
        rows: list[list[object]] = []
        stamp = START + timedelta(days=day)
        for order in list(in_flight)[: count // 2]:  # half: the orders in flight move on
            step = in_flight.pop(order)
            last = step >= len(LIFE) - 1 or rng.random() < 0.05
            status = "cancelled" if last and step < len(LIFE) - 1 else LIFE[step]
            op = "DELETE" if last and rng.random() < 0.03 else "UPDATE"
            rows.append([order, status, *_values(order), f"step {step}", stamp, step + 1, op])
            if not last:
                in_flight[order] = step + 1
        while len(rows) < count:  # the rest: new orders
            order, next_order = next_order, next_order + 1
            rows.append([order, "placed", *_values(order), "new", stamp, 1, "INSERT"])
            in_flight[order] = 1
        return rows

    def write(path: Path, rows: list[list[object]]) -> None:
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(rows)

    per_day = events // days
    for day in range(days):
        rows = day_rows(day, per_day)
        write(folder / f"order_events_{(START + timedelta(days=day)):%Y%m%d}.csv", rows)
        written += len(rows)
    extra = folder.parent / f"order_events_{(START + timedelta(days=days)):%Y%m%d}.csv"
    stamp = START + timedelta(days=days)
    again = [[order, "placed", *_values(order), "sent again", stamp, 1, "UPDATE"]
             for order in rng.sample(range(1, next_order), late)]  # fmt: skip
    write(extra, day_rows(days, max(1, int(events * day_pct / 100))) + again)
    return written, extra


def _parse(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    counts, phases, _ = parse_ours(stdout)
    if not {"bronze", "silver", "quarantine"} <= counts.keys():
        return counts, phases, "no summary table"
    if "incremental:" in stdout:
        phases["incremental"] = 1.0
    return counts, phases, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--day-pct", type=float, default=1.0)
    parser.add_argument("--late", type=int, default=0, help="late events in the day's file")
    add_day_options(parser, "/tmp/lakehouse-bench-cdc")
    args = parser.parse_args()

    landing = args.work / "landing"
    shutil.rmtree(args.work, ignore_errors=True)
    history, extra = feed(landing / "order_events", args.events, args.days, args.day_pct, args.late)
    day_rows = sum(1 for _ in extra.open()) - 1
    print(f"history: {history:,} events in {args.days} files; the day: {day_rows:,} events")
    conf = bare_conf(args.work)
    (conf / "sources" / "order_events.yml").write_text(SOURCE.lstrip())
    held = [(extra, landing / "order_events" / extra.name)]
    series = DaySeries(landing, conf, ["order_events"], held, history, _parse)
    results = series.run(args, ("incremental", "the day was not applied incrementally"))
    document = {"events": history, "day_events": day_rows, "results": [asdict(m) for m in results]}
    save(args.out, "cdc_day", document, summary(results))


if __name__ == "__main__":
    main()
