"""YAML from repositories: composed first, and constructed only if its expanded size is small.

A few bytes of anchors and aliases can stand for billions of nodes ("billion laughs"); the
composed graph shares aliased nodes, so counting what construction would build costs time
linear in the text, and the construction itself only happens under the bound.
"""

from __future__ import annotations

import yaml

MAX_NODES = 20_000  # a model card's front matter or a config has hundreds


class TooLarge(yaml.YAMLError):
    """The document would expand to more nodes than MAX_NODES (an alias bomb, or simply huge)."""

    def __init__(self, nodes: int) -> None:
        super().__init__(f"expands to more than {nodes:,} values (aliases repeat too much)")
        self.problem = str(self)


class TooDeep(yaml.YAMLError):
    """Nested deeper than the parser can follow."""

    def __init__(self) -> None:
        super().__init__("nested too deeply")
        self.problem = str(self)


def load(text: str, max_nodes: int = MAX_NODES) -> tuple[object, yaml.Node | None]:
    """The data and the composed node tree (for line numbers). Raises yaml.YAMLError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None, None
        _expanded_size(node, {}, set(), max_nodes)
    except RecursionError:
        raise TooDeep() from None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int], limit: int) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise TooLarge(limit)  # a node that contains itself expands without end
    open_nodes.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(child, sizes, open_nodes, limit) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, sizes, open_nodes, limit) + _expanded_size(v, sizes, open_nodes, limit)
                     for k, v in node.value)
    open_nodes.discard(key)
    if total > limit:
        raise TooLarge(limit)
    sizes[key] = total
    return total
