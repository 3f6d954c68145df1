"""One module per layer: each turns config into the dataset specs of its layer."""

from pipelines.layers.bronze import bronze_specs
from pipelines.layers.entity import entity_specs
from pipelines.layers.gold import gold_spec
from pipelines.layers.silver import silver_specs

__all__ = ["bronze_specs", "entity_specs", "gold_spec", "silver_specs"]
