"""``lakehouse deploy check``: what the config, the bundle and Terraform must agree on for a
deployment to work, checked offline in milliseconds, each problem as ``file:line:col: ...``.

``lakehouse bundle --check`` and ``lakehouse grants --check`` say whether the generated files
are stale; this says whether the hand-written ones (``databricks.yml``, ``terraform/envs``,
``terraform/modules``) agree with them and with the config. Agreement, not staleness: a separate
command, because the two fail for different reasons and are fixed differently (regenerate vs
edit by hand), and because it reads files neither generator owns. What it checks:

* every secret scope the config names is one Terraform creates (``secret_scopes.json``, read
  by ``modules/secret_scopes``; no ``databricks_secret_scope`` anywhere with a literal name);
* per target, the identity that runs the pipelines and jobs (``run_as`` the pipelines service
  principal, or in development mode the deploying developer in their own catalog) publishes to
  a catalog where Terraform grants it exactly ``USE_SCHEMA``, ``CREATE_TABLE`` and
  ``CREATE_MATERIALIZED_VIEW`` on each schema the pipelines write (``USE_CATALOG`` comes with
  them), and on no other schema;
* each target reads the landing container of its environment's storage account;
* each target names its workspace (``workspace.host``): a literal Azure Databricks workspace
  URL of its own (the CLI does not interpolate ``workspace.host``), so a deploy with the wrong
  profile or ``DATABRICKS_HOST`` fails instead of landing in another environment's workspace;
* every ``lookup:`` variable is used (``bundle validate`` resolves each one, as the deploying
  principal, even when nothing uses it);
* the column masks the ``bronze_pii`` tables declare can be resolved: every job that updates a
  pipeline defining them (its daily job, the backfill job) runs the ``pii_functions`` task
  first, which creates the functions as the identity that runs the pipelines, which holds
  ``CREATE_FUNCTION`` on ``bronze_pii`` for it (and on no other schema); each pipeline
  qualifies the functions with the catalog it publishes to (``lakehouse.catalog``);
* every job task that writes files (``pipelines.deploy.jobs.FILE_WRITERS``: the JDBC extract
  task) writes into a Unity Catalog volume of the target's catalog on which that identity
  holds exactly ``READ_VOLUME`` and ``WRITE_VOLUME`` (``pipeline_principal_volumes`` of
  grants.json, which Terraform creates and grants), its pipeline reads the same place, no
  volume is granted that no task writes, and Terraform grants ``WRITE_FILES`` nowhere (the
  landing location stays ``read_only``).

Not checked here: Terraform's own evaluation of these files (``tests/infra``,
``make infra-check``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.config.loader import LakehouseConfig
from pipelines.config.yamlpos import KeyPath, LocatedDocument, load_located, parse_key_path
from pipelines.databricks.define import CONF_CATALOG
from pipelines.deploy.grants import (
    GRANTS_PATH,
    PIPELINE_SCHEMA_PRIVILEGES,
    PIPELINE_VOLUME_PRIVILEGES,
    extra_privileges,
)
from pipelines.deploy.jobs import (
    BACKFILL_JOB,
    PII_FUNCTIONS_TASK,
    daily_job_key,
    volume_of,
    written_paths,
)
from pipelines.deploy.layout import LAYERS, plan_pipelines
from pipelines.deploy.secret_scopes import SECRET_SCOPES_PATH, secret_uses
from pipelines.deploy.variables import BUNDLE_DIR

__all__ = ["DeployProblem", "deploy_problems"]

DATABRICKS_YML = "databricks.yml"
SHORT_NAME = "${workspace.current_user.short_name}"
_VAR = re.compile(r"\$\{var\.([A-Za-z0-9_-]+)")
_TFVAR = r'^\s*{}\s*=\s*"([^"]*)"'
"""A string setting of an environment's tfvars (``catalog_name = "lakehouse_dev"``)."""
_AZURE_HOST = re.compile(r"^https://adb-\d+\.\d+\.azuredatabricks\.net/?$")
"""An Azure Databricks workspace URL (``terraform output workspace_url``)."""
_SCOPE_RESOURCE = re.compile(r'^resource\s+"databricks_secret_scope"\s+"[^"]+"\s*\{', re.MULTILINE)


@dataclass(frozen=True)
class DeployProblem:
    """One disagreement: where (path relative to the repository, 1-based line and column)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def _at(document: LocatedDocument, root: Path, key_path: KeyPath, message: str) -> DeployProblem:
    line, column = document.locate(key_path)
    return DeployProblem(document.path.relative_to(root).as_posix(), line, column, message)


def _json_line(path: Path, key: str) -> int:
    """The line of ``"key":`` in a generated JSON file (1 when absent)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if f'"{key}":' in line:
            return number
    return 1


def _json(root: Path, relative: str, command: str) -> tuple[dict[str, Any] | None, DeployProblem]:
    path = root / relative
    missing = DeployProblem(relative, 1, 1, f"missing: run `{command}` and commit it")
    if not path.is_file():
        return None, missing
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data, missing


# ------------------------------------------------------------------ secret scopes


def _secret_scopes(config: LakehouseConfig, root: Path) -> Iterator[DeployProblem]:
    declared, missing = _json(root, SECRET_SCOPES_PATH, "lakehouse grants")
    if declared is None:
        yield missing
    scopes = declared["secret_scopes"] if declared else []
    created = {scope["name"]: set(scope["keys"]) for scope in scopes}
    documents: dict[str, LocatedDocument] = {}
    for use in secret_uses(config):
        if use.ref.key in created.get(use.ref.scope, set()):
            continue
        path = config.root / use.file
        document = documents.setdefault(use.file, load_located(path))
        line, column = document.locate(parse_key_path(use.key_path))
        where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        yield DeployProblem(
            where, line, column,
            f"{use.key_path}: secret '{use.ref.secret}': Terraform creates no such scope and key "
            f"({SECRET_SCOPES_PATH}): run `lakehouse grants` and commit",
        )  # fmt: skip
    yield from _literal_scopes(root)


def _literal_scopes(root: Path) -> Iterator[DeployProblem]:
    """A ``databricks_secret_scope`` is created only from the generated file (``name = each.key``
    in a module that reads ``var.secret_scopes_file``): a literal name is a scope the config may
    not read, or one the config reads under another name."""
    for path in sorted((root / "terraform").rglob("*.tf")):
        text = path.read_text(encoding="utf-8")
        reads_file = "jsondecode(file(var.secret_scopes_file))" in text
        for match in _SCOPE_RESOURCE.finditer(text):
            body = text[match.end() : text.find("\n}", match.end())]
            if reads_file and re.search(r"^\s*name\s*=\s*each\.key\s*$", body, re.MULTILINE):
                continue
            line = text.count("\n", 0, match.start()) + 1
            yield DeployProblem(
                path.relative_to(root).as_posix(), line, 1,
                "a secret scope not created from terraform/generated/secret_scopes.json: its "
                "name is not one the config reads (create scopes in modules/secret_scopes only)",
            )  # fmt: skip


# ------------------------------------------------------------------ who runs, where, with what


def _written_schemas(config: LakehouseConfig, root: Path) -> dict[str, str]:
    """Schema -> the bundle file of a pipeline that writes it (its datasets, its default
    publishing schema, its event log; the jobs' ops records go to ``ops`` as well)."""
    written: dict[str, str] = {}
    for plan in plan_pipelines(config):
        relative = f"{BUNDLE_DIR}/pipeline_{plan.key}.yml"
        schemas = {name.split(".")[0] for layer in LAYERS for name in plan.tables(layer)}
        path = root / relative
        if path.is_file():
            resource = load_located(path).data["resources"]["pipelines"][plan.key]
            schemas |= {resource.get("schema"), resource.get("event_log", {}).get("schema")}
        for schema in sorted(s for s in schemas if s):
            written.setdefault(schema, relative)
    return written


def _privileges(root: Path, config: LakehouseConfig) -> Iterator[DeployProblem]:
    """grants.json gives the identity that runs the pipelines exactly what it needs, on
    exactly the schemas the pipelines write."""
    grants, missing = _json(root, GRANTS_PATH, "lakehouse grants")
    if grants is None:
        yield missing
        return
    path = root / GRANTS_PATH
    if "pipeline_principal_privileges" not in grants:
        yield DeployProblem(
            GRANTS_PATH, 1, 1,
            "pipeline_principal_privileges: not declared: run `lakehouse grants` and commit",
        )  # fmt: skip
    held = set(grants.get("pipeline_principal_privileges", PIPELINE_SCHEMA_PRIVILEGES))
    needed = set(PIPELINE_SCHEMA_PRIVILEGES)
    line = _json_line(path, "pipeline_principal_privileges")
    if held - needed:
        extra = ", ".join(sorted(held - needed))
        yield DeployProblem(
            GRANTS_PATH, line, 1,
            f"pipeline_principal_privileges: {extra} beyond what running a pipeline needs "
            f"({', '.join(PIPELINE_SCHEMA_PRIVILEGES)})",
        )  # fmt: skip
    if needed - held:
        lacking = ", ".join(sorted(needed - held))
        yield DeployProblem(
            GRANTS_PATH, line, 1,
            f"pipeline_principal_privileges: lacks {lacking}: the pipelines cannot create "
            "their tables",
        )  # fmt: skip
    yield from _extra_privileges(grants, config, path)
    granted = set(grants.get("pipeline_principal_schemas", []))
    written = _written_schemas(config, root)
    line = _json_line(path, "pipeline_principal_schemas")
    for schema, where in sorted(written.items()):
        if schema not in granted:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"pipeline_principal_schemas: lacks {schema}, which {where} writes",
            )  # fmt: skip
    for schema in sorted(granted - set(written)):
        yield DeployProblem(
            GRANTS_PATH, line, 1,
            f"pipeline_principal_schemas: {schema} is written by no pipeline: nothing to grant",
        )  # fmt: skip


def tfvars_path(target: str) -> str:
    """The values of ``target``'s environment in the one Terraform root (``terraform/envs``)."""
    return f"terraform/envs/{target}.tfvars"


def _extra_privileges(
    grants: dict[str, Any], config: LakehouseConfig, path: Path
) -> Iterator[DeployProblem]:
    """Beyond the common privileges, exactly what the config needs on single schemas
    (``CREATE_FUNCTION`` on ``bronze_pii``, for the PII mask functions)."""
    held: dict[str, list[str]] = grants.get("pipeline_principal_extra_privileges", {})
    needed = extra_privileges(config)
    key = "pipeline_principal_extra_privileges"
    line = _json_line(path, key)
    for schema in sorted(set(held) | set(needed)):
        have, want = set(held.get(schema, [])), set(needed.get(schema, []))
        if want - have:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"{key}: lacks {', '.join(sorted(want - have))} on {schema}: the "
                f"{PII_FUNCTIONS_TASK} task cannot create the mask functions the bronze_pii "
                "tables declare",
            )  # fmt: skip
        if have - want:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"{key}: {', '.join(sorted(have - want))} on {schema} beyond what the "
                "pipelines need",
            )  # fmt: skip


def _tfvar(root: Path, target: str, name: str) -> str | None:
    path = root / tfvars_path(target)
    if not path.is_file():
        return None
    found = re.search(_TFVAR.format(name), path.read_text(encoding="utf-8"), re.MULTILINE)
    return found.group(1) if found else None


def _landing(document: LocatedDocument, root: Path, name: str) -> Iterator[DeployProblem]:
    """The target's landing root is the landing container of its environment's storage
    account (modules/workspace container_urls), where the landing external location is."""
    account = _tfvar(root, name, "storage_account_name")
    target = document.data["targets"][name] or {}
    variables = target.get("variables") or {}
    if account is None or "landing_root" not in variables:
        return
    expected = f"abfss://landing@{account}.dfs.core.windows.net/"
    if variables["landing_root"] != expected:
        yield _at(
            document, root, ("targets", name, "variables", "landing_root"),
            f"targets.{name}.variables.landing_root: '{variables['landing_root']}', but "
            f"Terraform's landing location of {name} is '{expected}'",
        )  # fmt: skip


def _targets(document: LocatedDocument, root: Path) -> Iterator[DeployProblem]:
    """Each target runs as an identity Terraform grants, in a catalog Terraform creates."""
    bundle = document.data
    default_catalog = bundle.get("variables", {}).get("catalog", {}).get("default")
    for name, target in (bundle.get("targets") or {}).items():
        here: KeyPath = ("targets", name)
        tf_catalog = _tfvar(root, name, "catalog_name")
        if tf_catalog is None:
            yield _at(
                document, root, here,
                f"targets.{name}: no {tfvars_path(name)} with catalog_name: "
                "nothing grants this target's identity anything",
            )  # fmt: skip
            continue
        yield from _landing(document, root, name)
        variables = target.get("variables") or {}
        catalog = variables.get("catalog", default_catalog)
        where = (*here, "variables", "catalog") if "catalog" in variables else here
        run_as = target.get("run_as") or {}
        if run_as:
            if run_as != {"service_principal_name": "${var.run_as}"}:
                yield _at(
                    document, root, (*here, "run_as"),
                    f"targets.{name}.run_as: {run_as}: only the pipelines service principal "
                    "(${var.run_as}) holds the privileges the pipelines need",
                )  # fmt: skip
            elif catalog != tf_catalog:
                yield _at(
                    document, root, where,
                    f"targets.{name}.variables.catalog: '{catalog}', but Terraform grants the "
                    f"pipelines principal on '{tf_catalog}' ({tfvars_path(name)})",
                )  # fmt: skip
        elif target.get("mode") == "development":
            mine = f"{tf_catalog}_{SHORT_NAME}"
            if catalog != mine:
                yield _at(
                    document, root, where,
                    f"targets.{name}.variables.catalog: '{catalog}': development mode runs as "
                    f"the deploying developer, who writes only their own catalog '{mine}' "
                    f"({tfvars_path(name)} developers)",
                )  # fmt: skip
        else:
            yield _at(
                document, root, here,
                f"targets.{name}: runs as whoever deploys it: set run_as to the pipelines "
                "service principal (${var.run_as})",
            )  # fmt: skip


# ------------------------------------------------------------------ who writes files where


@dataclass(frozen=True)
class _FileWrite:
    """A job task that writes files: where it is (bundle file, key path) and what it writes."""

    file: str
    key_path: KeyPath
    job: str
    task: str
    path: str
    pipeline: str | None


def _file_writes(root: Path) -> Iterator[_FileWrite]:
    for path in sorted((root / BUNDLE_DIR).glob("job_*.yml")):
        relative = path.relative_to(root).as_posix()
        for job_key, job in load_located(path).data["resources"]["jobs"].items():
            tasks = job.get("tasks", [])
            # the pipeline of the job's pipeline tasks: ${resources.pipelines.<key>.id}
            ids = [t["pipeline_task"]["pipeline_id"] for t in tasks if "pipeline_task" in t]
            pipeline = ids[0].split(".")[2] if ids else None
            for index, task in enumerate(tasks):
                parameters = task.get("spark_python_task", {}).get("parameters", [])
                for written in written_paths(task):
                    where = parameters.index(written)
                    key_path = (
                        "resources", "jobs", job_key, "tasks", index, "spark_python_task",
                        "parameters", where,
                    )  # fmt: skip
                    yield _FileWrite(
                        relative, key_path, job_key, task["task_key"], written, pipeline
                    )


def _file_writers(root: Path) -> Iterator[DeployProblem]:
    """Each task that writes files may write where it writes, and nothing more."""
    grants, _missing = _json(root, GRANTS_PATH, "lakehouse grants")  # reported by _privileges
    if grants is None:
        return
    granted: dict[str, list[str]] = grants.get("pipeline_principal_volumes", {})
    line = _json_line(root / GRANTS_PATH, "pipeline_principal_volumes")
    needed = set(PIPELINE_VOLUME_PRIVILEGES)
    written: set[str] = set()
    documents: dict[str, LocatedDocument] = {}
    for write in _file_writes(root):
        document = documents.setdefault(write.file, load_located(root / write.file))
        who = f"{write.job}.{write.task}"
        volume = volume_of(write.path)
        if volume is None:
            yield _at(
                document, root, write.key_path,
                f"{who} writes files under '{write.path}', not into a Unity Catalog volume of "
                "the target's catalog (/Volumes/${var.catalog}/<schema>/<volume>): the landing "
                "location is read-only (READ_FILES) and nothing else is granted for writing",
            )  # fmt: skip
            continue
        written.add(volume)
        held = set(granted.get(volume, []))
        if not held:
            yield _at(
                document, root, write.key_path,
                f"{who} writes files into volume {volume}, but Terraform grants the identity "
                f"that runs it nothing there ({GRANTS_PATH} pipeline_principal_volumes): run "
                "`lakehouse grants` and commit",
            )  # fmt: skip
        elif needed - held:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"pipeline_principal_volumes: {volume} lacks "
                f"{', '.join(sorted(needed - held))}, which {who} needs to write its files",
            )  # fmt: skip
        pipeline = root / BUNDLE_DIR / f"pipeline_{write.pipeline}.yml"
        if write.pipeline is not None and pipeline.is_file():
            resource = load_located(pipeline).data["resources"]["pipelines"][write.pipeline]
            if write.path not in (resource.get("configuration") or {}).values():
                yield _at(
                    document, root, write.key_path,
                    f"{who} writes into '{write.path}', but pipeline {write.pipeline} is told "
                    f"no such place ({BUNDLE_DIR}/pipeline_{write.pipeline}.yml configuration): "
                    "bronze would read another place: run `lakehouse bundle`",
                )  # fmt: skip
    for volume, privileges in sorted(granted.items()):
        if volume not in written:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"pipeline_principal_volumes: {volume} is written by no job task: nothing to "
                "grant",
            )  # fmt: skip
        elif extra := set(privileges) - needed:
            yield DeployProblem(
                GRANTS_PATH, line, 1,
                f"pipeline_principal_volumes: {volume}: {', '.join(sorted(extra))} beyond what "
                f"writing files needs ({', '.join(PIPELINE_VOLUME_PRIVILEGES)})",
            )  # fmt: skip
    yield from _terraform_writes(root)


_WRITE_FILES = re.compile(r"\bWRITE_FILES\b")
_LANDING = re.compile(r'^resource\s+"databricks_external_location"\s+"landing"\s*\{', re.MULTILINE)


def _terraform_writes(root: Path) -> Iterator[DeployProblem]:
    """Terraform grants nobody ``WRITE_FILES`` and keeps the landing location read-only: the
    jobs write into volumes only, so a written external location is a way around them."""
    for path in sorted((root / "terraform").rglob("*.tf")):
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for number, code in enumerate(text.splitlines(), 1):
            if _WRITE_FILES.search(code.split("#", 1)[0]):
                yield DeployProblem(
                    relative, number, 1,
                    "WRITE_FILES granted on an external location: the jobs write files into "
                    "volumes only (grants.json pipeline_principal_volumes)",
                )  # fmt: skip
        if match := _LANDING.search(text):
            body = text[match.end() : text.find("\n}", match.end())]
            if not re.search(r"^\s*read_only\s*=\s*true\s*$", body, re.MULTILINE):
                yield DeployProblem(
                    relative, text.count("\n", 0, match.start()) + 1, 1,
                    "the landing external location is not read_only = true: nothing writes "
                    "the landing zone but the feeds' owners",
                )  # fmt: skip


# ------------------------------------------------------------------ PII mask functions


def _job_tasks(root: Path, key: str) -> tuple[LocatedDocument, list[dict[str, Any]]] | None:
    path = root / BUNDLE_DIR / f"job_{key}.yml"
    if not path.is_file():
        return None
    document = load_located(path)
    return document, list(document.data["resources"]["jobs"][key].get("tasks", []))


def _pii_functions(config: LakehouseConfig, root: Path) -> Iterator[DeployProblem]:
    """Every job that updates a pipeline with ``bronze_pii`` tables creates the functions their
    masks name first; every pipeline qualifies them with its own catalog."""
    plans = plan_pipelines(config)
    updates: list[tuple[str, str]] = [
        (daily_job_key(plan), "bronze") for plan in plans if plan.pii_sources
    ]
    if any(plan.pii_sources for plan in plans):
        updates.append((BACKFILL_JOB, "backfill"))
    for job, first in updates:
        found = _job_tasks(root, job)
        if found is None:
            continue
        document, tasks = found
        by_key = {t["task_key"]: (i, t) for i, t in enumerate(tasks)}
        index, task = by_key.get(first, (0, {}))
        after = {d["task_key"] for d in task.get("depends_on", [])}
        if PII_FUNCTIONS_TASK not in by_key or PII_FUNCTIONS_TASK not in after:
            yield _at(
                document, root, ("resources", "jobs", job, "tasks", index),
                f"{job}.{first}: updates a pipeline whose bronze_pii tables declare column "
                f"masks, but no {PII_FUNCTIONS_TASK} task runs before it to create their "
                "functions (the update would fail on a missing function): run `lakehouse bundle`",
            )  # fmt: skip
    for plan in plans:
        path = root / BUNDLE_DIR / f"pipeline_{plan.key}.yml"
        if not path.is_file():
            continue
        document = load_located(path)
        resource = document.data["resources"]["pipelines"][plan.key]
        told = (resource.get("configuration") or {}).get(CONF_CATALOG)
        if told != resource.get("catalog"):
            yield _at(
                document, root, ("resources", "pipelines", plan.key, "configuration"),
                f"pipeline {plan.key}: configuration {CONF_CATALOG} is {told!r}, but it "
                f"publishes to {resource.get('catalog')!r}: its tables' masks and row filters "
                "would name another catalog's functions: run `lakehouse bundle`",
            )  # fmt: skip


# ------------------------------------------------------------------ workspaces


def _hosts(document: LocatedDocument, root: Path) -> Iterator[DeployProblem]:
    """Each target deploys to a workspace of its own, named literally.

    ``workspace.host`` is resolved before variables: the CLI refuses ``${var.host}`` (its
    acceptance test ``bundle/variables/host``: "parse https://${var.host}: invalid character
    '{' in host name"), so the value is the literal ``terraform output workspace_url`` of the
    environment, written here after its first apply (README, runbook step 3).
    """
    seen: dict[str, str] = {}
    for name, target in (document.data.get("targets") or {}).items():
        workspace = (target or {}).get("workspace") or {}
        host = workspace.get("host")
        where: KeyPath = ("targets", name, "workspace", "host")
        if host is None:
            yield _at(
                document, root, ("targets", name, "workspace") if workspace else ("targets", name),
                f"targets.{name}.workspace.host: not set: a deploy goes to whatever workspace "
                f"the CLI profile or DATABRICKS_HOST names; set it to `terraform output -raw "
                f"workspace_url` of {name}",
            )  # fmt: skip
            continue
        text = str(host)
        if "${" in text:
            yield _at(
                document, root, where,
                f"targets.{name}.workspace.host: '{text}': the CLI does not interpolate "
                "workspace.host; write the workspace URL itself",
            )  # fmt: skip
        elif not _AZURE_HOST.match(text):
            yield _at(
                document, root, where,
                f"targets.{name}.workspace.host: '{text}' is not an Azure Databricks "
                "workspace URL (https://adb-<workspace id>.<n>.azuredatabricks.net)",
            )  # fmt: skip
        elif (other := seen.setdefault(text.rstrip("/"), name)) != name:
            yield _at(
                document, root, where,
                f"targets.{name}.workspace.host: '{text}' is targets.{other}'s workspace too: "
                "each environment has a workspace of its own (Terraform creates one per "
                "environment)",
            )  # fmt: skip


# ------------------------------------------------------------------ lookups


def _lookups(document: LocatedDocument, root: Path) -> Iterator[DeployProblem]:
    """Every ``lookup:`` variable is referenced: ``bundle validate`` resolves each one."""
    bundle = document.data
    texts = [(root / DATABRICKS_YML).read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / BUNDLE_DIR).glob("*.yml"))]
    used = {name for text in texts for name in _VAR.findall(text)}
    lookups: list[tuple[str, KeyPath]] = [
        (name, ("variables", name, "lookup"))
        for name, spec in (bundle.get("variables") or {}).items()
        if isinstance(spec, dict) and "lookup" in spec
    ]
    for target, spec in (bundle.get("targets") or {}).items():
        for name, value in ((spec or {}).get("variables") or {}).items():
            if isinstance(value, dict) and "lookup" in value:
                lookups.append((name, ("targets", target, "variables", name, "lookup")))
    for name, key_path in lookups:
        if name not in used:
            dotted = ".".join(str(k) for k in key_path)
            yield _at(
                document, root, key_path,
                f"{dotted}: nothing uses ${{var.{name}}}, but `bundle validate` resolves every "
                "lookup as the deploying principal: remove it",
            )  # fmt: skip


def deploy_problems(config: LakehouseConfig, root: Path) -> list[DeployProblem]:
    """Every disagreement between the config, the bundle and Terraform under ``root``."""
    root = root.resolve()
    problems = [*_secret_scopes(config, root), *_privileges(root, config), *_file_writers(root)]
    problems += _pii_functions(config, root)
    bundle_file = root / DATABRICKS_YML
    if not bundle_file.is_file():
        return [*problems, DeployProblem(DATABRICKS_YML, 1, 1, "missing")]
    document = load_located(bundle_file)
    problems += [*_targets(document, root), *_hosts(document, root), *_lookups(document, root)]
    return problems
