"""Custom checkov policies for the lakehouse Terraform (checkov ships no Databricks checks).

CKV_LH_1  Unity Catalog grants never include ALL_PRIVILEGES.
CKV_LH_2  bronze_pii is granted only to pii_readers and the pipelines principal.
CKV_LH_3  SQL warehouses stop when idle (auto_stop_mins set and > 0).
CKV_LH_4  The lake storage account is private: nested items never public, TLS 1.2 minimum,
          public network access disabled or denied by default.
CKV_LH_5  bi_readers is granted on gold only (plus USE_CATALOG/BROWSE on the catalog).

Run: checkov --config-file terraform/checkov.yaml -d terraform
(see terraform/README.md and scripts/infra/infra_checks.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

GRANT_RESOURCES = ("databricks_grants", "databricks_grant")


class NoAllPrivileges(BaseResourceCheck):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            name="Unity Catalog grants must not include ALL_PRIVILEGES",
            id="CKV_LH_1",
            categories=(CheckCategories.IAM,),
            supported_resources=GRANT_RESOURCES,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            for _principal, privileges in c.grants(conf):
                if "ALL_PRIVILEGES" in privileges:
                    return CheckResult.FAILED
        except c.UnresolvedError:
            return CheckResult.UNKNOWN
        return CheckResult.PASSED

    def get_evaluated_keys(self) -> list[str]:
        return ["grant/[0]/privileges", "privileges"]


class PiiSchemaOnlyForPiiReaders(BaseResourceCheck):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            name="bronze_pii must only be granted to pii_readers and the pipelines principal",
            id="CKV_LH_2",
            categories=(CheckCategories.IAM,),
            supported_resources=GRANT_RESOURCES,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            found = c.securable(conf)
            if found is None or c.schema_of(*found) != c.PII_SCHEMA:
                return CheckResult.PASSED
            allowed = {c.PII_READER_GROUP, *c.pipeline_principals()}
            for principal, _privileges in c.grants(conf):
                if principal not in allowed:
                    return CheckResult.FAILED
        except c.UnresolvedError:
            return CheckResult.UNKNOWN
        return CheckResult.PASSED

    def get_evaluated_keys(self) -> list[str]:
        return ["schema", "table", "grant/[0]/principal", "principal"]


class WarehouseAutoStop(BaseResourceCheck):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            name="SQL warehouses must set auto_stop_mins > 0",
            id="CKV_LH_3",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_resources=("databricks_sql_endpoint",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if "auto_stop_mins" not in conf:
            return CheckResult.FAILED
        value = c.unwrap(conf["auto_stop_mins"])
        if c.is_unresolved(value):
            return CheckResult.UNKNOWN
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            return CheckResult.FAILED
        return CheckResult.PASSED if minutes > 0 else CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["auto_stop_mins"]


class PrivateLakeStorage(BaseResourceCheck):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            name="Storage accounts must not be public and must require TLS 1.2",
            id="CKV_LH_4",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("azurerm_storage_account",),
        )

    @staticmethod
    def _is(value: Any, expected: bool) -> bool:
        value = c.unwrap(value)
        if isinstance(value, str):
            return value.strip().lower() == str(expected).lower()
        return value is expected

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # azurerm 4.x defaults allow_nested_items_to_be_public to true: it must be explicit.
        if not self._is(conf.get("allow_nested_items_to_be_public"), False):
            return CheckResult.FAILED
        if c.unwrap(conf.get("min_tls_version")) not in ("TLS1_2", "TLS1_3"):
            return CheckResult.FAILED
        if self._is(conf.get("public_network_access_enabled"), False):
            return CheckResult.PASSED
        rules = c.unwrap(conf.get("network_rules"))
        if isinstance(rules, dict) and c.unwrap(rules.get("default_action")) == "Deny":
            return CheckResult.PASSED
        return CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return [
            "allow_nested_items_to_be_public",
            "min_tls_version",
            "public_network_access_enabled",
            "network_rules/[0]/default_action",
        ]


class BiReadersGoldOnly(BaseResourceCheck):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(
            name="bi_readers must only be granted on the gold schema",
            id="CKV_LH_5",
            categories=(CheckCategories.IAM,),
            supported_resources=GRANT_RESOURCES,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            bi_privileges = [
                p
                for principal, privs in c.grants(conf)
                if principal == c.BI_READER_GROUP
                for p in privs
            ]
            if not bi_privileges:
                return CheckResult.PASSED
            found = c.securable(conf)
            if found is None:
                return CheckResult.UNKNOWN
            kind, name = found
            if kind == "catalog":
                ok = set(bi_privileges) <= c.BI_CATALOG_PRIVILEGES
            else:
                ok = c.schema_of(kind, name) in c.BI_SCHEMAS
        except c.UnresolvedError:
            return CheckResult.UNKNOWN
        return CheckResult.PASSED if ok else CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["schema", "table", "catalog", "grant/[0]/principal"]


no_all_privileges = NoAllPrivileges()
pii_schema_only_for_pii_readers = PiiSchemaOnlyForPiiReaders()
warehouse_auto_stop = WarehouseAutoStop()
private_lake_storage = PrivateLakeStorage()
bi_readers_gold_only = BiReadersGoldOnly()
