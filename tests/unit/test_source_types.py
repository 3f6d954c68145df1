"""Source types are one registered object each; the platform adapter makes the platform's
choices. No Spark."""

from __future__ import annotations

from pathlib import Path
from typing import get_args
from urllib.parse import urlparse

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.config.sources import Source
from pipelines.platform import DatabricksPlatform, LocalPlatform, platform_for
from pipelines.sources import bronze_kind, corrupt_columns, extra_bronze_columns, rescued_columns
from pipelines.sources.prepare import finish_sources
from pipelines.sources.snapshot_copy import copy_root
from pipelines.sources.types import UnknownSourceType, registered_types, source_type
from pipelines.spec import RunContext


def test_every_member_of_the_config_union_has_one_registered_type() -> None:
    union = get_args(get_args(Source)[0])
    keys = {get_args(model.model_fields["type"].annotation)[0] for model in union}
    assert (
        set(registered_types())
        == keys
        == {"files", "jdbc", "rest", "mongodb", "kafka", "eventhubs"}
    )
    for key, kind in registered_types().items():
        assert kind.name == key
        assert kind.model in union
    with pytest.raises(UnknownSourceType, match="source type 'ftp' has no registered"):
        source_type("ftp")


def test_what_each_shipped_source_type_answers(config: LakehouseConfig) -> None:
    answers = {
        s.name: (
            s.source.type,
            bronze_kind(s),
            corrupt_columns(s),
            rescued_columns(s),
            [c.name for c in extra_bronze_columns(s)],
        )
        for s in config.sources
    }
    kafka = ["_kafka_topic", "_kafka_partition", "_kafka_offset", "_kafka_key"]
    both = ["_corrupt_record"], ["_rescued_data"]
    assert answers == {
        "booking_events": ("kafka", "streaming_table", *both, kafka),
        "crm_customers": ("jdbc", "streaming_table", [], [], []),
        "customer_feed": ("files", "streaming_table", *both, []),
        "guest_profiles": ("mongodb", "streaming_table", [], [], []),
        "hotel_folios": ("files", "streaming_table", *both, []),
        "hotel_reservations": ("files", "streaming_table", *both, []),
        "orders_cdc": ("files", "streaming_table", *both, []),
        "product_catalog": ("files", "streaming_table", *both, []),
        "room_rates": ("rest", "materialized_view", [], [], []),
    }


def test_the_platform_adapter_is_chosen_in_one_place() -> None:
    local, databricks = platform_for("local"), platform_for("databricks")
    assert isinstance(local, LocalPlatform)
    assert isinstance(databricks, DatabricksPlatform)
    assert (local.kafka_client_package, databricks.kafka_client_package) == (
        "org.apache.kafka",
        "kafkashaded.org.apache.kafka",
    )
    assert (local.applies_auto_cdc, databricks.applies_auto_cdc) == (False, True)
    assert (local.runs_pre_run_work, databricks.runs_pre_run_work) == (True, False)
    assert (local.skips_unserved_sources, databricks.skips_unserved_sources) == (True, False)
    context = RunContext(run_id="r", landing_root="/l", platform="databricks")
    assert context.adapter is databricks


def test_an_extract_handles_folders_the_way_its_platform_does(config: LakehouseConfig) -> None:
    # No folders given: the platform's own (dbutils.fs on Databricks), not the local file system.
    from pipelines.sources.jdbc_extract import LocalFolders, extract_increment

    class Asked(Exception):
        pass

    class Folders(LocalFolders):
        def extracts(self, root: str) -> list[str]:
            raise Asked(root)

    class Platform(LocalPlatform):
        def extract_folders(self) -> Folders:
            return Folders()

    with pytest.raises(Asked, match=r"^/extracts/crm_customers$"):
        extract_increment(None, config.source("crm_customers"), "/extracts", "r1", platform=Platform())  # type: ignore[arg-type]  # fmt: skip


def test_after_the_graph_each_source_tidies_and_one_failing_says_so_alone(
    config: LakehouseConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locally, each snapshot's copy of this run (raw values) goes once the graph has run: a
    REST one whole, a JDBC one replaced by its mark (the next change is read once too); a
    source whose tidying fails is one line, and the others are still tidied. On Databricks,
    where no run makes copies, nothing is touched."""
    rates, crm = config.source("room_rates"), config.source("crm_customers")
    crm = crm.model_copy(update={"source": crm.source.model_copy(update={"incremental": None})})
    context = RunContext("run-1", (tmp_path / "landing").as_uri())
    for source in (rates, crm):  # each made its copy in this run
        (Path(urlparse(copy_root(context, source)).path) / "run-1").mkdir(parents=True)
    databricks = RunContext("run-1", (tmp_path / "landing").as_uri(), platform="databricks")
    finish_sources([rates, crm], databricks, pytest.fail)
    assert _copies(context, rates) == ["run-1"]

    said: list[str] = []
    failing = type(source_type("mongodb"))
    monkeypatch.setattr(failing, "after_run", lambda *_: _raise(OSError("disk gone")))
    mongo = config.source("guest_profiles")
    finish_sources([mongo, rates, crm], context, said.append)
    assert said == ["   ~ guest_profiles: not tidied after the run: OSError: disk gone"]
    assert not Path(urlparse(copy_root(context, rates)).path).exists()
    assert _copies(context, crm) == ["changed"]


def _copies(context: RunContext, source: SourceConfig) -> list[str]:
    return sorted(p.name for p in Path(urlparse(copy_root(context, source)).path).iterdir())


def _raise(exc: Exception) -> None:
    raise exc
