"""Issue 14: hostile or broken config is refused by exact message, never with a traceback.

Bounded YAML (aliases, recursion, depth, size, encoding, tags), unreadable files, SQL parsed at
validate time (gold, rules, derive), credentials in config, sources reading other sources'
landing files, least privilege in access.yml, PII in entity ids.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.config.landing import paths_overlap
from pipelines.config.model import GoldModel
from pipelines.errors import ConfigErrors
from tests.unit.config_cases import CASES, EXPECTED

GOLD = "gold/team_a_products_with_image.yml"
SQL_FILE_MODEL = (
    "name: team_a_products_with_image\ndescription: x\nowner: team_catalog\nsql_file: {}\n"
)


def _messages(conf: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


def apply_case(conf: Path, relative: str, old: str | None, new: str) -> None:
    """Edit one file of a config copy as a case says (old None: replace the whole file)."""
    path = conf / relative
    text = path.read_text(encoding="utf-8")
    assert old is None or old in text, f"{old!r} not in {relative}"
    path.write_text(new if old is None else text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("case", "relative", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_each_dangerous_case_is_refused_by_its_exact_message(
    conf_copy: Path, case: str, relative: str, old: str | None, new: str
) -> None:
    apply_case(conf_copy, relative, old, new)
    expected = [m.replace("{conf}", str(conf_copy)) for m in EXPECTED[case]]
    assert _messages(conf_copy) == expected


YAML_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (YAML_BOMB, "sources/bad.yml:2:4: d[0][0]: more than 100 aliases"),
        ("loop: &x [*x]\n", "sources/bad.yml:1:7: loop[0]: recursive alias (a value that contains itself)"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "sources/bad.yml:1:53: a: nesting deeper than 50 levels"),
        ("name: !foo bar\n", "sources/bad.yml:1:7: name: unsupported tag '!foo'"),
        ("name: !foo {a: 1}\n", "sources/bad.yml:1:7: name: unsupported tag '!foo'"),
        ("name: !!int notanumber\n", "sources/bad.yml:1:7: name: invalid value for tag '!!int': invalid literal for int() with base 10: 'notanumber'"),
        ("name: !!python/object/apply:os.system [id]\n", "sources/bad.yml:1:7: name: unsupported tag '!!python/object/apply:os.system'"),
        ("? [a, b]\n: 1\n", "sources/bad.yml:1:3: a key must be a plain value"),
        ("name: x\0\n", "sources/bad.yml:1:1: not text: it holds a NUL byte"),
        ("# " + "x" * 1_000_001 + "\n", "sources/bad.yml: file too large: 1,000,004 bytes (at most 1,000,000)"),
    ],
    ids=["billion_laughs", "recursive_alias", "deep_nesting", "unknown_tag", "unknown_tag_on_map", "bad_int", "python_tag", "complex_key", "nul_byte", "too_large"],
)  # fmt: skip
def test_hostile_yaml_is_a_config_error_naming_the_file(
    conf_copy: Path, text: str, expected: str
) -> None:
    (conf_copy / "sources" / "bad.yml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    assert _messages(conf_copy) == [expected]
    assert time.perf_counter() - started < 5  # the bomb is refused, not expanded


def test_unreadable_config_files_are_config_errors(conf_copy: Path) -> None:
    sources = conf_copy / "sources"
    (sources / "latin1.yml").write_bytes(b"name: x\ndescription: caf\xe9\n")
    (sources / "folder.yml").mkdir()
    (sources / "loop.yml").symlink_to(sources / "loop.yml")
    (sources / "dangling.yml").symlink_to(sources / "missing.yml")
    nowhere = "a symbolic link that leads nowhere (a loop or a missing target)"
    assert _messages(conf_copy) == [
        f"sources/dangling.yml: {nowhere}",
        "sources/folder.yml: not a regular file",
        "sources/latin1.yml:2:17: not UTF-8 text: byte 0xe9 cannot be decoded",
        f"sources/loop.yml: {nowhere}",
    ]


def test_a_sql_file_is_text_inside_the_config_folder(conf_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.sql"
    outside.write_text("SELECT brand FROM silver.product_catalog\n", encoding="utf-8")
    (conf_copy / "gold" / "escape.sql").symlink_to(outside)  # a link inside, pointing out
    (conf_copy / "gold" / "binary.sql").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (conf_copy / "gold" / "folder.sql").mkdir()
    models = {"a_escape": "escape.sql", "b_binary": "binary.sql", "c_folder": "folder.sql"}
    for name, sql_file in models.items():
        text = SQL_FILE_MODEL.format(sql_file).replace("team_a_products_with_image", name)
        (conf_copy / "gold" / f"{name}.yml").write_text(text, encoding="utf-8")
    assert _messages(conf_copy) == [
        f"gold/a_escape.yml:4:1: sql_file: must be a file inside the config folder {conf_copy}, "
        "got 'escape.sql'",
        "gold/b_binary.yml:4:1: sql_file: not UTF-8 text: byte 0x89 cannot be decoded: gold/binary.sql",
        "gold/c_folder.yml:4:1: sql_file: not a regular file: gold/folder.sql",
    ]


def test_cli_validate_exits_2_on_a_yaml_bomb(
    conf_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (conf_copy / "sources" / "bomb.yml").write_text(YAML_BOMB, encoding="utf-8")
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    monkeypatch.chdir(conf_copy.parent)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "1 config problem(s):\nconf/sources/bomb.yml:2:4: d[0][0]: more than 100 aliases\n"
    )


def test_gold_lineage_comes_from_the_parse() -> None:
    sql = (
        "WITH recent AS (SELECT * FROM `silver`.product_catalog) -- silver.not_read\n"
        "SELECT r.brand, 'gold.not_read' AS label FROM recent r JOIN gold.brands b USING (brand)"
    )
    model = GoldModel(name="x", description="x", owner="o", sql=sql)
    assert model.references == ("gold.brands", "silver.product_catalog")


def test_a_pii_column_named_like_a_keyword_feeds_an_attribute(conf_copy: Path) -> None:
    feed = "sources/customer_feed.yml"
    apply_case(conf_copy, feed, "  - name: surname\n", "  - name: last\n")
    apply_case(
        conf_copy, "entities/customers.yml", "      surname: surname\n", "      surname: last\n"
    )
    apply_case(
        conf_copy,
        "entities/customers.yml",
        "    pii: {class: name, mask: token}\n  email:",
        "  email:",
    )
    assert _messages(conf_copy) == [
        "entities/customers.yml:41:3: attributes.surname: is fed by PII column customer_feed.last: "
        "declare pii (how silver.customers masks it), e.g. pii: {class: name, mask: token}",
    ]


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("customer_feed/*.csv", "customer_feed/*.csv", True),
        ("customer_feed", "customer_feed/*.csv", True),  # a folder is read whole
        ("hotel/*", "hotel/folios/*.jsonl", True),  # * matches the folder hotel/folios
        ("customer_feed/x_*.csv", "customer_feed/*.csv", True),
        ("c/{a,b}/*.csv", "c/b/x.csv", True),
        ("hotel/*.csv", "hotel/reservations/*.csv", False),  # * stays inside one folder
        ("hotel/folios/*.jsonl", "hotel/reservations/*.csv", False),
        ("data/a_*.csv", "data/b_*.csv", False),
    ],
)
def test_landing_paths_overlap(first: str, second: str, overlap: bool) -> None:
    assert paths_overlap(first, second) is overlap
    assert paths_overlap(second, first) is overlap
