"""Where a command finds the project: upward from the working folder (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.local.settings import Settings

VARIABLES = ("LAKEHOUSE_HOME", "LAKEHOUSE_LANDING", "LAKEHOUSE_CONF")


def test_a_command_in_a_subfolder_finds_the_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # issue 17: "src/conf: config folder not found" from any folder but the root
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "src" / "conf").mkdir(parents=True)
    (tmp_path / "src" / "conf" / "project.yml").write_text("name: x\n")
    deep = tmp_path / "notebooks" / "team"
    deep.mkdir(parents=True)
    assert Settings.from_env(deep) == Settings(
        tmp_path / ".lakehouse", tmp_path / ".lakehouse" / "landing", tmp_path / "src" / "conf"
    )
    monkeypatch.setenv("LAKEHOUSE_LANDING", "drop")  # relative to where the command runs
    assert Settings.from_env(deep).landing == deep / "drop"


def test_outside_any_project_the_working_folder_is_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env(tmp_path).conf == tmp_path / "src" / "conf"
