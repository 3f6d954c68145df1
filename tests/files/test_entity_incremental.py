"""Entities on incremental runs (issue 17, item 1): a plain rerun keeps them and their mart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from pipelines.errors import PipelineRunError
from pipelines.local.runner import run_pipeline
from tests.files.conf import file_conf
from tests.files.samples import write
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

MEMBERS = """
name: members
description: Members, daily CSV extracts.
owner: data_engineers
source: {type: files, path: members/*.csv}
columns:
  - {name: id, nullable: false}
  - {name: name}
  - name: email
    standardise: {email: true}
    pii: {class: email, mask: token}
silver:
  dedupe: {key: [id], keep: latest}
"""
CONTACTS = (
    MEMBERS.replace("members", "contacts").replace("Members", "Contacts")
    + """
quality:
  - {name: no_boom, expr: "name <> 'Boom'", action: fail}
"""
)
ENTITY = """
name: persons
description: One row per person, matched across members and contacts.
owner: data_engineers
key: person_key
inputs:
  - {source: members, id: id, updated: _file_date, attributes: {name: name, email: email}}
  - {source: contacts, id: id, updated: _file_date, attributes: {name: name, email: email}}
attributes:
  name: {description: Name, match: name}
  email: {description: E-mail, match: exact, pii: {class: email, mask: token}}
match:
  rules: [[email]]
"""
MART = """
name: persons_by_source_count
description: Persons by how many source records they merge.
owner: data_engineers
consumers: [bi_readers]
sql: SELECT source_records, count(*) AS persons FROM silver.persons GROUP BY source_records
"""


def _conf(root: Path) -> Path:
    conf = file_conf(root, "events")
    (conf / "sources" / "members.yml").write_text(MEMBERS.lstrip())
    (conf / "sources" / "contacts.yml").write_text(CONTACTS.lstrip())
    (conf / "entities").mkdir()
    (conf / "entities" / "persons.yml").write_text(ENTITY.lstrip())
    (conf / "gold").mkdir()
    (conf / "gold" / "persons_by_source_count.yml").write_text(MART.lstrip())
    return conf


def _rows(spark: SparkSession, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(query).collect()]


def test_plain_reruns_keep_entities_and_their_mart(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    """Slow (four runs, about 50 s): full refresh, nothing new, new records, a failed input;
    what is tested is each run on the tables the one before left, so they share one test."""
    config = load_config(_conf(tmp_path))
    landing = tmp_path / "landing"
    write(landing / "members" / "m1.csv", "id,name,email\n1,Ann,ann@x.org\n2,Bob,bob@x.org\n")
    write(landing / "contacts" / "c1.csv", "id,name,email\nA,Ann B,ANN@x.org\n")
    write(landing / "events" / "e1.json", '{"id": 1, "kind": "view"}\n')
    mart = "SELECT source_records, persons FROM gold.persons_by_source_count ORDER BY 1"
    xref = "SELECT source, source_id FROM silver.persons_xref ORDER BY 1, 2"

    run(spark, config, landing, lakehouse_home, full_refresh=True)
    assert _rows(spark, mart) == [(1, 1), (2, 1)]

    run(spark, config, landing, lakehouse_home)  # nothing new
    assert _rows(spark, mart) == [(1, 1), (2, 1)]
    assert _rows(spark, xref) == [("contacts", "A"), ("members", "1"), ("members", "2")]

    write(landing / "contacts" / "c2.csv", "id,name,email\nB,Bob,bob@x.org\nC,Cy,cy@x.org\n")
    run(spark, config, landing, lakehouse_home)  # new records
    assert _rows(spark, mart) == [(1, 1), (2, 2)]
    assert _rows(spark, "SELECT count(*) FROM silver.persons") == [(3,)]

    # A failed input keeps its last good data, and so does everything downstream of it.
    write(landing / "contacts" / "c3.csv", "id,name,email\nD,Boom,boom@x.org\n")
    said: list[str] = []
    with pytest.raises(PipelineRunError) as failed:
        run_pipeline(
            config, spark, landing_root=landing.as_uri(),
            storage_root=(lakehouse_home / "pipeline_storage").as_uri(), echo=said.append,
        )  # fmt: skip
    assert sorted(failed.value.failed) == ["quarantine.contacts", "silver.contacts"]
    assert "   = silver.contacts, quarantine.contacts kept the data of the last good run" in said
    assert "   - silver.persons_xref, silver.persons, gold.persons_by_source_count not run: an input failed" in said  # fmt: skip
    assert _rows(spark, "SELECT id FROM silver.contacts ORDER BY 1") == [("A",), ("B",), ("C",)]
    assert _rows(spark, mart) == [(1, 1), (2, 2)]
    assert _rows(spark, "SELECT count(*) FROM silver.persons_xref") == [(5,)]
    # The engine may say only that writing failed ([TASK_WRITE_FAILED], the cause on a later
    # line) or, when it aborts the run's stream, the cause itself: either way the first line,
    # the one printed, names the root cause (pipelines.local.causes).
    assert failed.value.failed["quarantine.contacts"].startswith((
        "SparkRuntimeException: [USER_RAISED_EXCEPTION] quality rule 'no_boom' failed ",
        "[USER_RAISED_EXCEPTION] quality rule 'no_boom' failed ",
    ))  # fmt: skip
