"""A config tree holding only the file-format test sources (a copy of project and access)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import CONF

SOURCES = {
    "orders": """
name: orders
description: Orders as daily CSV extracts (semicolons, latin-1, CRLF).
owner: data_engineers
source:
  type: files
  path: orders/*.csv
  csv: {delimiter: ';', encoding: latin-1}
  file_date: {regex: '_(\\d{8})', format: yyyyMMdd}
columns:
  - {name: id, type: int, nullable: false}
  - {name: customer, type: string}
  - {name: day, type: date, format: dd/MM/yyyy}
silver:
  replace_by_file_date: true
  dedupe: {key: [id]}
""",
    "events": """
name: events
description: Events as gzipped JSON lines.
owner: data_engineers
source: {type: files, path: events, format: json}
columns:
  - {name: id, type: int, nullable: false}
  - {name: kind, type: string}
""",
    "budgets": """
name: budgets
description: Budgets from a workbook.
owner: data_engineers
source:
  type: files
  path: budgets/*.xlsx
  format: xlsx
  xlsx: {sheet: Data, header_row: 1}
columns:
  - {name: team, type: string, nullable: false}
  - {name: amount, type: double}
""",
    "people": """
name: people
description: People, whose new columns are carried into silver.
owner: data_engineers
source: {type: files, path: people, schema_drift: evolve}
columns:
  - {name: id, type: int, nullable: false}
  - {name: name, type: string}
""",
}


def file_conf(root: Path, *names: str) -> Path:
    """``root/conf`` with project.yml, access.yml and the named sources (default: all)."""
    conf = root / "conf"
    (conf / "sources").mkdir(parents=True)
    for name in ("project.yml", "access.yml"):
        shutil.copy(CONF / name, conf / name)
    for name in names or tuple(SOURCES):
        (conf / "sources" / f"{name}.yml").write_text(SOURCES[name].lstrip())
    return conf
