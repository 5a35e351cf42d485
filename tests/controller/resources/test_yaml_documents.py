"""Hostile YAML: alias bombs, alias cycles, runaway nesting and Python tags are refused with a
400 (`InvalidResource`) before anything walks the data; and no module parses YAML unsafely."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from controller.errors import InvalidResource
from controller.resources import load_path, load_stream
from controller.resources.yaml_documents import MAX_EXPANDED_NODES, load_documents

REPO = Path(__file__).resolve().parents[3]
UNSAFE_CALLS = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
UNSAFE_NAMES = {"Loader", "UnsafeLoader", "FullLoader", "Unsafe", "CLoader", "CFullLoader", "CUnsafeLoader"}


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _model_with_contract_bomb() -> str:
    """A Model whose contract's map fields alias each other: 2**30 fields once expanded."""
    lines = ["kind: Model", "name: bomb", "runtime: r", "payload: [a]", "defs:",
             "  f0: &f0 {x: {type: double}, y: {type: double}}"]
    for level in range(1, 30):
        lines.append(f"  f{level}: &f{level} {{p: {{fields: *f{level - 1}}}, q: {{fields: *f{level - 1}}}}}")
    lines += ["contract:", "  inputs: *f29", "  outputs: {y: {type: double}}"]
    return "\n".join(lines) + "\n"


def _assert_400(error: pytest.ExceptionInfo[InvalidResource], source: str, contains: str) -> None:
    assert error.value.status == 400
    assert error.value.source == source
    assert contains in error.value.message


@pytest.mark.parametrize("text", [_billion_laughs(), _model_with_contract_bomb()], ids=["laughs", "contract"])
def test_alias_bomb_is_refused_before_it_is_expanded(text: str) -> None:
    with pytest.raises(InvalidResource) as error:
        load_stream(text, "bomb.yaml", Path("."))
    _assert_400(error, "bomb.yaml", f"more than {MAX_EXPANDED_NODES} nodes")


def test_bomb_in_a_file_is_refused_with_the_file_named(tmp_path: Path) -> None:
    file = tmp_path / "serving.yaml"
    file.write_text("kind: DeploymentConfiguration\nname: ok\n---\n" + _billion_laughs())
    with pytest.raises(InvalidResource) as error:
        load_path(file)
    _assert_400(error, str(file), "aliases")


def test_alias_cycle_is_refused() -> None:
    with pytest.raises(InvalidResource) as error:
        load_documents("a: &a {b: *a}\n", "cycle.yaml")
    _assert_400(error, "cycle.yaml", "refers to a node that contains it")


def test_runaway_nesting_is_refused() -> None:
    with pytest.raises(InvalidResource) as error:
        load_documents("[" * 20_000 + "]" * 20_000, "deep.yaml")
    _assert_400(error, "deep.yaml", "nested too deeply")


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!python/name:os.system"])
def test_python_tags_are_not_constructed(tag: str) -> None:
    with pytest.raises(InvalidResource) as error:
        load_documents(f"value: {tag}\n", "tags.yaml")
    _assert_400(error, "tags.yaml", "not valid YAML")


def test_aliases_within_the_limit_still_work() -> None:
    text = "common: &c {team: ml}\nfirst: *c\nsecond: *c\n"
    assert load_documents(text, "ok.yaml") == [{"common": {"team": "ml"}, "first": {"team": "ml"},
                                                "second": {"team": "ml"}}]


def _unsafe_yaml_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml"
                and node.attr in UNSAFE_CALLS | UNSAFE_NAMES):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: yaml.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            found += [f"{path.relative_to(REPO)}:{node.lineno}: from yaml import {alias.name}"
                      for alias in node.names if alias.name in UNSAFE_CALLS | UNSAFE_NAMES]
    return found


def test_no_module_parses_yaml_unsafely() -> None:
    files = [p for top in ("controller", "functions", "runtimes", "protos") for p in (REPO / top).rglob("*.py")
             if "_pb2" not in p.name]
    assert len(files) > 50
    assert [use for path in files for use in _unsafe_yaml_uses(path)] == []
