"""Database, REST and message-stream sources: config errors (file, line, key path), secrets,
what a local run skips and why, Kafka reader options. No Spark."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.model import EventHubsSource, KafkaSource
from pipelines.config.secrets import SecretRef
from pipelines.local.maven import SPARK_EXTRAS, artifact
from pipelines.local.skips import jdbc_driver_jar, jdbc_driver_missing, local_skip_reason
from pipelines.platform import Platform, platform_for
from pipelines.secrets import SecretNotFound, env_name, lookup, resolve
from pipelines.sources.streams import eventhubs_options, kafka_options
from tests.dbutils_stub import stub_dbutils
from tests.unit.test_config_errors import _edit, _messages

CRM = "sources/crm_customers.yml"
RATES = "sources/room_rates.yml"
LOCAL = platform_for("local")


def test_jdbc_config_errors_are_located(conf_copy: Path) -> None:
    _edit(conf_copy, CRM, "incremental: {column: updated_at}", "incremental: {column: changed_at}")
    _edit(conf_copy, CRM, "num_partitions: 4}", "num_partitions: 1}")
    assert _messages(conf_copy) == [
        f"{CRM}:16:76: source.partitioning.num_partitions: input should be greater than 1, got 1",
    ]
    _edit(conf_copy, CRM, "num_partitions: 1}", "num_partitions: 4}")
    assert _messages(conf_copy) == [
        f"{CRM}:15:17: source.incremental.column: 'changed_at' is not a declared column "
        "(customer_id, full_name, email, phone, date_of_birth, country, updated_at)"
    ]
    _edit(conf_copy, CRM, "column: changed_at}", "column: country}")
    assert _messages(conf_copy) == [
        f"{CRM}:15:17: source.incremental.column: 'country' is declared string; a watermark "
        "needs an ordered type (timestamp, date, int, bigint, smallint, tinyint, decimal)"
    ]


def test_password_must_be_a_secret_and_options_carry_no_credentials(conf_copy: Path) -> None:
    _edit(conf_copy, CRM, "password: {secret: crm/password}", "password: hunter2")
    _edit(conf_copy, RATES, "rate_limit_per_second: 10", "headers: {Authorization: Bearer x}")
    assert _messages(conf_copy) == [
        f"{CRM}:14:3: source.password: must name a secret, {{secret: <scope>/<key>}}, never "
        "hold the password",
        f"{RATES}:16:3: source.headers: 'Authorization' carries a credential: a config never "
        "holds a credential: use {secret: <scope>/<key>} in source.auth "
        "({header: Authorization, scheme: '', value: {secret: <scope>/<key>}})",
    ]


def test_rest_config_errors(conf_copy: Path) -> None:
    _edit(
        conf_copy, RATES, "style: cursor, param: cursor, cursor_path: next_cursor", "style: cursor"
    )
    _edit(conf_copy, RATES, "url: {secret: rates_api/url}", "url: ftp://rates")
    assert _messages(conf_copy) == [
        f"{RATES}:11:3: source.url: must start with http:// or https://",
        f"{RATES}:14:3: source.pagination: cursor style needs cursor_path or next_link_path",
    ]


def test_kafka_and_event_hubs_validate(conf_copy: Path) -> None:
    head = "description: Clicks.\nowner: data_engineers\ncolumns: [{name: event_id}]\n"
    (conf_copy / "sources" / "clicks.yml").write_text(
        "name: clicks\n" + head + "source:\n  type: kafka\n  bootstrap_servers: broker:9092\n"
        "  topic: clicks\n"
    )
    (conf_copy / "sources" / "bookings.yml").write_text(
        "name: bookings\n" + head + "source:\n  type: eventhubs\n"
        "  namespace: contoso-events.servicebus.windows.net\n  event_hub: bookings\n"
        "  connection_string: {secret: eh/connection}\n  starting_offsets: newest\n"
    )
    assert _messages(conf_copy) == [
        "sources/bookings.yml:7:3: source.namespace: the namespace name only, without "
        ".servicebus.windows.net",
        "sources/bookings.yml:10:3: source.starting_offsets: expected one of 'earliest', "
        "'latest', got 'newest'",
        "sources/clicks.yml:5:1: source: security_protocol SASL_SSL needs username and "
        "password (secrets)",
    ]


def test_missing_secret_names_the_key_and_where_it_was_looked_for(tmp_path: Path) -> None:
    ref = SecretRef(secret="crm/jdbc-url")
    assert env_name(ref) == "LAKEHOUSE_SECRET_CRM_JDBC_URL"
    file = tmp_path / "secrets.yml"
    env = {"LAKEHOUSE_SECRETS_FILE": str(file)}
    with pytest.raises(SecretNotFound) as caught:
        resolve(ref, LOCAL, env)
    assert str(caught.value) == (
        "secret 'crm/jdbc-url' is not set: looked in $LAKEHOUSE_SECRET_CRM_JDBC_URL, "
        f"$LAKEHOUSE_SECRET_CRM_JDBC_URL_FILE, key crm.jdbc-url of {file} (no such file)"
    )
    file.write_text("crm:\n  jdbc-url: jdbc:postgresql://db:5432/crm\n")
    assert resolve(ref, LOCAL, env) == "jdbc:postgresql://db:5432/crm"
    assert resolve(ref, LOCAL, {**env, "LAKEHOUSE_SECRET_CRM_JDBC_URL": "from-env"}) == "from-env"
    assert resolve("literal", LOCAL, env) == "literal"


def test_every_secret_is_looked_up_in_the_same_order(tmp_path: Path) -> None:
    ref = SecretRef(secret="crm/password")
    (tmp_path / "file").write_text("from-file-variable")
    (tmp_path / "secrets" / "crm").mkdir(parents=True)
    (tmp_path / "secrets" / "crm" / "password").write_text("from-secrets-dir")
    (tmp_path / "secrets.yml").write_text("crm: {password: from-secrets-file}\n")
    env = {
        "LAKEHOUSE_SECRET_CRM_PASSWORD": "from-env",
        "LAKEHOUSE_SECRET_CRM_PASSWORD_FILE": str(tmp_path / "file"),
        "LAKEHOUSE_SECRETS_FILE": str(tmp_path / "secrets.yml"),
    }
    found: list[tuple[str, str] | str] = []
    for drop in ("", "LAKEHOUSE_SECRET_CRM_PASSWORD", "LAKEHOUSE_SECRET_CRM_PASSWORD_FILE"):
        env.pop(drop, None)
        hit = lookup(ref, platform=LOCAL, environ=env, secrets_dir=tmp_path / "secrets")
        found.append((hit.text, hit.origin))
    found.append(lookup(ref, platform=LOCAL, environ=env).text)
    assert found == [
        ("from-env", "$LAKEHOUSE_SECRET_CRM_PASSWORD"),
        ("from-file-variable", str(tmp_path / "file")),
        ("from-secrets-dir", str(tmp_path / "secrets" / "crm" / "password")),
        "from-secrets-file",
    ]
    assert "from-env" not in repr(
        lookup(ref, platform=LOCAL, environ={"LAKEHOUSE_SECRET_CRM_PASSWORD": "from-env"})
    )


def test_local_run_skips_kafka_and_unconfigured_examples(tmp_path: Path) -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "src" / "conf")
    env = {"LAKEHOUSE_SECRETS_FILE": str(tmp_path / "none.yml")}
    assert local_skip_reason(config.source("room_rates"), env) == (
        "not configured locally (local_run: if_configured): set LAKEHOUSE_SECRET_RATES_API_URL, "
        "LAKEHOUSE_SECRET_RATES_API_TOKEN or add rates_api/url, rates_api/token to "
        f"{tmp_path / 'none.yml'}; `lakehouse demo` starts a local API server for it"
    )
    env |= {"LAKEHOUSE_SECRET_RATES_API_URL": "http://x", "LAKEHOUSE_SECRET_RATES_API_TOKEN": "t"}
    assert local_skip_reason(config.source("room_rates"), env) is None
    assert local_skip_reason(config.source("product_catalog"), env) is None


def test_a_local_run_skips_the_crm_until_lakehouse_jars_fetched_its_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = load_config(Path(__file__).resolve().parents[2] / "src" / "conf").source("crm_customers")
    env = {"LAKEHOUSE_SECRETS_FILE": str(tmp_path / "none.yml")}
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LAKEHOUSE_JARS", raising=False)
    assert jdbc_driver_jar("org.postgresql.Driver") is None
    assert local_skip_reason(crm, env) == (
        "the JDBC driver org.postgresql.Driver is not on the local Spark: run `lakehouse jars` "
        "(`make install` does), which fetches it from Maven"
    )
    # What `lakehouse jars` leaves: the set's folder, its jars, the MANIFEST written last.
    fetched = SPARK_EXTRAS.folder / "org.postgresql__postgresql-42.7.8.jar"
    fetched.parent.mkdir(parents=True)
    fetched.write_bytes(b"")
    assert jdbc_driver_jar("org.postgresql.Driver") is None  # no MANIFEST: an interrupted fetch
    (fetched.parent / "MANIFEST").write_text(f"{fetched.name}\n")
    assert jdbc_driver_jar("org.postgresql.Driver") == fetched
    assert local_skip_reason(crm, env) == (
        "not configured locally (local_run: if_configured): set LAKEHOUSE_SECRET_CRM_JDBC_URL, "
        "LAKEHOUSE_SECRET_CRM_USER, LAKEHOUSE_SECRET_CRM_PASSWORD or add crm/jdbc_url, crm/user, "
        f"crm/password to {tmp_path / 'none.yml'}; `lakehouse demo` starts a local PostgreSQL "
        "for it"
    )
    assert jdbc_driver_jar("com.example.Driver") is None  # not checked: $LAKEHOUSE_JARS
    assert jdbc_driver_missing("com.example.Driver") is None


def test_a_driver_jar_copied_into_lakehouse_jars_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LAKEHOUSE_JARS", str(tmp_path / "jars"))
    (tmp_path / "jars").mkdir()
    (tmp_path / "jars" / "postgresql-jdbc-notes.txt").write_text("")
    (tmp_path / "jars" / "postgresql-42.7.8.jar").write_bytes(b"")
    assert jdbc_driver_jar("org.postgresql.Driver") == tmp_path / "jars" / "postgresql-42.7.8.jar"
    names = ["org.checkerframework__checker-qual-3.49.5.jar", "delta-spark_4.2_2.13-4.4.0.jar"]
    assert [artifact(Path(n)) for n in names] == ["checker-qual", "delta-spark_4.2_2.13"]


KAFKA_JAR = Path("cache/org.apache.spark__spark-sql-kafka-0-10_2.13-4.2.0.jar")


def test_local_run_skips_event_hubs_and_kafka_without_its_connector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "src" / "conf")
    events = config.source("booking_events")
    env = {"LAKEHOUSE_SECRETS_FILE": str(tmp_path / "none.yml")}
    monkeypatch.setattr("pipelines.local.skips.local_jars", lambda: [KAFKA_JAR])
    assert local_skip_reason(events, env) == (
        "not configured locally (local_run: if_configured): set "
        "LAKEHOUSE_SECRET_BOOKING_EVENTS_BOOTSTRAP_SERVERS or add "
        f"booking_events/bootstrap_servers to {tmp_path / 'none.yml'}; `lakehouse demo` starts "
        "a local Kafka broker for it"
    )
    env["LAKEHOUSE_SECRET_BOOKING_EVENTS_BOOTSTRAP_SERVERS"] = "127.0.0.1:9092"
    assert local_skip_reason(events, env) is None
    monkeypatch.setattr("pipelines.local.skips.local_jars", lambda: [])
    assert local_skip_reason(events, env) == (
        f"kafka sources need Spark's Kafka connector, not in {SPARK_EXTRAS.folder}: run "
        "`lakehouse jars` (it fetches it once)"
    )
    hub = events.model_copy(update={"source": _hub()})
    assert local_skip_reason(hub, env) == (
        "eventhubs sources run on Databricks only: they read through the namespace's Kafka "
        "endpoint with the same Kafka reader that local runs test against a local broker; "
        "`lakehouse validate` checks their config"
    )


def test_kafka_bootstrap_servers_literal_or_secret(conf_copy: Path) -> None:
    events = "sources/booking_events.yml"
    secret = "bootstrap_servers: {secret: booking_events/bootstrap_servers}"
    _edit(conf_copy, events, secret, "bootstrap_servers: broker-1:9092,broker-2")
    assert _messages(conf_copy) == [
        f"{events}:13:3: source.bootstrap_servers: expected host:port[,host:port...]"
    ]
    _edit(conf_copy, events, "broker-1:9092,broker-2", "broker-1:9092,broker-2:9092")
    source = load_config(conf_copy).source("booking_events").source
    assert isinstance(source, KafkaSource)
    assert kafka_options(source, LOCAL)["kafka.bootstrap.servers"] == "broker-1:9092,broker-2:9092"


def _hub() -> EventHubsSource:
    return EventHubsSource.model_validate({
        "type": "eventhubs", "namespace": "contoso-events", "event_hub": "bookings",
        "connection_string": {"secret": "eh/connection"}, "starting_offsets": "latest",
    })  # fmt: skip


def _scram() -> KafkaSource:
    return KafkaSource.model_validate({
        "type": "kafka", "bootstrap_servers": {"secret": "kafka/servers"}, "topic": "t",
        "sasl_mechanism": "SCRAM-SHA-512", "username": {"secret": "kafka/user"},
        "password": {"secret": "kafka/password"},
    })  # fmt: skip


@pytest.mark.parametrize(
    ("platform", "package"),
    [(platform_for("databricks"), "kafkashaded.org.apache.kafka"), (LOCAL, "org.apache.kafka")],
    ids=["databricks", "local"],
)
def test_kafka_and_event_hubs_reader_options(
    platform: Platform, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same mapping on both platforms but for the Kafka client's package in the JAAS
    module (Databricks shades it); secrets from the scope or the environment."""
    values = {
        "eh/connection": "Endpoint=sb://x/;SharedAccessKey=k",
        "kafka/servers": "b1:9093,b2:9093", "kafka/user": "svc", "kafka/password": "pw",
    }  # fmt: skip
    for ref, value in values.items():
        monkeypatch.setenv(env_name(SecretRef(secret=ref)), value)
    with stub_dbutils(values):
        hub_options = eventhubs_options(_hub(), platform)
        scram_options = kafka_options(_scram(), platform)
    assert hub_options == {
        "kafka.bootstrap.servers": "contoso-events.servicebus.windows.net:9093",
        "subscribe": "bookings",
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "PLAIN",
        "kafka.sasl.jaas.config": f"{package}.common.security.plain.PlainLoginModule required "
        'username="$ConnectionString" password="Endpoint=sb://x/;SharedAccessKey=k";',
        "kafka.group.id": "$Default",
        "startingOffsets": "latest",
    }
    assert scram_options == {
        "kafka.bootstrap.servers": "b1:9093,b2:9093", "subscribe": "t",
        "kafka.security.protocol": "SASL_SSL", "kafka.sasl.mechanism": "SCRAM-SHA-512",
        "kafka.sasl.jaas.config": f"{package}.common.security.scram.ScramLoginModule required "
        'username="svc" password="pw";',
        "startingOffsets": "earliest",
    }  # fmt: skip
    plain = KafkaSource.model_validate({
        "type": "kafka", "bootstrap_servers": "b1:9092,b2:9092", "topic": "t",
        "security_protocol": "PLAINTEXT", "max_offsets_per_trigger": 1000,
    })  # fmt: skip
    assert kafka_options(plain, platform) == {
        "kafka.bootstrap.servers": "b1:9092,b2:9092", "subscribe": "t",
        "kafka.security.protocol": "PLAINTEXT", "startingOffsets": "earliest",
        "maxOffsetsPerTrigger": "1000",
    }  # fmt: skip
