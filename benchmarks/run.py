"""Benchmark the lakehouse pipeline against hand-written PySpark and pandas, side by side.

    .venv/bin/python benchmarks/run.py --rows 100000 1000000 --repeats 3

For each size the catalog is generated once; then, per repeat, every variant runs in its own
fresh subprocess (fresh JVM, empty output folder, so every run is a full first load), one
after the other, never two at once:

* ``ours``    ``lakehouse run --full-refresh`` on a fresh ``$LAKEHOUSE_HOME``;
* ``pyspark`` ``baseline_pyspark.py``, the same transformations on a classic SparkSession;
* ``pandas``  ``baseline_pandas.py``, the same in pandas (its address space capped).

Wall time is measured around the subprocess; peak memory is the summed RSS (every 100 ms) and
PSS (every second) of the subprocess and all its descendants, the JVM included; CPU time of the
tree and of everything else on the machine is recorded too. The row counts of every
variant (bronze, silver, quarantine, team A, team B) must agree; a mismatch is reported
loudly. Prints a Markdown summary and writes every measurement to a JSON file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generate import Landing, landing_zone
from pipelines.config import load_config
from proctree import PeakTree, busy_cpu_seconds

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
VENV_BIN = REPO / ".venv" / "bin"
VARIANTS = ("ours", "pyspark", "pandas")
COUNT_KEYS = ("bronze", "silver", "quarantine", "team_a", "team_b")
_OURS_COUNT = re.compile(r"^(bronze|silver|quarantine|gold)\.(\w+)\s+([\d,]+)\s*$")
_OURS_FLOW = re.compile(r"^\s+\S+ (\S+)\s+(\w+)\s+([\d.]+)s")
_OURS_TOTAL = re.compile(r"completed in ([\d.]+)s")
UP_TO_DATE_LINE = re.compile(r"^   = \S.* up to date: ", re.MULTILINE)
_PROFILE_STEP = re.compile(r"^  (\S.*?|\s+\S.*?)\s+([\d.]+)$")
GIB = 1024**3


@dataclass(frozen=True)
class SparkSettings:
    """The local Spark defaults under test (``src/conf/project.yml`` ``local:``)."""

    shuffle_partitions: int
    driver_memory: str

    @property
    def label(self) -> str:
        return f"sp{self.shuffle_partitions}-{self.driver_memory}"


@dataclass
class Measurement:
    """One run of one variant."""

    variant: str
    rows: int
    repeat: int
    settings: str
    seconds: float
    peak_rss: int
    exit_code: int
    peak_pss: int = 0
    peak_parts: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    other_cores: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Job:
    """A command to measure, and how to read its output."""

    variant: str
    home: Path
    command: list[str]
    env: dict[str, str]
    parse: Callable[[str], tuple[dict[str, int], dict[str, float], str]]


# ---------------------------------------------------------------- parsing variant output


def parse_ours(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    """Counts from the run summary table, flow and run durations from the progress lines,
    and the steps of ``--profile`` (``profile: <step>``, summed over repeated steps)."""
    names = {"gold.team_a_products_with_image": "team_a"}
    names["gold.team_b_samsung_after_2000_without_image"] = "team_b"
    names["gold.catalog_by_day"] = "by_day"  # incremental.py --mart-by-day
    names["gold.catalog_by_brand"] = "by_brand"  # incremental.py --mart-by-brand
    counts: dict[str, int] = {}
    phases = parse_profile(stdout)
    for line in stdout.splitlines():
        if match := _OURS_COUNT.match(line):
            table = f"{match[1]}.{match[2]}"
            counts[names.get(table, match[1])] = int(match[3].replace(",", ""))
        elif (match := _OURS_FLOW.match(line)) and match[2] == "completed":
            phases[match[1]] = float(match[3])
        elif match := _OURS_TOTAL.search(line):
            phases["run_pipeline"] = float(match[1])
    if not counts and UP_TO_DATE_LINE.search(stdout):
        return counts, phases, ""  # a run with nothing new counts nothing: no summary table
    return counts, phases, "" if counts.keys() >= set(COUNT_KEYS) else "no summary table"


def parse_profile(stdout: str) -> dict[str, float]:
    """The steps ``lakehouse run --profile`` printed (``profile: <step>`` -> seconds, summed
    over repeated steps such as an incremental run's two registrations)."""
    phases: dict[str, float] = {}
    profile = False
    for line in stdout.splitlines():
        profile = profile or line.startswith("profile (wall seconds):")
        if profile and (match := _PROFILE_STEP.match(line)):
            key = f"profile: {match[1].strip()}"
            phases[key] = round(phases.get(key, 0.0) + float(match[2]), 2)
    return phases


def parse_result_line(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    """The ``BENCH_RESULT {json}`` line the baseline scripts print."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.removeprefix("BENCH_RESULT "))
            error = result.get("error", "")
            if error and "after" in result:
                error = f"{error} (after phase {result['after']})"
            return result.get("counts", {}), result.get("phases", {}), error
    return {}, {}, "no BENCH_RESULT line"


# ---------------------------------------------------------------- building the jobs


def bare_conf(work: Path) -> Path:
    """``<work>/conf``: the shipped ``project.yml`` and ``access.yml``, no source or gold yet
    (a benchmark writes its own sources)."""
    conf = work / "conf"
    (conf / "sources").mkdir(parents=True)
    for name in ("project.yml", "access.yml"):
        shutil.copy(REPO / "src" / "conf" / name, conf / name)
    return conf


def bare_session(work: Path) -> Any:
    """A Spark session with the shipped ``local:`` settings on a fresh home, ``<work>/home``
    (``work`` is emptied first; the config is ``bare_conf``'s)."""
    from pipelines.local.settings import Settings
    from pipelines.local.spark import local_session

    shutil.rmtree(work, ignore_errors=True)
    conf = bare_conf(work)
    home = work / "home"
    return local_session(Settings(home, home / "landing", conf), load_config(conf).project.local)


def seconds(action: Callable[..., Any]) -> float:
    """The wall time ``action()`` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def conf_dir(work: Path, settings: SparkSettings, src: Path = REPO / "src") -> Path:
    """A copy of ``<src>/conf`` whose ``project.yml`` carries ``settings``."""
    target = work / "conf" / src.parent.name / settings.label
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(src / "conf", target)
    project = target / "project.yml"
    text = re.sub(
        r"(?m)^(\s+shuffle_partitions:\s*)\d+", rf"\g<1>{settings.shuffle_partitions}",
        project.read_text(),
    )  # fmt: skip
    text = re.sub(r"(?m)^(\s+driver_memory:\s*)\w+", rf"\g<1>{settings.driver_memory}", text)
    project.write_text(text)
    loaded = load_config(target).project.local
    if (loaded.shuffle_partitions, loaded.driver_memory) != (
        settings.shuffle_partitions,
        settings.driver_memory,
    ):
        raise SystemExit(f"could not apply {settings} to {project}")
    return target


def ours_job(
    landing: Path, home: Path, conf: Path, ref: Ref | None = None, *, full_refresh: bool = True
) -> Job:
    env = {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing)}
    env["LAKEHOUSE_CONF"] = str(conf)
    # The catalog alone: the other shipped sources are not part of the comparison.
    command = [str(VENV_BIN / "lakehouse"), "run", "--only", "product_catalog"]
    command += ["--full-refresh"] if full_refresh else []
    if ref is None:  # (an older commit may not know --profile)
        return Job("ours", home, [*command, "--profile"], env, parse_ours)
    # Another commit's code: its src/ first on the path, with this checkout's environment.
    env["PYTHONPATH"] = str(ref.src)
    command[:1] = [str(VENV_BIN / "python"), "-m", "pipelines.cli"]
    return Job(f"ours@{ref.name}", home, command, env, parse_ours)


@dataclass(frozen=True)
class Ref:
    """Another commit of ours to measure beside this checkout (``--ref``)."""

    name: str
    src: Path


def run_job(
    home: Path,
    landing: Path,
    conf: Path,
    ref: Ref | None,
    only: Sequence[str],
    parse: Callable[[str], tuple[dict[str, int], dict[str, float], str]],
    *,
    full: bool,
) -> Job:
    """``lakehouse run --profile`` of the sources ``only`` (and the gold over them), as this
    checkout or as commit ``ref`` (its ``src/`` first on the path), in a fresh process."""
    env = {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing)}
    env["LAKEHOUSE_CONF"] = str(conf)
    command = [str(VENV_BIN / "lakehouse"), "run", "--profile"]
    command += [arg for source in only for arg in ("--only", source)]
    command += ["--full-refresh"] if full else []
    variant = "ours"
    if ref is not None:
        env["PYTHONPATH"] = str(ref.src)
        command[:1] = [str(VENV_BIN / "python"), "-m", "pipelines.cli"]
        variant = f"ours@{ref.name}"
    return Job(variant, home, command, env, parse)


def export_ref(work: Path, ref: str) -> Ref:
    """``src/`` of commit ``ref``, exported (``git archive``) under ``work``."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = work / f"ref-{commit}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit, "src"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return Ref(commit, target / "src")


def pyspark_job(landing: Path, home: Path, settings: SparkSettings) -> Job:
    command = [sys.executable, str(BENCH / "baseline_pyspark.py"), "--landing", str(landing)]
    command += ["--out", str(home), "--shuffle-partitions", str(settings.shuffle_partitions)]
    command += ["--driver-memory", settings.driver_memory]
    return Job("pyspark", home, command, {}, parse_result_line)


def pandas_job(landing: Path, home: Path, mem_cap_gib: float) -> Job:
    command = [sys.executable, str(BENCH / "baseline_pandas.py"), "--landing", str(landing)]
    command += ["--out", str(home), "--mem-cap", str(mem_cap_gib)]
    return Job("pandas", home, command, {}, parse_result_line)


# ---------------------------------------------------------------- measuring


def wait_until_quiet(max_cores: float, max_wait: float, window: float = 5.0) -> float:
    """Wait until the rest of the machine uses under ``max_cores``; the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < max_wait:
        before = busy_cpu_seconds()
        time.sleep(window)
        busy = (busy_cpu_seconds() - before) / window
        if busy < max_cores:
            break
        print(f"    (machine busy: {busy:.1f} cores in use by others; waiting)", flush=True)
    return time.perf_counter() - started


def measure(
    job: Job, rows: int, repeat: int, label: str, timeout: float, *, fresh: bool = True
) -> Measurement:
    """Run ``job`` in a fresh process group on an empty home (``fresh``; else on the home as
    the last run left it); wall time, peak RSS, counts."""
    home = job.home
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    log = home.parent / f"{home.name}.log"
    env = {**os.environ, **job.env}
    with log.open("w") as out:
        busy, started = busy_cpu_seconds(), time.perf_counter()
        process = subprocess.Popen(
            job.command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        with PeakTree(process.pid) as sampler:
            code = _wait(process, timeout)
        seconds, busy = time.perf_counter() - started, busy_cpu_seconds() - busy
    output = log.read_text(errors="replace")
    counts, phases, error = job.parse(output)
    if code != 0 and not error:
        error = _exit_error(code, output)
    result = Measurement(
        job.variant, rows, repeat, label, round(seconds, 2), sampler.peak_rss, code
    )
    result.peak_pss, result.peak_parts = sampler.peak_pss, sampler.peak_parts
    result.cpu_seconds = round(sampler.cpu_seconds, 1)
    result.other_cores = round(max(0.0, busy - sampler.cpu_seconds) / seconds, 2)
    result.counts, result.phases, result.error = counts, phases, error
    return result


def _wait(process: subprocess.Popen[bytes], timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)  # our own process group, started above
        process.wait()
        return -9


def _exit_error(code: int, output: str) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    if "OutOfMemoryError" in output or "MemoryError" in output:
        return "out of memory"
    tail = [line for line in output.strip().splitlines() if line.strip()][-1:]
    return f"exit {code}: {tail[0][:200] if tail else ''}"


# ---------------------------------------------------------------- the benchmark


def run_size(
    landing: Landing, args: argparse.Namespace, grid: Sequence[SparkSettings]
) -> list[Measurement]:
    """Every repeat of every variant (and Spark setting) on one landing zone."""
    work = args.work / str(landing.requested_rows) / "run"
    results: list[Measurement] = []
    confs = {s: conf_dir(args.work, s) for s in grid} if "ours" in args.variants else {}
    ref_confs = {(r, s): conf_dir(args.work, s, r.src) for r in args.refs for s in grid}
    for repeat in range(1, args.repeats + 1):
        batch = []
        for job, label in _jobs(landing, work, args, grid, confs | ref_confs):
            wait_until_quiet(args.quiet, args.quiet_wait)
            result = measure(job, landing.requested_rows, repeat, label, args.timeout)
            _report(result)
            batch.append(result)
            if not args.keep_output:
                shutil.rmtree(job.home, ignore_errors=True)
        check_counts(batch, landing)
        results.extend(batch)
    return results


def _jobs(
    landing: Landing,
    home: Path,
    args: argparse.Namespace,
    grid: Sequence[SparkSettings],
    confs: dict[Any, Path],
) -> Iterable[tuple[Job, str]]:
    for settings in grid:
        label = settings.label
        if "ours" in args.variants:
            yield ours_job(landing.root, home / f"ours-{label}", confs[settings]), label
        for ref in args.refs:  # alternating with this checkout's run
            conf = confs[(ref, settings)]
            yield ours_job(landing.root, home / f"ours-{ref.name}-{label}", conf, ref), label
        if "pyspark" in args.variants:
            yield pyspark_job(landing.root, home / f"pyspark-{label}", settings), label
    if "pandas" in args.variants:
        yield pandas_job(landing.root, home / "pandas", args.pandas_mem_cap), ""


def _report(m: Measurement) -> None:
    status = "ok" if m.ok else f"FAILED: {m.error}"
    counts = " ".join(f"{k}={m.counts.get(k, '?')}" for k in COUNT_KEYS)
    print(
        f"  [{m.rows:>10,} #{m.repeat}] {m.variant:<8} {m.settings:<10} {m.seconds:8.1f}s "
        f"rss {m.peak_rss / GIB:5.2f} GiB pss {m.peak_pss / GIB:5.2f} GiB "
        f"cpu {m.cpu_seconds:6.1f}s others {m.other_cores:.2f} cores  {status}  {counts}",
        flush=True,
    )


def check_counts(batch: Sequence[Measurement], landing: Landing) -> bool:
    """Every successful variant must report the same counts, bronze = generated rows."""
    done = [m for m in batch if m.ok]
    expected = {"bronze": landing.rows}
    problems = [
        f"{m.variant} {m.settings}: {key}={m.counts.get(key)} but {first.variant} "
        f"{first.settings} has {first.counts.get(key)}"
        for first in done[:1]
        for m in done[1:]
        for key in COUNT_KEYS
        if m.counts.get(key) != first.counts.get(key)
    ]
    problems += [
        f"{m.variant}: bronze={m.counts.get('bronze')} but {landing.rows} rows were generated"
        for m in done
        if m.counts.get("bronze") != expected["bronze"]
    ]
    for problem in problems:
        print(f"  !!! ROW COUNT MISMATCH !!! {problem}", flush=True)
    return not problems


# ---------------------------------------------------------------- summary


def summarise(results: Sequence[Measurement], landings: dict[int, Landing]) -> str:
    """Markdown: per size, median wall time and peak RSS per variant, ratio ours / pyspark."""
    lines: list[str] = []
    for rows, landing in landings.items():
        lines += [
            f"\n### {landing.rows:,} rows ({landing.bytes / 1e9:.2f} GB of CSV)\n",
            "| variant | settings | median wall s | median peak RSS GiB | median peak PSS GiB "
            "| median CPU s | runs: wall s (others' cores) | ok |",
            "|---|---|---:|---:|---:|---:|---|---|",
        ]
        mine = [m for m in results if m.rows == rows]
        groups = itertools.groupby(sorted(mine, key=_run_order(mine)), key=_group_key)
        medians: dict[tuple[str, str], tuple[float, float]] = {}
        for (variant, label), runs in ((k, list(g)) for k, g in groups):
            row, medians[(variant, label)] = _summary_row(variant, label, runs)
            lines.append(row)
        lines += _ratios(medians)
    return "\n".join(lines)


def _summary_row(
    variant: str, label: str, runs: Sequence[Measurement]
) -> tuple[str, tuple[float, float]]:
    good = [m for m in runs if m.ok]

    def median(values: Iterable[float]) -> float:
        return statistics.median(values) if good else float("nan")

    wall = median(m.seconds for m in good)
    peak = median(m.peak_rss for m in good) / GIB
    pss = median(m.peak_pss for m in good) / GIB
    cpu = median(m.cpu_seconds for m in good)
    raw = ", ".join(
        f"{m.seconds:.1f} ({m.other_cores:.2f})" if m.ok else f"{m.error} ({m.other_cores:.2f})"
        for m in runs
    )
    numbers = f"{wall:.1f} | {peak:.2f} | {pss:.2f} | {cpu:.0f}" if good else "- | - | - | -"
    row = f"| {variant} | {label or '-'} | {numbers} | {raw} | {len(good)}/{len(runs)} |"
    return row, (wall, cpu)


def _run_order(runs: Sequence[Measurement]) -> Callable[[Measurement], tuple[int, str, int]]:
    """Sort by variant (this checkout before other commits), then settings in run order."""
    first = {m.settings: i for i, m in reversed(list(enumerate(runs)))}
    return lambda m: (VARIANTS.index(m.variant.split("@")[0]), m.variant, first[m.settings])


def _group_key(m: Measurement) -> tuple[str, str]:
    return (m.variant, m.settings)


def _ratios(medians: dict[tuple[str, str], tuple[float, float]]) -> list[str]:
    """Ratios of the median wall times (and CPU times: they move less with other load)."""

    def ratio(a: tuple[float, float], b: tuple[float, float]) -> str:
        return f"**{a[0] / b[0]:.2f}x** wall, {a[1] / b[1]:.2f}x CPU"

    out = []
    for (variant, label), mine in medians.items():
        pyspark, pandas = medians.get(("pyspark", label)), medians.get(("pandas", ""))
        if variant == "ours" and pyspark and not math.isnan(mine[0] / pyspark[0]):
            out.append(f"\nours / hand-written PySpark ({label}): {ratio(mine, pyspark)}")
        if variant == "ours" and pandas and not math.isnan(mine[0] / pandas[0]):
            out.append(f"ours / pandas ({label}): {ratio(mine, pandas)}")
        ours = medians.get(("ours", label))
        if variant.startswith("ours@") and ours and not math.isnan(ours[0] / mine[0]):
            out.append(f"ours / {variant} ({label}): {ratio(ours, mine)}")
    return out


# ---------------------------------------------------------------- command line


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    """``--quiet``, ``--quiet-wait`` and ``--no-wait``: how long to wait for an idle machine."""
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.3,
        metavar="CORES",
        help="before each run, wait until others use fewer cores than this",
    )
    parser.add_argument("--quiet-wait", type=float, default=900, metavar="SECONDS",
                        help="give up waiting for a quiet machine after this long")  # fmt: skip
    parser.add_argument(
        "--no-wait",
        dest="quiet_wait",
        action="store_const",
        const=0.0,
        help="never wait for an idle machine (shared machines, development); the other load "
        "is still measured and reported with every run",
    )


def bench_parser(description: str, work: str) -> argparse.ArgumentParser:
    """The options of the single-size benchmarks (``ingest.py``, ``incremental.py``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=3, help="daily files (default 3)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench") / work)
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    return parser


def bench_landing(args: argparse.Namespace) -> Landing:
    """The generated catalog of ``--rows`` rows in ``--days`` files under ``--work``."""
    landing = landing_zone(args.work / str(args.rows) / "landing", args.rows, args.days)
    print(f"{landing.rows:,} rows, {landing.bytes / 1e9:.2f} GB in {landing.days} files")
    return landing


def _parser() -> argparse.ArgumentParser:
    local = load_config(REPO / "src" / "conf").project.local
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--days", type=int, default=3, help="daily files per catalog")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument(
        "--shuffle-partitions", type=int, nargs="+", default=[local.shuffle_partitions],
        help="Spark settings to try (default: src/conf/project.yml)",
    )  # fmt: skip
    parser.add_argument("--driver-memory", nargs="+", default=[local.driver_memory])
    parser.add_argument(
        "--ref", dest="refs", action="append", default=[], metavar="COMMIT",
        help="also run ours as of COMMIT (its src/, exported), alternating with this checkout",
    )  # fmt: skip
    parser.add_argument("--pandas-mem-cap", type=float, default=16.0, metavar="GIB",
                        help="RLIMIT_AS of the pandas process, GiB (0: none)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=1800, help="per run, seconds")
    add_wait_options(parser)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench"))
    parser.add_argument("--keep-data", action="store_true", help="keep the generated CSVs")
    parser.add_argument("--keep-output", action="store_true", help="keep every run's tables")
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    return parser


def main() -> None:
    args = _parser().parse_args()
    pairs = itertools.product(args.shuffle_partitions, args.driver_memory)
    grid = [SparkSettings(partitions, memory) for partitions, memory in pairs]
    args.refs = [export_ref(args.work, ref) for ref in args.refs]
    results: list[Measurement] = []
    landings: dict[int, Landing] = {}
    for rows in args.rows:
        landing = landing_zone(args.work / str(rows) / "landing", rows, args.days)
        landings[rows] = landing
        print(f"{landing.rows:,} rows, {landing.bytes / 1e9:.2f} GB in {landing.days} files")
        results += run_size(landing, args, grid)
        if not args.keep_data:
            shutil.rmtree(args.work / str(rows), ignore_errors=True)
    summary = summarise(results, landings)
    print(summary)
    _save(args, results, landings, summary)


def code_version() -> dict[str, object]:
    """The commit measured and the files of ``src/`` changed on top of it."""

    def git(*command: str) -> str:
        done = subprocess.run(
            ["git", *command], cwd=REPO, capture_output=True, text=True, check=False
        )
        return done.stdout

    # Not stripped: a status line starts with its two status letters, the first often a space.
    changed = git("status", "--porcelain", "--", "src").splitlines()
    commit = git("rev-parse", "HEAD").strip()
    return {"commit": commit, "src_changes": [line[3:] for line in changed]}


def _save(
    args: argparse.Namespace,
    results: Sequence[Measurement],
    landings: dict[int, Landing],
    summary: str,
) -> None:
    document = {
        "pandas_mem_cap_gib": args.pandas_mem_cap,
        "landings": landings,
        "results": [asdict(m) for m in results],
    }
    save(args.out, "run", document, summary)


def timed_snapshot_run(
    config: Any,
    spark: Any,
    roots: dict[str, Any],
    before: AbstractContextManager[None],
    *,
    changed: bool,
    label: str,
) -> float:
    """One in-process run of ``config`` under ``before`` (the code before put back, or
    nothing); its seconds. A run whose source ``changed`` must refresh the tables, one whose
    source did not must leave them ("up to date: nothing new"), or the comparison is void."""
    from pipelines.local.runner import run_pipeline

    lines: list[str] = []
    started = time.perf_counter()
    with before:
        run_pipeline(config, spark, echo=lines.append, **roots)
    seconds = time.perf_counter() - started
    left = any("up to date: nothing new" in line for line in lines)
    if left == changed:
        raise SystemExit(f"{label}: the tables left as they were: {left}")
    return seconds


def medians_by_code(
    runs: Sequence[dict[str, Any]], kinds: Sequence[str], counted: str, label: str
) -> list[str]:
    """One line per kind of run and code (``once``, ``twice``), alternated in the runs: the
    median of their ``seconds`` and the values of ``counted`` they saw (``label``)."""
    lines = []
    for kind in kinds:
        for code in ("once", "twice"):
            mine = [r for r in runs if r["kind"] == kind and r["code"] == code]
            seconds = statistics.median(r["seconds"] for r in mine)
            seen = sorted({r[counted] for r in mine})
            lines.append(f"  {kind:12} {code:5} {seconds:6.2f} s  {label} {seen}")
    return lines


def save(path: Path | None, prefix: str, document: dict[str, Any], summary: str) -> Path:
    """Write ``document`` with the command, the code version and ``summary`` as JSON
    (default ``benchmarks/results/<prefix>-<time>.json``); returns the path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = path or BENCH / "results" / f"{prefix}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {"command": sys.argv, "code": code_version(), **document, "summary": summary}
    path.write_text(json.dumps(full, indent=2, default=_plain))
    print(f"\nresults: {path}")
    return path


def _plain(value: object) -> object:
    if isinstance(value, Landing):
        return {**asdict(value), "root": str(value.root)}
    return str(value)


if __name__ == "__main__":
    main()
