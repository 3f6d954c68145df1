"""``lakehouse powerbi``: one .pbids file per bundle target, exactly the Databricks connector's format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.errors import LakehouseError
from pipelines.powerbi import WarehouseAddress, resolve_address

HOSTS = {
    "DEV": ("adb-1111111111111111.1.azuredatabricks.net", "/sql/1.0/warehouses/aaaa1111"),
    "STAGING": ("adb-2222222222222222.2.azuredatabricks.net", "/sql/1.0/warehouses/bbbb2222"),
    "PROD": ("adb-3333333333333333.3.azuredatabricks.net", "/sql/1.0/warehouses/cccc3333"),
}


def _expected(host: str, path: str, catalog: str) -> dict[str, object]:
    return {
        "version": "0.1",
        "connections": [
            {
                "details": {
                    "protocol": "databricks-sql",
                    "address": {"host": host, "path": path},
                    "authentication": None,
                    "query": None,
                },
                "options": {"Catalog": catalog, "Database": "gold"},
                "mode": "DirectQuery",
            }
        ],
    }


def test_one_file_per_target_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for target, (host, path) in HOSTS.items():
        monkeypatch.setenv(f"LAKEHOUSE_POWERBI_HOST_{target}", host)
        monkeypatch.setenv(f"LAKEHOUSE_POWERBI_HTTP_PATH_{target}", path)

    assert main(["powerbi", "--out", str(tmp_path)]) == 0

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lakehouse_dev.pbids", "lakehouse_prod.pbids", "lakehouse_staging.pbids",
    ]  # fmt: skip
    for target, (host, path) in HOSTS.items():
        written = json.loads((tmp_path / f"lakehouse_{target.lower()}.pbids").read_text())
        assert written == _expected(host, path, f"lakehouse_{target.lower()}")
    assert capsys.readouterr().out.splitlines()[0] == (
        f"dev: {tmp_path}/lakehouse_dev.pbids "
        "(adb-1111111111111111.1.azuredatabricks.net/sql/1.0/warehouses/aaaa1111, lakehouse_dev.gold)"
    )


def test_one_target_from_arguments_normalises_what_people_paste(tmp_path: Path) -> None:
    code = main([
        "powerbi", "--target", "prod", "--host", "https://adb-9.9.azuredatabricks.net/",
        "--http-path", "sql/1.0/warehouses/ffff", "--catalog", "sales", "--out", str(tmp_path),
    ])  # fmt: skip

    assert code == 0
    written = json.loads((tmp_path / "lakehouse_prod.pbids").read_text())
    assert written == _expected("adb-9.9.azuredatabricks.net", "/sql/1.0/warehouses/ffff", "sales")


def test_missing_address_names_the_variables_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAKEHOUSE_POWERBI_HOST_DEV", HOSTS["DEV"][0])
    monkeypatch.setenv("LAKEHOUSE_POWERBI_HTTP_PATH_DEV", HOSTS["DEV"][1])
    for target in ("STAGING", "PROD"):
        monkeypatch.delenv(f"LAKEHOUSE_POWERBI_HOST_{target}", raising=False)
        monkeypatch.delenv(f"LAKEHOUSE_POWERBI_HTTP_PATH_{target}", raising=False)

    assert main(["powerbi", "--out", str(tmp_path / "out")]) == 1

    assert not (tmp_path / "out").exists()
    assert capsys.readouterr().err == (
        "error: target staging: no SQL warehouse address; pass --target staging --host H "
        "--http-path P, or set LAKEHOUSE_POWERBI_HOST_STAGING and "
        "LAKEHOUSE_POWERBI_HTTP_PATH_STAGING (terraform output sql_warehouse_odbc_params)\n"
    )


def test_host_must_be_a_hostname() -> None:
    with pytest.raises(LakehouseError) as error:
        resolve_address("dev", "adb-1.azuredatabricks.net/sql", "/sql/1.0/warehouses/a", {})
    assert str(error.value) == (
        "--host: expected the warehouse's server hostname "
        "(e.g. adb-1234567890123456.7.azuredatabricks.net), got 'adb-1.azuredatabricks.net/sql'"
    )
    with pytest.raises(LakehouseError) as error:
        WarehouseAddress.parse("adb-1.azuredatabricks.net", "/sql/1.0/ware houses")
    assert "--http-path: expected the warehouse's HTTP path" in str(error.value)


def test_address_arguments_need_a_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["powerbi", "--host", "adb-1.net", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "lakehouse powerbi: error: --host, --http-path and --catalog go with --target"
    )
