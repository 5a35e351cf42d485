"""Running one explanation: the contract decides whether the method applies, the stored request
gives the instance, the training CSV the background data, the model's Service the answers.

Transport-free apart from the clients it is given; returns the result as JSON-able data
(the interpretability library's `to_dict()` shapes, plus the fields it explained).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from functions.explainer.errors import Unexplainable, Unsupported
from functions.explainer.model_calls import ModelCaller
from functions.explainer.requests import ANCHOR, OUTLIER, RISE, ExplanationRequest
from functions.explainer.settings import InterpretSettings
from functions.explainer.sources import Catalog, Monitoring
from functions.explainer.training import training_columns
from functions.interpretability import (
    FeatureSpec,
    NotSupported,
    Support,
    explain_anchor,
    explain_outlier,
    features_from_contract,
    saliency_map,
    supports_anchor,
    supports_saliency,
)
from protos import codec
from protos.contract import Contract, Field

Check = Callable[[Contract, str | None], Support]


def supports_outlier(contract: Contract, _output: str | None = None) -> Support:
    """Outlier explanations compare scalar numerical or categorical inputs with training data."""
    try:
        features = features_from_contract(contract)
    except NotSupported as error:
        return Support(False, f"{error}; outlier explanations need scalar numerical or categorical inputs")
    return Support(True, f"{len(features)} tabular input(s) compared with the training data")


SUPPORT: dict[str, Check] = {ANCHOR: supports_anchor, RISE: supports_saliency, OUTLIER: supports_outlier}


def support_table(contract: Contract) -> dict[str, dict[str, Any]]:
    """Each method: whether the contract fits it, and why (not)."""
    return {method: dict(check(contract, None)._asdict()) for method, check in SUPPORT.items()}


class Explainer:
    def __init__(self, catalog: Catalog, monitoring: Monitoring, models: ModelCaller, settings: InterpretSettings,
                 scratch: Path) -> None:
        self.catalog = catalog
        self.monitoring = monitoring
        self.models = models
        self.settings = settings
        self.scratch = scratch

    def run(self, job_id: int, request: ExplanationRequest) -> dict[str, Any]:
        """The explanation's result; raises `Unsupported`, `Unexplainable` or the library's errors."""
        contract = self.catalog.version(request.model_version_id).contract
        verdict = SUPPORT[request.method](contract, request.output_field)
        if not verdict.supported:
            raise Unsupported(verdict.reason)
        doc = self._stored_request(request)
        if request.method == RISE:
            return self._saliency(job_id, request, contract, doc)
        features = features_from_contract(contract)
        instance = instance_of(doc, contract, features)
        training = self._training(request.model_version_id, contract, features)
        if request.method == OUTLIER:
            return explain_outlier(instance, training, features).to_dict()
        output = request.output_field or _first_output(contract, supports_anchor)
        predict = self.models.predict_for(request.model_version_id, contract, f"explanation-{job_id}")
        anchor = explain_anchor(instance, predict, output, training, features, request.config)
        return {**anchor.to_dict(), "outputField": output}

    def _saliency(self, job_id: int, request: ExplanationRequest, contract: Contract,
                  doc: Mapping[str, Any]) -> dict[str, Any]:
        field = contract.inputs[0]
        output = request.output_field or _first_output(contract, supports_saliency)
        predict = self.models.predict_for(request.model_version_id, contract, f"explanation-{job_id}")
        result = saliency_map(image_of(doc, field), predict, field.name, output, None, request.config)
        return {**result.to_dict(), "inputField": field.name, "outputField": output}

    def _stored_request(self, request: ExplanationRequest) -> dict[str, Any]:
        doc = self.monitoring.check(request.explained_request_id)
        owner = doc.get("_hs_model_version_id")
        if owner != request.model_version_id:
            raise Unexplainable(f"stored request {request.explained_request_id} belongs to model version {owner}, "
                                f"not {request.model_version_id}")
        if doc.get("_hs_error"):
            raise Unexplainable(f"stored request {request.explained_request_id} failed ({doc['_hs_error']}); "
                                "there is no prediction to explain")
        return doc

    def _training(self, version_id: int, contract: Contract, features: Sequence[FeatureSpec]) -> dict[str, np.ndarray]:
        return training_columns(self.catalog.training_uri(version_id), contract, features, s3=self.settings.s3,
                                scratch=self.scratch, max_rows=self.settings.max_training_rows)


def instance_of(doc: Mapping[str, Any], contract: Contract, features: Sequence[FeatureSpec]) -> dict[str, Any]:
    """The stored request's value of each feature (a one-row batch is unwrapped)."""
    fields = {f.name: f for f in contract.inputs}
    instance = {}
    for feature in features:
        value = doc.get(feature.name)
        if isinstance(value, list) and _batched(fields[feature.name]):
            if len(value) != 1:
                raise Unexplainable(f"stored request field '{feature.name}' holds {len(value)} rows; "
                                    "an explanation needs a request of exactly one row")
            value = value[0]
        if value is None:
            raise Unexplainable(f"stored request has no value for input '{feature.name}'")
        instance[feature.name] = value
    return instance


def image_of(doc: Mapping[str, Any], field: Field) -> np.ndarray:
    """The stored request's image, as the contract's dtype (a one-image batch is unwrapped)."""
    value = doc.get(field.name)
    if value is None:
        raise Unexplainable(f"stored request has no value for input '{field.name}'")
    image = codec.cast_array(value, field.dtype or 0, field.name)
    if _batched(field):
        if image.shape[:1] != (1,):
            raise Unexplainable(f"stored request field '{field.name}' holds {image.shape[0]} images; "
                                "a saliency map needs a request of exactly one")
        image = image[0]
    return image


def _batched(field: Field) -> bool:
    return bool(field.shape and field.shape[0] == -1)


def _first_output(contract: Contract, check: Check) -> str:
    return next(f.name for f in contract.outputs if check(contract, f.name).supported)
