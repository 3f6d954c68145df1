"""One object per source type, registered by its config's ``type`` (see ``base``).

Importing this package imports every module of its folder, so each type registers itself:
adding a module here is all it takes to register one.
"""

from __future__ import annotations

import importlib
import pkgutil

from pipelines.sources.types.base import (
    ExtraColumn,
    JobTask,
    SourceType,
    UnknownSourceType,
    registered_types,
    source_type,
    typed_block,
    typed_source,
)

__all__ = [
    "ExtraColumn",
    "JobTask",
    "SourceType",
    "UnknownSourceType",
    "registered_types",
    "source_type",
    "typed_block",
    "typed_source",
]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
