"""``lakehouse grants``: the access declaration for Terraform (``terraform/generated/grants.json``).

It is derived from ``access.yml`` (schema-wide reads per group), each source's and entity's
``owner`` and each gold model's ``owner`` and ``consumers``. ``terraform/modules/access_model``
reads it, adds the pipelines principal's privileges and ``USE_SCHEMA``/``USE_CATALOG`` where a
grant needs them, and re-checks the same least-privilege rules this module refuses to write:

* nobody but ``pii_readers`` reads ``bronze_pii`` (the pipelines principal writes it);
* ``bi_readers`` is granted on ``gold`` only;
* nobody but ``<team>`` is granted on ``landing_<team>``;
* no ``ALL_PRIVILEGES`` or ``MANAGE`` anywhere (none is ever produced here).

Each feature team has a landing schema, ``landing_<team>``: the landing-zone convention loads
the files the team drops under ``<team>/`` with no YAML into it, held back for that team
(``pipelines.config.convention`` says why there). The team alone reads it (and may delete
rows, as owners of a bronze table may), declared on the schema: its tables are not known
before the files land, and a schema grant covers the tables created later. No bundle
pipeline writes it (the convention runs locally), so the pipelines principal holds nothing
there.

Table privileges follow what each kind of table allows: a source's bronze table is a streaming
table (``MODIFY``: its owners may delete rows, e.g. an erasure request); silver, quarantine and
gold are materialized views, written only by the pipeline (``REFRESH``: owners may refresh them).
"""

from __future__ import annotations

from typing import Any

from pipelines.config.base import is_landing_schema, landing_schema
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SCHEMAS
from pipelines.deploy.files import GeneratedFile, compact_json
from pipelines.errors import LakehouseError

__all__ = [
    "BI_READERS",
    "GRANTS_COMMAND",
    "GRANTS_PATH",
    "PII_READERS",
    "PII_SCHEMA",
    "PIPELINE_EXTRA_PRIVILEGES",
    "PIPELINE_SCHEMA_PRIVILEGES",
    "PIPELINE_VOLUME_PRIVILEGES",
    "GrantsError",
    "extra_privileges",
    "grants_declaration",
    "grants_file",
    "written_schemas",
    "written_volumes",
]

GRANTS_COMMAND = "lakehouse grants"
GRANTS_PATH = "terraform/generated/grants.json"
PII_SCHEMA = "bronze_pii"
PII_READERS = "pii_readers"
BI_READERS = "bi_readers"
BI_SCHEMAS = ("gold",)
"""The defaults of terraform/modules/access_model (pii_reader_group, bi_reader_group, ...)."""

PIPELINE_SCHEMA_PRIVILEGES = ("CREATE_MATERIALIZED_VIEW", "CREATE_TABLE", "USE_SCHEMA")
"""What the identity that runs a pipeline or job holds on each schema it writes, and nothing
more: Lakeflow creates streaming tables (CREATE TABLE) and materialized views (CREATE
MATERIALIZED VIEW) there, and the event log and the ops records are tables too. It owns every
table it creates, which is all the reading and writing it does, so no SELECT or MODIFY;
``USE_CATALOG`` on the catalog comes with any grant below it (``modules/access_model``). The one
list for Terraform: grants.json carries it, the access model and the developer catalogs read it.
"""

PIPELINE_VOLUME_PRIVILEGES = ("READ_VOLUME", "WRITE_VOLUME")
"""What the identity that runs the jobs holds on each volume a job task writes files into, and
nothing more: ``WRITE_VOLUME`` to write, ``READ_VOLUME`` to list and read back (the extract
task reads the watermark from earlier extracts; the pipeline, running as the same identity,
streams them into bronze). Nobody else holds anything on such a volume."""

PIPELINE_EXTRA_PRIVILEGES = {PII_SCHEMA: ("CREATE_FUNCTION",)}
"""Beyond ``PIPELINE_SCHEMA_PRIVILEGES``, on one schema, when the config needs it: the
``pii_functions`` task creates the mask functions the ``bronze_pii`` tables declare
(``pipelines.pii.unity``), as the identity that runs the pipelines, in ``bronze_pii``."""

_READ = ["SELECT", "USE_SCHEMA"]
_PII_READ = ["EXECUTE", "SELECT", "USE_SCHEMA"]
"""``bronze_pii``'s readers also call its functions (``pii_decrypt``)."""
_LANDING = ["MODIFY", "SELECT", "USE_SCHEMA"]
_STREAMING_TABLE = ["MODIFY", "SELECT"]
_MATERIALIZED_VIEW = ["REFRESH", "SELECT"]
_CONSUMER = ["SELECT"]


class GrantsError(LakehouseError):
    """The access declaration breaks a least-privilege rule."""

    exit_code = 2


def _violation(principal: str, schema: str) -> str | None:
    if schema == PII_SCHEMA and principal != PII_READERS:
        return f"only {PII_READERS} may be granted on {PII_SCHEMA}"
    if is_landing_schema(schema) and schema != landing_schema(principal):
        team = schema.removeprefix(landing_schema(""))
        return f"only {team} may be granted on {schema} (its undeclared arrivals, held back)"
    if principal == BI_READERS and schema not in BI_SCHEMAS:
        return f"{BI_READERS} may only be granted on {', '.join(BI_SCHEMAS)}"
    return None


def extra_privileges(config: LakehouseConfig) -> dict[str, list[str]]:
    """``PIPELINE_EXTRA_PRIVILEGES`` this config needs: ``bronze_pii``'s when a source has
    PII (its tables declare masks)."""
    pii = any(s.has_pii for s in config.sources)
    return {PII_SCHEMA: list(PIPELINE_EXTRA_PRIVILEGES[PII_SCHEMA])} if pii else {}


def written_volumes(config: LakehouseConfig) -> list[str]:
    """The volumes (``<schema>.<volume>``) the daily jobs' tasks write files into: the JDBC
    extracts volume when a source is extracted (``pipelines.deploy.jobs.FILE_WRITERS``)."""
    from pipelines.deploy.bundle import before_bronze_tasks
    from pipelines.deploy.jobs import volume_of, written_paths

    tasks = before_bronze_tasks(config.sources, config.project.deploy)
    volumes = {volume_of(path) for task in tasks for path in written_paths(task.task)}
    return sorted(v for v in volumes if v is not None)


def written_schemas(config: LakehouseConfig) -> list[str]:
    """The schemas the pipelines and jobs write: their datasets', ``ops`` (each pipeline's
    event log, the ops records) and those of the volumes they write files into, in the order
    of ``SCHEMAS``."""
    written = {name.split(".")[0] for name in config.datasets} | {"ops"}
    written |= {volume.split(".")[0] for volume in written_volumes(config)}
    return [schema for schema in SCHEMAS if schema in written]


def _owned_tables(config: LakehouseConfig) -> list[tuple[str, str, list[str], str]]:
    """(table, owner, privileges, where declared) of every source's and entity's tables."""
    tables: list[tuple[str, str, list[str], str]] = []
    for source in config.sources:
        where = f"{config.root / 'sources' / source.name}.yml: owner"
        tables.append((f"bronze.{source.name}", source.owner, _STREAMING_TABLE, where))
        for layer in ("silver", "quarantine"):
            tables.append((f"{layer}.{source.name}", source.owner, _MATERIALIZED_VIEW, where))
    for entity in config.entities:
        where = f"{config.root / 'entities' / entity.name}.yml: owner"
        for name in (entity.name, entity.xref):
            tables.append((f"silver.{name}", entity.owner, _MATERIALIZED_VIEW, where))
    return tables


def grants_declaration(config: LakehouseConfig) -> dict[str, Any]:
    """The grants.json document (plain dict), in the format the Terraform module reads.

    Raises:
        GrantsError: Naming every file and key that would grant against the rules.
    """
    problems: list[str] = []
    access = config.root / "access.yml"
    schema_grants = []
    for index, group in enumerate(config.access.groups):
        for schema in group.read:
            if (why := _violation(group.name, schema)) is not None:
                problems.append(f"{access}: groups[{index}].read: {group.name}: {why}")
            privileges = _PII_READ if schema == PII_SCHEMA else _READ
            schema_grants.append(
                {"schema": schema, "principal": group.name, "privileges": privileges}
            )
    teams = [g.name for g in config.access.groups if g.feature_team]
    for team in teams:
        schema_grants.append({"schema": landing_schema(team), "principal": team, "privileges": _LANDING})  # fmt: skip # noqa: E501
    tables = _owned_tables(config)
    reads_gold = {g.name for g in config.access.groups if "gold" in g.read}
    for model in config.gold:
        path = config.root / "gold" / f"{model.name}.yml"
        tables.append((f"gold.{model.name}", model.owner, _MATERIALIZED_VIEW, f"{path}: owner"))
        for index, consumer in enumerate(model.consumers):
            if consumer in reads_gold:
                continue  # its schema-wide read covers the table: no redundant grant
            where = f"{path}: consumers[{index}]"
            tables.append((f"gold.{model.name}", consumer, _CONSUMER, where))
    table_grants: dict[tuple[str, str], set[str]] = {}
    for table, principal, privileges, where in tables:
        if (why := _violation(principal, table.split(".")[0])) is not None:
            problems.append(f"{where}: {principal}: {why}")
        table_grants.setdefault((table, principal), set()).update(privileges)
    if problems:
        raise GrantsError(
            "the access declaration breaks least privilege:\n  "
            + "\n  ".join(dict.fromkeys(problems))
        )
    return {
        "_generated_by": (
            f"Generated by `{GRANTS_COMMAND}` from src/conf: do not edit. "
            f"CI runs `{GRANTS_COMMAND} --check`."
        ),
        "schemas": [*SCHEMAS, *(landing_schema(team) for team in teams)],
        "groups": [{"name": g.name, "description": g.description} for g in config.access.groups],
        "schema_grants": schema_grants,
        "table_grants": [
            {"table": table, "principal": principal, "privileges": sorted(privileges)}
            for (table, principal), privileges in sorted(table_grants.items())
        ],
        # The pipelines principal writes these schemas (bronze_pii too, when a source has PII).
        "pipeline_principal_schemas": written_schemas(config),
        "pipeline_principal_privileges": list(PIPELINE_SCHEMA_PRIVILEGES),
        "pipeline_principal_extra_privileges": extra_privileges(config),
        # Terraform creates these (managed) volumes; the job tasks write files there.
        "pipeline_principal_volumes": {
            volume: list(PIPELINE_VOLUME_PRIVILEGES) for volume in written_volumes(config)
        },
    }


def grants_file(config: LakehouseConfig) -> GeneratedFile:
    """``terraform/generated/grants.json`` as a generated file."""
    return GeneratedFile(GRANTS_PATH, compact_json(grants_declaration(config)))
