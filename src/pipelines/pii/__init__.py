"""Personal data: keys from secrets (``keys``), Unity Catalog masks and views (``unity``),
detectors that suggest undeclared PII columns (``detect``).

The masking itself is a transform (``pipelines.transforms.pii``); the declarations are config
(``pipelines.config.pii``).
"""

__all__: list[str] = []
