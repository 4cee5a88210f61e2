"""Typed readers for YAML nodes: every schema rule of one field, with its code.

:class:`FieldReader` turns :mod:`yaml_load` nodes into plain values, model
domains, examples and parsed expressions, appending a :class:`Diagnostic` for
each problem instead of stopping, so one run reports every error of a file.
A reader method returns ``None`` (or an empty value) when the field is bad.

Codes: KV110 unknown key, KV111 missing key, KV112 wrong type, KV113 value not
among the allowed ones, KV114 value out of range, KV115 unknown variable in
``given``, KV201 an expression that must be executable does not parse, KV301
a legacy formula is prose (warning).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from ..diagnostics import Diagnostic, SourcePos, did_you_mean
from ..expr.nodes import Node, Num
from ..expr.parse import ExprSyntaxError, parse_expr
from .model import DOMAIN_KINDS, Domain, Example, SourceText, Variable
from .yaml_load import YMap, YNode, YScalar, YSeq, to_plain

__all__ = ["FieldReader", "DOMAIN_KEYS", "IDENTIFIER"]

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_COMMON_DOMAIN_KEYS = ("type", "description")
DOMAIN_KEYS: dict[str, tuple[str, ...]] = {
    "int": ("min", "max"),
    "float": ("min", "max", "exclusive_min", "exclusive_max", "allow_nan", "allow_infinity"),
    "bool": (),
    "enum": ("values",),
    "list": ("of", "min_len", "max_len"),
    "array": ("dtype", "shape", "min", "max"),
    "derived": ("value",),
}
_REQUIRED_DOMAIN_KEYS = {
    "int": ("min", "max"),
    "float": ("min", "max"),
    "enum": ("values",),
    "list": ("of", "max_len"),
    "array": ("shape",),
    "derived": ("value",),
}
_ARRAY_DTYPES = ("float64", "float32")
_EXAMPLE_RESERVED = ("expect", "holds", "note", "beyond_domain")


def _kind_name(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    value = node.value  # type: ignore[attr-defined]
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"a string ('{value}')"


class FieldReader:
    def __init__(self, path: str):
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------
    def error(self, code: str, message: str, pos: SourcePos, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, pos, "error", hint))

    def warn(self, code: str, message: str, pos: SourcePos, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, pos, "warning", hint))

    def type_error(self, node: YNode, where: str, expected: str) -> None:
        self.error("KV112", f"{where} must be {expected}, not {_kind_name(node)}", node.pos)

    # -- structure ---------------------------------------------------------
    def mapping(self, node: YNode | None, where: str) -> YMap | None:
        if node is None:
            return None
        if isinstance(node, YMap):
            return node
        self.type_error(node, where, "a mapping")
        return None

    def sequence(self, node: YNode | None, where: str) -> list[YNode]:
        if node is None:
            return []
        if isinstance(node, YSeq):
            return node.items
        self.type_error(node, where, "a list")
        return []

    def check_keys(
        self, node: YMap, where: str, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> None:
        allowed = tuple(allowed)
        for key, _ in node.items:
            if key.value not in allowed:
                self.error(
                    "KV110",
                    f"unknown key '{key.value}' in {where}",
                    key.pos,
                    hint=did_you_mean(str(key.value), allowed) or f"allowed keys: {', '.join(allowed)}",
                )
        for name in required:
            if node.get(name) is None:
                self.error("KV111", f"{where} is missing required key '{name}'", node.pos)

    # -- scalars -----------------------------------------------------------
    def string(self, node: YNode | None, where: str, default: str = "") -> str:
        """Prose: a string (numbers are accepted and written as in the file)."""
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, str):
            return node.value
        if isinstance(node, YScalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return str(node.value)
        self.type_error(node, where, "a string")
        return default

    def strict_string(self, node: YNode | None, where: str) -> str | None:
        if node is None:
            return None
        if isinstance(node, YScalar) and isinstance(node.value, str):
            return node.value
        self.type_error(node, where, "a string (quote it)")
        return None

    def strings(self, node: YNode | None, where: str, *, allow_single: bool = False) -> list[YScalar]:
        """A list of strings (or one string when ``allow_single``), as scalar nodes."""
        if node is None:
            return []
        if allow_single and isinstance(node, YScalar) and isinstance(node.value, str):
            return [node]
        out = []
        for item in self.sequence(node, where):
            if isinstance(item, YScalar) and isinstance(item.value, str):
                out.append(item)
            else:
                self.type_error(item, f"each item of {where}", "a string")
        return out

    def integer(self, node: YNode | None, where: str, *, minimum: int | None = None) -> int | None:
        if node is None:
            return None
        if not (isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool)):
            self.type_error(node, where, "an integer")
            return None
        if minimum is not None and node.value < minimum:
            self.error("KV114", f"{where} must be >= {minimum}, got {node.value}", node.pos)
            return None
        return node.value

    def number(self, node: YNode | None, where: str, *, minimum: float | None = None) -> float | None:
        if node is None:
            return None
        value = node.value if isinstance(node, YScalar) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.type_error(node, where, "a number")
            return None
        if minimum is not None and value < minimum:
            self.error("KV114", f"{where} must be >= {minimum}, got {value}", node.pos)
            return None
        return float(value)

    def boolean(self, node: YNode | None, where: str, default: bool = False) -> bool:
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return node.value
        self.type_error(node, where, "true or false")
        return default

    def choice(self, node: YNode | None, where: str, allowed: Iterable[str]) -> str | None:
        if node is None:
            return None
        allowed = tuple(allowed)
        if not (isinstance(node, YScalar) and isinstance(node.value, str)):
            self.type_error(node, where, f"one of: {', '.join(allowed)}")
            return None
        if node.value not in allowed:
            self.error(
                "KV113",
                f"{where} '{node.value}' is not one of: {', '.join(allowed)}",
                node.pos,
                hint=did_you_mean(node.value, allowed),
            )
            return None
        return node.value

    # -- expressions -------------------------------------------------------
    def source_text(self, node: YNode) -> SourceText | None:
        if isinstance(node, YScalar) and isinstance(node.value, str):
            return node.text or SourceText(node.value, node.pos)
        if isinstance(node, YScalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return SourceText(str(node.value), node.pos)
        return None

    def parse(self, text: SourceText, where: str, *, prose_ok: bool) -> Node | None:
        """Parse ``text``; a failure is KV201 (error) or, for legacy prose, KV301 (warning)."""
        try:
            return parse_expr(text.text)
        except ExprSyntaxError as exc:
            pos = text.pos_at(exc.offset)
            if prose_ok:
                self.warn("KV301", f"{where} is not an executable expression ({exc.message}); rendered only", pos)
            else:
                self.error("KV201", f"{where} does not parse: {exc.message}", pos)
            return None

    def expression(self, node: YNode | None, where: str) -> tuple[Node | None, SourceText | None]:
        """An executable expression: a string (or a number literal)."""
        if node is None:
            return None, None
        if isinstance(node, YScalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return Num(value=node.value, span=(0, len(str(node.value)))), SourceText(str(node.value), node.pos)
        text = self.source_text(node)
        if text is None:
            self.type_error(node, where, "an expression (a string)")
            return None, None
        return self.parse(text, where, prose_ok=False), text

    def expressions(self, node: YNode | None, where: str) -> tuple[tuple[Node, ...], tuple[SourceText, ...]]:
        """``assume``-style: one expression or a list of them; (trees, their texts) aligned."""
        trees, texts = [], []
        for item in self.strings(node, where, allow_single=True):
            parsed, text = self.expression(item, where)
            if parsed is not None and text is not None:
                trees.append(parsed)
                texts.append(text)
        return tuple(trees), tuple(texts)

    # -- domains -----------------------------------------------------------
    def domain(self, node: YNode | None, where: str) -> Domain | None:
        mapping = self.mapping(node, where)
        if mapping is None:
            return None
        kind = self.choice(mapping.get("type"), f"type of {where}", DOMAIN_KINDS)
        if mapping.get("type") is None:
            self.error("KV111", f"{where} is missing required key 'type'", mapping.pos,
                       hint=f"one of: {', '.join(DOMAIN_KINDS)}")
        if kind is None:
            return None
        self.check_keys(mapping, f"{where} ({kind})", _COMMON_DOMAIN_KEYS + DOMAIN_KEYS[kind],
                        _REQUIRED_DOMAIN_KEYS.get(kind, ()))
        texts: dict[str, SourceText] = {}
        fields: dict[str, Any] = {}
        for key in ("min", "max", "value"):
            if key in DOMAIN_KEYS[kind] and mapping.get(key) is not None:
                bound = mapping.get(key)
                if kind == "int" and isinstance(bound, YScalar) and isinstance(bound.value, float):
                    self.type_error(bound, f"{key} of {where}", "an integer or an expression")
                    continue
                parsed, text = self.expression(bound, f"{key} of {where}")
                fields[key] = parsed
                if text is not None:
                    texts[key] = text
        for key in ("exclusive_min", "exclusive_max", "allow_nan", "allow_infinity"):
            if key in DOMAIN_KEYS[kind]:
                fields[key] = self.boolean(mapping.get(key), f"{key} of {where}")
        if kind == "enum":
            fields["values"] = tuple(s.value for s in self.strings(mapping.get("values"), f"values of {where}"))
        if kind == "list":
            fields["element"] = self.domain(mapping.get("of"), f"element domain ('of') of {where}")
            fields["min_len"] = self.integer(mapping.get("min_len"), f"min_len of {where}", minimum=0) or 0
            fields["max_len"] = self.integer(mapping.get("max_len"), f"max_len of {where}", minimum=0) or 0
        if kind == "array":
            dtype = self.choice(mapping.get("dtype"), f"dtype of {where}", _ARRAY_DTYPES)
            fields["dtype"] = dtype or "float64"
            fields["shape"] = self._shape(mapping.get("shape"), where)
        return Domain(kind=kind, pos=mapping.pos, texts=texts, **fields)

    def _shape(self, node: YNode | None, where: str) -> tuple[Any, ...]:
        shape: list[Any] = []
        for item in self.sequence(node, f"shape of {where}"):
            value = item.value if isinstance(item, YScalar) else None
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                shape.append(value)
            elif isinstance(value, str) and IDENTIFIER.match(value):
                shape.append(value)
            else:
                self.type_error(item, f"each dimension in shape of {where}", "a non-negative integer or a variable name")
        return tuple(shape)

    def given(self, node: YNode | None, where: str, variables: Mapping[str, Variable]) -> dict[str, Domain]:
        """``given``: name -> a variable name (its domain is copied) or an inline domain."""
        mapping = self.mapping(node, f"given of {where}")
        out: dict[str, Domain] = {}
        if mapping is None:
            return out
        for key, value in mapping.items:
            name = str(key.value)
            if not IDENTIFIER.match(name):
                self.error("KV112", f"given name '{name}' in {where} is not an identifier", key.pos)
                continue
            if isinstance(value, YScalar) and isinstance(value.value, str):
                source = variables.get(value.value)
                if source is None:
                    self.error("KV115", f"given {name}: '{value.value}' is not a declared variable", value.pos,
                               hint=did_you_mean(value.value, variables))
                    continue
                out[name] = source.domain
            else:
                domain = self.domain(value, f"given {name} of {where}")
                if domain is not None:
                    out[name] = domain
        return out

    # -- examples ----------------------------------------------------------
    def examples(self, node: YNode | None, where: str) -> tuple[Example, ...]:
        out = []
        for item in self.sequence(node, f"examples of {where}"):
            mapping = self.mapping(item, f"each example of {where}")
            if mapping is None:
                continue
            inputs: dict[str, Any] = {}
            key_pos: dict[str, SourcePos] = {}
            input_pos: dict[str, SourcePos] = {}
            for key, value in mapping.items:
                if key.value not in _EXAMPLE_RESERVED:
                    inputs[str(key.value)] = to_plain(value)
                    key_pos[str(key.value)] = key.pos
                    input_pos[str(key.value)] = value.pos
            expect_node = mapping.get("expect")
            out.append(
                Example(
                    inputs=inputs,
                    pos=mapping.pos,
                    expect=to_plain(expect_node) if expect_node is not None else None,
                    has_expect=expect_node is not None,
                    holds=self.boolean(mapping.get("holds"), f"holds of an example of {where}", default=True),
                    note=self.string(mapping.get("note"), f"note of an example of {where}"),
                    beyond_domain=self.boolean(mapping.get("beyond_domain"),
                                               f"beyond_domain of an example of {where}", default=False),
                    key_pos=key_pos,
                    input_pos=input_pos,
                    expect_pos=expect_node.pos if expect_node is not None else None,
                )
            )
        return tuple(out)
