"""Question banks and screening flows: YAML in, validated immutable models out."""

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.content.flows import Flow
from screenbot.content.models import Bank, Question

__all__ = ["Bank", "Catalog", "Flow", "Question", "load_catalog"]
