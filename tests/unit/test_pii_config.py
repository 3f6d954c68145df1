"""PII declarations and keys: located config errors, key lookup and its exact messages."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from pipelines.config.pii import PiiSettings, SecretRef
from pipelines.pii.keys import (
    PiiKeyError,
    PiiKeys,
    env_name,
    resolve_keys,
    resolve_source_keys,
    write_demo_keys,
)
from pipelines.platform import platform_for
from tests.unit.test_config_errors import _edit, _messages

SOURCE = "sources/customer_feed.yml"
SETTINGS = PiiSettings(
    token_key=SecretRef(secret="pii/token_key"),
    encryption_key=SecretRef(secret="pii/encryption_key"),
)
TOKEN = base64.b64encode(b"t" * 32).decode()
LOCAL = platform_for("local")


def test_keep_last_only_with_partial(conf_copy: Path) -> None:
    _edit(
        conf_copy,
        SOURCE,
        "{class: email, mask: token}",
        "{class: email, mask: token, keep_last: 2}",
    )
    assert _messages(conf_copy) == [
        f"{SOURCE}:32:38: columns[3].pii.keep_last: only applies to mask: partial (this column's mask is token)"
    ]


def test_unknown_class_suggests_the_closest(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "{class: email, mask: token}", "{class: emial, mask: token}")
    assert _messages(conf_copy) == [
        f"{SOURCE}:32:11: columns[3].pii.class: expected one of 'email', 'phone', 'name', 'address', "
        "'date_of_birth', 'national_id', 'payment', 'bank_account', 'free_text', 'ip_address', "
        "'other', got 'emial' (did you mean 'email'?)"
    ]


def test_misspelled_pii_key_suggests_class(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "{class: email, mask: token}", "{clas: email, mask: token}")
    assert _messages(conf_copy)[-1] == (
        f"{SOURCE}:32:11: columns[3].pii.clas: unknown key 'clas' (did you mean 'class'?)"
    )


def test_pii_column_must_be_text(conf_copy: Path) -> None:
    _edit(
        conf_copy, SOURCE, "  - name: date_of_birth\n", "  - name: date_of_birth\n    type: date\n"
    )
    assert _messages(conf_copy) == [
        f"{SOURCE}:38:5: columns[5].standardise: only string columns are standardised (type is "
        "date); a date column reads several patterns with formats: [...]",
        f"{SOURCE}:39:5: columns[5].pii: a PII column holds masked text in bronze and silver: "
        "its type must be string, got 'date'",
    ]


def test_pii_needs_the_project_to_declare_its_keys(conf_copy: Path) -> None:
    _edit(conf_copy, "project.yml", "  encryption_key: {secret: pii/encryption_key}", "")
    assert _messages(conf_copy) == [
        f"{SOURCE}:40:5: columns[6].pii: needs project.yml pii.encryption_key (where the key "
        "comes from, e.g. {secret: pii/encryption_key})"
    ]


def test_env_name() -> None:
    assert env_name(SecretRef(secret="pii/token_key")) == "LAKEHOUSE_SECRET_PII_TOKEN_KEY"
    assert env_name(SecretRef(secret="my-scope/a.b")) == "LAKEHOUSE_SECRET_MY_SCOPE_A_B"


def test_keys_from_env_then_file_then_secrets_dir(tmp_path: Path) -> None:
    aes = base64.b64encode(bytes(16)).decode()
    (tmp_path / "aes").write_text(aes + "\n")
    env = {
        "LAKEHOUSE_SECRET_PII_TOKEN_KEY": TOKEN,
        "LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY_FILE": str(tmp_path / "aes"),
    }
    keys = resolve_keys(SETTINGS, {"token", "encrypt"}, platform=LOCAL, environ=env)
    assert keys == PiiKeys(b"t" * 32, bytes(16))
    assert repr(keys) == "PiiKeys(token_key=<set>, encryption_key=<set>)"
    (tmp_path / "secrets" / "pii").mkdir(parents=True)
    (tmp_path / "secrets" / "pii" / "token_key").write_text(TOKEN)
    assert resolve_keys(
        SETTINGS, {"redact"}, platform=LOCAL, secrets_dir=tmp_path / "secrets", environ={}
    ) == PiiKeys(b"t" * 32)
    assert resolve_keys(SETTINGS, set(), platform=LOCAL, environ={}) is None


def test_missing_key_names_the_secret_and_every_place_looked(tmp_path: Path) -> None:
    env = {
        "LAKEHOUSE_SECRET_PII_TOKEN_KEY_FILE": str(tmp_path / "nope"),
        "LAKEHOUSE_SECRETS_FILE": str(tmp_path / "secrets.yml"),
    }
    with pytest.raises(PiiKeyError) as caught:
        resolve_keys(
            SETTINGS, {"token"}, platform=LOCAL, secrets_dir=tmp_path / "secrets", environ=env
        )
    assert str(caught.value) == (
        f"PII key 'pii/token_key' not found; looked in $LAKEHOUSE_SECRET_PII_TOKEN_KEY, "
        f"$LAKEHOUSE_SECRET_PII_TOKEN_KEY_FILE ({tmp_path}/nope: no such file), "
        f"{tmp_path}/secrets/pii/token_key, key pii.token_key of {tmp_path}/secrets.yml "
        "(no such file). Provide it there (base64), or run "
        "`lakehouse demo` to create demo keys; there is no default key."
    )


def test_one_sources_missing_key_fails_that_source_alone(tmp_path: Path) -> None:
    # issue 17: a missing key of one source stopped every source of the run
    env = {"LAKEHOUSE_SECRET_PII_TOKEN_KEY": TOKEN, "LAKEHOUSE_SECRETS_FILE": str(tmp_path / "s.yml")}  # fmt: skip
    masks = {"feed": {"token"}, "crm": {"encrypt", "token"}}
    keys, unkeyed = resolve_source_keys(SETTINGS, masks, platform=LOCAL, environ=env)
    assert keys == PiiKeys(b"t" * 32)
    assert unkeyed == {
        "crm": "PII key 'pii/encryption_key' not found; looked in "
        "$LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY, $LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY_FILE, key "
        f"pii.encryption_key of {tmp_path}/s.yml (no such file). Provide it there (base64), or "
        "run `lakehouse demo` to create demo keys; there is no default key."
    }
    both = {**env, "LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY": TOKEN}
    assert resolve_source_keys(SETTINGS, masks, platform=LOCAL, environ=both) == (
        PiiKeys(b"t" * 32, b"t" * 32),
        {},
    )
    assert resolve_source_keys(SETTINGS, {}, platform=LOCAL, environ={}) == (None, {})


def test_malformed_keys_are_refused_without_showing_them() -> None:
    short = {"LAKEHOUSE_SECRET_PII_TOKEN_KEY": base64.b64encode(b"short").decode()}
    with pytest.raises(PiiKeyError) as caught:
        resolve_keys(SETTINGS, {"token"}, platform=LOCAL, environ=short)
    assert str(caught.value) == (
        "PII key 'pii/token_key' from $LAKEHOUSE_SECRET_PII_TOKEN_KEY must decode to at least "
        "16 bytes, got 5"
    )
    bad = {
        "LAKEHOUSE_SECRET_PII_TOKEN_KEY": TOKEN,
        "LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY": "not base64!",
    }
    with pytest.raises(PiiKeyError) as caught:
        resolve_keys(SETTINGS, {"encrypt"}, platform=LOCAL, environ=bad)
    assert str(caught.value) == (
        "PII key 'pii/encryption_key' from $LAKEHOUSE_SECRET_PII_ENCRYPTION_KEY is not base64"
    )


def test_demo_keys_are_random_private_and_kept(tmp_path: Path) -> None:
    created = write_demo_keys(SETTINGS, tmp_path)
    assert created == [tmp_path / "pii" / "token_key", tmp_path / "pii" / "encryption_key"]
    assert [stat.S_IMODE(p.stat().st_mode) for p in created] == [0o600, 0o600]
    first = created[0].read_text()
    assert write_demo_keys(SETTINGS, tmp_path) == []
    assert created[0].read_text() == first
    keys = resolve_keys(SETTINGS, {"encrypt"}, platform=LOCAL, secrets_dir=tmp_path, environ={})
    assert keys is not None
    assert (len(keys.token_key), len(keys.encryption_key or b"")) == (32, 32)
    assert keys.encryption_key != keys.token_key
