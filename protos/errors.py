"""Errors raised by the shared contract code. Each deployable maps them onto its own hierarchy."""

from __future__ import annotations


class ContractError(ValueError):
    """A contract definition is malformed. `path` locates the offending field (`inputs.age.type`)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


class InvalidInput(ValueError):
    """A request does not satisfy its contract: names the field, what was expected and what came."""

    def __init__(self, field: str, expected: str, got: str) -> None:
        super().__init__(f"field '{field}': expected {expected}, got {got}")
        self.field = field
        self.expected = expected
        self.got = got
