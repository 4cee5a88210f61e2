"""The loaded contract: frozen dataclasses in which every item keeps its position.

The loader (``contract/load.py``) builds these from YAML; nothing downstream
reads YAML again.  Expressions are parsed once, here, into ``expr.nodes`` trees
(``None`` where a legacy provable-contracts formula is prose, not an
expression).  ``SourceText`` keeps the text of an expression together with
where it came from, so an error at character ``k`` of a formula is reported at
the right ``file:line:col`` even inside a YAML block scalar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..diagnostics import SourcePos
from ..expr.nodes import Node

__all__ = [
    "SourceText",
    "Domain",
    "Variable",
    "Symbol",
    "Example",
    "Equation",
    "Obligation",
    "FalsificationTest",
    "Harness",
    "QAGate",
    "GateCheckRef",
    "Metadata",
    "Contract",
    "OBLIGATION_TYPES",
    "HARNESS_STRATEGIES",
    "DOMAIN_KINDS",
    "ENGINES",
]

OBLIGATION_TYPES = (
    "invariant",
    "equivalence",
    "bound",
    "monotonicity",
    "idempotency",
    "linearity",
    "symmetry",
    "associativity",
    "conservation",
    "ordering",
    "completeness",
    "soundness",
)
HARNESS_STRATEGIES = ("exhaustive", "bounded_int", "stub_float", "compositional")
DOMAIN_KINDS = ("int", "float", "bool", "enum", "list", "array", "derived")
ENGINES = ("z3", "hypothesis")


@dataclass(frozen=True)
class SourceText:
    """An expression's text and where each of its characters sits in the file.

    ``line_starts`` holds, for each line of ``text``, the file position of its
    first character (one entry for a plain or quoted scalar, one per line for a
    block scalar).
    """

    text: str
    pos: SourcePos
    line_starts: tuple[SourcePos, ...] = ()

    def pos_at(self, offset: int) -> SourcePos:
        offset = max(0, min(offset, len(self.text)))
        if not self.line_starts:
            return self.pos.shifted(offset)
        line_index = self.text.count("\n", 0, offset)
        line_begin = self.text.rfind("\n", 0, offset) + 1
        start = self.line_starts[min(line_index, len(self.line_starts) - 1)]
        return start.shifted(offset - line_begin)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Domain:
    """A typed, bounded domain that Hypothesis draws from and Z3 constrains by.

    ``kind`` is one of ``DOMAIN_KINDS``:

    * ``int``/``float``: ``min``/``max`` (expressions: literals, or other
      variables for dependent bounds); floats may exclude an end
      (``exclusive_min``/``exclusive_max``).
    * ``bool``; ``enum`` with ``values`` (strings).
    * ``list``: ``element`` domain, ``min_len``..``max_len``.
    * ``array``: float array with ``dtype`` (``float64``/``float32``),
      ``shape`` (ints or names of int variables) and element ``min``/``max``.
    * ``derived``: ``value`` is an expression of other variables (constructive
      generation instead of filtering: ``n_heads = n_kv * group``).
    """

    kind: str
    pos: SourcePos
    min: Node | None = None
    max: Node | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    values: tuple[str, ...] = ()
    element: "Domain | None" = None
    min_len: int = 0
    max_len: int = 0
    dtype: str = "float64"
    shape: tuple[Any, ...] = ()
    value: Node | None = None
    allow_nan: bool = False  # float only: NaN may be drawn
    allow_infinity: bool = False  # float only: +/-inf may be drawn
    # The source texts of min/max/value, for error positions and rendering.
    texts: Mapping[str, SourceText] = field(default_factory=dict, compare=False)


    def names(self) -> list[str]:
        """Variables this domain's bounds, derived value and shape read (drawing order depends on them)."""
        from ..expr.nodes import free_names

        found: list[str] = []
        for node in (self.min, self.max, self.value):
            if node is not None:
                found.extend(free_names(node))
        found.extend(d for d in self.shape if isinstance(d, str))
        if self.element is not None:
            found.extend(self.element.names())
        return found


@dataclass(frozen=True)
class Variable:
    name: str
    domain: Domain
    pos: SourcePos
    description: str = ""


@dataclass(frozen=True)
class Symbol:
    """Something the implementation provides, with its parameters (variable names)."""

    name: str
    params: tuple[str, ...]
    returns: str  # int | float | bool | str | list[str] | list[int] | array | any
    pos: SourcePos
    description: str = ""


@dataclass(frozen=True)
class Example:
    """Inputs (variable name -> plain value) and optional expectations.

    ``expect`` is either one value (the expected value of the owning equation's
    defined symbol) or a mapping of symbol/expression text -> expected value;
    ``holds`` (default True) is what the owning check must evaluate to.
    """

    inputs: Mapping[str, Any]
    pos: SourcePos
    expect: Any = None
    has_expect: bool = False
    holds: bool = True
    note: str = ""
    # True: numeric bounds and list lengths of the domains do not apply (a realistic
    # figure beyond the domain drawn from); types, enums and shapes still do.
    beyond_domain: bool = False
    # Where each input's key and value, and ``expect``'s value, are written (for diagnostics).
    key_pos: Mapping[str, SourcePos] = field(default_factory=dict, compare=False)
    input_pos: Mapping[str, SourcePos] = field(default_factory=dict, compare=False)
    expect_pos: SourcePos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Equation:
    name: str
    formula: SourceText
    pos: SourcePos
    expr: Node | None = None  # None: prose formula (legacy), not executable
    defines: str | None = None  # LHS symbol of ``NAME = expr``
    params: tuple[str, ...] = ()
    body: Node | None = None  # RHS of a definition
    domain: str = ""
    codomain: str = ""
    invariants: tuple[str, ...] = ()
    tolerance: float = 0.0
    rtol: float = 0.0
    assume: tuple[Node, ...] = ()
    examples: tuple[Example, ...] = ()
    engines: tuple[str, ...] = ()
    parse_error: str | None = None
    # Source texts of ``assume`` (same order), for error positions and rendering.
    assume_texts: tuple[SourceText, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Obligation:
    id: str
    type: str
    property: str
    pos: SourcePos
    formal: str = ""
    check: Node | None = None
    check_text: SourceText | None = None
    given: Mapping[str, Domain] = field(default_factory=dict)
    assume: tuple[Node, ...] = ()
    tolerance: float | None = None
    applies_to: str = "all"
    lean: str = ""
    engines: tuple[str, ...] = ()
    quantifier: str = "forall"  # or "exists": Z3 must find a witness
    minimize: Node | None = None  # with exists: the witness Z3 should minimise
    examples: tuple[Example, ...] = ()
    notes: str = ""
    # Source texts of ``assume`` (same order), for error positions and rendering.
    assume_texts: tuple[SourceText, ...] = field(default=(), compare=False)
    minimize_text: SourceText | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FalsificationTest:
    id: str
    rule: str
    pos: SourcePos
    prediction: str = ""
    test: str = ""
    if_fails: str = ""
    obligation: str | None = None
    obligation_pos: SourcePos | None = None
    check: Node | None = None  # defaults to the obligation's check
    check_text: SourceText | None = None
    given: Mapping[str, Domain] = field(default_factory=dict)
    assume: tuple[Node, ...] = ()
    examples: tuple[Example, ...] = ()
    max_examples: int | None = None
    min_examples: int | None = None
    state_machine: str | None = None  # "module:Class", a RuleBasedStateMachine
    # Source texts of ``assume`` (same order), for error positions and rendering.
    assume_texts: tuple[SourceText, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Harness:
    id: str
    obligation: str
    bound: int
    strategy: str
    pos: SourcePos
    obligation_pos: SourcePos | None = None
    property: str = ""
    solver: str = ""
    harness: str = ""
    check: Node | None = None
    check_text: SourceText | None = None
    given: Mapping[str, Domain] = field(default_factory=dict)
    assume: tuple[Node, ...] = ()
    width: int | None = None  # bit-vector width for overflow harnesses
    signed: bool = False
    # Source texts of ``assume`` (same order), for error positions and rendering.
    assume_texts: tuple[SourceText, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class GateCheckRef:
    name: str
    pos: SourcePos


@dataclass(frozen=True)
class QAGate:
    id: str
    name: str
    pos: SourcePos
    description: str = ""
    checks: tuple[GateCheckRef, ...] = ()
    pass_criteria: str = ""
    pass_criteria_pos: SourcePos | None = None
    falsification: str = ""
    min_examples: int | None = None


@dataclass(frozen=True)
class Metadata:
    version: str
    description: str
    pos: SourcePos
    created: str = ""
    author: str = ""
    references: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    depends_on_pos: tuple[SourcePos, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Contract:
    """One contract file; ``id`` is the file stem unless metadata overrides it."""

    id: str
    path: str
    metadata: Metadata
    variables: Mapping[str, Variable] = field(default_factory=dict)
    symbols: Mapping[str, Symbol] = field(default_factory=dict)
    equations: Mapping[str, Equation] = field(default_factory=dict)
    obligations: tuple[Obligation, ...] = ()
    falsification_tests: tuple[FalsificationTest, ...] = ()
    harnesses: tuple[Harness, ...] = ()
    gate: QAGate | None = None
    mutants: str | None = None  # "module" of the contract's bug zoo
    # provable-contracts sections kvcontract carries but does not execute.
    extras: Mapping[str, Any] = field(default_factory=dict)

    def obligation(self, oid: str) -> Obligation | None:
        for ob in self.obligations:
            if ob.id == oid:
                return ob
        return None

    def defined_symbols(self) -> dict[str, Equation]:
        """LHS symbol -> the equation that defines it."""
        return {eq.defines: eq for eq in self.equations.values() if eq.defines}
