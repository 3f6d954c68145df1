"""Config model and loader: ``load_config(Path("src/conf"))`` is the entry point."""

from pipelines.config.loader import LakehouseConfig, format_problems, load_config
from pipelines.config.model import (
    SCHEMAS,
    AccessConfig,
    Column,
    FileSource,
    GoldModel,
    ProjectConfig,
    QualityRule,
    SourceConfig,
)

__all__ = [
    "SCHEMAS",
    "AccessConfig",
    "Column",
    "FileSource",
    "GoldModel",
    "LakehouseConfig",
    "ProjectConfig",
    "QualityRule",
    "SourceConfig",
    "format_problems",
    "load_config",
]
