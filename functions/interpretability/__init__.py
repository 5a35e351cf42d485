"""Interpretability algorithms for Hydro's explanation and projection functions (transport-free).

A model is reached through a batched callable `predict({input: array}) -> {output: array}`;
training data arrives as columns `{field: array}`. Methods:

- `explain_anchor`: Anchors (Ribeiro et al. 2018) for tabular models; `supports_anchor`.
- `saliency_map`: RISE saliency (Petsiuk et al. 2018) for image models; `supports_saliency`.
- `explain_outlier`: the fields of a request ranked by distance from training.
- `fit_projection`: a UMAP map to 2-D with quality figures, reusable for production rows.

Errors derive from `InterpretabilityError` and carry a `Status`.
"""

from functions.interpretability.anchors import AnchorConfig, AnchorExplanation, Predicate, explain_anchor
from functions.interpretability.errors import (
    InterpretabilityError,
    InvalidArgument,
    ModelCallError,
    NotSupported,
    Status,
)
from functions.interpretability.features import FeatureSpec, Kind, features_from_contract
from functions.interpretability.outlier import FieldDeviation, OutlierExplanation, explain_outlier
from functions.interpretability.projection import (
    ProjectionConfig,
    ProjectionPoint,
    ProjectionQuality,
    Projector,
    fit_projection,
    projection_points,
)
from functions.interpretability.reference import TrainingReference
from functions.interpretability.saliency import SaliencyConfig, SaliencyResult, saliency_map
from functions.interpretability.support import Support, supports_anchor, supports_saliency

__all__ = [
    "AnchorConfig",
    "AnchorExplanation",
    "FeatureSpec",
    "FieldDeviation",
    "InterpretabilityError",
    "InvalidArgument",
    "Kind",
    "ModelCallError",
    "NotSupported",
    "OutlierExplanation",
    "Predicate",
    "ProjectionConfig",
    "ProjectionPoint",
    "ProjectionQuality",
    "Projector",
    "SaliencyConfig",
    "SaliencyResult",
    "Status",
    "Support",
    "TrainingReference",
    "explain_anchor",
    "explain_outlier",
    "features_from_contract",
    "fit_projection",
    "projection_points",
    "saliency_map",
    "supports_anchor",
    "supports_saliency",
]
