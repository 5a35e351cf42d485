"""Image saliency (RISE): `saliency_map`, its `SaliencyConfig` and `SaliencyResult`."""

from functions.interpretability.saliency.rise import SaliencyConfig, SaliencyResult, saliency_map

__all__ = ["SaliencyConfig", "SaliencyResult", "saliency_map"]
