"""2-D projections of training and production data (UMAP) with quality figures."""

from functions.interpretability.projection.points import ProjectionPoint, projection_points
from functions.interpretability.projection.projector import ProjectionConfig, Projector, fit_projection
from functions.interpretability.projection.quality import ProjectionQuality

__all__ = [
    "ProjectionConfig",
    "ProjectionPoint",
    "ProjectionQuality",
    "Projector",
    "fit_projection",
    "projection_points",
]
