"""YAML documents read safely: the safe loader only, and no alias bombs.

`yaml.safe_load` builds plain data, but an alias is a shared reference, so ten levels of
`&a [*b, *b, ...]` load quickly into a value that expands to billions of nodes the moment
anything walks it (parsing a contract, serialising the upload metadata). Every document's node
graph is therefore measured before it is constructed: its size with every alias expanded
(counted once per node, so the check is linear in the text), and any alias cycle is refused.
Nesting deep enough to exhaust the parser's recursion is refused too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

import yaml

from controller.errors import InvalidResource

MAX_EXPANDED_NODES = 100_000
"""Far above any real resource file (a 1,000-field contract is about 10,000 nodes)."""


def load_documents(stream: TextIO | str, source: str) -> list[Any]:
    """Every non-empty document of `stream`; `InvalidResource` (400) for invalid or hostile YAML."""
    try:
        return [document for document in _documents(stream, source) if document is not None]
    except yaml.YAMLError as error:
        raise InvalidResource("", f"not valid YAML: {error}", source=source) from None
    except RecursionError:
        raise InvalidResource("", "the YAML is nested too deeply", source=source) from None


def _documents(stream: TextIO | str, source: str) -> Iterator[Any]:
    loader = yaml.SafeLoader(stream)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            _check_expanded_size(node, source)
            yield loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Post-order walk with a size per distinct node; iterative, so depth cannot overflow it."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            entered.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_EXPANDED_NODES:
                raise InvalidResource("", f"the YAML expands to more than {MAX_EXPANDED_NODES} nodes "
                                          "(aliases repeat what they refer to)", source=source)
        elif key in entered:
            raise InvalidResource("", "a YAML alias refers to a node that contains it", source=source)
        elif key not in sizes:
            entered.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []
