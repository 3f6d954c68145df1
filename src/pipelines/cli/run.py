"""``lakehouse run`` and ``lakehouse demo``: run the pipeline graph on local Spark.

``run --remote sc://HOST:PORT`` runs the same graph on an existing Spark Connect server instead;
paths are then the server's, so the storage root is required and both roots are URIs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.convention import PROPOSALS, with_arrivals
from pipelines.errors import LakehouseError
from pipelines.local.run_lock import hold_runs
from pipelines.local.settings import Settings
from pipelines.local.warm import WarmServer
from pipelines.profile import Profile, process_age

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.config.model import LocalSettings

__all__ = ["add_parser", "run_local", "run_remote"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the commands."""
    run = commands.add_parser("run", help="run the pipeline graph on local Spark")
    run.add_argument("--full-refresh", action="store_true", help="recompute everything")
    run.add_argument(
        "--trigger", choices=("manual", "schedule"), default="manual", help="recorded in ops"
    )
    run.add_argument(
        "--only",
        action="append",
        metavar="SOURCE",
        help="run only this source (repeatable) and the gold models that read only such sources",
    )
    run.add_argument(
        "--remote",
        metavar="URL",
        help="run on an existing Spark Connect server, e.g. sc://localhost:15002 (token: "
        "$SPARK_CONNECT_AUTHENTICATE_TOKEN or sc://HOST:PORT/;token=T)",
    )
    run.add_argument(
        "--storage",
        metavar="URI",
        help="checkpoint root as the server sees it, e.g. file:///data/lakehouse/storage "
        "(required with --remote)",
    )
    run.add_argument(
        "--landing",
        metavar="URI",
        help="landing root as the server sees it (default: $LAKEHOUSE_LANDING)",
    )
    run.add_argument(
        "--profile", action="store_true", help="print the wall time of each step of the run"
    )
    run.add_argument(
        "--keep-server",
        action="store_true",
        help="after the run, keep the server up for `lakehouse sql` and later runs (Ctrl-C stops)",
    )
    run.set_defaults(handler=_run, usage_error=run.error)
    demo = commands.add_parser("demo", help="generate sample data, then run everything")
    demo.add_argument("--rows-per-day", type=int, default=400, metavar="N")
    demo.add_argument("--days", type=int, default=3, metavar="N")
    demo.set_defaults(handler=_demo)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.conf)
    if args.only:
        config = config.select(args.only)
    # What the landing holds that no source declares (judged against every source, so not
    # for a selection; and only where the landing is a folder of this machine).
    landing = _local_landing(args.landing) if args.landing else settings.landing
    if not args.only and landing is not None:
        config = with_arrivals(config, landing)
    if args.remote is None:
        if args.storage or args.landing:
            args.usage_error("--storage and --landing go with --remote")
        with hold_runs(settings.home):  # released before a kept server waits
            warm = _warm_server(settings)
            code = run_local(
                settings,
                config,
                full_refresh=args.full_refresh,
                trigger=args.trigger,
                profile=args.profile,
                warm=warm,
                kept=args.keep_server,
            )
            if args.keep_server and warm is None:
                from pipelines.local.spark import keep_server

                keep_server()
        if args.keep_server:
            _keep_server(settings, warm)
        return code
    if args.keep_server:
        args.usage_error("--keep-server keeps the local server: not with --remote")
    if not args.storage:
        args.usage_error(
            "--remote needs --storage URI: the checkpoint root on the server's file system"
        )
    return run_remote(
        args.remote,
        config,
        storage_root=args.storage,
        landing_root=args.landing or settings.landing.as_uri(),
        full_refresh=args.full_refresh,
        trigger=args.trigger,
        profile=args.profile,
        proposals=settings.home / PROPOSALS,
    )


def _keep_server(settings: Settings, warm: WarmServer | None) -> None:
    """Keep this run's server up until Ctrl-C: ``lakehouse sql`` and later runs find it and run
    there (``pipelines.local.warm``). A run on a kept server leaves that one as it is."""
    from pipelines.local.spark import stop_session
    from pipelines.local.warm import SERVERS, wait_for_stop

    if warm is not None:
        print(f"server kept already: {warm.described} (process {warm.pid})", flush=True)
        return
    print(
        f"server kept: `lakehouse sql` and `lakehouse run` run here (found in "
        f"{settings.home / SERVERS}); Ctrl-C to stop",
        flush=True,
    )
    try:
        wait_for_stop()
    finally:
        stop_session()


def _warm_server(settings: Settings) -> WarmServer | None:
    """The server kept by ``lakehouse run --keep-server`` for this home, when one is up: the run
    goes there (no JVM to start, and the metastore is that server's anyway).

    Raises:
        LakehouseError: Another process's own server holds the home's metastore (a
            ``lakehouse sql``, a notebook): embedded Derby admits one process, so a server
            of this run's own would wait on it for minutes and then fail.
    """
    from pipelines.local.warm import find_server

    server = find_server(settings.home, None)
    if server is None or server.kind == "kept":
        return server
    raise LakehouseError(
        f"the metastore of {settings.home} is held by the server of another process "
        f"({server.described}, process {server.pid}); embedded Derby admits one process: "
        "stop it, or keep a run's server for both (`lakehouse run --keep-server`)"
    )


def _local_landing(uri: str | None) -> Path | None:
    """The landing root ``--landing`` names, as a local folder (None: not on this machine)."""
    parsed = urlparse(uri or "")
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    with hold_runs(settings.home):
        if (kept := _warm_server(settings)) is not None:
            raise LakehouseError(
                f"the demo rebuilds {settings.home} from scratch on a server of its own: stop "
                f"{kept.described} (process {kept.pid}) first"
            )
        return _demo_run(args, settings)


def _demo_run(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.demo import generate_catalog, generate_hotel, generate_orders_cdc
    from pipelines.demo.servers import demo_servers
    from pipelines.local.spark import start_local_session

    config = load_config(settings.conf)  # fail on bad config before writing anything
    # Spark starts while the data is generated; the Kafka broker produces through it.
    starting = start_local_session(settings, config.project.local)
    target = settings.landing / "product_catalog"
    stats = generate_catalog(target, rows_per_day=args.rows_per_day, days=args.days)
    print(
        f"demo: generated {stats.rows} catalog rows in {len(stats.files)} daily extracts "
        f"({stats.repeated_rows} repeated across days, {stats.bad_rows} deliberately bad) "
        f"under {target}"
    )
    hotel = generate_hotel(settings.landing / "hotel")
    print(
        f"demo: generated {hotel.reservation_rows} hotel reservation rows "
        f"({hotel.invalid_dates} dated 2018-02-29, {hotel.zero_prices} at price 0) and "
        f"{hotel.folios.lines} folio lines (schema drift on {len(hotel.folios.drift)} days) "
        f"under {settings.landing / 'hotel'}"
    )
    people: tuple[tuple[str, ...], ...] = ()
    if any(s.name == "customer_feed" and s.has_pii for s in config.sources):
        people = _demo_customers(settings, config, days=args.days)
    print(f"demo: generated {generate_orders_cdc(settings.landing / 'orders_cdc')}")
    # The example database, API and Kafka sources read from these.
    config = with_arrivals(config, settings.landing)
    with demo_servers(people=people, spark=starting.session):
        code = run_local(settings, config, full_refresh=True, trigger="demo")
    if code == 0:
        print('next: .venv/bin/lakehouse sql "SELECT * FROM gold.team_a_products_with_image"')
        print('      .venv/bin/lakehouse sql "SELECT * FROM ops.quality_metrics" --format table')
        report = "SELECT * FROM gold.hotel_daily_report ORDER BY report_date"
        print(f'      .venv/bin/lakehouse sql "{report}" --format table')
    return code


def _demo_customers(
    settings: Settings, config: LakehouseConfig, *, days: int
) -> tuple[tuple[str, ...], ...]:
    """Customers with PII, and random demo keys (never shipped in the repository); returns
    the customers as first sent (the CRM demo table holds many of them again)."""
    from pipelines.demo import generate_customers
    from pipelines.pii.keys import write_demo_keys

    target = settings.landing / "customer_feed"
    stats = generate_customers(target, days=days)
    print(
        f"demo: generated {stats.rows} customer rows with PII ({stats.bad_rows} deliberately "
        f"bad) under {target}"
    )
    for path in write_demo_keys(config.project.pii, settings.home / "secrets"):
        print(f"demo: wrote a random demo PII key to {path} (mode 0600; not for real data)")
    print(
        "demo: PII is masked in bronze.customer_feed; raw values in bronze_pii.customer_feed "
        '(README, "PII")'
    )
    return stats.people


def run_local(
    settings: Settings,
    config: LakehouseConfig,
    *,
    full_refresh: bool,
    trigger: str = "manual",
    profile: bool = False,
    warm: WarmServer | None = None,
    kept: bool = False,
) -> int:
    """Run the whole graph on the local session and print the summary (and the profile).

    ``warm``: a server kept for this home (``_warm_server``): the run goes there, saying so on
    stderr, with the same roots, secrets and target as on a server of its own. ``kept``: this
    run's server is kept after it (``--keep-server``): it compiles for long work
    (``pipelines.local.jit``)."""
    from pipelines.local.jit import choose_jit
    from pipelines.local.spark import remote_session, start_local_session, table_format
    from pipelines.local.unfinished import Markers

    starting, jit = None, None
    if warm is None:
        jit = choose_jit(
            config.project.local.jit, landing=settings.landing, full_refresh=full_refresh,
            last_start=Markers(settings.storage.as_uri()).last_completed(), kept=kept,
        )  # fmt: skip
        starting = start_local_session(settings, config.project.local, jit.options)
    # The run's imports (the Spark Connect client: pandas, pyarrow, gRPC) while the JVM starts.
    from pipelines.local.runner import run_pipeline
    from pipelines.local.summary import print_summary

    steps = _profile()  # its first step: the process until here
    if jit is not None:
        steps.add(jit.why, 0.0)
    try:
        if starting is not None:
            with steps.step("Spark session start (the rest)"):
                spark = starting.session()
        else:
            assert warm is not None
            with steps.step("Spark Connect session (kept server)"):
                spark = remote_session(warm.url, timeout=2.0)
            print(f"run: on the local server of {warm.described}", file=sys.stderr)
            _on_kept(spark, warm, config.project.local)
        result = run_pipeline(
            config,
            spark,
            landing_root=settings.landing.as_uri(),
            storage_root=settings.storage.as_uri(),
            full_refresh=full_refresh,
            table_format=table_format(spark, config.project.local),
            secrets_dir=settings.home / "secrets",
            trigger=trigger,
            profile=steps,
            proposals=settings.home / PROPOSALS,
        )
        print_summary(config, result)
    finally:
        if profile:
            print("\n".join(steps.report()))
    return 0


def _on_kept(spark: SparkSession, warm: WarmServer, local: LocalSettings) -> None:
    """A run's settings on a kept server: its session takes ``shuffle_partitions``; what the
    server's JVM took as it started (memory, cores, options) is said when project.yml changed
    it since, rather than silently run without."""
    from pipelines.local.warm import settings_changed

    spark.conf.set("spark.sql.shuffle.partitions", str(local.shuffle_partitions))
    if changed := settings_changed(warm, local):
        print(
            f"run: the kept server runs with the settings it started with: {'; '.join(changed)}; "
            "they apply once it restarts (stop it, then `lakehouse run --keep-server`)",
            file=sys.stderr,
        )


def _profile() -> Profile:
    """A profile whose first step is the process's start-up (interpreter and imports)."""
    steps = Profile()
    age = process_age()
    if age is not None:
        steps.add("process start-up, imports", age)
    return steps


def run_remote(
    url: str,
    config: LakehouseConfig,
    *,
    storage_root: str,
    landing_root: str,
    full_refresh: bool,
    trigger: str = "manual",
    profile: bool = False,
    proposals: Path | None = None,
) -> int:
    """Run the whole graph on the Spark Connect server at ``url`` and print the summary
    (``proposals``: where the contracts of undeclared arrivals are proposed)."""
    from pipelines.local.runner import run_pipeline
    from pipelines.local.spark import remote_session, table_format
    from pipelines.local.summary import print_summary

    steps = _profile()
    try:
        with steps.step("Spark Connect session"):
            spark = remote_session(url)
        result = run_pipeline(
            config,
            spark,
            landing_root=landing_root,
            storage_root=storage_root,
            full_refresh=full_refresh,
            table_format=table_format(spark, config.project.local, where=url.partition("/;")[0]),
            trigger=trigger,
            target="remote",
            profile=steps,
            proposals=proposals,
        )
        print_summary(config, result)
    finally:
        if profile:
            print("\n".join(steps.report()))
    return 0
