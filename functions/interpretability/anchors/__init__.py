"""Anchors for tabular models: `explain_anchor`, its `AnchorConfig` and `AnchorExplanation`."""

from functions.interpretability.anchors.config import AnchorConfig
from functions.interpretability.anchors.explanation import AnchorExplanation, explain_anchor
from functions.interpretability.anchors.predicates import Predicate

__all__ = ["AnchorConfig", "AnchorExplanation", "Predicate", "explain_anchor"]
