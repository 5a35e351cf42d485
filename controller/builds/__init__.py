"""Builds: a model version's install-command, run in its own environment, in the background."""

from controller.builds.environment import create_environment
from controller.builds.process import CommandResult, run_command
from controller.builds.runner import BuildRunner, LogListener

__all__ = ["BuildRunner", "CommandResult", "LogListener", "create_environment", "run_command"]
