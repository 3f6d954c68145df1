"""The wall time of ``lakehouse sql`` cold (it starts its own server) and warm (a local server
is up: it runs there), as a user types it.

    .venv/bin/python benchmarks/sql_warm.py --rows 10000 --repeats 5

On a fresh ``LAKEHOUSE_HOME`` under ``--work``, with the catalog generated once (``--rows``
over ``--days`` daily files):

1. one ``lakehouse run --only product_catalog --full-refresh`` builds the tables;
2. ``cold``: ``--repeats`` times ``lakehouse sql "SELECT count(*) FROM silver.product_catalog"``,
   each a fresh process that starts a JVM and the metastore;
3. ``warm``: ``lakehouse run --only product_catalog --keep-server`` (nothing new: every
   dataset up to date) keeps its server up; the same query ``--repeats`` times, each a fresh
   process that finds that server (``pipelines.local.warm``) and runs there; then the server
   is stopped (SIGTERM, as Ctrl-C).

Every query must print the same count and, warm, say it ran on the kept server. Prints the
median of each and the ratio, and writes every measurement to
``benchmarks/results/sql_warm-<time>.json``.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from generate import SOURCE_FOLDER
from run import REPO, VENV_BIN, bench_landing, bench_parser, save, wait_until_quiet

LAKEHOUSE = str(VENV_BIN / "lakehouse")
QUERY = "SELECT count(*) FROM silver.product_catalog"
WARM_NOTE = "sql: on the local server of a lakehouse run"


def _env(home: Path, landing: Path) -> dict[str, str]:
    # no token of the caller's: the kept server draws one and writes it to its state file
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARK_CONNECT_")}
    return {**env, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing)}


def _query(env: dict[str, str]) -> tuple[float, str, str]:
    """One ``lakehouse sql`` process: its wall time, stdout and stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [LAKEHOUSE, "sql", "--format", "csv", QUERY],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"lakehouse sql failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout, done.stderr


def _keep_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``lakehouse run --keep-server`` in a process group of its own, once the server is kept."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [LAKEHOUSE, "run", "--only", "product_catalog", "--keep-server"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 900
    while "server kept" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit(f"lakehouse run --keep-server did not keep a server:\n{log.read_text()}")
        time.sleep(0.5)
    return process


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], "sql_warm")
    parser.set_defaults(rows=10_000, repeats=5)
    args = parser.parse_args()
    landing = bench_landing(args)
    home = args.work / "home"
    shutil.rmtree(home, ignore_errors=True)
    env = _env(home, landing.root)
    build = subprocess.run(
        [LAKEHOUSE, "run", "--only", SOURCE_FOLDER, "--full-refresh"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if build.returncode != 0:
        sys.exit(f"lakehouse run failed:\n{build.stdout}\n{build.stderr}")
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    answers: set[str] = set()
    for repeat in range(args.repeats):
        wait_until_quiet(args.quiet, args.quiet_wait)
        seconds, out, err = _query(env)
        if WARM_NOTE in err:
            sys.exit("a server was up during the cold runs: stop it first")
        times["cold"].append(seconds)
        answers.add(out)
        print(f"cold {repeat + 1}: {seconds:.2f}s", flush=True)
    kept = _keep_server(env, home.parent / "keep-server.log")
    try:
        for repeat in range(args.repeats):
            wait_until_quiet(args.quiet, args.quiet_wait)
            seconds, out, err = _query(env)
            if WARM_NOTE not in err:
                sys.exit(f"warm query did not run on the kept server:\n{err}")
            times["warm"].append(seconds)
            answers.add(out)
            print(f"warm {repeat + 1}: {seconds:.2f}s", flush=True)
    finally:
        os.killpg(kept.pid, signal.SIGTERM)  # our own process group, started above
        kept.wait(timeout=120)
    if len(answers) != 1:
        sys.exit(f"the answers differ: {sorted(answers)}")
    cold, warm = (statistics.median(times[k]) for k in ("cold", "warm"))
    summary = (
        f'lakehouse sql "{QUERY}" ({landing.rows:,} rows, {args.repeats} runs each): '
        f"cold median {cold:.2f}s, warm median {warm:.2f}s, warm/cold {warm / cold:.2f}"
    )
    print(summary)
    save(args.out, "sql_warm", {"rows": landing.rows, "times": times}, summary)


if __name__ == "__main__":
    main()
