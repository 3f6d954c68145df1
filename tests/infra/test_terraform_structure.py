"""Structural tests over the parsed HCL of terraform/ (python-hcl2, no tools, no network).

They stand in for what `terraform validate` would catch offline: variables declared and
documented, module calls matching module inputs, references resolving, providers pinned,
backends present, and the grant wiring matching what scripts/infra renders for checkov.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .helpers import REPO, blocks, load_dir, load_hcl, require, resources

TF = REPO / "terraform"
MODULES = TF / "modules"
ENVS = TF / "envs"
MODULE_NAMES = (
    "access_model",
    "grants",
    "identities",
    "secret_scopes",
    "sql_warehouse",
    "unity_catalog",
    "workspace",
)
ENV_NAMES = ("dev", "staging", "prod")
ALL_DIRS = [*(MODULES / m for m in MODULE_NAMES), ENVS]
SCHEMAS = ["bronze", "bronze_pii", "silver", "gold", "quarantine", "ops"]
META_ARGUMENTS = {"source", "providers", "depends_on", "count", "for_each", "version"}


def _unquote(value: str) -> str:
    return value[3:-2] if value.startswith("${") and value.endswith("}") else value


def _dir_id(path: Path) -> str:
    return path.relative_to(TF).as_posix()


def _text(directory: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.tf")))


def _code(directory: Path) -> str:
    """The .tf files of a directory without comment lines."""
    return "\n".join(
        line for line in _text(directory).splitlines() if not line.lstrip().startswith("#")
    )


def test_module_and_environment_layout() -> None:
    # Issue 15: three identical copies of the root module became one root, a tfvars file and a
    # backend file per environment (environments that differ only in values share the code)
    assert sorted(p.name for p in MODULES.iterdir() if p.is_dir()) == sorted(MODULE_NAMES)
    for module in MODULE_NAMES:
        files = sorted(p.name for p in (MODULES / module).glob("*.tf"))
        assert files == ["main.tf", "outputs.tf", "variables.tf", "versions.tf"], module
    committed = sorted(p.relative_to(ENVS).as_posix() for p in ENVS.rglob("*") if p.is_file())
    assert committed == [
        "backend.tf",
        "backend/dev.hcl",
        "backend/prod.hcl",
        "backend/staging.hcl",
        "dev.tfvars",
        "main.tf",
        "outputs.tf",
        "prod.tfvars",
        "providers.tf",
        "staging.tfvars",
        "state.hcl.example",
        "variables.tf",
        "versions.tf",
    ]
    # no other root module anywhere under terraform/ (a copy would be one): only a root
    # configures providers
    configures = re.compile(r'^provider\s+"', flags=re.MULTILINE)
    roots = {p.parent for p in TF.rglob("*.tf") if configures.search(p.read_text("utf-8"))}
    assert roots == {ENVS}


@pytest.mark.parametrize("directory", ALL_DIRS, ids=_dir_id)
def test_every_variable_has_description_and_type(directory: Path) -> None:
    variables = blocks(load_dir(directory), "variable")
    assert variables, f"{directory} declares no variables"
    for name, body in variables.items():
        assert isinstance(body.get("description"), str), f"{name} has no description"
        assert len(body["description"]) >= 15, f"{name}: description too short"
        assert "type" in body, f"{name} has no type"


@pytest.mark.parametrize("directory", ALL_DIRS, ids=_dir_id)
def test_every_output_is_documented(directory: Path) -> None:
    outputs = blocks(load_dir(directory), "output")
    assert outputs, f"{directory} declares no outputs"
    for name, body in outputs.items():
        assert isinstance(body.get("description"), str), f"output {name} has no description"
        assert len(body["description"]) >= 15, f"output {name}: description too short"


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_modules_declare_provider_ranges(module: str) -> None:
    (terraform,) = load_hcl(MODULES / module / "versions.tf")["terraform"]
    assert terraform["required_version"] == ">= 1.9.0, < 2.0.0"
    providers = terraform.get("required_providers", [{}])[0]
    expected = {
        "access_model": {},
        "workspace": {
            "azurerm": ("hashicorp/azurerm", ">= 4.0.0, < 5.0.0"),
            "databricks": ("databricks/databricks", ">= 1.90.0, < 2.0.0"),
        },
    }.get(module, {"databricks": ("databricks/databricks", ">= 1.90.0, < 2.0.0")})
    assert {k: (v["source"], v["version"]) for k, v in providers.items()} == expected


def test_access_model_is_provider_free() -> None:
    parsed = load_dir(MODULES / "access_model")
    assert resources(parsed) == {}
    assert resources(parsed, "data") == {}
    assert "provider" not in parsed


def test_environments_pin_exact_provider_versions() -> None:
    (terraform,) = load_hcl(ENVS / "versions.tf")["terraform"]
    assert terraform["required_version"] == ">= 1.9.0, < 2.0.0"
    providers = terraform["required_providers"][0]
    assert {k: (v["source"], v["version"]) for k, v in providers.items()} == {
        "azurerm": ("hashicorp/azurerm", "= 4.74.0"),
        "databricks": ("databricks/databricks", "= 1.128.0"),
    }


def test_environments_have_partial_azurerm_backend() -> None:
    (terraform,) = load_hcl(ENVS / "backend.tf")["terraform"]
    (backend,) = terraform["backend"]
    assert backend == {"azurerm": {"use_azuread_auth": True}}
    for env in ENV_NAMES:  # the state key: one state per environment
        assert load_hcl(ENVS / "backend" / f"{env}.hcl") == {"key": f"lakehouse/{env}.tfstate"}
    example = (ENVS / "state.hcl.example").read_text(encoding="utf-8")
    keys = re.findall(r"^(\w+)\s*=", example, flags=re.MULTILINE)
    assert keys == ["resource_group_name", "storage_account_name", "container_name"]


def test_environment_values_and_backends_are_checked(tmp_path: Path) -> None:
    """``infra_checks.environment_values`` (run by ``make infra-check``): nothing on the real
    tree; a tfvars file with a variable the root does not declare, one naming another
    environment, a missing backend file and a stray tfvars file are named."""
    from .helpers import infra_checks

    assert require(infra_checks.environment_values) == []
    copy = tmp_path / "envs"
    shutil.copytree(ENVS, copy)
    staging = copy / "staging.tfvars"
    text = staging.read_text(encoding="utf-8")
    staging.write_text(
        text.replace('environment                = "staging"', 'environment = "prod"')
        + 'warehouse_size = "Small"\n',
        encoding="utf-8",
    )
    (copy / "backend" / "prod.hcl").unlink()
    (copy / "backend" / "dev.hcl").write_text('key = "lakehouse/prod.tfstate"\n', encoding="utf-8")
    (copy / "test.tfvars").write_text('environment = "test"\n', encoding="utf-8")
    assert require(lambda: infra_checks.environment_values(copy)) == [
        "envs/backend/dev.hcl: {'key': 'lakehouse/prod.tfstate'}, expected only "
        'key = "lakehouse/dev.tfstate" (the state account is state.hcl\'s)',
        "envs/staging.tfvars: warehouse_size: not a variable of terraform/envs",
        "envs/staging.tfvars: environment = 'prod', expected 'staging'",
        "envs/backend/prod.hcl: missing",
        "envs/test.tfvars: not an environment of dev, staging, prod",
    ]


def test_environment_tfvars() -> None:
    tfvars = {env: load_hcl(ENVS / f"{env}.tfvars") for env in ENV_NAMES}
    for env, values in tfvars.items():
        assert values["environment"] == env
        assert values["catalog_name"] == f"lakehouse_{env}"
        assert re.fullmatch(r"[a-z0-9]{3,24}", values["storage_account_name"])
        assert values["warehouse_auto_stop_mins"] >= 5
        # IDs are never committed: they come from TF_VAR_* or -var.
        for secretish in ("subscription_id", "databricks_account_id", "metastore_id"):
            assert secretish not in values
    assert [env for env, v in tfvars.items() if v["create_account_groups"]] == ["dev"]


def _module_calls(directory: Path) -> dict[str, dict[str, Any]]:
    return blocks(load_dir(directory), "module")


@pytest.mark.parametrize("caller", ["envs", "grants"])
def test_module_calls_match_module_variables(caller: str) -> None:
    directory = ENVS if caller == "envs" else MODULES / caller
    calls = _module_calls(directory)
    assert calls
    for name, call in calls.items():
        target = (directory / call["source"]).resolve()
        variables = blocks(load_dir(target), "variable")
        passed = set(call) - META_ARGUMENTS
        assert passed <= set(variables), f"{name}: unknown inputs {passed - set(variables)}"
        required = {v for v, body in variables.items() if "default" not in body}
        assert required <= passed, f"{name}: missing inputs {required - passed}"


@pytest.mark.parametrize("directory", ALL_DIRS, ids=_dir_id)
def test_references_resolve(directory: Path) -> None:
    parsed = load_dir(directory)
    text = _code(directory)
    variables = set(blocks(parsed, "variable"))
    locals_ = {k for item in parsed.get("locals", []) for k in item}
    assert set(re.findall(r"\bvar\.([a-z0-9_]+)", text)) <= variables
    assert set(re.findall(r"\blocal\.([a-z0-9_]+)", text)) <= locals_
    for module, output in set(re.findall(r"\bmodule\.([a-z0-9_]+)\.([a-z0-9_]+)", text)):
        call = blocks(parsed, "module")[module]
        outputs = blocks(load_dir((directory / call["source"]).resolve()), "output")
        assert output in outputs, f"module.{module}.{output} is not an output"
    declared = set(resources(parsed)) | {f"data.{k}" for k in resources(parsed, "data")}
    pattern = r"\b((?:data\.)?(?:azurerm|databricks)_[a-z_]+)\.([a-z_]+)\b"
    referenced = {f"{rtype}.{name}" for rtype, name in re.findall(pattern, text)}
    assert referenced <= declared, f"undeclared: {referenced - declared}"


def test_environment_wiring() -> None:
    calls = _module_calls(ENVS)
    assert list(calls) == [
        "workspace",
        "unity_catalog",
        "identities",
        "grants",
        "sql_warehouse",
        "secret_scopes",
    ]
    assert calls["unity_catalog"]["providers"] == {
        "databricks": "databricks",
        "${databricks.account}": "${databricks.account}",
    }
    assert calls["identities"]["providers"] == {"databricks": "${databricks.account}"}
    assert calls["workspace"]["providers"] == {"${databricks.account}": "${databricks.account}"}
    assert calls["identities"]["depends_on"] == ["${module.unity_catalog}"]
    assert calls["grants"]["depends_on"] == ["${module.unity_catalog}", "${module.identities}"]
    pipeline = "${module.identities.pipelines_service_principal_application_id}"
    assert calls["grants"]["pipeline_principal"] == pipeline
    assert calls["secret_scopes"]["pipelines_principal"] == pipeline
    assert calls["grants"]["grants_file"] == "${local.grants_file}"
    assert calls["secret_scopes"]["secret_scopes_file"] == "${local.secret_scopes_file}"
    assert calls["identities"]["grants_file"] == "${local.grants_file}"
    (local,) = [item for item in load_hcl(ENVS / "main.tf")["locals"] if "grants_file" in item]
    assert local["grants_file"] == "${path.root}/../generated/grants.json"
    assert local["secret_scopes_file"] == "${path.root}/../generated/secret_scopes.json"
    assert calls["sql_warehouse"]["user_groups"] == ["bi_readers"]
    assert calls["sql_warehouse"]["manager_groups"] == ["data_engineers"]
    assert calls["secret_scopes"]["reader_groups"] == ["data_engineers"]
    assert calls["secret_scopes"]["pii_reader_groups"] == ["pii_readers"]


def test_env_providers_account_and_workspace() -> None:
    parsed = load_dir(ENVS)
    providers = [p for item in parsed["provider"] for p in item.items()]
    databricks = [body for name, body in providers if name == "databricks"]
    account = [b for b in databricks if b.get("alias") == "account"]
    workspace = [b for b in databricks if "alias" not in b]
    assert account == [
        {
            "alias": "account",
            "host": "https://accounts.azuredatabricks.net",
            "account_id": "${var.databricks_account_id}",
        }
    ]
    assert workspace == [
        {
            "host": "${module.workspace.workspace_url}",
            "azure_workspace_resource_id": "${module.workspace.workspace_resource_id}",
        }
    ]
    text = _text(ENVS)
    for forbidden in ("token", "client_secret", "azure_client_secret", "password"):
        assert not re.search(rf"^\s*{forbidden}\s*=", text, flags=re.MULTILINE), forbidden


def test_grants_module_maps_the_model_one_to_one() -> None:
    parsed = load_dir(MODULES / "grants")
    (access,) = blocks(parsed, "module").values()
    assert access == {
        "source": "../access_model",
        "grants_file": "${var.grants_file}",
        "catalog_name": "${var.catalog_name}",
        "pipeline_principal": "${var.pipeline_principal}",
    }
    grants = resources(parsed)
    developer = {k: grants.pop(k) for k in [k for k in grants if ".developer_" in k]}
    assert sorted(developer) == [
        "databricks_grants.developer_catalog",
        "databricks_grants.developer_schema",
        "databricks_grants.developer_volume",
    ]
    assert sorted(grants) == [
        "databricks_grants.catalog",
        "databricks_grants.external_location",
        "databricks_grants.schema",
        "databricks_grants.table",
        "databricks_grants.volume",
    ]
    # What scripts/infra/infra_checks.render_grants_plan assumes about the module:
    assert (
        grants["databricks_grants.catalog"]["catalog"]
        == "${module.access.catalog_grants.securable}"
    )
    assert grants["databricks_grants.schema"]["for_each"] == "${module.access.schema_grants}"
    assert grants["databricks_grants.schema"]["schema"] == "${each.value.securable}"
    assert (
        grants["databricks_grants.table"]["for_each"]
        == "${var.manage_table_grants ? module.access.table_grants : {}}"
    )
    assert grants["databricks_grants.table"]["table"] == "${each.value.securable}"
    assert grants["databricks_grants.volume"]["for_each"] == "${module.access.volume_grants}"
    assert grants["databricks_grants.volume"]["volume"] == "${each.value.securable}"
    dynamic_sources = {
        name: body["dynamic"][0]["grant"]["for_each"] for name, body in grants.items()
    }
    assert dynamic_sources == {
        "databricks_grants.catalog": "${module.access.catalog_grants.grants}",
        "databricks_grants.schema": "${each.value.grants}",
        "databricks_grants.table": "${each.value.grants}",
        "databricks_grants.volume": "${each.value.grants}",
        "databricks_grants.external_location": "${each.value}",
    }
    for body in grants.values():
        content = body["dynamic"][0]["grant"]["content"][0]
        assert content == {
            "principal": "${grant.value.principal}",
            "privileges": "${grant.value.privileges}",
        }


def test_each_developer_writes_only_their_own_catalog() -> None:
    # Issue 15, defect 3: in development mode the pipelines run as the deploying person; each
    # developer gets a catalog of their own with exactly the pipelines principal's privileges
    uc = resources(load_dir(MODULES / "unity_catalog"))
    catalog = uc["databricks_catalog.developer"]
    assert catalog["for_each"] == "${local.developer_catalogs}"
    assert catalog["name"] == "${each.key}"
    assert catalog["isolation_mode"] == "ISOLATED"
    schema = uc["databricks_schema.developer"]
    assert schema["catalog_name"] == "${databricks_catalog.developer[each.value.catalog].name}"
    grants = resources(load_dir(MODULES / "grants"))
    on_catalog = grants["databricks_grants.developer_catalog"]
    assert on_catalog["for_each"] == "${var.developer_catalogs}"
    assert on_catalog["grant"] == [{"principal": "${each.value}", "privileges": ["USE_CATALOG"]}]
    on_schema = grants["databricks_grants.developer_schema"]
    assert "module.access.pipeline_schemas" in on_schema["for_each"]
    assert on_schema["grant"] == [
        {
            "principal": "${each.value.developer}",
            "privileges": "${concat(module.access.pipeline_schema_privileges, "
            "lookup(module.access.pipeline_extra_privileges, each.value.schema, []))}",
        }
    ]
    # and the same volumes (the JDBC extracts) with the same privileges, in their own catalog
    volume = uc["databricks_volume.developer"]
    assert volume["catalog_name"] == "${databricks_catalog.developer[each.value.catalog].name}"
    assert volume["volume_type"] == "MANAGED"
    on_volume = grants["databricks_grants.developer_volume"]
    assert "module.access.pipeline_volume_privileges" in on_volume["for_each"]
    assert on_volume["grant"] == [
        {"principal": "${each.value.developer}", "privileges": "${each.value.privileges}"}
    ]
    calls = _module_calls(ENVS)
    assert calls["unity_catalog"]["developers"] == "${var.developers}"
    assert calls["grants"]["developer_catalogs"] == "${module.unity_catalog.developer_catalogs}"
    variables = blocks(load_dir(ENVS), "variable")
    assert variables["developers"]["default"] == []
    tfvars = {env: load_hcl(ENVS / f"{env}.tfvars") for env in ENV_NAMES}
    assert [env for env, values in tfvars.items() if "developers" in values] == ["dev"]


def _static_privileges(value: Any) -> list[str]:
    if isinstance(value, list):
        return [p for item in value for p in _static_privileges(item)]
    if isinstance(value, dict):
        return [p for item in value.values() for p in _static_privileges(item)]
    return [value] if isinstance(value, str) else []


def test_no_static_all_privileges_anywhere() -> None:
    for directory in ALL_DIRS:
        for key, body in resources(load_dir(directory)).items():
            if key.split(".")[0] in ("databricks_grants", "databricks_grant"):
                assert "ALL_PRIVILEGES" not in _static_privileges(body), key
    # In the grants module the word only appears in the validation that forbids it.
    lines = [
        line.strip()
        for path in sorted((MODULES / "grants").glob("*.tf"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "ALL_PRIVILEGES" in line
    ]
    forbid = 'length(setintersection(g.privileges, ["ALL_PRIVILEGES", "MANAGE"])) == 0'
    assert lines == [
        f"for g in grants : {forbid}",
        'error_message = "External location grants must not include ALL_PRIVILEGES or MANAGE."',
    ]


def test_grants_json_fixture_format(grants_json: dict[str, Any]) -> None:
    assert set(grants_json) - {"_generated_by"} == {
        "schemas",
        "groups",
        "schema_grants",
        "table_grants",
        "pipeline_principal_schemas",
        "pipeline_principal_privileges",
        "pipeline_principal_extra_privileges",
        "pipeline_principal_volumes",
    }
    groups = {g["name"] for g in grants_json["groups"]}
    # the medallion schemas, then each feature team's landing schema (its undeclared arrivals)
    teams = ["team_catalog", "team_a", "team_b", "team_hotel"]
    assert grants_json["schemas"] == [*SCHEMAS, *(f"landing_{team}" for team in teams)]
    # Groups the Terraform environments reference by name.
    assert {"data_engineers", "data_scientists", "bi_readers", "pii_readers"} <= groups
    for grant in grants_json["table_grants"]:
        assert re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", grant["table"]), grant


def test_workspace_module_resources() -> None:
    parsed = load_dir(MODULES / "workspace")
    res = resources(parsed)
    storage = res["azurerm_storage_account.lake"]
    expected = {
        "account_kind": "StorageV2",
        "is_hns_enabled": True,
        "min_tls_version": "TLS1_2",
        "https_traffic_only_enabled": True,
        "allow_nested_items_to_be_public": False,
        "shared_access_key_enabled": False,
        "public_network_access_enabled": "${var.storage_public_network_access_enabled}",
    }
    assert {k: storage[k] for k in expected} == expected
    rules = storage["network_rules"][0]
    assert rules["default_action"] == "Deny"
    assert rules["private_link_access"][0]["endpoint_resource_id"] == (
        "${azurerm_databricks_access_connector.this.id}"
    )
    assert res["azurerm_databricks_workspace.this"]["sku"] == "premium"
    assert (
        res["azurerm_databricks_access_connector.this"]["identity"][0]["type"] == "SystemAssigned"
    )
    role = res["azurerm_role_assignment.connector_blob_contributor"]
    assert role["role_definition_name"] == "Storage Blob Data Contributor"
    assert blocks(parsed, "variable")["containers"]["default"] == ["landing", "lakehouse"]


def test_serverless_reaches_the_firewalled_lake() -> None:
    # Issue 15, defect 5: the storage denies by default and serverless compute (pipelines, job
    # tasks, the SQL warehouse) is not in this subscription: an NCC bound to the workspace with
    # private endpoints to the lake (dfs for abfss://, blob) is what admits it.
    res = resources(load_dir(MODULES / "workspace"))
    ncc_id = "${databricks_mws_network_connectivity_config.this.network_connectivity_config_id}"
    ncc = res["databricks_mws_network_connectivity_config.this"]
    assert ncc["provider"] == "${databricks.account}"
    assert ncc["region"] == "${azurerm_resource_group.this.location}"
    binding = res["databricks_mws_ncc_binding.this"]
    assert binding["network_connectivity_config_id"] == ncc_id
    assert binding["workspace_id"] == "${azurerm_databricks_workspace.this.workspace_id}"
    rule = res["databricks_mws_ncc_private_endpoint_rule.lake"]
    assert rule["for_each"] == '${toset(["dfs", "blob"])}'
    assert rule["network_connectivity_config_id"] == ncc_id
    assert rule["resource_id"] == "${azurerm_storage_account.lake.id}"
    assert rule["group_id"] == "${each.key}"
    (terraform,) = load_hcl(MODULES / "workspace" / "versions.tf")["terraform"]
    databricks = terraform["required_providers"][0]["databricks"]
    assert databricks["configuration_aliases"] == ["${databricks.account}"]


def test_unity_catalog_module_resources() -> None:
    parsed = load_dir(MODULES / "unity_catalog")
    res = resources(parsed)
    assert res["databricks_metastore_assignment.this"]["provider"] == "${databricks.account}"
    credential = res["databricks_storage_credential.this"]
    assert credential["azure_managed_identity"][0] == {
        "access_connector_id": "${var.access_connector_id}"
    }
    assert res["databricks_catalog.this"]["isolation_mode"] == "ISOLATED"
    assert res["databricks_catalog.this"]["storage_root"] == (
        "${databricks_external_location.lakehouse.url}"
    )
    assert res["databricks_external_location.landing"]["read_only"] is True
    # Issue 15, defect 2: the JDBC extracts go to managed volumes (grants.json), not the
    # read-only landing location
    volume = res["databricks_volume.this"]
    assert volume["for_each"] == "${toset(var.volumes)}"
    assert volume["volume_type"] == "MANAGED"
    assert volume["catalog_name"] == "${databricks_catalog.this.name}"
    calls = _module_calls(ENVS)
    assert calls["unity_catalog"]["volumes"] == "${keys(local.access.pipeline_principal_volumes)}"
    assert res["databricks_schema.this"]["for_each"] == "${toset(var.schemas)}"
    variables = blocks(parsed, "variable")
    assert variables["schemas"]["default"] == SCHEMAS
    assert sorted(variables["schema_comments"]["default"]) == sorted(SCHEMAS)


def test_every_catalog_enables_predictive_optimization() -> None:
    # The ops tables gain a file per run; on Databricks nothing but predictive optimisation
    # compacts them, and it is on by default only in accounts created since 2024-11-11
    res = resources(load_dir(MODULES / "unity_catalog"))
    catalogs = {name: body for name, body in res.items() if name.startswith("databricks_catalog.")}
    assert sorted(catalogs) == ["databricks_catalog.developer", "databricks_catalog.this"]
    for name, body in catalogs.items():
        assert body.get("enable_predictive_optimization") == "ENABLE", name


def test_sql_warehouse_module() -> None:
    parsed = load_dir(MODULES / "sql_warehouse")
    res = resources(parsed)
    endpoint = res["databricks_sql_endpoint.this"]
    assert endpoint["enable_serverless_compute"] is True
    assert endpoint["warehouse_type"] == "PRO"
    assert endpoint["auto_stop_mins"] == "${var.auto_stop_mins}"
    variables = blocks(parsed, "variable")
    assert variables["auto_stop_mins"]["default"] == 10
    assert variables["auto_stop_mins"]["validation"][0]["condition"] == "${var.auto_stop_mins >= 5}"
    levels = {
        d["access_control"]["for_each"]: d["access_control"]["content"][0]["permission_level"]
        for d in res["databricks_permissions.warehouse"]["dynamic"]
    }
    assert levels == {
        "${toset(var.user_groups)}": "CAN_USE",
        "${toset(var.manager_groups)}": "CAN_MANAGE",
    }
    assert variables["user_groups"]["default"] == ["bi_readers"]


def test_identities_module() -> None:
    parsed = load_dir(MODULES / "identities")
    res = resources(parsed)
    policy = res["databricks_service_principal_federation_policy.ci_github"]
    assert policy["service_principal_id"] == "${tonumber(databricks_service_principal.ci.id)}"
    assert policy["oidc_policy"] == {
        "issuer": "https://token.actions.githubusercontent.com",
        "audiences": ["${var.databricks_account_id}"],
        "subject_claim": "sub",
        "subject": "${local.github_subject}",
    }
    (local,) = [item for item in parsed["locals"] if "github_subject" in item]
    assert (
        local["github_subject"]
        == "repo:${var.github_repository}:environment:${local.github_environment}"
    )
    assert local["groups"] == "${{for g in local.access.groups : g.name => g.description}}"
    assert local["access"] == "${jsondecode(file(var.grants_file))}"
    assert res["databricks_group.this"]["for_each"] == "${var.create_groups ? local.groups : {}}"
    assert res["databricks_group.this"]["lifecycle"][0]["prevent_destroy"] is True
    assert sorted(k for k in res if k.startswith("databricks_service_principal.")) == [
        "databricks_service_principal.ci",
        "databricks_service_principal.pipelines",
    ]
    rule = res["databricks_access_control_rule_set.pipelines_users"]["grant_rules"][0]
    assert rule["role"] == "roles/servicePrincipal.user"


def test_secret_scopes_module() -> None:
    # Issue 15, defect 1: the scopes come from the generated file, never a literal name (the
    # module created lakehouse-pii and lakehouse-webhooks while the config read pii, crm, ...)
    parsed = load_dir(MODULES / "secret_scopes")
    res = resources(parsed)
    assert sorted(res) == ["databricks_secret_acl.read", "databricks_secret_scope.this"]
    scope = res["databricks_secret_scope.this"]
    assert scope["for_each"] == "${local.scopes}"
    assert scope["name"] == "${each.key}"
    (declared,) = [item for item in parsed["locals"] if "declared" in item]
    assert declared["declared"] == "${jsondecode(file(var.secret_scopes_file)).secret_scopes}"
    acl = res["databricks_secret_acl.read"]
    assert acl["permission"] == "READ"
    assert acl["scope"] == "${databricks_secret_scope.this[each.value.scope].name}"
    variables = blocks(parsed, "variable")
    assert sorted(variables) == [
        "pii_reader_groups", "pipelines_principal", "reader_groups", "secret_scopes_file",
    ]  # fmt: skip
    assert variables["reader_groups"]["default"] == ["data_engineers"]
    assert variables["pii_reader_groups"]["default"] == ["pii_readers"]


def test_only_the_pipelines_and_pii_readers_get_pii_keys_and_raw_files(tmp_path: Path) -> None:
    """``infra_checks.raw_pii_access`` (run by ``make infra-check``): nothing on the real
    tree; a data_engineers grant on the key scope or the landing files is named."""
    from .helpers import infra_checks

    assert infra_checks.raw_pii_access() == []
    copy = tmp_path / "terraform"
    shutil.copytree(TF, copy, ignore=shutil.ignore_patterns(".terraform*"))
    root = copy / "envs" / "main.tf"
    text = root.read_text(encoding="utf-8")
    text = text.replace('principal = "pii_readers"', 'principal = "data_engineers"')
    text = text.replace(
        'pii_reader_groups   = ["pii_readers"]', 'pii_reader_groups = ["data_engineers"]'
    )
    root.write_text(text, encoding="utf-8")
    assert infra_checks.raw_pii_access(copy) == [
        "envs: data_engineers gets READ on the PII key scope",
        "envs: data_engineers gets READ_FILES on "
        "${(module.unity_catalog.landing_external_location)} (raw PII: the delivered files)",
    ]
