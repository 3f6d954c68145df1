"""Scaffold a source config from a draft and a sample of the system it names (a table, a
collection, an API): ``lakehouse new-source NAME --from DRAFT.yml``.

The draft's text is kept as written (its comments too); what the sample shows is added: the
header keys the draft leaves out, the columns with their types, nullability and formats
(``pipelines.sources.sample``), PII proposed with a mask where the values or the names say
so, the fields read under another name (``fields``, for documents and JSON), and the primary
key as silver's dedupe key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date

import yaml

from pipelines.config.draft import SourceDraft
from pipelines.errors import LakehouseError
from pipelines.pii.detect import class_by_name, proposed_pii, suggest
from pipelines.sources.sample import Sample, SampledColumn, sampled_columns
from pipelines.sources.scaffold import column_line, looks_personal, yaml_comment, yaml_flow

__all__ = ["scaffold_from_sample"]


def scaffold_from_sample(
    name: str,
    draft_text: str,
    draft: SourceDraft,
    sample: Sample,
    owner: str,
    *,
    origin: str,
    today: date,
    notes: list[str] | None = None,
) -> str:
    """The YAML text of ``name``'s config: the draft (``draft_text``, parsed as ``draft``)
    and the columns ``sample`` suggests; ``notes`` gets one line per thing inferred and why.

    Raises:
        LakehouseError: The draft names another source, or the sample holds no record.
    """
    said = notes if notes is not None else []
    if draft.name is not None and draft.name != name:
        raise LakehouseError(f"{origin} is the draft of '{draft.name}', not '{name}'")
    if not sample.records:
        raise LakehouseError(f"{sample.where}: no record to infer columns from")
    fields = dict(sample.fields)
    columns = sampled_columns(sample, fields)
    declarable, mapped = _declarable(columns, fields, sample, said)
    read = "all" if sample.complete else "the first"
    said.append(f"read {read} {len(sample.records):,} records of {sample.where}")
    # A person's name is text: a numeric `customer` column is a key, whatever its name says.
    named = [c.name for c in declarable if c.inferred.type == "string" or class_by_name(c.name) != "name"]  # fmt: skip # noqa: E501
    # Typed values are judged by their names alone: a date has the shape of a phone number.
    texts = {c.name: c.texts for c in declarable if c.inferred.type == "string"}
    flagged = proposed_pii(named, suggest(texts, today=today, min_share=0.3))
    lines = [
        f"# Scaffolded by `lakehouse new-source` from {yaml_comment(origin)}: {len(sample.records):,} records",  # noqa: E501
        f"# sampled from {yaml_comment(sample.where)}.",
        "# Types, nullability and PII are inferred from the sample: review them, and describe",
        "# each column. Check the result with `lakehouse validate`.",
    ]
    if draft.name is None:
        lines.append(f"name: {name}")
    if draft.description is None:
        lines.append(f"description: {json.dumps(f'TODO: what {name} holds.')}")
    if draft.owner is None:
        lines.append(f"owner: {owner}")
    lines += [_with_fields(draft_text, mapped).rstrip(), "", "columns:"]
    for column in declarable:
        said.append(f"{column.name}: {column.why}")
        checked = [t for t in column.texts if t is not None] if column.inferred.type == "string" else []  # fmt: skip # noqa: E501
        personal = looks_personal(column.name, checked)
        lines.append(column_line(column.name, column.inferred, personal, flagged.get(column.name)))
    for flagged_name, (kind, why) in flagged.items():
        said.append(f"{flagged_name}: PII ({kind}): {why}")
    lines += _dedupe(declarable, sample, said)
    said.extend(sample.notes)
    return "\n".join(lines) + "\n"


def _declarable(
    columns: list[SampledColumn], fields: Mapping[str, str], sample: Sample, said: list[str]
) -> tuple[list[SampledColumn], dict[str, str]]:
    """The columns that can be declared, and the ``fields`` to add for those read under
    another name (documents, JSON); a field whose name as a column is taken is left to the
    record (``_record``), saying so."""
    kept: list[SampledColumn] = []
    mapped: dict[str, str] = {}
    names = {c.name for c in columns if c.path is None}
    for column in columns:
        if column.path is None or column.name in fields:
            kept.append(column)
        elif column.name in names or column.name in mapped:
            said.append(f"{column.path}: left in the record (its name as a column, {column.name}, is taken)")  # fmt: skip # noqa: E501
        else:
            mapped[column.name] = column.path
            kept.append(column)
    return kept, mapped


_FIELDS_COMMENT = "  # columns named apart from the record's keys"
_FLOW = re.compile(r"^(?P<key>\s+fields:[ \t]*)(?P<flow>\{[^#]*\})(?P<rest>[ \t]*(#.*)?)$")
_BLOCK = re.compile(r"^(?P<indent>\s+)fields:[ \t]*(#.*)?$")


def _with_fields(text: str, mapped: Mapping[str, str]) -> str:
    """The draft's text with the new ``mapped`` fields in its ``source:`` block: added to the
    draft's own ``fields`` (a one-line flow mapping or a block; its comments kept), or as a
    ``fields: {...}`` line at the block's end."""
    if not mapped:
        return text
    lines = text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"source:\s*(#.*)?$", line)]
    if not starts:
        raise LakehouseError("the draft's source: block must be written in block style")
    (start,) = starts
    end, indent = start + 1, None
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line.lstrip().startswith("#"):
            if not line[:1].isspace():
                break
            indent = indent or line[: len(line) - len(line.lstrip())]
            end = index + 1
    own = f"{indent or ''}fields:"  # the block's own key, not one nested deeper
    for index in range(start + 1, end):
        if not lines[index].startswith(own):
            continue
        if (flow := _FLOW.match(lines[index])) is not None:
            merged = {**yaml.safe_load(flow["flow"]), **mapped}
            lines[index] = f"{flow['key']}{yaml_flow(merged)}{flow['rest']}"
            return "\n".join(lines)
        if (block := _BLOCK.match(lines[index])) is not None:
            return "\n".join(_into_block(lines, index, len(block["indent"]), mapped))
        raise LakehouseError(
            "the draft's source.fields must be a one-line {column: path} or a block of "
            f"column: path lines, to add {yaml_flow(dict(mapped))} to it"
        )
    entry = f"{indent or '  '}fields: {yaml_flow(dict(mapped))}{_FIELDS_COMMENT}"
    return "\n".join([*lines[:end], entry, *lines[end:]])


def _into_block(lines: list[str], at: int, depth: int, mapped: Mapping[str, str]) -> list[str]:
    """``lines`` with ``mapped`` as ``column: path`` lines after the last entry of the block
    ``fields:`` that starts at line ``at`` (entries indented deeper than ``depth``)."""
    last, child = at, " " * (depth + 2)
    for index in range(at + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= depth:
            break
        last, child = index, line[: len(line) - len(line.lstrip())]
    added = [f"{child}{column}: {json.dumps(path)}" for column, path in mapped.items()]
    return [*lines[: last + 1], *added, *lines[last + 1 :]]


def _dedupe(columns: list[SampledColumn], sample: Sample, said: list[str]) -> list[str]:
    by_source = {c.path or c.name: c.name for c in columns}
    keys = [by_source[k] for k in sample.keys if k in by_source]
    if not keys or len(keys) != len(sample.keys):
        return []
    said.append(f"silver.dedupe.key: {', '.join(keys)} (the key {sample.where} declares)")
    return [
        "",
        "silver:",
        f"  dedupe: {{key: [{', '.join(keys)}], keep: latest}}  # the source's own key",
    ]
