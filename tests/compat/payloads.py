"""JSON documents shaped as Hydro's manager API returns them (docs/api-hydrosphere.md, section 4)."""

from __future__ import annotations

from typing import Any


def model_version_json(status: str = "Released", mv_id: int = 1) -> dict[str, Any]:
    """A model version as Hydro's `/api/v2/model/version` endpoints return it."""
    return {
        "id": mv_id,
        "model": {"id": 7, "name": "demo"},
        "modelVersion": 3,
        "modelSignature": {
            "signatureName": "predict",
            "inputs": [{"name": "x", "dtype": "DT_DOUBLE", "shape": {"dims": []}, "profile": "NUMERICAL"}],
            "outputs": [{"name": "y", "dtype": "DT_INT64", "shape": {"dims": [-1]}, "profile": "NONE"}],
        },
        "runtime": {"name": "hydrosphere/serving-runtime-python-3.7", "tag": "3.0.3"},
        "image": {"name": "demo", "tag": "3"},
        "status": status,
        "metadata": {"author": "tests"},
        "monitoringConfiguration": {"batchSize": 100},
        "created": "2021-06-01T10:00:00Z",
        "finished": "2021-06-01T10:01:00Z",
        "applications": ["demo-app"],
        "isExternal": False,
    }


def application_json() -> dict[str, Any]:
    """An application as Hydro's `/api/v2/application` endpoints return it."""
    signature = model_version_json()["modelSignature"]
    variant = {"modelVersionId": 1, "weight": 100, "deploymentConfigurationName": None, "servableName": "demo-3-x"}
    return {
        "id": 5,
        "name": "demo-app",
        "status": "Ready",
        "message": None,
        "metadata": {},
        "signature": signature,
        "kafkaStreaming": [],
        "executionGraph": {"stages": [{"signature": signature, "modelVariants": [variant]}]},
    }
