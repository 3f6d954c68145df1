"""The interface every source type implements, and the registry that finds it by ``type``.

A source type is one object: its config model (a member of the ``Source`` union in
``pipelines.config.sources``), how it reads (``read``), what bronze is for it (``bronze_kind``,
the extra columns its reader fills), what must happen before the graph is registered
(``prepare``: Python data sources; ``before_run``: per-source work such as JDBC extracts),
what a full refresh forgets (``reset``), why a local run may leave a source out
(``local_skip_reason``) and the job tasks it needs on Databricks (``job_tasks``).

Everything else dispatches through :func:`source_type`; no other module asks which class a
source's config is. A type registers itself by subclassing :class:`SourceType` with a
``model``; ``pipelines.sources.types`` imports every module of its folder, so a new type is
its config model plus one module here (see the README, "Adding a source type").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, get_args

from pipelines.config.base import Model
from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.deploy import DeploySettings
    from pipelines.config.model import SourceConfig
    from pipelines.ops.file_records import FileCounts
    from pipelines.platform import Platform
    from pipelines.sources.sample import Sample
    from pipelines.spec import DatasetKind, RunContext

__all__ = [
    "ExtraColumn",
    "JobTask",
    "SourceType",
    "UnknownSourceType",
    "registered_types",
    "source_type",
    "typed_block",
    "typed_source",
]

Echo = Callable[[str], None]
M = TypeVar("M", bound=Model)
_REGISTRY: dict[str, SourceType] = {}


class UnknownSourceType(LakehouseError):
    """A config's ``source.type`` has no registered source type object."""


@dataclass(frozen=True)
class ExtraColumn:
    """A column a type's bronze keeps beyond the declared ones and the ingestion metadata."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class JobTask:
    """A task a source type adds to its pipeline's daily job before the bronze refresh.

    Attributes:
        task: The task mapping (``task_key``, ``spark_python_task``, retries, ...).
        environment: Its serverless environment: key and pip dependencies.
        configuration: What the pipeline needs to read the task's output (its
            ``configuration`` entries: where the JDBC extracts land).
    """

    task: Mapping[str, Any]
    environment: tuple[str, tuple[str, ...]] = field(default=("default", ()))
    configuration: Mapping[str, str] = field(default_factory=dict)


class SourceType:
    """One source type; subclasses set ``model`` and override what differs from the default.

    Defaults: a streaming bronze table, no corrupt or rescued column, no extra bronze column,
    nothing to prepare, reset or skip, no job task.
    """

    model: ClassVar[type[Model]]
    """The config model; its ``type`` literal is the key this object is registered under."""
    extra_bronze_columns: ClassVar[tuple[ExtraColumn, ...]] = ()
    """Columns bronze keeps beyond the declared ones and the ingestion metadata."""
    pipeline_dependencies: ClassVar[tuple[str, ...]] = ()
    """pip requirements the reader needs on Databricks beyond the package's own
    (``RUNTIME_DEPENDENCIES``): the pipeline's serverless environment installs them."""

    unsampled: ClassVar[str] = ""
    """Why ``sample`` cannot read this type, and what to do instead (the error says it)."""

    name: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" not in cls.__dict__:  # an intermediate base (e.g. shared by two types)
            return
        literal = cls.model.model_fields["type"].annotation
        (name,) = get_args(literal)
        instance = cls()
        instance.name = name
        _REGISTRY[name] = instance

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        """The raw rows of ``config``'s source (strings plus lineage), streaming if it can."""
        raise NotImplementedError

    def bronze_kind(self, config: SourceConfig) -> DatasetKind:
        """A streaming table where the reader streams; a materialized view for snapshots."""
        return "streaming_table"

    def read_once(self, config: SourceConfig) -> bool:
        """Whether ``config``, if it has PII, is read once per run, by ``bronze_pii``, which
        then keeps every column, and ``bronze`` masks its rows: for a source that answers each
        read afresh (an API, a database table), where two reads cost two fetches and may not
        see the same records. A source that can be read again the same (files, extracts, a
        topic's offsets) is read by both tables."""
        return False

    def corrupt_columns(self, config: SourceConfig) -> list[str]:
        """``[_corrupt_record]`` when the reader keeps unparseable records there."""
        return []

    def rescued_columns(self, config: SourceConfig) -> list[str]:
        """``[_rescued_data]`` when the reader keeps undeclared values there."""
        return []

    def record_columns(self, config: SourceConfig) -> list[str]:
        """Bronze-only columns holding each whole raw record as a JSON object (REST's
        ``_record``); like rescued data, their values are raw content outside the contract."""
        return []

    def prepare(
        self, spark: SparkSession, sources: Sequence[SourceConfig], context: RunContext
    ) -> None:
        """Once per run, before the graph is registered, for this type's ``sources`` (never
        empty): e.g. register a Python data source (a query function may not)."""

    def before_run(
        self, spark: SparkSession, config: SourceConfig, context: RunContext, echo: Echo
    ) -> bool:
        """Per source, before the graph runs, where the platform does such work in the run
        (locally; on Databricks a job task does it, see ``job_tasks``). True when that work
        found nothing new for the source (an extract of no row): its tables may then be left
        as they are (``pipelines.ops.up_to_date``)."""
        return False

    def after_run(self, config: SourceConfig, context: RunContext) -> None:
        """Per source, once the graph has run (whatever its outcome), where the platform does
        the pre-run work in the run: drop what that work kept for this run alone."""

    def reset(self, config: SourceConfig, context: RunContext) -> None:
        """Forget state kept outside the tables (a full refresh)."""

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        """Why a local run leaves ``config`` out, or None when it runs."""
        return None

    def records_read(
        self, spark: SparkSession, config: SourceConfig, files: FileCounts
    ) -> int | None:
        """The records bronze read, counted apart from the reader's parse (reconciliation
        compares them with bronze's rows; ``files`` keeps a delivered file's count once
        taken); None when only the reader can count them."""
        return None

    def sample(self, source: Model, platform: Platform, rows: int) -> Sample:
        """Up to ``rows`` records of the system ``source`` (a draft's block, of this type's
        ``model``) names, for ``lakehouse new-source`` to infer a contract from.

        Raises:
            LakehouseError: This type cannot be sampled (the default), or the system could
                not be read.
        """
        raise LakehouseError(
            f"a {self.name} source cannot be sampled: write its columns by hand"
            + (f" ({self.unsampled})" if self.unsampled else "")
        )

    def job_tasks(
        self, sources: Sequence[SourceConfig], settings: DeploySettings
    ) -> tuple[JobTask, ...]:
        """Tasks the daily job of a pipeline holding ``sources`` (of this type) runs before
        its bronze refresh on Databricks."""
        return ()


def registered_types() -> Mapping[str, SourceType]:
    """Every registered source type by its ``type`` key."""
    import pipelines.sources.types  # noqa: F401  (imports every type module once)

    return _REGISTRY


def source_type(config: SourceConfig | str) -> SourceType:
    """The source type object of ``config`` (or of a ``type`` key).

    Raises:
        UnknownSourceType: No module registered that type.
    """
    key = config if isinstance(config, str) else config.source.type
    found = registered_types().get(key)
    if found is None:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownSourceType(f"source type '{key}' has no registered type object ({known})")
    return found


def typed_source(config: SourceConfig, model: type[M]) -> M:
    """``config.source`` as ``model`` (a type object reading its own config).

    Raises:
        UnknownSourceType: The config is of another type (a dispatch bug, never user input).
    """
    source = config.source
    if not isinstance(source, model):
        raise UnknownSourceType(
            f"{config.name}: source type '{source.type}' is not {model.__name__}"
        )
    return source


def typed_block(source: Model, model: type[M]) -> M:
    """A ``source:`` block as ``model`` (a type object reading a draft's block).

    Raises:
        UnknownSourceType: The block is of another type (a dispatch bug, never user input).
    """
    if not isinstance(source, model):
        raise UnknownSourceType(f"source block {type(source).__name__} is not {model.__name__}")
    return source
