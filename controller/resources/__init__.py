"""Hydrosphere's resource definitions (`serving.yaml`), parsed once into frozen values."""

from controller.resources.application import ApplicationDefinition, StageDefinition, VariantDefinition
from controller.resources.deployment_configuration import DeploymentConfiguration
from controller.resources.loader import LoadedResource, load_path, load_stream
from controller.resources.model import MetricDefinition, ModelDefinition

__all__ = [
    "ApplicationDefinition", "DeploymentConfiguration", "LoadedResource", "MetricDefinition",
    "ModelDefinition", "StageDefinition", "VariantDefinition", "load_path", "load_stream",
]
