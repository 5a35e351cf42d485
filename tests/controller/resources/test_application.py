from __future__ import annotations

from typing import Any

import pytest

from controller.errors import InvalidResource
from controller.resources import ApplicationDefinition


def test_singular_application_is_one_stage_with_full_weight() -> None:
    app = ApplicationDefinition.from_dict(
        {"kind": "Application", "name": "claims", "singular": {"model": "claims-model:3"}}
    )
    assert app.is_singular
    assert app.stages[0].variants[0].model == ("claims-model", 3)
    assert app.stages[0].variants[0].weight == 100


def test_pipeline_with_split_and_shadow() -> None:
    app = ApplicationDefinition.from_dict({
        "kind": "Application",
        "name": "claims",
        "metadata": {"owner": "risk"},
        "pipeline": [
            [{"model": "claims-preprocessing:1"}],
            [
                {"model": "claims-model:1", "weight": 80, "deployment-config": "big"},
                {"model": "claims-model:2", "weight": 20},
                {"model": "claims-model:3", "weight": 0},
            ],
        ],
    })
    assert not app.is_singular
    second = app.stages[1].variants
    assert [(v.model[1], v.weight, v.is_shadow) for v in second] == [(1, 80, False), (2, 20, False), (3, 0, True)]
    assert second[0].deployment_configuration == "big"
    assert app.metadata == {"owner": "risk"}


@pytest.mark.parametrize(
    ("spec", "path", "problem"),
    [
        ({"name": "a"}, "singular", "exactly one of"),
        ({"name": "a", "singular": {"model": "m:1"}, "pipeline": [[{"model": "m:1"}]]}, "singular", "exactly one"),
        ({"name": "a", "pipeline": []}, "pipeline", "non-empty list"),
        ({"name": "a", "pipeline": [[]]}, "pipeline[0]", "non-empty list"),
        ({"name": "a", "pipeline": [[{"model": "m:1", "weight": 70}]]}, "pipeline[0]", "sum to 100, got 70"),
        ({"name": "a", "pipeline": [[{"model": "m:1", "weight": 0}]]}, "pipeline[0]", "weight above 0"),
        ({"name": "a", "pipeline": [[{"model": "m:1", "weight": 101}]]}, "pipeline[0][0].weight", "<= 100"),
        ({"name": "a", "pipeline": [[{"model": "m"}]]}, "pipeline[0][0].model", "model-name:version"),
        ({"name": "a", "pipeline": [[{"model": "m:0"}]]}, "pipeline[0][0].model", "version >= 1"),
        ({"name": "a", "pipeline": [[{"model": "m:1", "weight": 50}, {"model": "m:1", "weight": 50}]]},
         "pipeline[0][1].model", "appears twice"),
        ({"name": "a", "singular": {"model": "m:1", "weight": 50}}, "singular.weight", "unknown field"),
        ({"name": "A B", "singular": {"model": "m:1"}}, "name", "not a valid name"),
    ],
)
def test_invalid_application_names_the_field(spec: dict[str, Any], path: str, problem: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        ApplicationDefinition.from_dict({"kind": "Application", **spec})
    assert caught.value.path == path
    assert problem in caught.value.problem
