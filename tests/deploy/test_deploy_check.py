"""`lakehouse deploy check`: config, bundle and Terraform agree (issue 15). Each defect the
review found is put back into a copy of the repository's deploy files and must be reported,
exactly, with file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.deploy import bundle_files, write_files
from pipelines.deploy.bundle import MANAGED
from pipelines.deploy.check import deploy_problems

from .helpers import REPO


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The files the check reads: databricks.yml, bundles/, terraform/, src/conf."""
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl")
    for folder in ("bundles", "terraform", "src/conf"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    shutil.copy(REPO / "databricks.yml", root / "databricks.yml")
    return root


def _problems(root: Path) -> list[str]:
    return [str(p) for p in deploy_problems(load_config(root / "src" / "conf"), root)]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_repository_agrees() -> None:
    assert deploy_problems(load_config(REPO / "src" / "conf"), REPO) == []


def test_a_scope_the_config_reads_that_terraform_does_not_create(repo: Path) -> None:
    scopes = repo / "terraform" / "generated" / "secret_scopes.json"
    lines = scopes.read_text(encoding="utf-8").splitlines(keepends=True)
    scopes.write_text("".join(line for line in lines if '"name": "crm"' not in line), "utf-8")
    assert _problems(repo) == [
        "src/conf/sources/crm_customers.yml:11:3: source.url: secret 'crm/jdbc_url': Terraform "
        "creates no such scope and key (terraform/generated/secret_scopes.json): run "
        "`lakehouse grants` and commit",
        "src/conf/sources/crm_customers.yml:13:3: source.user: secret 'crm/user': Terraform "
        "creates no such scope and key (terraform/generated/secret_scopes.json): run "
        "`lakehouse grants` and commit",
        "src/conf/sources/crm_customers.yml:14:3: source.password: secret 'crm/password': "
        "Terraform creates no such scope and key (terraform/generated/secret_scopes.json): run "
        "`lakehouse grants` and commit",
    ]


def test_a_scope_terraform_creates_under_a_literal_name(repo: Path) -> None:
    # the defect: modules/secret_scopes created lakehouse-pii while the config read pii
    main_tf = repo / "terraform" / "modules" / "sql_warehouse" / "main.tf"
    lines = main_tf.read_text(encoding="utf-8").count("\n")
    with main_tf.open("a", encoding="utf-8") as handle:
        handle.write('\nresource "databricks_secret_scope" "pii" {\n  name = "lakehouse-pii"\n}\n')
    assert _problems(repo) == [
        f"terraform/modules/sql_warehouse/main.tf:{lines + 2}:1: a secret scope not created "
        "from terraform/generated/secret_scopes.json: its name is not one the config reads "
        "(create scopes in modules/secret_scopes only)"
    ]


def test_the_pipelines_principal_holds_exactly_what_it_needs(repo: Path) -> None:
    grants = repo / "terraform" / "generated" / "grants.json"
    document = json.loads(grants.read_text(encoding="utf-8"))
    line = next(
        n
        for n, text in enumerate(grants.read_text(encoding="utf-8").splitlines(), 1)
        if '"pipeline_principal_privileges"' in text
    )
    _edit(grants, '["CREATE_MATERIALIZED_VIEW", "CREATE_TABLE", "USE_SCHEMA"]', '["MODIFY", "SELECT", "USE_SCHEMA"]')  # fmt: skip
    _edit(grants, '"silver", "gold", "quarantine", "ops"]', '"silver", "gold", "quarantine"]')
    assert document["pipeline_principal_schemas"][-1] == "ops"
    assert _problems(repo) == [
        f"terraform/generated/grants.json:{line}:1: pipeline_principal_privileges: MODIFY, "
        "SELECT beyond what running a pipeline needs (CREATE_MATERIALIZED_VIEW, CREATE_TABLE, "
        "USE_SCHEMA)",
        f"terraform/generated/grants.json:{line}:1: pipeline_principal_privileges: lacks "
        "CREATE_MATERIALIZED_VIEW, CREATE_TABLE: the pipelines cannot create their tables",
        f"terraform/generated/grants.json:{line - 1}:1: pipeline_principal_schemas: lacks ops, "
        "which bundles/pipeline_catalog.yml writes",
    ]


def test_a_schema_no_pipeline_writes_is_not_granted(repo: Path) -> None:
    for name in (
        "customer_feed",
        "crm_customers",
        "room_rates",
        "guest_profiles",
    ):  # PII: no bronze_pii
        (repo / "src" / "conf" / "sources" / f"{name}.yml").unlink()
    for name in ("entities/customers.yml", "gold/customer_360.yml"):
        (repo / "src" / "conf" / name).unlink()
    # The bundle as `lakehouse bundle` writes it then: no event log in bronze_pii either.
    write_files(bundle_files(load_config(repo / "src" / "conf")).files, repo, MANAGED)
    assert _problems(repo) == [
        "terraform/generated/grants.json:"
        + str(_line(repo, "pipeline_principal_extra_privileges"))
        + ":1: pipeline_principal_extra_privileges: CREATE_FUNCTION on bronze_pii beyond what "
        "the pipelines need",
        "terraform/generated/grants.json:"
        + str(_line(repo, "pipeline_principal_schemas"))
        + ":1: pipeline_principal_schemas: bronze_pii is written by no pipeline: nothing to grant",
        "terraform/generated/grants.json:"
        + str(_line(repo, "pipeline_principal_volumes"))
        + ":1: pipeline_principal_volumes: bronze_pii.jdbc_extracts is written by no job task: "
        "nothing to grant",
    ]


def _line(root: Path, key: str) -> int:
    text = (root / "terraform" / "generated" / "grants.json").read_text(encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if f'"{key}"' in line)


def test_targets_run_where_terraform_grants_them(repo: Path) -> None:
    bundle = repo / "databricks.yml"
    # the defect: every developer's copy published to the shared lakehouse_dev
    _edit(bundle, "catalog: lakehouse_dev_${workspace.current_user.short_name}", "catalog: lakehouse_dev")  # fmt: skip
    _edit(bundle, "catalog: lakehouse_staging", "catalog: lakehouse_stage")
    _edit(bundle, "landing@lakehouseprodlake.dfs", "landing@lakehousestaginglake.dfs")
    _edit(
        bundle,
        "workspace_url (prod)\n      root_path: /Workspace/Shared/.bundle/${bundle.name}/${bundle.target}\n    run_as:\n      service_principal_name: ${var.run_as}",
        "workspace_url (prod)\n      root_path: /Workspace/Shared/.bundle/${bundle.name}/${bundle.target}\n    run_as:\n      user_name: someone@example.com",
    )  # fmt: skip
    lines = bundle.read_text(encoding="utf-8").splitlines()
    dev = next(n for n, t in enumerate(lines, 1) if "catalog: lakehouse_dev" in t)
    staging = next(n for n, t in enumerate(lines, 1) if "catalog: lakehouse_stage" in t)
    prod = next(n for n, t in enumerate(lines, 1) if "user_name: someone" in t) - 1
    landing = max(n for n, t in enumerate(lines, 1) if "landing@lakehousestaginglake" in t)
    assert _problems(repo) == [
        f"databricks.yml:{dev}:7: targets.dev.variables.catalog: 'lakehouse_dev': development "
        "mode runs as the deploying developer, who writes only their own catalog "
        "'lakehouse_dev_${workspace.current_user.short_name}' (terraform/envs/dev.tfvars developers)",
        f"databricks.yml:{staging}:7: targets.staging.variables.catalog: 'lakehouse_stage', but "
        "Terraform grants the pipelines principal on 'lakehouse_staging' "
        "(terraform/envs/staging.tfvars)",
        f"databricks.yml:{landing}:7: targets.prod.variables.landing_root: "
        "'abfss://landing@lakehousestaginglake.dfs.core.windows.net/', but Terraform's "
        "landing location of prod is 'abfss://landing@lakehouseprodlake.dfs.core.windows.net/'",
        f"databricks.yml:{prod}:5: targets.prod.run_as: {{'user_name': 'someone@example.com'}}: "
        "only the pipelines service principal (${var.run_as}) holds the privileges the "
        "pipelines need",
    ]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


def test_the_extract_task_writes_only_where_it_may(repo: Path) -> None:
    # Issue 15, defect 2: the extract task wrote into the landing location, which is read-only
    # (the pipelines principal holds READ_FILES there): put the old parameter back
    job = repo / "bundles" / "job_customer_daily.yml"
    _edit(
        job, "- /Volumes/${var.catalog}/bronze_pii/jdbc_extracts", "- ${var.landing_root}/_extracts"
    )
    line = _line_of(job, "- ${var.landing_root}/_extracts")
    grants = _line(repo, "pipeline_principal_volumes")
    assert _problems(repo) == [
        f"bundles/job_customer_daily.yml:{line}:17: customer_daily.extract writes files under "
        "'${var.landing_root}/_extracts', not into a Unity Catalog volume of the target's "
        "catalog (/Volumes/${var.catalog}/<schema>/<volume>): the landing location is "
        "read-only (READ_FILES) and nothing else is granted for writing",
        f"terraform/generated/grants.json:{grants}:1: pipeline_principal_volumes: "
        "bronze_pii.jdbc_extracts is written by no job task: nothing to grant",
    ]


def test_the_writer_holds_exactly_read_and_write_on_its_volume(repo: Path) -> None:
    grants = repo / "terraform" / "generated" / "grants.json"
    _edit(grants, '["READ_VOLUME", "WRITE_VOLUME"]', '["MANAGE", "READ_VOLUME"]')
    line = _line(repo, "pipeline_principal_volumes")
    assert _problems(repo) == [
        f"terraform/generated/grants.json:{line}:1: pipeline_principal_volumes: "
        "bronze_pii.jdbc_extracts lacks WRITE_VOLUME, which customer_daily.extract needs to "
        "write its files",
        f"terraform/generated/grants.json:{line}:1: pipeline_principal_volumes: "
        "bronze_pii.jdbc_extracts: MANAGE beyond what writing files needs (READ_VOLUME, "
        "WRITE_VOLUME)",
    ]
    _edit(grants, '{"bronze_pii.jdbc_extracts": ["MANAGE", "READ_VOLUME"]}', "{}")
    job = repo / "bundles" / "job_customer_daily.yml"
    assert _problems(repo) == [
        f"bundles/job_customer_daily.yml:{_line_of(job, 'jdbc_extracts')}:17: "
        "customer_daily.extract writes files into volume bronze_pii.jdbc_extracts, but "
        "Terraform grants the identity that runs it nothing there "
        "(terraform/generated/grants.json pipeline_principal_volumes): run `lakehouse "
        "grants` and commit",
    ]


def test_the_pipeline_reads_where_the_task_writes(repo: Path) -> None:
    pipeline = repo / "bundles" / "pipeline_customer.yml"
    _edit(pipeline, "extracts_root: /Volumes/${var.catalog}/bronze_pii/jdbc_extracts", "extracts_root: /Volumes/${var.catalog}/bronze/extracts")  # fmt: skip
    job = repo / "bundles" / "job_customer_daily.yml"
    assert _problems(repo) == [
        f"bundles/job_customer_daily.yml:{_line_of(job, 'jdbc_extracts')}:17: "
        "customer_daily.extract writes into '/Volumes/${var.catalog}/bronze_pii/jdbc_extracts', "
        "but pipeline customer is told no such place (bundles/pipeline_customer.yml "
        "configuration): bronze would read another place: run `lakehouse bundle`",
    ]


def test_terraform_writes_no_external_location(repo: Path) -> None:
    main_tf = repo / "terraform" / "envs" / "main.tf"
    _edit(main_tf, 'privileges = ["READ_FILES"] }, # raw PII', 'privileges = ["READ_FILES", "WRITE_FILES"] }, # raw PII')  # fmt: skip
    uc = repo / "terraform" / "modules" / "unity_catalog" / "main.tf"
    _edit(uc, "  read_only       = true\n", "")
    landing = _line_of(uc, 'resource "databricks_external_location" "landing"')
    assert _problems(repo) == [
        f"terraform/envs/main.tf:{_line_of(main_tf, 'WRITE_FILES')}:1: WRITE_FILES granted on "
        "an external location: the jobs write files into volumes only (grants.json "
        "pipeline_principal_volumes)",
        f"terraform/modules/unity_catalog/main.tf:{landing}:1: the "
        "landing external location is not read_only = true: nothing writes the landing zone "
        "but the feeds' owners",
    ]


def test_the_mask_functions_exist_before_the_pipelines_declare_them(repo: Path) -> None:
    # Issue 15, defect 6: the masks are part of the bronze_pii definitions and name functions
    # the pii_functions task creates, as the identity that runs the pipelines: take the task
    # out of the customer job's bronze dependencies and CREATE_FUNCTION out of grants.json
    job = repo / "bundles" / "job_customer_daily.yml"
    _edit(job, "          depends_on:\n            - task_key: pii_functions\n            - task_key: extract\n", "          depends_on:\n            - task_key: extract\n")  # fmt: skip
    grants = repo / "terraform" / "generated" / "grants.json"
    _edit(grants, '"pipeline_principal_extra_privileges": {"bronze_pii": ["CREATE_FUNCTION"]}', '"pipeline_principal_extra_privileges": {}')  # fmt: skip
    pipeline = repo / "bundles" / "pipeline_hotel.yml"
    _edit(pipeline, "lakehouse.catalog: ${var.catalog}", "lakehouse.catalog: lakehouse_prod")
    bronze = _line_of(job, "- task_key: bronze")
    configuration = _line_of(pipeline, "configuration:")
    assert _problems(repo) == [
        f"terraform/generated/grants.json:{_line(repo, 'pipeline_principal_extra_privileges')}:1: "
        "pipeline_principal_extra_privileges: lacks CREATE_FUNCTION on bronze_pii: the "
        "pii_functions task cannot create the mask functions the bronze_pii tables declare",
        f"bundles/job_customer_daily.yml:{bronze}:11: customer_daily.bronze: updates a pipeline "
        "whose bronze_pii tables declare column masks, but no pii_functions task runs before "
        "it to create their functions (the update would fail on a missing function): run "
        "`lakehouse bundle`",
        f"bundles/pipeline_hotel.yml:{configuration}:7: pipeline hotel: configuration "
        "lakehouse.catalog is 'lakehouse_prod', but it publishes to '${var.catalog}': its "
        "tables' masks and row filters would name another catalog's functions: run "
        "`lakehouse bundle`",
    ]


def test_each_target_names_a_workspace_of_its_own(repo: Path) -> None:
    # Issue 15: no target set workspace.host, so a deploy went wherever the CLI profile or
    # DATABRICKS_HOST pointed (staging's files into prod's workspace with the wrong profile)
    bundle = repo / "databricks.yml"
    dev_host = "host: https://adb-1000000000000001.1.azuredatabricks.net"
    _edit(bundle, f"    workspace:\n      {dev_host}  # terraform output workspace_url (dev)\n", "")
    _edit(bundle, "adb-1000000000000002.2.azuredatabricks.net", "adb-1000000000000003.3.azuredatabricks.net")  # fmt: skip
    lines = bundle.read_text(encoding="utf-8").splitlines()
    dev = lines.index("  dev:") + 1
    prod = next(n for n, t in enumerate(lines, 1) if "workspace_url (prod)" in t)
    assert _problems(repo) == [
        f"databricks.yml:{dev}:3: targets.dev.workspace.host: not set: a deploy goes to "
        "whatever workspace the CLI profile or DATABRICKS_HOST names; set it to `terraform "
        "output -raw workspace_url` of dev",
        f"databricks.yml:{prod}:7: targets.prod.workspace.host: "
        "'https://adb-1000000000000003.3.azuredatabricks.net' is targets.staging's workspace "
        "too: each environment has a workspace of its own (Terraform creates one per "
        "environment)",
    ]


def test_a_workspace_host_is_a_literal_azure_workspace_url(repo: Path) -> None:
    # the CLI refuses ${var.host} in workspace.host (it is resolved before variables)
    bundle = repo / "databricks.yml"
    _edit(bundle, "https://adb-1000000000000002.2.azuredatabricks.net", "${var.staging_host}")
    _edit(bundle, "https://adb-1000000000000003.3.azuredatabricks.net", "https://prod.cloud.databricks.com")  # fmt: skip
    lines = bundle.read_text(encoding="utf-8").splitlines()
    staging = next(n for n, t in enumerate(lines, 1) if "workspace_url (staging)" in t)
    prod = next(n for n, t in enumerate(lines, 1) if "workspace_url (prod)" in t)
    assert _problems(repo) == [
        f"databricks.yml:{staging}:7: targets.staging.workspace.host: '${{var.staging_host}}': "
        "the CLI does not interpolate workspace.host; write the workspace URL itself",
        f"databricks.yml:{prod}:7: targets.prod.workspace.host: "
        "'https://prod.cloud.databricks.com' is not an Azure Databricks workspace URL "
        "(https://adb-<workspace id>.<n>.azuredatabricks.net)",
    ]


def test_an_unused_lookup_variable(repo: Path) -> None:
    # the defect: warehouse_id, looked up in every target, used by nothing
    bundle = repo / "databricks.yml"
    _edit(
        bundle,
        "variables:\n  catalog:",
        "variables:\n  warehouse_id:\n    description: BI warehouse.\n    lookup:\n"
        "      warehouse: lakehouse-dev-bi\n  catalog:",
    )
    line = bundle.read_text(encoding="utf-8").splitlines().index("    lookup:") + 1
    assert _problems(repo) == [
        f"databricks.yml:{line}:5: variables.warehouse_id.lookup: nothing uses "
        "${var.warehouse_id}, but `bundle validate` resolves every lookup as the deploying "
        "principal: remove it"
    ]


def test_cli(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAKEHOUSE_CONF", str(repo / "src" / "conf"))
    assert main(["deploy", "check", "--root", str(repo)]) == 0
    assert capsys.readouterr().out.startswith("deploy check: config, bundle and Terraform agree (")
    (repo / "terraform" / "generated" / "secret_scopes.json").unlink()
    assert main(["deploy", "check", "--root", str(repo)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "12 deployment problem(s):",
        "terraform/generated/secret_scopes.json:1:1: missing: run `lakehouse grants` and commit it",
    ]
