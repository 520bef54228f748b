"""Experiment specs: TOML (or a Python dict) -> validated -> a frozen, hashable ExperimentSpec.

Two stages, both ending in a one-line :class:`SpecError`
(``spec error: <key path> (line N): <what is wrong>``):

1. structure, with pydantic at the edge (unknown keys, wrong types, out-of-range numbers);
2. meaning, against the registries (model and parameter names, units, metric names, sweep axes,
   checks and figures that refer to existing variables and dimensions).

The result is an :class:`ExperimentSpec` of frozen dataclasses: hashable, comparable, and with a
content hash (:attr:`ExperimentSpec.hash`) over its numerics-relevant fields plus the numerics
version. See ``docs/experiments.md`` for the format.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
)

from ..errors import InvalidParameterError, QBatteryError
from ..plotting.figure import FigureSpec
from . import _toml
from .hashing import canonical, digest
from .registry import ModelEntry, get_metric, get_model
from .sweep import Grid

__all__ = [
    "DYNAMICS_KINDS",
    "CheckSpec",
    "DynamicsSpec",
    "ExperimentSpec",
    "ModelSpec",
    "SpecError",
    "StateSpec",
    "SweepSpec",
    "TimesSpec",
    "load_spec",
    "parse_spec",
]

DYNAMICS_KINDS = ("evolve", "steady_state", "collision", "cumulant")
GENERIC_STATES = ("ground", "maximally_mixed")
MAX_POINTS = 1_000_000
MAX_TIMES = 1_000_000
DEFAULT_UNITS = {"energy": "arb. units", "time": "1/energy unit"}

Scalar = float | int | bool | str


class SpecError(QBatteryError, ValueError):
    """An invalid spec: ``spec error: <key path> (line N): <what is wrong>``."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        where = path or "<spec>"
        if line is not None:
            where += f" (line {line})"
        super().__init__(f"spec error: {where}: {message}")

    def with_line(self, text: str | None) -> SpecError:
        """The same error with the line of its key in the TOML ``text`` (if found)."""
        if text is None or self.line is not None:
            return self
        line = locate_line(text, _parse_path(self.path))
        return SpecError(self.path, self.message, line) if line else self


# ---------------------------------------------------------------------- locations
def _fmt_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _parse_path(path: str) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return tuple(out)


def _split_key(s: str) -> list[str]:
    """Dotted TOML key -> parts (handles quoted parts)."""
    parts, cur, quote = [], "", None
    for ch in s:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return [p for p in parts if p]


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each key path of a TOML document to the line where it is defined (best effort).

    ``tomllib`` gives no positions, so the text is scanned: table headers, arrays of tables
    (indexed), ``key = value`` lines and keys inside one-line inline tables.
    """
    out: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    arrays: dict[tuple[str | int, ...], int] = {}
    key_re = re.compile(r'^((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*=')
    inner_re = re.compile(r'(?:^|[{,]\s*)([A-Za-z0-9_-]+|"[^"]*")\s*=')

    def resolve(names: list[str]) -> tuple[str | int, ...]:
        path: tuple[str | int, ...] = ()
        for n in names:
            path = (*path, n)
            if path in arrays:
                path = (*path, arrays[path])
        return path

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("[["):
            names = _split_key(line[2:line.find("]]")])
            parent = resolve(names[:-1])
            base = (*parent, names[-1])
            arrays[base] = arrays.get(base, -1) + 1
            table = (*base, arrays[base])
            out.setdefault(base, lineno)
            out.setdefault(table, lineno)
            continue
        if line.startswith("["):
            table = resolve(_split_key(line[1:line.rfind("]")]))
            for n in range(1, len(table) + 1):  # [a.b] also defines a
                out.setdefault(table[:n], lineno)
            continue
        m = key_re.match(line)
        if not m:
            continue
        path = (*table, *_split_key(m.group(1)))
        out.setdefault(path, lineno)
        rest = line[m.end():].strip()
        if rest.startswith("{"):
            for km in inner_re.finditer(rest):
                out.setdefault((*path, km.group(1).strip('"')), lineno)
        elif rest.startswith("["):
            depth, idx, start = 0, 0, True
            for ch in rest:
                if ch in "[{":
                    depth += 1
                    if depth == 2 and ch == "{" and start:
                        out.setdefault((*path, idx), lineno)
                elif ch in "]}":
                    depth -= 1
                elif ch == "," and depth == 1:
                    idx += 1
                    out.setdefault((*path, idx), lineno)
    return out


def locate_line(text: str, loc: Sequence[str | int]) -> int | None:
    """Line (1-based) of the most specific key of ``loc`` found in the TOML ``text``."""
    lines = _key_lines(text)
    loc = tuple(loc)
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


# ---------------------------------------------------------------------- stage 1: structure
def _scalar(v: Any) -> Any:
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number, got {v!r}")
        return v
    raise ValueError(f"expected a number, a boolean or a string, got {type(v).__name__} {v!r}")


ScalarIn = Annotated[Any, AfterValidator(_scalar)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _is_table(v: Any) -> str:
    return "~table" if isinstance(v, dict) else "~value"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ParamTableIn(_In):
    value: ScalarIn
    unit: str | None = None


ParamIn = Annotated[Union[Annotated[ScalarIn, Tag("~value")],  # noqa: UP007
                          Annotated[_ParamTableIn, Tag("~table")]], Discriminator(_is_table)]


class _ModelIn(_In):
    name: NonEmpty
    params: dict[Ident, ParamIn] = {}


class _RangeIn(_In):
    start: Finite
    stop: Finite
    num: Annotated[int, Field(ge=1, le=MAX_POINTS)]
    spacing: Literal["linear", "log"] = "linear"


AxisIn = Annotated[Union[Annotated[Annotated[list[ScalarIn], Field(min_length=1)],  # noqa: UP007
                                   Tag("~value")],
                         Annotated[_RangeIn, Tag("~table")]], Discriminator(_is_table)]


class _TimesIn(_In):
    start: Finite = 0.0
    stop: Finite | None = None
    num: Annotated[int, Field(ge=1, le=MAX_TIMES)] | None = None
    values: Annotated[list[Finite], Field(min_length=1, max_length=MAX_TIMES)] | None = None


class _StateIn(_In):
    kind: Literal["ground", "basis", "maximally_mixed", "gibbs", "named"]
    index: Annotated[int, Field(ge=0)] | None = None
    levels: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)] | None = None
    beta: NonNeg | None = None
    name: NonEmpty | None = None


StateIn = Annotated[Union[Annotated[NonEmpty, Tag("~value")],  # noqa: UP007
                          Annotated[_StateIn, Tag("~table")]], Discriminator(_is_table)]


class _DynamicsIn(_In):
    kind: Literal["evolve", "steady_state", "collision", "cumulant"]
    method: NonEmpty = "auto"
    options: dict[Ident, ScalarIn] = {}


class _SweepIn(_In):
    axes: dict[Ident, AxisIn] = {}
    cases: list[Annotated[dict[Ident, ScalarIn], Field(min_length=1)]] = []


class _UnitsIn(_In):
    energy: NonEmpty | None = None
    time: NonEmpty | None = None


class _CheckIn(_In):
    name: NonEmpty
    variable: Ident
    expected: Finite
    at: dict[Ident, ScalarIn] = {}
    reduce: Literal["value", "final", "max", "min", "mean"] = "value"
    rtol: NonNeg = 0.0
    atol: NonNeg = 0.0
    source: str = ""


Size = Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)]
OneOrMany = Annotated[Union[Annotated[Ident, Tag("~value")],  # noqa: UP007
                            Annotated[Annotated[list[Ident], Field(min_length=1)], Tag("~list")]],
                      Discriminator(lambda v: "~list" if isinstance(v, list) else "~value")]


class _FigureIn(_In):
    name: Slug
    y: OneOrMany
    x: Ident
    hue: Ident | None = None
    panels: Ident | None = None
    select: dict[Ident, ScalarIn] = {}
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    caption: str = ""
    xscale: Literal["linear", "log"] = "linear"
    yscale: Literal["linear", "log"] = "linear"
    labels: dict[Ident, str] = {}
    hue_format: str = "{name} = {value:g}"
    size: Annotated[list[Size], Field(min_length=2, max_length=2)] | None = None
    legend: bool = True


class _SpecIn(_In):
    name: Slug
    description: str = ""
    imports: list[NonEmpty] = []
    model: _ModelIn
    initial_state: StateIn = "ground"
    dynamics: _DynamicsIn
    times: _TimesIn | None = None
    metrics: Annotated[list[Ident], Field(min_length=1)]
    units: _UnitsIn = _UnitsIn()
    sweep: _SweepIn = _SweepIn()
    checks: list[_CheckIn] = []
    figures: list[_FigureIn] = []


def _fields_at(loc: Sequence[str | int]) -> list[str] | None:
    """Allowed keys of the table at ``loc`` (for 'unknown key' messages)."""
    model: Any = _SpecIn
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            if not isinstance(part, str) or part not in model.model_fields:
                if isinstance(part, str) and part.startswith("~"):
                    continue
                return None
            model = model.model_fields[part].annotation
        model = _unwrap_model(model, part)
        if model is None:
            return None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return None


def _unwrap_model(ann: Any, part: Any) -> Any:
    """The first pydantic model class inside a (possibly nested) annotation."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _unwrap_model(arg, part)
        if found is not None:
            return found
    meta = getattr(ann, "__origin__", None)
    if meta is not None and meta is not ann:
        return _unwrap_model(meta, part)
    return None


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 50 else text[:47] + "..."


def _from_validation_error(exc: ValidationError) -> SpecError:
    errs = exc.errors(include_url=False)
    # Prefer the most specific error (deepest key path) when several members of a union fail.
    e = errs[0]
    loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and (p.startswith("~")
                                                                     or p == "[key]")))
    typ = e["type"]
    ctx = e.get("ctx") or {}
    if typ == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        msg = "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    elif typ == "missing":
        msg = "required key is missing"
    elif typ == "value_error":
        err = ctx.get("error")
        msg = str(err) if err is not None else e["msg"].removeprefix("Value error, ")
    elif typ == "string_pattern_mismatch":
        if e["loc"] and e["loc"][-1] == "[key]":
            msg = (f"invalid name {e['input']!r}: expected letters, digits and underscores, "
                   "not starting with a digit")
        elif loc and loc[-1] == "name":
            msg = (f"invalid name {e['input']!r}: expected 1-64 letters, digits, '_', '-', '.', "
                   "starting with a letter or digit")
        else:
            msg = f"invalid name {e['input']!r}: expected letters, digits and underscores"
    elif typ == "literal_error":
        msg = f"{_short(e['input'])} is not allowed: expected {ctx.get('expected', '?')}"
    else:
        msg = e["msg"][0].lower() + e["msg"][1:]
        msg = f"{msg}, got {_short(e['input'])}"
    return SpecError(_fmt_path(loc), msg)


# ---------------------------------------------------------------------- frozen internals
def _freeze_pairs(d: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((str(k), v) for k, v in d.items())


@dataclass(frozen=True)
class ModelSpec:
    """A registered model and all its parameter values (defaults filled in), with units."""

    name: str
    params: tuple[tuple[str, Scalar], ...]
    units: tuple[tuple[str, str], ...] = ()

    def param_dict(self) -> dict[str, Scalar]:
        return dict(self.params)

    def unit_of(self, param: str) -> str:
        return dict(self.units).get(param, "")


@dataclass(frozen=True)
class StateSpec:
    """Initial state: ``ground``, ``maximally_mixed``, ``basis`` (``index`` or per-subsystem
    ``levels``), ``gibbs`` (``beta``, of the full Hamiltonian) or ``named`` (a state the model
    registered)."""

    kind: str = "ground"
    index: int | None = None
    levels: tuple[int, ...] | None = None
    beta: float | None = None
    name: str | None = None

    def to_value(self) -> str | dict[str, Any]:
        if self.kind in GENERIC_STATES:
            return self.kind
        if self.kind == "named":
            return str(self.name)
        d: dict[str, Any] = {"kind": self.kind}
        for k in ("index", "beta"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.levels is not None:
            d["levels"] = list(self.levels)
        return d


@dataclass(frozen=True)
class DynamicsSpec:
    """How states are obtained: ``evolve``, ``steady_state``, ``collision`` or ``cumulant``,
    with the solver ``method`` and its ``options`` (tolerances...)."""

    kind: str
    method: str = "auto"
    options: tuple[tuple[str, Scalar], ...] = ()


@dataclass(frozen=True)
class TimesSpec:
    """Output times: ``num`` evenly spaced from ``start`` to ``stop`` (inclusive), or ``values``."""

    start: float = 0.0
    stop: float | None = None
    num: int | None = None
    values: tuple[float, ...] | None = None

    def array(self) -> np.ndarray:
        if self.values is not None:
            return np.asarray(self.values, dtype=np.float64)
        return np.linspace(self.start, self.stop, self.num, dtype=np.float64)

    def to_value(self) -> dict[str, Any]:
        if self.values is not None:
            return {"values": list(self.values)}
        return {"start": self.start, "stop": self.stop, "num": self.num}


@dataclass(frozen=True)
class AxisSpec:
    """One sweep axis: its values, and the range it was written as (kept for round trips)."""

    name: str
    values: tuple[Scalar, ...]
    range: tuple[float, float, int, str] | None = None

    def to_value(self) -> list[Any] | dict[str, Any]:
        if self.range is not None:
            start, stop, num, spacing = self.range
            d: dict[str, Any] = {"start": start, "stop": stop, "num": num}
            if spacing != "linear":
                d["spacing"] = spacing
            return d
        return list(self.values)


@dataclass(frozen=True)
class SweepSpec:
    """Cartesian axes (sorted by name, so dims do not depend on key order) and explicit cases."""

    axes: tuple[AxisSpec, ...] = ()
    cases: tuple[tuple[tuple[str, Scalar], ...], ...] = ()

    def grid(self) -> Grid:
        return Grid(axes=[(a.name, a.values) for a in self.axes],
                    cases=[dict(c) for c in self.cases])

    @property
    def dims(self) -> tuple[str, ...]:
        return self.grid().dims


@dataclass(frozen=True)
class CheckSpec:
    """A check of a dataset value against an expected number.

    ``variable`` is selected at ``at`` (exact for sweep axes, nearest for time) and reduced with
    ``reduce`` (``value``: must already be one number; ``final``: last time; ``max``, ``min``,
    ``mean`` over what is left); it passes if ``|computed - expected| <= atol + rtol*|expected|``.
    """

    name: str
    variable: str
    expected: float
    at: tuple[tuple[str, Scalar], ...] = ()
    reduce: str = "value"
    rtol: float = 0.0
    atol: float = 0.0
    source: str = ""

    def to_value(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "variable": self.variable,
                             "expected": self.expected}
        if self.at:
            d["at"] = dict(self.at)
        if self.reduce != "value":
            d["reduce"] = self.reduce
        if self.rtol:
            d["rtol"] = self.rtol
        if self.atol:
            d["atol"] = self.atol
        if self.source:
            d["source"] = self.source
        return d


@dataclass(frozen=True)
class ExperimentSpec:
    """A complete, validated experiment: frozen, hashable, with a content hash.

    Build one with :func:`parse_spec` (TOML text), :func:`load_spec` (a file) or
    :meth:`from_dict` (Python); all go through the same validation.
    """

    name: str
    model: ModelSpec
    dynamics: DynamicsSpec
    metrics: tuple[str, ...]
    initial_state: StateSpec = field(default_factory=StateSpec)
    times: TimesSpec | None = None
    units: tuple[tuple[str, str], ...] = ()
    sweep: SweepSpec = field(default_factory=SweepSpec)
    checks: tuple[CheckSpec, ...] = ()
    figures: tuple[FigureSpec, ...] = ()
    description: str = ""
    imports: tuple[str, ...] = ()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, text: str | None = None) -> ExperimentSpec:
        """Validate a TOML-shaped mapping (``text``: its TOML source, for line numbers)."""
        if not isinstance(data, Mapping):
            raise SpecError("", f"expected a table of keys, got {type(data).__name__}")
        try:
            raw = _SpecIn.model_validate(dict(data))
        except ValidationError as exc:
            raise _from_validation_error(exc).with_line(text) from None
        try:
            return _resolve(raw)
        except SpecError as exc:
            raise exc.with_line(text) from None

    @classmethod
    def from_toml(cls, text: str) -> ExperimentSpec:
        return parse_spec(text)

    # ------------------------------------------------------------------ views
    def to_dict(self) -> dict[str, Any]:
        """TOML-shaped mapping; ``from_dict(spec.to_dict()) == spec``."""
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        if self.imports:
            d["imports"] = list(self.imports)
        d["initial_state"] = self.initial_state.to_value()
        d["metrics"] = list(self.metrics)
        units = dict(self.model.units)
        params: dict[str, Any] = {}
        for k, v in self.model.params:
            params[k] = {"value": v, "unit": units[k]} if units.get(k) else v
        d["model"] = {"name": self.model.name, "params": params}
        dyn: dict[str, Any] = {"kind": self.dynamics.kind, "method": self.dynamics.method}
        if self.dynamics.options:
            dyn["options"] = dict(self.dynamics.options)
        d["dynamics"] = dyn
        if self.times is not None:
            d["times"] = self.times.to_value()
        d["units"] = dict(self.units)
        if self.sweep.axes or self.sweep.cases:
            sw: dict[str, Any] = {}
            if self.sweep.axes:
                sw["axes"] = {a.name: a.to_value() for a in self.sweep.axes}
            if self.sweep.cases:
                sw["cases"] = [dict(c) for c in self.sweep.cases]
            d["sweep"] = sw
        if self.checks:
            d["checks"] = [c.to_value() for c in self.checks]
        if self.figures:
            d["figures"] = [f.to_dict() for f in self.figures]
        return d

    def to_toml(self) -> str:
        """The resolved spec as TOML (every parameter written out, defaults included)."""
        return _toml.dumps(self.to_dict())

    def numerics(self) -> dict[str, Any]:
        """The part of the spec that determines the numbers (what the hash covers).

        Left out: ``name``, ``description``, ``imports``, ``checks`` and ``figures`` (they do not
        change any computed value; checks and figures are re-evaluated on every run).
        """
        return canonical({
            "model": {"name": self.model.name, "params": dict(self.model.params),
                      "units": dict(self.model.units)},
            "initial_state": self.initial_state,
            "dynamics": {"kind": self.dynamics.kind, "method": self.dynamics.method,
                         "options": dict(self.dynamics.options)},
            "times": None if self.times is None else self.times.to_value(),
            "metrics": list(self.metrics),
            "units": dict(self.units),
            "sweep": {"axes": [[a.name, list(a.values)] for a in self.sweep.axes],
                      "cases": [dict(c) for c in self.sweep.cases]},
        })

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`numerics` and the numerics version."""
        return digest(self.numerics())

    @property
    def short_hash(self) -> str:
        return self.hash[:12]

    def grid(self) -> Grid:
        return self.sweep.grid()

    @property
    def unit_map(self) -> dict[str, str]:
        return dict(self.units)

    def to_json(self) -> str:
        """Compact JSON of :meth:`to_dict` (how specs travel to workers)."""
        return json.dumps(self.to_dict(), sort_keys=False, separators=(",", ":"))

    def updated(self, changes: Mapping[str, Any]) -> ExperimentSpec:
        """A new, re-validated spec with ``changes`` deep-merged into :meth:`to_dict`."""
        def merge(a: dict[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
            out = dict(a)
            for k, v in b.items():
                out[k] = merge(out[k], v) if isinstance(v, Mapping) and isinstance(
                    out.get(k), dict) else v
            return out

        return ExperimentSpec.from_dict(merge(self.to_dict(), changes))


# ---------------------------------------------------------------------- stage 2: meaning
def _range_values(r: _RangeIn, path: str) -> tuple[float, ...]:
    if r.num > 1 and r.start == r.stop:
        raise SpecError(path, "start and stop must differ when num > 1")
    if r.spacing == "log":
        if r.start <= 0 or r.stop <= 0:
            raise SpecError(path, "a log-spaced range needs start > 0 and stop > 0")
        vals = np.geomspace(r.start, r.stop, r.num)
    else:
        vals = np.linspace(r.start, r.stop, r.num)
    return tuple(float(v) for v in vals)


def _param_value(entry: ModelEntry, name: str, value: Any, path: str) -> Any:
    try:
        return entry.params[name].validate(value)
    except ValueError as exc:
        raise SpecError(path, str(exc)) from None


def _import_modules(mods: Sequence[str]) -> None:
    for i, m in enumerate(mods):
        try:
            importlib.import_module(m)
        except Exception as exc:
            raise SpecError(f"imports[{i}]", f"cannot import {m!r}: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}") from None


def _resolve(raw: _SpecIn) -> ExperimentSpec:
    _import_modules(raw.imports)
    try:
        entry = get_model(raw.model.name)
    except InvalidParameterError as exc:
        raise SpecError("model.name", f"unknown model {raw.model.name!r}; expected "
                        f"{exc.allowed}") from None

    # sweep axes and cases: model parameters, values checked like the parameters
    n_points = max(len(raw.sweep.cases), 1) * math.prod(
        ax.num if isinstance(ax, _RangeIn) else len(ax) for ax in raw.sweep.axes.values())
    if n_points > MAX_POINTS:  # before building (and checking) millions of values
        raise SpecError("sweep", f"{n_points} points is more than the limit {MAX_POINTS}")
    axes: list[AxisSpec] = []
    for name in sorted(raw.sweep.axes):
        ax = raw.sweep.axes[name]
        path = f"sweep.axes.{name}"
        if name not in entry.params:
            raise SpecError(path, f"not a parameter of model {entry.name!r} (parameters: "
                            f"{', '.join(entry.params) or 'none'})")
        if name in raw.model.params:
            raise SpecError(path, "also set in model.params; a swept parameter is set by the "
                            "sweep only")
        if isinstance(ax, _RangeIn):
            values = _range_values(ax, path)
            kind = entry.params[name].kind
            if kind == "int":
                if not all(float(v).is_integer() for v in values):
                    raise SpecError(path, "the range gives non-integer values for an integer "
                                    "parameter; list the values instead")
                values = tuple(int(v) for v in values)
            rng = (ax.start, ax.stop, ax.num, ax.spacing)
        else:
            values, rng = tuple(ax), None
        values = tuple(_param_value(entry, name, v, f"{path}[{i}]") for i, v in enumerate(values))
        if len({(type(v), v) for v in values}) != len(values):
            raise SpecError(path, "values must be distinct")
        axes.append(AxisSpec(name, values, rng))
    cases = []
    case_keys: list[str] | None = None
    for i, case in enumerate(raw.sweep.cases):
        path = f"sweep.cases[{i}]"
        keys = sorted(case)
        if case_keys is None:
            case_keys = keys
        elif keys != case_keys:
            raise SpecError(path, f"every case must set the same keys as sweep.cases[0] "
                            f"({', '.join(case_keys)}), got {', '.join(keys)}")
        vals = []
        for k in keys:
            if k not in entry.params:
                raise SpecError(f"{path}.{k}", f"not a parameter of model {entry.name!r} "
                                f"(parameters: {', '.join(entry.params)})")
            if k in raw.sweep.axes:
                raise SpecError(f"{path}.{k}", "already a sweep axis")
            if k in raw.model.params:
                raise SpecError(f"{path}.{k}", "also set in model.params; a swept parameter is "
                                "set by the sweep only")
            vals.append((k, _param_value(entry, k, case[k], f"{path}.{k}")))
        cases.append(tuple(vals))
    if len({json.dumps(c) for c in cases}) != len(cases):
        raise SpecError("sweep.cases", "cases must be distinct")
    sweep = SweepSpec(tuple(axes), tuple(cases))
    swept = set(sweep.dims)

    # model parameters: known, valid, required ones present, units consistent
    params: dict[str, Any] = {}
    units: dict[str, str] = {}
    for k, v in raw.model.params.items():
        path = f"model.params.{k}"
        if k not in entry.params:
            raise SpecError(path, f"unknown parameter of model {entry.name!r} (parameters: "
                            f"{', '.join(entry.params) or 'none'})")
        value, unit = (v.value, v.unit) if isinstance(v, _ParamTableIn) else (v, None)
        params[k] = _param_value(entry, k, value, path + (".value" if unit is not None else ""))
        declared = entry.params[k].unit
        if unit is not None and declared and unit != declared:
            raise SpecError(f"{path}.unit", f"{unit!r} differs from the model's unit "
                            f"{declared!r} (units are checked, never converted)")
        if unit:
            units[k] = unit
    for k, p in entry.params.items():
        if k in params or k in swept:
            continue
        if p.required:
            raise SpecError("model.params", f"missing required parameter {k!r} of model "
                            f"{entry.name!r}")
        params[k] = p.validate(p.default)
    for k, p in entry.params.items():
        if p.unit and k not in units:
            units[k] = p.unit
    model = ModelSpec(entry.name, tuple(sorted(params.items())),
                      tuple(sorted(units.items())))

    # initial state
    st = raw.initial_state
    states = list(GENERIC_STATES) + list(entry.states)
    if isinstance(st, str):
        if st in GENERIC_STATES:
            state = StateSpec(st)
        elif st in entry.states:
            state = StateSpec("named", name=st)
        else:
            raise SpecError("initial_state", f"unknown state {st!r}: expected one of "
                            f"{', '.join(states)}, or a table with kind = 'basis' or 'gibbs'")
    else:
        allowed = {"ground": set(), "maximally_mixed": set(), "basis": {"index", "levels"},
                   "gibbs": {"beta"}, "named": {"name"}}[st.kind]
        given = {k for k in ("index", "levels", "beta", "name") if getattr(st, k) is not None}
        extra = given - allowed
        if extra:
            k = sorted(extra)[0]
            raise SpecError(f"initial_state.{k}", f"not used by kind = {st.kind!r}")
        if st.kind == "basis" and len(given) != 1:
            raise SpecError("initial_state", "kind = 'basis' needs exactly one of index or levels")
        if st.kind == "gibbs" and st.beta is None:
            raise SpecError("initial_state.beta", "required for kind = 'gibbs'")
        if st.kind == "named":
            if st.name is None:
                raise SpecError("initial_state.name", "required for kind = 'named'")
            if st.name not in entry.states:
                raise SpecError("initial_state.name", f"model {entry.name!r} has no state "
                                f"{st.name!r} (states: {', '.join(entry.states) or 'none'})")
        state = StateSpec(st.kind, st.index, tuple(st.levels) if st.levels else None, st.beta,
                          st.name)

    # dynamics and times
    dyn = raw.dynamics
    from .runner import check_dynamics  # runner imports this module: import here, not at the top

    check_dynamics(dyn.kind, dyn.method, dict(dyn.options))
    dynamics = DynamicsSpec(dyn.kind, dyn.method, tuple(sorted(dyn.options.items())))
    times = None
    if dyn.kind == "steady_state":
        if raw.times is not None:
            raise SpecError("times", "not used when dynamics.kind = 'steady_state'; remove it")
    else:
        if raw.times is None:
            raise SpecError("times", f"required when dynamics.kind = {dyn.kind!r}")
        t = raw.times
        if t.values is not None:
            if t.stop is not None or t.num is not None or "start" in t.model_fields_set:
                raise SpecError("times", "give either values, or start, stop and num")
            arr = np.asarray(t.values)
            if arr.size > 1 and not np.all(np.diff(arr) > 0):
                raise SpecError("times.values", "times must be strictly increasing")
            times = TimesSpec(values=tuple(float(v) for v in t.values))
        else:
            if t.stop is None or t.num is None:
                missing = "stop" if t.stop is None else "num"
                raise SpecError(f"times.{missing}", "required key is missing (or give values)")
            if t.num > 1 and not t.stop > t.start:
                raise SpecError("times.stop", f"must be greater than start = {t.start!r}, got "
                                f"{t.stop!r}")
            times = TimesSpec(float(t.start), float(t.stop), int(t.num))
    if times is not None and (times.array()[0] < 0):
        raise SpecError("times", "times must be >= 0")

    # metrics
    if len(set(raw.metrics)) != len(raw.metrics):
        dup = next(m for m in raw.metrics if raw.metrics.count(m) > 1)
        raise SpecError(f"metrics[{raw.metrics.index(dup, raw.metrics.index(dup) + 1)}]",
                        f"{dup!r} is listed twice")
    for i, m in enumerate(raw.metrics):
        try:
            entry_m = get_metric(m)
        except InvalidParameterError as exc:
            raise SpecError(f"metrics[{i}]", f"unknown metric {m!r}: expected {exc.allowed}"
                            ) from None
        if entry_m.needs_times and times is None:
            raise SpecError(f"metrics[{i}]", f"{m!r} needs a time axis, which "
                            f"dynamics.kind = {dyn.kind!r} does not have")

    # units: the model's defaults, overridden by the spec
    unit_map = {**DEFAULT_UNITS, **{k: v for k, v in entry.units.items() if k in DEFAULT_UNITS}}
    unit_map.update({k: v for k, v in raw.units.model_dump().items() if v is not None})

    # dims of the dataset: sweep dims then time
    dims: dict[str, int] = {d: len(v) for d, v in sweep.grid().coords.items()}
    if times is not None:
        dims["time"] = times.array().size
    coord_values: dict[str, tuple] = dict(sweep.grid().coords)
    variables = list(raw.metrics)

    checks = []
    seen_checks: set[str] = set()
    for i, c in enumerate(raw.checks):
        path = f"checks[{i}]"
        if c.name in seen_checks:
            raise SpecError(f"{path}.name", f"{c.name!r} is used by another check")
        seen_checks.add(c.name)
        if c.variable not in variables:
            raise SpecError(f"{path}.variable", f"{c.variable!r} is not a computed metric "
                            f"({', '.join(variables)})")
        for k, v in c.at.items():
            if k not in dims:
                raise SpecError(f"{path}.at.{k}", f"not a dimension of the dataset "
                                f"({', '.join(dims) or 'none'})")
            if k == "time":
                tarr = times.array() if times is not None else np.zeros(0)
                if isinstance(v, bool) or not isinstance(v, int | float) or not (
                        tarr[0] <= v <= tarr[-1]):
                    raise SpecError(f"{path}.at.{k}", f"expected a time in [{tarr[0]!r}, "
                                    f"{tarr[-1]!r}], got {v!r}")
            else:
                vals = coord_values[k]
                if not any((type(v) is type(x) and v == x) or (
                        isinstance(v, int | float) and not isinstance(v, bool)
                        and isinstance(x, float) and float(v) == x) for x in vals):
                    raise SpecError(f"{path}.at.{k}", f"{v!r} is not a value of the sweep axis "
                                    f"({', '.join(repr(x) for x in vals)})")
        left = [d for d in dims if d not in c.at and not (c.reduce == "final" and d == "time")]
        if c.reduce == "final" and "time" not in dims:
            raise SpecError(f"{path}.reduce", "'final' needs a time dimension")
        if c.reduce in ("value", "final") and any(dims[d] > 1 for d in left):
            big = [d for d in left if dims[d] > 1]
            raise SpecError(path, f"selects more than one value (free dimension(s): "
                            f"{', '.join(big)}); add them to at, or set reduce = 'max', 'min' "
                            f"or 'mean'")
        at = tuple((k, float(v) if k == "time" else v) for k, v in c.at.items())
        checks.append(CheckSpec(c.name, c.variable, float(c.expected), at, c.reduce,
                                float(c.rtol), float(c.atol), c.source))

    figures = []
    seen_figs: set[str] = set()
    for i, f in enumerate(raw.figures):
        path = f"figures[{i}]"
        if f.name in seen_figs:
            raise SpecError(f"{path}.name", f"{f.name!r} is used by another figure")
        seen_figs.add(f.name)
        try:
            fig = FigureSpec(name=f.name, y=f.y, x=f.x, hue=f.hue, panels=f.panels,
                             select=f.select, xlabel=f.xlabel, ylabel=f.ylabel, title=f.title,
                             caption=f.caption, xscale=f.xscale, yscale=f.yscale, labels=f.labels,
                             hue_format=f.hue_format, legend=f.legend,
                             **({"size": tuple(f.size)} if f.size else {}))
        except ValueError as exc:
            raise SpecError(path, str(exc)) from None
        for k in ("x", "hue", "panels"):
            d = getattr(f, k)
            if d is not None and d not in dims and not (k == "panels" and d == "variable"):
                raise SpecError(f"{path}.{k}", f"{d!r} is not a dimension of the dataset "
                                f"({', '.join(dims) or 'none'})")
        for j, v in enumerate(fig.y):
            if v not in variables:
                raise SpecError(f"{path}.y" + (f"[{j}]" if isinstance(f.y, list) else ""),
                                f"{v!r} is not a computed metric ({', '.join(variables)})")
        problem = fig.check_against(dims, variables)
        if problem:
            raise SpecError(path, problem)
        figures.append(fig)

    return ExperimentSpec(
        name=raw.name, description=raw.description, imports=tuple(raw.imports), model=model,
        initial_state=state, dynamics=dynamics, times=times, metrics=tuple(raw.metrics),
        units=tuple(sorted(unit_map.items())), sweep=sweep, checks=tuple(checks),
        figures=tuple(figures))


# ---------------------------------------------------------------------- entry points
def parse_spec(text: str) -> ExperimentSpec:
    """Parse and validate TOML text (errors carry the line of the offending key)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).strip() or "syntax error"
        raise SpecError("<toml>", f"invalid TOML: {msg[0].lower() + msg[1:]}", line) from None
    spec = ExperimentSpec.from_dict(data, text=text)
    # Not a field (no effect on equality or hash): lets later checks report line numbers.
    object.__setattr__(spec, "_source_text", text)
    return spec


def spec_error_from(exc: Exception, path: str) -> SpecError:
    """A :class:`SpecError` at ``path`` from an argument error raised while building a model."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    name = getattr(exc, "name", None)
    if isinstance(exc, InvalidParameterError) and msg.startswith(f"{name} = "):
        msg = msg.split(" is invalid: ", 1)[-1] + f", got {exc.value!r}"
    return SpecError(path, msg)


def load_spec(path: str | os.PathLike) -> ExperimentSpec:
    """Read and validate a spec file (``.toml``)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SpecError(str(p), "file not found") from None
    except IsADirectoryError:
        raise SpecError(str(p), "is a directory, expected a TOML file") from None
    except OSError as exc:
        raise SpecError(str(p), f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(str(p), "not UTF-8 text") from None
    return parse_spec(text)
