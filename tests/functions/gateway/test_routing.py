"""The routing table as the planner produces it, parsed into frozen values."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from functions.gateway.errors import RoutingError
from functions.gateway.routing import RoutingTable, Stage
from tests.functions.gateway import tables


@pytest.fixture(scope="module")
def planned() -> dict[str, Any]:
    return tables.planned_routing()


def test_parses_the_planners_table(planned: dict[str, Any]) -> None:
    table = RoutingTable.from_dict(planned)
    app = table.applications["iris"]
    assert [s.route for s in app.stages] == ["app-iris-s0", "app-iris-s1"]
    assert app.stages[1].grpc_target == "app-iris-s1.hydro.svc.cluster.local:80"
    assert [v.label for v in app.stages[1].variants] == ["iris-classifier:1"]
    assert [(s.label, s.weight, s.model_version_id) for s in app.stages[1].shadows] == [("iris-classifier:2", 0, 202)]
    assert [f.name for f in app.contract.outputs] == ["y", "proba"]
    assert table.servables["iris-scaler-1"].grpc_target == "mv-iris-scaler-1.hydro.svc.cluster.local:80"
    assert table.namespace == "hydro"


def test_answered_by_matches_the_runtimes_identity(planned: dict[str, Any]) -> None:
    stage = RoutingTable.from_dict(planned).applications["iris"].stages[1]
    two = Stage(1, "r", "h:80", (*stage.variants, *stage.shadows))
    assert two.answered_by("iris-classifier", 2) is stage.shadows[0]
    assert two.answered_by("iris-classifier", 3) is None
    assert two.answered_by(None, None) is None
    assert stage.answered_by(None, None) is stage.variants[0]


@pytest.mark.parametrize(("path", "edit"), [
    ("applications.iris.stages", lambda t: t["applications"]["iris"].update(stages=[])),
    ("applications.iris.stages[1].variants[0].grpcTarget",
     lambda t: t["applications"]["iris"]["stages"][1]["variants"][0].update(grpcTarget="no-port")),
    ("applications.iris.stages[0].variants", lambda t: t["applications"]["iris"]["stages"][0].update(variants=[])),
    ("servables.iris-scaler-1.version", lambda t: t["servables"]["iris-scaler-1"].update(version="1")),
    ("applications.iris.contract.inputs.features.type",
     lambda t: t["applications"]["iris"]["contract"]["inputs"]["features"].update(type="int65")),
    ("servables", lambda t: t.update(servables=[])),
])
def test_errors_name_the_path(planned: dict[str, Any], path: str, edit: Any) -> None:
    broken = copy.deepcopy(planned)
    edit(broken)
    with pytest.raises(RoutingError) as caught:
        RoutingTable.from_dict(broken)
    assert caught.value.path == path
