"""YAML with positions: a small node tree built from PyYAML's safe composer.

We *compose* (never construct) so every node keeps its ``file:line:col``, then
convert PyYAML's graph into :class:`YMap`/:class:`YSeq`/:class:`YScalar` while
enforcing the loading rules of docs/contract-format.md:

* duplicate mapping keys are errors (``KV101``), not "last one wins";
* plain scalars resolve by YAML 1.2 core rules (``1e-5`` is a float, ``yes``
  is a string, only ``true``/``false`` are booleans);
* the size of the document *after* alias expansion is computed on the
  composed graph first (memoised, so it costs the size of the file) and a file
  that would expand past ``MAX_NODES`` is rejected (``KV103``) before anything
  is expanded;
* syntax errors are ``KV100`` at the problem mark; unreadable files ``KV102``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..diagnostics import BadInput, Diagnostic, SourcePos
from .model import SourceText

__all__ = [
    "MAX_NODES",
    "YNode",
    "YMap",
    "YSeq",
    "YScalar",
    "load_yaml",
    "parse_yaml_text",
    "to_plain",
]

MAX_NODES = 100_000
_MAX_DEPTH = 200

_TAG = "tag:yaml.org,2002:"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose implicit resolvers follow the YAML 1.2 core schema."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
):
    _Yaml12Loader.add_implicit_resolver(_TAG + _tag, re.compile(_pattern), list(_first))


@dataclass
class YNode:
    pos: SourcePos


@dataclass
class YScalar(YNode):
    """A scalar: ``value`` is str/int/float/bool/None; ``text`` locates its characters."""

    value: Any = None
    text: SourceText | None = None


@dataclass
class YSeq(YNode):
    items: list[YNode] = field(default_factory=list)


@dataclass
class YMap(YNode):
    """An ordered mapping; keys are scalars (their positions point at the key)."""

    items: list[tuple[YScalar, YNode]] = field(default_factory=list)

    def get(self, key: str) -> YNode | None:
        for k, v in self.items:
            if k.value == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [str(k.value) for k, _ in self.items]


def to_plain(node: YNode | None) -> Any:
    """The node as plain Python data (dict/list/scalars), positions dropped; None for an empty document."""
    if node is None:
        return None
    if isinstance(node, YMap):
        return {k.value: to_plain(v) for k, v in node.items}
    if isinstance(node, YSeq):
        return [to_plain(v) for v in node.items]
    return node.value  # type: ignore[attr-defined]


def load_yaml(path: str) -> YNode | None:
    """Read ``path`` into a node tree; ``None`` for an empty document.

    Raises :class:`BadInput` with every diagnostic found (the first syntax
    error, or all duplicate keys / bad tags of a well-formed file).
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except IsADirectoryError:
        raise BadInput(Diagnostic("KV102", "is a directory, not a contract file", SourcePos(path)))
    except FileNotFoundError:
        raise BadInput(Diagnostic("KV102", "no such file", SourcePos(path)))
    except OSError as exc:
        raise BadInput(Diagnostic("KV102", f"cannot read file: {exc.strerror or exc}", SourcePos(path)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BadInput(
            Diagnostic("KV102", f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", SourcePos(path, line, col))
        )
    return parse_yaml_text(text.removeprefix("\ufeff"), path)


def parse_yaml_text(text: str, path: str) -> YNode | None:
    """Compose ``text`` (already decoded) and convert it; see :func:`load_yaml`."""
    try:
        root = yaml.compose(text, Loader=_Yaml12Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or "invalid YAML"
        if exc.context:
            message = f"{exc.context}: {message}"
        pos = SourcePos(path, mark.line + 1, mark.column + 1) if mark else SourcePos(path)
        raise BadInput(Diagnostic("KV100", f"YAML syntax error: {message}", pos))
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise BadInput(Diagnostic("KV100", f"YAML syntax error: {exc.reason}", SourcePos(path, line, col)))
    except yaml.YAMLError as exc:
        raise BadInput(Diagnostic("KV100", f"YAML syntax error: {exc}", SourcePos(path)))
    except RecursionError:
        raise BadInput(Diagnostic("KV103", "YAML nesting too deep", SourcePos(path)))
    if root is None:
        return None
    _check_budget(root, path)
    converter = _Converter(path, text.split("\n"))
    result = converter.convert(root, 0)
    if converter.diagnostics:
        raise BadInput(converter.diagnostics)
    return result


def _mark_pos(path: str, node: yaml.Node) -> SourcePos:
    return SourcePos(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _check_budget(root: yaml.Node, path: str) -> None:
    """Reject a graph whose alias expansion exceeds MAX_NODES, before expanding it."""
    sizes: dict[int, int] = {}
    # Iterative post-order: aliases make the graph a DAG (or a cycle), and a
    # deep file must not overflow the Python stack here.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
                if total > MAX_NODES:
                    break
            sizes[key] = total
            if total > MAX_NODES:
                raise BadInput(
                    Diagnostic(
                        "KV103",
                        f"document expands to more than {MAX_NODES:,} nodes (alias bomb?)",
                        _mark_pos(path, node),
                    )
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise BadInput(Diagnostic("KV103", "recursive alias: a node contains itself", _mark_pos(path, node)))
        if depth > _MAX_DEPTH:
            raise BadInput(Diagnostic("KV103", f"nesting deeper than {_MAX_DEPTH} levels", _mark_pos(path, node)))
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Converter:
    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = lines
        self.diagnostics: list[Diagnostic] = []

    def convert(self, node: yaml.Node, depth: int) -> YNode:
        pos = _mark_pos(self.path, node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, pos)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, "seq", pos)
            return YSeq(pos, [self.convert(item, depth + 1) for item in node.value])
        self._check_tag(node, "map", pos)
        out = YMap(pos)
        seen: dict[Any, SourcePos] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, YScalar) or isinstance(key.value, float):
                self.diagnostics.append(Diagnostic("KV104", "a mapping key must be a string or an integer", key.pos))
                continue
            hashable = (type(key.value).__name__, key.value)
            if hashable in seen:
                first = seen[hashable]
                self.diagnostics.append(
                    Diagnostic(
                        "KV101",
                        f"duplicate key '{key.value}' (first defined at line {first.line})",
                        key.pos,
                        hint="YAML would silently keep only the last value; remove or rename one",
                    )
                )
                continue
            seen[hashable] = key.pos
            out.items.append((key, self.convert(value_node, depth + 1)))
        return out

    def _check_tag(self, node: yaml.Node, kind: str, pos: SourcePos) -> None:
        if node.tag != _TAG + kind:
            self.diagnostics.append(Diagnostic("KV104", f"unsupported YAML tag {node.tag}", pos))

    def _scalar(self, node: yaml.ScalarNode, pos: SourcePos) -> YScalar:
        tag = node.tag.removeprefix(_TAG)
        raw = node.value
        value: Any = raw
        try:
            if tag == "str":
                value = raw
            elif tag == "null":
                value = None
            elif tag == "bool":
                value = raw.lower() == "true"
            elif tag == "int":
                value = _parse_int(raw)
            elif tag == "float":
                value = _parse_float(raw)
            else:
                self.diagnostics.append(Diagnostic("KV104", f"unsupported YAML tag {node.tag}", pos))
        except ValueError:
            self.diagnostics.append(Diagnostic("KV104", f"'{raw}' is not a valid !!{tag}", pos))
        return YScalar(pos, value, self._source_text(node, pos) if isinstance(value, str) else None)

    def _source_text(self, node: yaml.ScalarNode, pos: SourcePos) -> SourceText:
        style = node.style
        if style in ("'", '"'):
            return SourceText(node.value, pos.shifted(1))
        if style in ("|", ">"):
            return SourceText(node.value, pos, self._block_line_starts(node))
        return SourceText(node.value, pos)

    def _block_line_starts(self, node: yaml.ScalarNode) -> tuple[SourcePos, ...]:
        """One file position per content line of a block scalar.

        Literal (``|``) lines map one-to-one onto file lines.  Folded (``>``)
        lines are joined, so we record the first file line of each paragraph:
        exact at the start of a paragraph, approximate inside it.
        """
        first = node.start_mark.line + 1  # 0-based index of the first content line
        last = min(node.end_mark.line, len(self.lines) - 1)
        content = self.lines[first : last + 1]
        indent = next((len(l) - len(l.lstrip(" ")) for l in content if l.strip()), 0)
        starts = [SourcePos(self.path, first + i + 1, indent + 1) for i in range(len(content))]
        if node.style == ">":
            # A single blank line only ends a paragraph; each further one adds
            # an empty line.  More-indented lines keep their line breaks.
            paragraph: list[SourcePos] = []
            previous_blank, previous_deep = True, False
            for i, line in enumerate(content):
                blank = not line.strip()
                deep = not blank and line[indent : indent + 1] == " "
                if (blank and previous_blank and i > 0) or (not blank and (previous_blank or deep or previous_deep)):
                    paragraph.append(starts[i])
                previous_blank, previous_deep = blank, deep
            starts = paragraph
        return tuple(starts) or (SourcePos(self.path, first + 1, indent + 1),)


def _parse_int(raw: str) -> int:
    if raw.startswith("0o"):
        return int(raw[2:], 8)
    if raw.startswith("0x"):
        return int(raw[2:], 16)
    return int(raw, 10)


def _parse_float(raw: str) -> float:
    lowered = raw.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(raw)
