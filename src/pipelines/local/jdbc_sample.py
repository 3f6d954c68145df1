"""A table's (or query's) first rows and metadata over JDBC, for ``lakehouse new-source``.

The rows come through the source's own JDBC driver, in a small JVM of our own (py4j, the
jars local runs use: ``lakehouse jars`` and ``$LAKEHOUSE_JARS``), not a Spark session: a
sample needs no engine, and this starts in about a second. The types are the database's
(``ResultSetMetaData``), mapped as Spark's JDBC reader maps them; the key is the table's
primary key (``DatabaseMetaData.getPrimaryKeys``).
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.config.jdbc import JdbcOption, JdbcSource
from pipelines.config.secrets import SecretRef
from pipelines.errors import LakehouseError
from pipelines.local.gateway import Gateway, java_message, start_gateway
from pipelines.local.spark import local_jars
from pipelines.platform import Platform
from pipelines.secrets import resolve
from pipelines.sources.sample import Declared, Sample

__all__ = ["column_type", "safe_url", "sample_table"]

_JVM = ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]

# java.sql.Types -> the column type Spark's JDBC reader gives it
_TYPES = {
    -7: "boolean", 16: "boolean",  # BIT, BOOLEAN
    -6: "tinyint", 5: "smallint", 4: "int", -5: "bigint",
    7: "float", 6: "double", 8: "double",  # REAL, FLOAT, DOUBLE
    91: "date", 93: "timestamp", 2014: "timestamp",  # DATE, TIMESTAMP (WITH TIME ZONE)
}  # fmt: skip
_DECIMALS = {2, 3}  # NUMERIC, DECIMAL
_BOOLEANS = {-7, 16}


def column_type(sql_type: int, precision: int, scale: int) -> str:
    """The column type of a JDBC column: Spark's mapping, a decimal with its precision and
    scale (``decimal(38,18)`` when the database gives none, as Spark reads it), and
    ``string`` for text and what has no column type (JSON, UUID, arrays, times of day)."""
    if sql_type in _DECIMALS:
        if 0 < precision <= 38 and 0 <= scale <= precision:
            return f"decimal({precision},{scale})"
        return "decimal(38,18)"
    return _TYPES.get(sql_type, "string")


def safe_url(url: str) -> str:
    """``jdbc:postgresql://host:5432/crm``: the URL without its parameters or a user."""
    bare = re.split(r"[?;]", url, maxsplit=1)[0]
    return re.sub(r"//[^/@]*@", "//", bare)


def _unquoted(label: str) -> str | None:
    """The column's name as an unquoted identifier reads it, or None: a database folds an
    unquoted name to one case (PostgreSQL lower, Oracle upper), so ``CamelCol`` is only
    read quoted, and the reader's ``SELECT`` names columns unquoted."""
    if re.fullmatch(r"[a-z][a-z0-9_]*|[A-Z][A-Z0-9_]*", label):
        return label.lower()
    return None


def sample_table(source: JdbcSource, platform: Platform, rows: int) -> Sample:
    """Up to ``rows`` rows of the source's table or query, its columns' types and nullability
    as the database declares them, and a table's primary key.

    Raises:
        SecretNotFound: A secret the block names is not set.
        LakehouseError: No jars (``lakehouse jars``), no such driver, or the database
            refused (its message).
    """
    url = resolve(source.url, platform)
    properties = {k: _option(v, platform) for k, v in source.options.items()}
    if source.user is not None:
        properties["user"] = resolve(source.user, platform)
    if source.password is not None:
        properties["password"] = resolve(source.password, platform)
    jars = local_jars()
    if not jars:
        raise LakehouseError("no JDBC driver jars: run `lakehouse jars` (or set $LAKEHOUSE_JARS)")
    where = f"{source.table or 'query'} at {safe_url(url)}"

    def read(jvm: Gateway) -> Sample:
        return _read(jvm.jvm, source, url, properties, rows, where)

    gateway, sample = start_gateway(jars, _JVM, "the JDBC sampler's JVM", read)
    gateway.stop()
    return sample


def _read(
    jvm: Any, source: JdbcSource, url: str, properties: dict[str, str], rows: int, where: str
) -> Sample:
    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]

    try:
        jvm.java.lang.Class.forName(source.driver)
    except Py4JJavaError:
        raise LakehouseError(
            f"JDBC driver {source.driver} is not among the jars: put its jar in $LAKEHOUSE_JARS"
        ) from None
    given = jvm.java.util.Properties()
    for key, value in properties.items():
        given.setProperty(key, value)
    try:
        connection = jvm.java.sql.DriverManager.getConnection(url, given)
    except Py4JJavaError as error:
        raise LakehouseError(f"{where}: {java_message(error)}") from None
    try:
        origin = source.table or f"({source.query}) lakehouse_query"
        statement = connection.createStatement()
        statement.setMaxRows(rows + 1)
        statement.setFetchSize(min(rows + 1, 1000))
        try:
            result = statement.executeQuery(f"SELECT * FROM {origin}")
        except Py4JJavaError as error:
            raise LakehouseError(f"{where}: {java_message(error)}") from None
        meta = result.getMetaData()
        labels: list[str | None] = []
        declared: dict[str, Declared] = {}
        booleans: set[int] = set()
        notes: list[str] = []
        for index in range(1, meta.getColumnCount() + 1):
            raw = str(meta.getColumnLabel(index))
            label = _unquoted(raw)
            labels.append(label)
            if label is None:
                notes.append(f"{raw}: left out: only a quoted name reads it; select it under a lower_snake_case name with a `query` (SELECT \"{raw}\" AS ...)")  # fmt: skip # noqa: E501
                continue
            sql_type = meta.getColumnType(index)
            kind = column_type(sql_type, meta.getPrecision(index), meta.getScale(index))
            native = str(meta.getColumnTypeName(index))
            declared[label] = Declared(kind, meta.isNullable(index) != 0, native)
            if sql_type in _BOOLEANS:
                booleans.add(index)
        records = []
        while result.next():
            records.append({
                label: _cell(result, i, i in booleans)
                for i, label in enumerate(labels, 1) if label is not None
            })  # fmt: skip
        keys = _primary_key(connection, source.table) if source.table else ()
        complete = len(records) <= rows
        if not complete and source.table and source.partitioning is None:
            notes += _ranges(connection, source.table, keys, declared)
    finally:
        connection.close()
    return Sample(
        where=where,
        records=records[:rows],
        text=lambda value: value,
        complete=complete,
        declared=declared,
        keys=keys,
        notes=(*notes, *_incremental(source, declared)),
    )


_INTEGERS = {"tinyint", "smallint", "int", "bigint"}
_PARTITIONS = 4


def _ranges(
    connection: Any, table: str, keys: tuple[str, ...], declared: dict[str, Declared]
) -> list[str]:
    """A note giving ``source.partitioning`` for a table larger than the sample whose primary
    key is one integer column: its bounds, read from the key's index (``min``/``max``, no
    count), so that a run reads ranges of it at once rather than the table in one query."""
    if len(keys) != 1 or declared[keys[0]].type not in _INTEGERS:
        return []
    (key,) = keys
    statement = connection.createStatement()
    bounds = statement.executeQuery(f"SELECT min({key}), max({key}) FROM {table}")
    bounds.next()
    low, high = bounds.getString(1), bounds.getString(2)
    if low is None or high is None or low == high:
        return []
    block = (
        f"{{column: {key}, lower_bound: {low}, upper_bound: {high}, num_partitions: {_PARTITIONS}}}"
    )
    return [f"source.partitioning: {block} would read the table in {_PARTITIONS} ranges at once"]


_CHANGED = re.compile(r"(^|_)(updated|modified|changed|last_modified|last_update)(_at|_on|_time)?$")
"""Column names of a row's last change: what an incremental read goes by."""


def _incremental(source: JdbcSource, declared: dict[str, Declared]) -> tuple[str, ...]:
    """A note naming the column an incremental read could go by, when the block has none."""
    if source.incremental is not None:
        return ()
    changed = [n for n, d in declared.items() if d.type == "timestamp" and _CHANGED.search(n)]
    if not changed:
        return ()
    return (f"source.incremental: {{column: {changed[0]}}} would read only the rows changed since the last run",)  # fmt: skip # noqa: E501


def _option(value: JdbcOption, platform: Platform) -> str:
    """A reader option as a connection property, as Spark hands it to the driver."""
    if isinstance(value, SecretRef):
        return resolve(value, platform)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _cell(result: Any, index: int, boolean: bool) -> str | None:
    """The value as bronze's text (Spark casts a boolean to ``true``/``false``). Each call
    crosses to the JVM (about 0.1 ms): ``getString`` answers null for SQL NULL, so only a
    boolean needs ``wasNull`` too (BENCHMARKS.md, session 27)."""
    if not boolean:
        value: str | None = result.getString(index)
        return value
    value = "true" if result.getBoolean(index) else "false"
    return None if result.wasNull() else value


def _primary_key(connection: Any, table: str) -> tuple[str, ...]:
    schema, _, name = table.rpartition(".")
    found = []
    meta = connection.getMetaData()
    for candidate in (name, name.lower(), name.upper()):
        keys = meta.getPrimaryKeys(None, schema or None, candidate)
        while keys.next():
            found.append((int(keys.getShort("KEY_SEQ")), str(keys.getString("COLUMN_NAME"))))
        if found:
            break
    return tuple(column.lower() for _, column in sorted(found))
