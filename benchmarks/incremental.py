"""The cost of an incremental run that adds 1% new rows, against the first full run.

    .venv/bin/python benchmarks/incremental.py --rows 1000000 --repeats 3

Per repeat, on a fresh ``LAKEHOUSE_HOME`` with the catalog generated once (``--days`` daily
files), each run a fresh ``lakehouse run --only product_catalog`` process, as ``run.py``
measures them:

1. ``full``: ``--full-refresh``, the first load of every file;
2. ``incremental``: after a new dated file with 1% of the rows (``--new-pct``) lands, a plain
   run on the same home: bronze reads the new file only; silver and quarantine merge its rows
   (``pipelines.local.increments``; before it, they were recomputed from all of bronze); both
   marts take the query over silver's new rows (``pipelines.local.marts``; before it, they
   were recomputed from all of silver);
3. ``nothing_new``: the same plain run again, with no new file: every dataset is up to date
   (``pipelines.ops.up_to_date``) and is left as it is.

With ``--kept``, then, in the same repeat: a ``lakehouse run --keep-server`` keeps a server up
for the home (after a run with nothing new), and the same two runs follow on it
(``pipelines.cli.run``: a later run goes to the kept server, no JVM to start):

4. ``incremental_kept``: after a second new file (the day after the first, as many rows);
5. ``nothing_new_kept``: the same again with nothing new.

The kept server's CPU counts as "others' cores" in those two: it is the process measured that
is the client.

The new file is removed again after the repeat. Bronze must hold every generated row after
each run. Prints the median of each and the ratio incremental / full, and writes every
measurement to ``benchmarks/results/incremental-<time>.json``.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

from generate import SOURCE_FOLDER, Landing
from pipelines.config import load_config
from pipelines.demo import generate_catalog
from run import (
    Job,
    Measurement,
    Ref,
    SparkSettings,
    bench_landing,
    bench_parser,
    conf_dir,
    export_ref,
    measure,
    ours_job,
    save,
    wait_until_quiet,
)

REPO = Path(__file__).resolve().parent.parent
FIRST_DAY = date(2021, 4, 3)  # generate_catalog's default start


def new_file(
    work: Path, landing: Landing, pct: float, fixed: int | None, *, later: int = 0
) -> tuple[Path, int]:
    """A catalog file dated ``later`` days after the day after the landing's last file:
    ``fixed`` rows, or ``pct``% of the landing's rows (``--new-rows`` keeps the increment the
    same across history sizes)."""
    rows = fixed if fixed is not None else math.ceil(landing.rows * pct / 100)
    start = FIRST_DAY + timedelta(days=landing.days + later)
    stats = generate_catalog(work / "new", rows_per_day=rows, days=1, start=start, seed=11 + later)
    return stats.files[0], stats.rows


def keep_server(job: Job, log: Path, timeout: float) -> subprocess.Popen[bytes]:
    """``job``'s run with ``--keep-server``, in a process group of its own, once it says its
    server is kept."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [*job.command, "--keep-server"], cwd=REPO, env={**os.environ, **job.env},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + timeout
    while "server kept: " not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise SystemExit(f"the server was not kept:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a kept server (SIGTERM to its group, as Ctrl-C would)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=300)


def keyed(conf: Path, key: list[str]) -> None:
    """The catalog deduplicated by ``key`` instead of by every column (``--dedupe-key``): what
    the cost of an increment is for a source with a narrow key (the shipped catalog has none)."""
    path = conf / "sources" / "product_catalog.yml"
    text = path.read_text(encoding="utf-8")
    changed = text.replace("  dedupe: {}", f"  dedupe: {{key: [{', '.join(key)}]}}", 1)
    if changed == text:
        raise SystemExit(f"no 'dedupe: {{}}' to replace in {path}")
    path.write_text(changed, encoding="utf-8")
    dedupe = load_config(conf).source("product_catalog").silver.dedupe
    if dedupe is None or dedupe.key != tuple(key):
        raise SystemExit(f"could not set the dedupe key in {path}")


# A mart by day (``--mart-by-day``). Session 20 tried refreshing such a grouped mart from
# silver's new rows (commit 0d9328e): 7.4 s at 5M against the engine's 3.2 s, not kept.
BY_DAY = (
    "SELECT _file_date AS day, count(*) AS products, count(DISTINCT brand) AS brands, "
    "max(year_release) AS newest FROM silver.product_catalog GROUP BY _file_date"
)


def mart_by_day(conf: Path) -> None:
    """Add ``gold.catalog_by_day``: what a mart grouped by day costs a day's run."""
    text = f"name: catalog_by_day\ndescription: Per day.\nowner: team_catalog\nsql: {BY_DAY}\n"
    (conf / "gold" / "catalog_by_day.yml").write_text(text, encoding="utf-8")
    if "catalog_by_day" not in {m.name for m in load_config(conf).gold}:
        raise SystemExit(f"could not add gold.catalog_by_day to {conf}")


# A mart by brand (``--mart-by-brand``): counts and sums, which a day's run folds into its
# groups (``pipelines.local.mart_groups``) instead of the engine's recompute over all of silver.
BY_BRAND = (
    "SELECT brand, count(*) AS products, count_if(image IS NOT NULL) AS with_image, "
    "sum(year_release) AS release_years FROM silver.product_catalog GROUP BY brand"
)


def mart_by_brand(conf: Path) -> None:
    """Add ``gold.catalog_by_brand``: what a mart of counts and sums costs a day's run."""
    text = f"name: catalog_by_brand\ndescription: Per brand.\nowner: team_catalog\nsql: {BY_BRAND}\n"  # fmt: skip # noqa: E501
    (conf / "gold" / "catalog_by_brand.yml").write_text(text, encoding="utf-8")
    if "catalog_by_brand" not in {m.name for m in load_config(conf).gold}:
        raise SystemExit(f"could not add gold.catalog_by_brand to {conf}")


def undeduplicated(conf: Path) -> None:
    """The catalog with every valid row kept (``--no-dedupe``): an increment only adds rows
    (the generated day re-delivers rows silver holds, which a dedupe replaces)."""
    path = conf / "sources" / "product_catalog.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  dedupe: {}", "  dedupe: null", 1), encoding="utf-8")
    if load_config(conf).source("product_catalog").silver.dedupe is not None:
        raise SystemExit(f"could not turn off the dedupe in {path}")


def changed(args: argparse.Namespace, conf: Path) -> None:
    """The conf copy ``conf`` as the options ask."""
    if args.dedupe_key:
        keyed(conf, args.dedupe_key)
    if args.no_dedupe:
        undeduplicated(conf)
    if args.mart_by_day:
        mart_by_day(conf)
    if args.mart_by_brand:
        mart_by_brand(conf)


def run(args: argparse.Namespace, landing: Landing) -> tuple[list[Measurement], int]:
    """Every repeat: a full run, then an incremental run after the new file landed; the
    measurements and the new file's rows."""
    local = load_config(REPO / "src" / "conf").project.local
    settings = SparkSettings(local.shuffle_partitions, local.driver_memory)
    codes: list[Ref | None] = [None, *args.refs]  # this checkout, then each --ref
    confs = {code: conf_dir(args.work, settings, *([code.src] if code else [])) for code in codes}
    for conf in confs.values():
        changed(args, conf)
    extra, extra_rows = new_file(args.work, landing, args.new_pct, args.new_rows)
    target = landing.root / SOURCE_FOLDER / extra.name
    second, _ = new_file(args.work, landing, args.new_pct, args.new_rows, later=1)
    target2 = landing.root / SOURCE_FOLDER / second.name
    results = []
    print(f"new file {extra.name}: {extra_rows:,} rows ({100 * extra_rows / landing.rows:.2f}%)")
    kinds = [("full", landing.rows), ("incremental", landing.rows + extra_rows),
             ("nothing_new", None)]  # fmt: skip
    if args.kept:
        kinds += [("incremental_kept", landing.rows + 2 * extra_rows), ("nothing_new_kept", None)]
    for repeat in range(1, args.repeats + 1):
        for code in codes:  # alternating, each series on a home of its own
            home = args.work / ("home" if code is None else f"home-{code.name}")
            target.unlink(missing_ok=True)
            target2.unlink(missing_ok=True)
            kept = None
            try:
                for kind, expected in kinds:
                    if kind == "incremental":
                        shutil.copy(extra, target)
                    if kind == "incremental_kept":
                        job = ours_job(landing.root, home, confs[code], code, full_refresh=False)
                        kept = keep_server(job, home.parent / "kept.log", args.timeout)
                        shutil.copy(second, target2)
                    job = ours_job(landing.root, home, confs[code], code, full_refresh=kind == "full")  # fmt: skip # noqa: E501
                    results.append(_measured(args, landing, job, repeat, kind, expected))
            finally:
                if kept is not None:
                    stop(kept)
            shutil.rmtree(home, ignore_errors=True)
    target.unlink(missing_ok=True)
    target2.unlink(missing_ok=True)
    return results, extra_rows


def _measured(
    args: argparse.Namespace,
    landing: Landing,
    job: Job,
    repeat: int,
    kind: str,
    expected: int | None,
) -> Measurement:
    """One run of ``kind`` measured once the machine is quiet; bronze must hold ``expected``
    rows after it (None: not checked)."""
    wait_until_quiet(args.quiet, args.quiet_wait)
    result = measure(job, landing.requested_rows, repeat, kind, args.timeout, fresh=kind == "full")
    if result.ok and expected is not None and result.counts.get("bronze") != expected:
        result.error = f"bronze={result.counts.get('bronze')}, expected {expected}"
    print(f"  #{repeat} {job.variant:<12} {kind:<16} {result.seconds:7.1f}s "
          f"cpu {result.cpu_seconds:6.1f}s "
          f"others {result.other_cores:.2f} cores  "
          f"{'ok' if result.ok else 'FAILED: ' + result.error}  {result.counts}",
          flush=True)  # fmt: skip
    return result


def summary(
    results: list[Measurement], landing: Landing, new_rows: int, key: list[str] | None = None
) -> str:
    """Markdown: median wall and CPU time of each kind of run of each code measured, the
    ratios, and the median time of each mart a day's run printed."""
    dedupe = f", deduplicated by {', '.join(key)}" if key else ""
    lines = [
        f"\n### Incremental run (+{new_rows:,} rows in a new dated file) against the full run, "
        f"{landing.rows:,} rows of history{dedupe}\n",
        "| code | run | median wall s | median CPU s | runs: wall s (others' cores) | ok |",
        "|---|---|---:|---:|---|---|",
    ]
    ratios, marts = [], []
    kinds = ("full", "incremental", "nothing_new", "incremental_kept", "nothing_new_kept")
    for code in dict.fromkeys(m.variant for m in results):
        medians = {}
        for kind in kinds:
            runs = [m for m in results if m.settings == kind and m.variant == code]
            if not runs:
                continue
            good = [m for m in runs if m.ok]
            wall = statistics.median(m.seconds for m in good) if good else math.nan
            cpu = statistics.median(m.cpu_seconds for m in good) if good else math.nan
            medians[kind] = wall
            raw = ", ".join(f"{m.seconds:.1f} ({m.other_cores:.2f})" for m in runs)
            lines.append(f"| {code} | {kind} | {wall:.1f} | {cpu:.0f} | {raw} | {len(good)}/{len(runs)} |")  # fmt: skip # noqa: E501
            if kind == "incremental":
                for mart in sorted({p for m in good for p in m.phases if p.startswith("gold.")}):
                    times = [m.phases[mart] for m in good if mart in m.phases]
                    marts.append(f"{code}: {mart} in a day's run: median {statistics.median(times):.1f} s")  # fmt: skip # noqa: E501
        ratio = {kind: medians[kind] / medians["full"] for kind in medians}
        ratios.append(f"{code}: incremental / full: **{ratio['incremental']:.2f}x**; "
                      f"nothing new / full: **{ratio['nothing_new']:.2f}x**")  # fmt: skip
        if "incremental_kept" in ratio:
            ratios.append(f"{code} on the kept server: incremental / full: "
                          f"**{ratio['incremental_kept']:.2f}x**; nothing new / full: "
                          f"**{ratio['nothing_new_kept']:.2f}x**")  # fmt: skip
    return "\n".join([*lines, "", *ratios, "", *marts])


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], "incremental")
    parser.add_argument("--new-pct", type=float, default=1.0, help="rows of the new file, %%")
    parser.add_argument("--new-rows", type=int, help="rows of the new file (instead of --new-pct)")
    parser.add_argument("--timeout", type=float, default=1800, help="per run, seconds")
    parser.add_argument(
        "--kept", action="store_true",
        help="then a second new day and nothing new on a server kept by `run --keep-server`",
    )  # fmt: skip
    parser.add_argument(
        "--dedupe-key", nargs="+", metavar="COLUMN",
        help="deduplicate the catalog by these columns (the shipped config: every column)",
    )  # fmt: skip
    parser.add_argument(
        "--mart-by-day", action="store_true", help="add a mart of the catalog grouped by day"
    )
    parser.add_argument(
        "--mart-by-brand", action="store_true",
        help="add a mart of counts and sums of the catalog by brand",
    )  # fmt: skip
    parser.add_argument(
        "--no-dedupe", action="store_true", help="keep every valid row of the catalog in silver"
    )
    parser.add_argument(
        "--ref", dest="refs", action="append", default=[], metavar="COMMIT",
        help="measure this commit's code too, its series alternating with this checkout's",
    )  # fmt: skip
    args = parser.parse_args()
    args.refs = [export_ref(args.work, ref) for ref in args.refs]
    landing = bench_landing(args)
    results, new_rows = run(args, landing)
    text = summary(results, landing, new_rows, args.dedupe_key)
    print(text)
    document = {"landings": {args.rows: landing}, "results": [asdict(m) for m in results]}
    save(args.out, "incremental", document, text)


if __name__ == "__main__":
    main()
