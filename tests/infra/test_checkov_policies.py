"""The custom checkov policies (terraform/policies) fail on bad fixtures and pass on the real code.

checkov cannot evaluate grants built with jsondecode(file(grants.json)); the real grants are
checked in the plan-shaped JSON that scripts/infra renders from Terraform's own evaluation of
the grant model (see test_terraform_offline.py), the static resources in the HCL itself.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .helpers import infra_checks

pytestmark = pytest.mark.infra

Finding = infra_checks.CheckovFinding

BAD_HCL_FAILED = {
    ("CKV_LH_1", "databricks_grants.all_privileges"),
    ("CKV_LH_2", "databricks_grants.pii_to_scientists"),
    ("CKV_LH_2", "databricks_grant.pii_table_to_bi"),
    ("CKV_LH_5", "databricks_grant.pii_table_to_bi"),
    ("CKV_LH_5", "databricks_grants.bi_on_silver"),
    ("CKV_LH_5", "databricks_grants.bi_catalog_select"),
    ("CKV_LH_3", "databricks_sql_endpoint.no_auto_stop"),
    ("CKV_LH_3", "databricks_sql_endpoint.auto_stop_zero"),
    ("CKV_LH_4", "azurerm_storage_account.public_blobs"),
    ("CKV_LH_4", "azurerm_storage_account.old_tls"),
    ("CKV_LH_4", "azurerm_storage_account.open_network"),
}
BAD_HCL_PASSED = {
    ("CKV_LH_2", "databricks_grants.all_privileges"),
    ("CKV_LH_5", "databricks_grants.all_privileges"),
    ("CKV_LH_1", "databricks_grants.pii_to_scientists"),
    ("CKV_LH_5", "databricks_grants.pii_to_scientists"),
    ("CKV_LH_1", "databricks_grant.pii_table_to_bi"),
    ("CKV_LH_1", "databricks_grants.bi_on_silver"),
    ("CKV_LH_2", "databricks_grants.bi_on_silver"),
    ("CKV_LH_1", "databricks_grants.bi_catalog_select"),
    ("CKV_LH_2", "databricks_grants.bi_catalog_select"),
    ("CKV_LH_1", "databricks_grants.good_gold"),
    ("CKV_LH_2", "databricks_grants.good_gold"),
    ("CKV_LH_5", "databricks_grants.good_gold"),
    ("CKV_LH_1", "databricks_grants.good_pii"),
    ("CKV_LH_2", "databricks_grants.good_pii"),
    ("CKV_LH_5", "databricks_grants.good_pii"),
    ("CKV_LH_3", "databricks_sql_endpoint.good"),
    ("CKV_LH_4", "azurerm_storage_account.private"),
    ("CKV_LH_4", "azurerm_storage_account.firewalled"),
}
PLAN_PII = 'module.grants.databricks_grants.schema["bronze_pii"]'
PLAN_SILVER = 'module.grants.databricks_grants.table["silver.orders"]'
PLAN_GOLD = 'module.grants.databricks_grants.schema["gold"]'
BAD_PLAN_FAILED = {
    ("CKV_LH_2", PLAN_PII),  # an unknown service principal next to the pipelines principal
    ("CKV_LH_1", PLAN_SILVER),  # ALL_PRIVILEGES
    ("CKV_LH_5", PLAN_SILVER),  # bi_readers on silver
}
BAD_PLAN_PASSED = {
    ("CKV_LH_1", PLAN_PII),
    ("CKV_LH_5", PLAN_PII),
    ("CKV_LH_2", PLAN_SILVER),
    ("CKV_LH_1", PLAN_GOLD),
    ("CKV_LH_2", PLAN_GOLD),
    ("CKV_LH_5", PLAN_GOLD),
}


def _select(findings: list[Finding], check_type: str, result: str) -> set[tuple[str, str]]:
    return {
        (f.check_id, f.resource)
        for f in findings
        if f.check_type == check_type and f.result == result
    }


def test_policies_fail_on_bad_hcl(bad_checkov: list[Finding]) -> None:
    assert _select(bad_checkov, "terraform", "FAILED") == BAD_HCL_FAILED
    assert _select(bad_checkov, "terraform", "PASSED") == BAD_HCL_PASSED


def test_policies_fail_on_bad_grant_plan(bad_checkov: list[Finding]) -> None:
    assert _select(bad_checkov, "terraform_plan", "FAILED") == BAD_PLAN_FAILED
    assert _select(bad_checkov, "terraform_plan", "PASSED") == BAD_PLAN_PASSED


@pytest.mark.parametrize("check_id", infra_checks.CUSTOM_CHECKS)
def test_each_policy_fails_on_the_bad_fixture_and_passes_on_the_real_code(
    check_id: str, bad_checkov: list[Finding], real_checkov: list[Finding]
) -> None:
    assert any(f.check_id == check_id and f.result == "FAILED" for f in bad_checkov)
    real = [f for f in real_checkov if f.check_id == check_id]
    assert real, f"{check_id} evaluated nothing in the real code"
    assert {f.result for f in real} == {"PASSED"}


def test_real_code_has_no_failures_and_the_expected_coverage(
    real_checkov: list[Finding], real_grant_plans: dict[str, Path], grants_json: dict[str, Any]
) -> None:
    assert [f for f in real_checkov if f.result == "FAILED"] == []
    assert _select(real_checkov, "terraform", "PASSED") == {
        ("CKV_LH_3", "module.sql_warehouse.databricks_sql_endpoint.this"),
        ("CKV_LH_4", "module.workspace.azurerm_storage_account.lake"),
    }
    schemas_with_grants = {g["schema"] for g in grants_json["schema_grants"]}
    schemas_with_grants |= set(grants_json["pipeline_principal_schemas"])
    schemas_with_grants |= {t["table"].split(".")[0] for t in grants_json["table_grants"]}
    tables = {t["table"] for t in grants_json["table_grants"]}
    resources = {"module.grants.databricks_grants.catalog"}
    resources |= {f'module.grants.databricks_grants.schema["{s}"]' for s in schemas_with_grants}
    resources |= {f'module.grants.databricks_grants.table["{t}"]' for t in tables}
    volumes = grants_json["pipeline_principal_volumes"]
    resources |= {f'module.grants.databricks_grants.volume["{v}"]' for v in volumes}
    plan_passed = [
        (f.check_id, f.resource) for f in real_checkov if f.check_type == "terraform_plan"
    ]
    # Every grant resource of every environment (3 rendered plans) passes CKV_LH_1, _2 and _5.
    assert Counter(plan_passed) == Counter(
        {
            (check, r): len(real_grant_plans)
            for check in ("CKV_LH_1", "CKV_LH_2", "CKV_LH_5")
            for r in resources
        }
    )
