"""Load and validate the whole ``src/conf`` tree, without Spark.

Every file is parsed and validated; all problems of all files are reported together, each with
file, line, column, dotted key path and a "did you mean" where a close name exists.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pipelines.config.convention import ConventionSource, Survey
from pipelines.config.entity import EntityConfig
from pipelines.config.entity_check import check_entities
from pipelines.config.gold import resolve_gold
from pipelines.config.landing import check_landing
from pipelines.config.model import (
    TABLE_REF,
    AccessConfig,
    GoldModel,
    ProjectConfig,
    SourceConfig,
)
from pipelines.config.pii import required_keys
from pipelines.config.rule_check import check_rules
from pipelines.config.sqlast import check_query, forbidden_read
from pipelines.config.suggest import did_you_mean, humanize, yaml_key_path
from pipelines.config.yamlpos import (
    KeyPath,
    LocatedDocument,
    format_key_path,
    load_located,
    parse_key_path,
)
from pipelines.errors import ConfigError, ConfigErrors, ConfigProblem, LakehouseError

__all__ = ["TABLE_REF", "LakehouseConfig", "format_problems", "load_config", "load_document"]

M = TypeVar("M", bound=BaseModel)

_KEYED_MESSAGE = re.compile(r"^([a-z_][a-z0-9_.\[\]]*): (.*)$", re.S)


@dataclass(frozen=True)
class LakehouseConfig:
    """The validated config tree: parsed once, immutable after.

    ``arrivals`` and ``survey`` are not files of the tree: a run adds what the landing-zone
    convention found (``pipelines.convention.with_arrivals``), undeclared files loaded as
    bronze tables held back for their team (``pipelines.config.convention``).
    """

    root: Path
    project: ProjectConfig
    access: AccessConfig
    sources: tuple[SourceConfig, ...]
    gold: tuple[GoldModel, ...]
    entities: tuple[EntityConfig, ...] = ()
    arrivals: tuple[ConventionSource, ...] = ()
    survey: Survey | None = None

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def select(self, sources: Iterable[str]) -> LakehouseConfig:
        """The config restricted to ``sources``, the entities that read only them and the
        gold models that read only those; no undeclared arrival (whether a file is declared
        is judged against every source, so a selection cannot tell).

        Raises:
            LakehouseError: A name is not a source of the config.
        """
        wanted = set(sources)
        unknown = sorted(wanted - {s.name for s in self.sources})
        if unknown:
            names = [s.name for s in self.sources]
            named = ", ".join(f"{name}{did_you_mean(name, names)}" for name in unknown)
            raise LakehouseError(f"unknown source(s) {named}; known: {', '.join(names)}")
        kept = tuple(s for s in self.sources if s.name in wanted)
        entities = tuple(e for e in self.entities if set(e.sources) <= wanted)
        gold = tuple(g for g in self.gold if _gold_sources(g, self.gold, self.entities) <= wanted)
        return replace(self, sources=kept, gold=gold, entities=entities, arrivals=(), survey=None)

    @property
    def datasets(self) -> tuple[str, ...]:
        """Every logical table name the config defines."""
        names = []
        for s in self.sources:
            layers = ("bronze", "bronze_pii", "silver", "quarantine")  # raw PII: bronze_pii
            names += [f"{x}.{s.name}" for x in layers if x in _SOURCE_LAYERS or s.has_pii]
        names += [f"silver.{n}" for e in self.entities for n in (e.name, e.xref)]
        return (*names, *(f"gold.{g.name}" for g in self.gold))


def _gold_sources(
    model: GoldModel, models: tuple[GoldModel, ...], entities: tuple[EntityConfig, ...] = ()
) -> set[str]:
    """The sources a gold model reads, through other gold models and entities too."""
    by_name = {m.name: m for m in models}
    entity_inputs = {n: set(e.sources) for e in entities for n in (e.name, e.xref)}
    found: set[str] = set()
    pending, seen = [model], {model.name}
    while pending:
        for ref in pending.pop().references:
            layer, name = ref.split(".")
            if layer == "silver" and name in entity_inputs:
                found |= entity_inputs[name]
            elif layer != "gold":
                found.add(name)
            elif name in by_name and name not in seen:
                seen.add(name)
                pending.append(by_name[name])
    return found


_SOURCE_LAYERS = ("bronze", "silver", "quarantine")
_LAYERS = (*_SOURCE_LAYERS, "gold")


class _Collector:
    """Parses files one by one, keeping every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []
        self.documents: dict[int, LocatedDocument] = {}
        self.failed_names: set[str] = set()  # stems of files that did not parse
        self.failed: list[LocatedDocument] = []  # mappings that did not validate

    def parse(self, path: Path, model: type[M]) -> M | None:
        try:
            document = load_located(path)
        except ConfigError as exc:
            self.problems.append(exc.problem)
            return None
        if not isinstance(document.data, dict):
            self.problems.append(ConfigProblem(path, 1, 1, "", "expected a mapping of keys"))
            return None
        try:
            parsed = model.model_validate(document.data)
        except ValidationError as exc:
            self.problems.extend(_problems(exc, model, document))
            self.problems.extend(_behind_unknown_keys(exc, model, document))
            self.failed.append(document)
            return None
        self.documents[id(parsed)] = document
        return parsed

    def problem(
        self, item: BaseModel, key_path: KeyPath, message: str, line_offset: int = 0
    ) -> None:
        document = self.documents[id(item)]
        line, col = document.locate(key_path)
        line += line_offset
        self.problems.append(
            ConfigProblem(document.path, line, col, format_key_path(key_path), message)
        )


def _problems(
    exc: ValidationError, model: type[BaseModel], document: LocatedDocument
) -> list[ConfigProblem]:
    problems = []
    errors = exc.errors()
    for error in errors:
        if error["type"] == "too_short" and _has_item_errors(error["loc"], errors):
            continue  # its items failed, so none counted: they say what is wrong
        key_path = yaml_key_path(model, error["loc"])
        message = humanize(error, model, key_path, document.data)
        if error["type"] == "union_tag_invalid":
            key_path = (*key_path, "type")  # point at the tag itself
        if (prefixed := _KEYED_MESSAGE.match(message)) and (
            not key_path or (*key_path, *parse_key_path(prefixed.group(1))) in document.positions
        ):
            # a cross-field check names its key path itself ("silver.dedupe.key: ..."), from
            # the file's root or, nested, from its own model ("pagination.next_link_path: ..."
            # of source: taken when the file holds that key)
            key_path = (*key_path, *parse_key_path(prefixed.group(1)))
            message = prefixed.group(2)
        # a missing key is reported where its parent mapping starts
        locate_at = key_path[:-1] if error["type"] == "missing" else key_path
        line, col = document.locate(locate_at)
        problems.append(ConfigProblem(document.path, line, col, format_key_path(key_path), message))
    return problems


def _has_item_errors(loc: tuple[int | str, ...], errors: Sequence[Any]) -> bool:
    """Whether ``errors`` hold one inside the list or tuple at ``loc``."""
    return any(len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == loc for e in errors)


def _behind_unknown_keys(
    exc: ValidationError, model: type[BaseModel], document: LocatedDocument
) -> list[ConfigProblem]:
    """The problems an unknown key hides: pydantic checks a file as a whole (cross-field
    rules, e.g. a dedupe key that names no column) only once every key is known, so a typo'd
    key used to hide them until the next round. Unknown keys are never read: the file
    without them is checked again, and its problems are reported now, in the same round."""
    errors = exc.errors()
    if not errors or any(e["type"] != "extra_forbidden" for e in errors):
        return []
    data = copy.deepcopy(document.data)
    for error in errors:
        *parents, key = yaml_key_path(model, error["loc"])
        node = data
        for part in parents:
            node = node[part]
        node.pop(key, None)
    try:
        model.model_validate(data)
    except ValidationError as hidden:
        return _problems(hidden, model, document)
    return []


def load_config(root: Path, *, import_python: bool = True) -> LakehouseConfig:
    """Parse and validate ``root`` (normally ``src/conf``).

    ``import_python=False`` leaves Python gold models' functions unchecked (``contract diff``
    reads an old config without the code beside it; their contract is their columns).

    Raises:
        ConfigErrors: With every problem found, each located by file, line and key path.
    """
    if not root.is_dir():
        raise ConfigErrors([ConfigProblem(root, 0, 0, "", "config folder not found")])
    collector = _Collector()
    project = _required(collector, root / "project.yml", ProjectConfig)
    access = _required(collector, root / "access.yml", AccessConfig)
    sources = _parse_folder(collector, root / "sources", SourceConfig)
    gold = resolve_gold(
        collector, _parse_folder(collector, root / "gold", GoldModel), import_python
    )
    entities = _parse_folder(collector, root / "entities", EntityConfig)
    _check_stray_files(collector, root)
    if project is None or access is None:
        raise ConfigErrors(collector.problems)
    _check_references(collector, access, sources, gold, entities)
    _check_pii_keys(collector, project, sources, entities)
    if collector.problems:
        raise ConfigErrors(collector.problems)
    config = LakehouseConfig(root, project, access, tuple(sources), tuple(gold), tuple(entities))
    _check_gold_columns(collector, config)
    if collector.problems:
        raise ConfigErrors(collector.problems)
    return config


def _check_gold_columns(collector: _Collector, config: LakehouseConfig) -> None:
    """Gold SQL naming a column its tables do not have, against the published contracts
    (which are built from a valid config: so after every other check)."""
    from pipelines.contracts import unknown_gold_columns  # it reads LakehouseConfig from here

    for model, message in unknown_gold_columns(config):
        collector.problem(model, ("sql",), message)


def load_document(path: Path, model: type[M]) -> M:
    """One YAML file as ``model`` (a source draft), checked as the config's files are.

    Raises:
        ConfigErrors: Every problem of the file, located by line and key path.
    """
    collector = _Collector()
    parsed = _required(collector, path, model)
    if parsed is None:
        raise ConfigErrors(collector.problems)
    return parsed


def _required(collector: _Collector, path: Path, model: type[M]) -> M | None:
    if not path.is_file():
        collector.problems.append(ConfigProblem(path, 0, 0, "", "required file is missing"))
        return None
    return collector.parse(path, model)


def _parse_folder(collector: _Collector, folder: Path, model: type[M]) -> list[M]:
    parsed = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        item = collector.parse(path, model)
        stem = path.name.rsplit(".", 1)[0]
        if item is None:
            collector.failed_names.add(stem)  # don't cascade into "unknown table" errors
            continue
        if getattr(item, "name", stem) != stem:
            collector.problem(
                item, ("name",), f"must match the file name '{stem}' (rename one of them)"
            )
            collector.failed_names.add(stem)
        parsed.append(item)
    return parsed


def _check_stray_files(collector: _Collector, root: Path) -> None:
    known = {"project.yml", "access.yml", "sources", "gold", "entities", "README.md"}
    for path in sorted(root.iterdir()):
        if path.name not in known and not path.name.startswith("."):
            hint = did_you_mean(path.name, known)
            collector.problems.append(
                ConfigProblem(path, 0, 0, "", f"unexpected file or folder in the config{hint}")
            )


def _check_references(
    collector: _Collector,
    access: AccessConfig,
    sources: list[SourceConfig],
    gold: list[GoldModel],
    entities: list[EntityConfig],
) -> None:
    groups = [g.name for g in access.groups]
    for key_path, message in access.privilege_problems():
        collector.problem(access, key_path, message)
    _check_unique(collector, [*sources, *gold, *entities])
    owned: list[SourceConfig | EntityConfig] = [*sources, *entities]
    for item in owned:
        _check_group(collector, item, ("owner",), item.owner, groups)
    _check_failed_owners(collector, groups)
    check_rules(collector.problem, sources, collector.failed_names)
    check_entities(collector.problem, entities, sources, collector.failed_names)
    check_landing(collector.problem, sources)
    tables = {f"{layer}.{s.name}" for s in sources for layer in _SOURCE_LAYERS}
    tables |= {f"silver.{n}" for e in entities for n in (e.name, e.xref)}
    tables |= {f"gold.{g.name}" for g in gold}
    known = tables | {f"{layer}.{n}" for n in collector.failed_names for layer in _LAYERS}
    known |= {f"silver.{n}_xref" for n in collector.failed_names}  # a failed entity's xref
    for model in gold:
        _check_group(collector, model, ("owner",), model.owner, groups)
        for index, consumer in enumerate(model.consumers):
            _check_group(collector, model, ("consumers", index), consumer, groups)
        for index, ref in enumerate(model.inputs):
            if ref.lower() not in known:
                hint = did_you_mean(ref.lower(), known)
                message = f"references unknown table '{ref}'{hint}"
                collector.problem(model, ("inputs", index), message)
        if model.sql is not None:
            _check_gold_sql(collector, model, model.sql, known)


def _check_gold_sql(collector: _Collector, model: GoldModel, sql: str, known: set[str]) -> None:
    parsed = check_query(sql)
    for message in parsed.problems:
        _sql_problem(collector, model, message, _line_in(sql, message))
    for ref in parsed.tables:
        if ref not in known and forbidden_read(ref) is None:  # said already
            at = _find_table(sql, ref)
            message = f"references unknown table '{ref}'{did_you_mean(ref, known)}"
            _sql_problem(collector, model, message, sql.count("\n", 0, at))


def _line_in(sql: str, message: str) -> int:
    """The 0-based line of ``sql`` a parse error names ("... at line 3, column 5")."""
    found = re.search(r" at line (\d+), column \d+", message)
    return int(found.group(1)) - 1 if found else 0


def _find_table(sql: str, ref: str) -> int:
    """Where ``layer.name`` first appears in ``sql``, whatever its quoting (0 if not found)."""
    layer, name = ref.split(".", 1)
    pattern = rf"`?{re.escape(layer)}`?\s*\.\s*`?{re.escape(name)}\b"
    found = re.search(pattern, sql, re.I)
    return found.start() if found else 0


def _sql_problem(collector: _Collector, model: GoldModel, message: str, line: int) -> None:
    sql = model.sql or ""
    if model.sql_file is not None:  # the line is the SQL file's own
        hint = ""
        if (found := re.match(r"(.*?)((?: \(did you mean .*\))?)$", message, re.S)) is not None:
            message, hint = found.group(1), found.group(2)
        collector.problem(
            model, ("sql_file",), f"{message} ({model.sql_file} line {line + 1}){hint}"
        )
        return
    # a block scalar (sql: |) starts on the line after its key
    offset = line + ("\n" in sql)
    collector.problem(model, ("sql",), message, line_offset=offset)


def _check_pii_keys(
    collector: _Collector,
    project: ProjectConfig,
    sources: list[SourceConfig],
    entities: list[EntityConfig],
) -> None:
    for entity in entities:
        masks = {a.pii.mask for a in entity.attributes.values() if a.pii}
        for key in required_keys(masks):
            if getattr(project.pii, key) is None:
                name = next(n for n, a in entity.attributes.items() if a.pii)
                message = f"needs project.yml pii.{key} (e.g. {{secret: pii/{key}}})"
                collector.problem(entity, ("attributes", name, "pii"), message)
    for source in sources:
        masks = {c.pii.mask for c in source.columns if c.pii}
        for key in required_keys(masks):
            if getattr(project.pii, key) is None:
                index = next(
                    i for i, c in enumerate(source.columns)
                    if c.pii and (key == "token_key" or c.pii.mask == "encrypt")
                )  # fmt: skip
                collector.problem(
                    source,
                    ("columns", index, "pii"),
                    f"needs project.yml pii.{key} (where the key comes from, e.g. "
                    f"{{secret: pii/{key}}})",
                )


def _check_failed_owners(collector: _Collector, groups: list[str]) -> None:
    """The owner of a file that did not validate is checked too: its other problems do not
    hide that one (every problem at once), unless the owner's own value was the problem."""
    for document in collector.failed:
        owner = document.data.get("owner")
        said = {(p.file, p.key_path) for p in collector.problems}
        if isinstance(owner, str) and owner not in groups and (document.path, "owner") not in said:
            line, col = document.locate(("owner",))
            hint = did_you_mean(owner, groups)
            message = f"unknown group '{owner}' (see access.yml){hint}"
            collector.problems.append(ConfigProblem(document.path, line, col, "owner", message))


def _check_group(
    collector: _Collector, item: BaseModel, key_path: KeyPath, name: str, groups: list[str]
) -> None:
    if name not in groups:
        hint = did_you_mean(name, groups)
        collector.problem(item, key_path, f"unknown group '{name}' (see access.yml){hint}")


def _check_unique(
    collector: _Collector, items: Iterable[SourceConfig | GoldModel | EntityConfig]
) -> None:
    seen: dict[str, str] = {}
    for item in items:
        kind = {GoldModel: "gold model", EntityConfig: "entity"}.get(type(item), "source")
        names = (item.name, item.xref) if isinstance(item, EntityConfig) else (item.name,)
        for name in names:
            if name in seen:
                collector.problem(item, ("name",), f"name '{name}' is already a {seen[name]}")
            seen[name] = kind


def format_problems(problems: Iterable[ConfigProblem], relative_to: Path | None = None) -> str:
    """Render problems one per line, paths relative to ``relative_to`` when possible."""
    lines = []
    for problem in problems:
        path = problem.file
        if relative_to is not None and path.is_relative_to(relative_to):
            path = path.relative_to(relative_to)
        lines.append(str(ConfigProblem(path, *_rest(problem))))
    return "\n".join(lines)


def _rest(problem: ConfigProblem) -> tuple[int, int, str, str]:
    return problem.line, problem.column, problem.key_path, problem.message
