"""The JVM parts from Maven: what ``lakehouse jars`` fetches, caches and puts on the local Spark.

The resolution itself runs pyspark's own Ivy for real (an artifact that does not exist is
refused by the repository within a second); the cached sets are faked as ``fetch`` leaves them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config.model import LocalSettings
from pipelines.errors import LakehouseError
from pipelines.local import spark as spark_module
from pipelines.local.maven import (
    JAR_SETS,
    SPARK_EXTRAS,
    JarSet,
    _ivy_module,
    _without_provided,
    fetch,
    fetched,
)
from pipelines.local.settings import Settings
from pipelines.local.spark import spark_confs, table_format


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LAKEHOUSE_JARS", raising=False)
    return tmp_path / "cache"


def _fake_fetch(jar_set: JarSet, names: list[str]) -> list[Path]:
    jar_set.folder.mkdir(parents=True)
    for name in names:
        (jar_set.folder / name).write_bytes(b"")
    (jar_set.folder / "MANIFEST").write_text("".join(f"{n}\n" for n in names))
    return [jar_set.folder / n for n in names]


def test_ivy_module_lists_every_coordinate() -> None:
    assert _ivy_module(
        ("io.delta:delta-spark_4.2_2.13:4.4.0", "org.postgresql:postgresql:42.7.8")
    ) == (
        '<ivy-module version="2.0">\n  <info organisation="lakehouse" module="local-jars"/>\n'
        "  <dependencies>\n"
        '    <dependency org="io.delta" name="delta-spark_4.2_2.13" rev="4.4.0" conf="default->default"/>\n'
        '    <dependency org="org.postgresql" name="postgresql" rev="42.7.8" conf="default->default"/>\n'
        "  </dependencies>\n</ivy-module>\n"
    )


def test_jars_pyspark_already_ships_are_left_out_of_the_spark_set(tmp_path: Path) -> None:
    names = [
        "io.delta__delta-spark_4.2_2.13-4.4.0.jar",
        "org.apache.hadoop__hadoop-client-api-3.5.0.jar",  # pyspark has its own
        "org.scala-lang__scala-library-2.13.18.jar",  # likewise
        "org.apache.kafka__kafka-clients-3.9.2.jar",
        "com.github.luben__zstd-jni-1.5.7-3.jar",  # a version with a classifier-like suffix
    ]
    jars = [tmp_path / n for n in names]
    kept = _without_provided(jars, SPARK_EXTRAS)
    assert [j.name for j in kept] == [names[0], names[3]]
    broker = next(s for s in JAR_SETS if not s.on_spark)
    assert _without_provided(jars, broker) == jars  # its own JVM: every dependency stays


def test_only_a_complete_fetch_counts(cache: Path) -> None:
    assert fetched(SPARK_EXTRAS) == []
    jars = _fake_fetch(SPARK_EXTRAS, ["io.delta__delta-spark_4.2_2.13-4.4.0.jar"])
    assert SPARK_EXTRAS.folder.parent == cache
    assert fetched(SPARK_EXTRAS) == jars
    jars[0].unlink()  # a jar of the manifest gone: fetched again
    assert fetched(SPARK_EXTRAS) == []
    (SPARK_EXTRAS.folder / "MANIFEST").unlink()
    jars[0].write_bytes(b"")  # jars without a manifest: an interrupted fetch
    assert fetched(SPARK_EXTRAS) == []


def test_an_artifact_the_repository_does_not_have_is_a_clear_error(cache: Path) -> None:
    missing = JarSet("nope", ("org.example.lakehouse:no-such-artifact:0.0.1",), "", "", False)
    with pytest.raises(LakehouseError) as caught:
        fetch(missing, timeout=120)
    assert str(caught.value).startswith("cannot fetch nope jars: ")
    assert "org.example.lakehouse#no-such-artifact;0.0.1: not found" in str(caught.value)
    assert not missing.folder.exists()


def test_delta_confs_only_with_the_delta_jar(cache: Path, tmp_path: Path) -> None:
    settings = Settings(tmp_path, tmp_path / "landing", tmp_path / "conf")
    bare = spark_confs(settings, LocalSettings(), port=1)
    assert "spark.sql.extensions" not in bare
    assert "spark.driver.extraClassPath" not in bare
    jars = _fake_fetch(SPARK_EXTRAS, ["io.delta__delta-spark_4.2_2.13-4.4.0.jar", "io.delta__delta-storage-4.4.0.jar"])  # fmt: skip
    confs = spark_confs(settings, LocalSettings(), port=1)
    assert confs["spark.driver.extraClassPath"] == f"{jars[0]}:{jars[1]}"
    assert confs["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert confs["spark.sql.sources.default"] == "delta"
    parquet = spark_confs(settings, LocalSettings(table_format="parquet"), port=1)
    assert "spark.sql.extensions" not in parquet  # the jars stay (Kafka, JDBC): not Delta


def test_the_projects_java_options_follow_the_servers_own(cache: Path, tmp_path: Path) -> None:
    settings = Settings(tmp_path, tmp_path / "landing", tmp_path / "conf")
    local = LocalSettings(java_options=("-XX:+UseParallelGC", "-Dhttps.proxyHost=proxy"))
    confs = spark_confs(settings, local, port=1, java_options=("-Xshare:auto",))
    assert confs["spark.driver.extraJavaOptions"].split() == [
        f"-Dlog4j.configurationFile={Path(spark_module.__file__).with_name('log4j2.properties')}",
        f"-Dlakehouse.log.dir={settings.logs}",
        "-Xshare:auto", "-XX:+UseParallelGC", "-Dhttps.proxyHost=proxy", "-Duser.timezone=UTC",
    ]  # fmt: skip
    assert "-XX:+UseParallelGC" not in spark_confs(settings, LocalSettings(), port=1)["spark.driver.extraJavaOptions"]  # fmt: skip


class _Conf:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)


class _Session:
    def __init__(self, values: dict[str, str]) -> None:
        self.conf = _Conf(values)


def test_a_run_writes_delta_where_the_engine_has_it_else_parquet_saying_why(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    delta = _Session({"spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension"})
    assert table_format(delta, LocalSettings()) == "delta"  # type: ignore[arg-type]
    assert table_format(_Session({}), LocalSettings(table_format="parquet")) == "parquet"  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""
    assert table_format(_Session({}), LocalSettings()) == "parquet"  # type: ignore[arg-type]
    assert capsys.readouterr().err == (
        f"note: tables are Parquet, not Delta: the Delta jars are not in {SPARK_EXTRAS.folder} "
        "(`lakehouse jars` fetches them; it needs the network once)\n"
    )
    remote = table_format(_Session({}), LocalSettings(), where="sc://spark.example:15002")  # type: ignore[arg-type]
    assert remote == "parquet"
    assert capsys.readouterr().err == (
        "note: tables are Parquet, not Delta: the Spark Connect server at sc://spark.example:15002 "
        "has no Delta Lake (spark.sql.extensions)\n"
    )


def test_jars_check_says_what_is_missing(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jars", "--check"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"jars: {s.name}: not fetched ({s.purpose})" for s in JAR_SETS]
    assert out.err == f"jars: 3 set(s) missing under {cache}\n"
