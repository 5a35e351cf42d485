"""Routing tables for the tests, produced by the real planner and pointed at test processes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from controller.desired_state import ApplicationSpec, DesiredState, ServableSpec, StageSpec, VariantSpec
from controller.planner import plan
from protos.contract import Contract

FEATURES = {"features": {"shape": [-1, 4], "type": "double", "profile": "numerical"}}
SCALER_CONTRACT: dict[str, Any] = {"name": "predict", "inputs": FEATURES, "outputs": FEATURES}
CLASSIFIER_CONTRACT: dict[str, Any] = {
    "name": "predict",
    "inputs": FEATURES,
    "outputs": {
        "y": {"shape": [-1], "type": "int64", "profile": "categorical"},
        "proba": {"shape": [-1, 3], "type": "double", "profile": "numerical"},
    },
}
APP = "iris"
SCALER = ("iris-scaler", 1, 101)
CLASSIFIER_V1 = ("iris-classifier", 1, 201)
CLASSIFIER_V2 = ("iris-classifier", 2, 202)


def servable(model: tuple[str, int, int], contract: dict[str, Any]) -> ServableSpec:
    name, version, version_id = model
    return ServableSpec(name, version, version_id, "hydro/runtime-sklearn", "img", f"/models/{name}/{version}",
                        Contract.from_dict(contract), name=f"{name}-{version}")


def desired_state(shadow: bool = True) -> DesiredState:
    """App `iris`: stage 0 the scaler; stage 1 classifier v1 (100) and, as a shadow, v2 (0)."""
    scaler = servable(SCALER, SCALER_CONTRACT)
    v1 = servable(CLASSIFIER_V1, CLASSIFIER_CONTRACT)
    v2 = servable(CLASSIFIER_V2, CLASSIFIER_CONTRACT)
    second = (VariantSpec(v1, 100), VariantSpec(v2, 0)) if shadow else (VariantSpec(v1, 100),)
    app = ApplicationSpec(APP, (StageSpec((VariantSpec(scaler, 100),)), StageSpec(second)),
                          Contract.from_dict({"name": "predict", "inputs": FEATURES,
                                              "outputs": CLASSIFIER_CONTRACT["outputs"]}))
    return DesiredState(servables=(scaler, v1, v2), applications=(app,))


def planned_routing(shadow: bool = True) -> dict[str, Any]:
    """The planner's routing table, with cluster hosts."""
    return plan(desired_state(shadow)).routing


def pointed(routing: Mapping[str, Any], addresses: Mapping[str, str]) -> dict[str, Any]:
    """A copy whose grpcTargets are `addresses[route or service]` (test processes)."""
    table = copy.deepcopy(dict(routing))
    for app in table["applications"].values():
        for stage in app["stages"]:
            stage["grpcTarget"] = addresses[stage["route"]]
            for entry in (*stage["variants"], *stage["shadows"]):
                entry["grpcTarget"] = addresses[entry["service"]]
    for entry in table["servables"].values():
        entry["grpcTarget"] = addresses[entry["service"]]
    return table


def cluster_hosts(routing: Mapping[str, Any]) -> dict[str, str]:
    """route or service name -> the cluster host (without port) the planner gave it."""
    hosts = {}
    for app in routing["applications"].values():
        for stage in app["stages"]:
            hosts[stage["route"]] = stage["grpcTarget"].rpartition(":")[0]
            for entry in stage["shadows"]:
                hosts[entry["service"]] = entry["grpcTarget"].rpartition(":")[0]
    for entry in routing["servables"].values():
        hosts[entry["service"]] = entry["grpcTarget"].rpartition(":")[0]
    return hosts
