from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.contracts import Change, ContractColumn, blocking_changes, contracts, diff


def _edit(conf: Path, relative: str, old: str, new: str) -> None:
    path = conf / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_contracts_of_the_shipped_config(conf_copy: Path) -> None:
    found = contracts(load_config(conf_copy))
    assert sorted(found) == [
        "gold.customer_360",
        "gold.hotel_bookings_by_segment",
        "gold.hotel_bookings_by_status",
        "gold.hotel_daily_report",
        "gold.team_a_products_with_image",
        "gold.team_b_samsung_after_2000_without_image",
        "silver.booking_events",
        "silver.crm_customers",
        "silver.customer_feed",
        "silver.customers",
        "silver.customers_xref",
        "silver.guest_profiles",
        "silver.hotel_folios",
        "silver.hotel_reservations",
        "silver.orders_cdc",
        "silver.product_catalog",
        "silver.room_rates",
    ]
    # derived silver columns are part of the contract, typed by their SQL
    assert found["silver.hotel_reservations"].columns[-4:] == tuple(
        ContractColumn(n) for n in ("check_in_date", "nights", "check_out_date", "is_canceled")
    )
    assert found["silver.product_catalog"].columns[-1] == ContractColumn("year_release", "int")
    assert [c.name for c in found["gold.team_b_samsung_after_2000_without_image"].columns] == [
        "brand", "category_id", "comment", "currency", "description", "year_release",
    ]  # fmt: skip


def test_breaking_changes_block_until_the_version_is_bumped(conf_copy: Path) -> None:
    base = contracts(load_config(conf_copy))
    _edit(conf_copy, "sources/product_catalog.yml", "type: int", "type: bigint")
    _edit(conf_copy, "gold/team_a_products_with_image.yml", "currency, description", "currency")
    _edit(
        conf_copy, "gold/team_a_products_with_image.yml", "year_release\n", "year_release, 1 AS n\n"
    )
    head = contracts(load_config(conf_copy))
    changes = diff(base, head)
    assert changes == [
        Change("gold.team_a_products_with_image", "column_removed", "column 'description' removed"),
        Change("gold.team_a_products_with_image", "column_added", "column 'n' added"),
        Change(
            "silver.product_catalog", "column_retyped", "column 'category_id' retyped int -> bigint"
        ),
    ]
    assert [c.dataset for c in blocking_changes(changes, base, head)] == [
        "gold.team_a_products_with_image", "silver.product_catalog",
    ]  # fmt: skip
    _edit(
        conf_copy,
        "sources/product_catalog.yml",
        "owner: team_catalog",
        "owner: team_catalog\nversion: 2",
    )
    bumped = contracts(load_config(conf_copy))
    assert [c.dataset for c in blocking_changes(diff(base, bumped), base, bumped)] == [
        "gold.team_a_products_with_image"
    ]


@pytest.fixture
def repo(tmp_path: Path, conf_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(conf_copy, root / "src" / "conf")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "."], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "base"], check=True)
    monkeypatch.setenv("LAKEHOUSE_CONF", str(root / "src" / "conf"))
    return root


def test_contract_diff_command_names_the_file_to_bump(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = repo / "src" / "conf"
    _edit(conf, "sources/product_catalog.yml", "nullable: false", "nullable: true")
    assert main(["contract", "diff", "--base", "HEAD"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "contracts: 1 change(s) against HEAD",
        "  BLOCKED  silver.product_catalog: column 'brand' is now nullable",
        "error: silver.product_catalog: breaking change at version 1; bump `version` in "
        "sources/product_catalog.yml (to 2) and tell its consumers",
    ]


def test_contract_diff_allows_a_removal_only_when_told(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "src" / "conf" / "gold" / "team_a_products_with_image.yml").unlink()
    assert main(["contract", "diff", "--base", "HEAD"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "error: gold.team_a_products_with_image: removed; pass --allow-removed "
        "gold.team_a_products_with_image if consumers were told"
    )
    argv = [
        "contract",
        "diff",
        "--base",
        "HEAD",
        "--allow-removed",
        "gold.team_a_products_with_image",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        "contracts: 1 change(s) against HEAD",
        "  breaking gold.team_a_products_with_image: dataset removed",
    ]


def test_contract_diff_with_an_unknown_ref_is_a_clear_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contract", "diff", "--base", "nope"]) == 1
    assert (
        capsys.readouterr().err
        == "error: git ls-tree --name-only: fatal: Not a valid object name nope\n"
    )
