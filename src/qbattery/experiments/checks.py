"""Checks: a computed number against the number printed in a paper (or a closed form).

A :class:`Check` is one row of a report table and of ``checks.csv`` (columns ``check``,
``source``, ``expected``, ``computed``, ``tolerance``, ``passed``, then ``kind`` and ``note``).
``tolerance`` is the absolute tolerance actually applied, ``atol + rtol * |expected|``, so that a
reader can redo the comparison from the CSV alone.

Two kinds of rows: ``kind="check"`` verifies qbattery's computation (a closed form, a printed
number that the model must reproduce); a failure means something is wrong and makes
``qbattery reproduce`` exit with code 1. ``kind="claim"`` records a *paper's claim* tested
against the data: ``passed`` says whether the claim holds; a claim that does not hold is a
finding, reported as such ("does not hold"), and does not change the exit code.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CHECK_COLUMNS",
    "Check",
    "at_least",
    "at_most",
    "compare",
    "holds",
    "read_checks_csv",
    "write_checks_csv",
]

CHECK_COLUMNS = ("check", "source", "expected", "computed", "tolerance", "passed")
#: Columns written after the required ones.
EXTRA_COLUMNS = ("kind", "note")
CHECK_KINDS = ("check", "claim")


def _as_number(x: Any) -> float:
    arr = np.asarray(x)
    if arr.size != 1:
        raise ValueError(f"a check compares one number, got an array of shape {arr.shape}")
    v = arr.reshape(()).item()
    if isinstance(v, complex):
        if v.imag != 0:
            raise ValueError(f"a check compares real numbers, got {v!r}")
        v = v.real
    return float(v)


@dataclass(frozen=True)
class Check:
    """One comparison: ``|computed - expected| <= tolerance`` (or a stated condition).

    ``expected`` and ``computed`` are floats for numerical checks and short strings for
    qualitative ones (e.g. ``expected="<= 0.5"``); ``tolerance`` is an absolute tolerance
    (``nan`` when not applicable).
    """

    check: str
    source: str
    expected: float | str
    computed: float | str
    tolerance: float
    passed: bool
    note: str = ""
    kind: str = "check"

    def __post_init__(self) -> None:
        if self.kind not in CHECK_KINDS:
            raise ValueError(f"check {self.check!r}: kind = {self.kind!r} is invalid: expected "
                             f"one of {', '.join(CHECK_KINDS)}")

    @property
    def is_claim(self) -> bool:
        """True for a paper's claim tested against the data (see the module docstring)."""
        return self.kind == "claim"

    @property
    def verdict(self) -> str:
        """``pass``/``FAIL`` for checks, ``holds``/``does not hold`` for claims."""
        if self.is_claim:
            return "holds" if self.passed else "does not hold"
        return "pass" if self.passed else "FAIL"

    def as_claim(self) -> Check:
        """The same row marked as a paper's claim."""
        from dataclasses import replace

        return replace(self, kind="claim")

    def row(self) -> dict[str, str]:
        """The CSV row (floats written with ``repr`` so that they round-trip exactly)."""
        return {
            "check": self.check,
            "source": self.source,
            "expected": _fmt_exact(self.expected),
            "computed": _fmt_exact(self.computed),
            "tolerance": _fmt_exact(self.tolerance),
            "passed": "true" if self.passed else "false",
            "kind": self.kind,
            "note": self.note,
        }

    def __str__(self) -> str:
        mark = self.verdict.upper()
        return (f"[{mark}] {self.check}: computed {_fmt_short(self.computed)}, expected "
                f"{_fmt_short(self.expected)} (tol {_fmt_short(self.tolerance)})")


def _fmt_exact(x: Any) -> str:
    if isinstance(x, float):
        return repr(x)
    return str(x)


def _fmt_short(x: Any) -> str:
    if isinstance(x, float):
        return "n/a" if math.isnan(x) else f"{x:.6g}"
    return str(x)


def compare(check: str, computed: Any, expected: Any, *, rtol: float = 0.0, atol: float = 0.0,
            source: str = "", note: str = "") -> Check:
    """``|computed - expected| <= atol + rtol * |expected|`` (NaN never passes)."""
    if rtol < 0 or atol < 0 or not (math.isfinite(rtol) and math.isfinite(atol)):
        raise ValueError(f"check {check!r}: tolerances must be finite and >= 0, got rtol={rtol!r}, "
                         f"atol={atol!r}")
    c, e = _as_number(computed), _as_number(expected)
    tol = atol + rtol * abs(e)
    passed = bool(math.isfinite(c) and abs(c - e) <= tol)
    return Check(check, source, e, c, tol, passed, note)


def at_most(check: str, computed: Any, bound: Any, *, atol: float = 0.0, source: str = "",
            note: str = "") -> Check:
    """``computed <= bound + atol``; the expected column reads ``<= bound``."""
    c, b = _as_number(computed), _as_number(bound)
    return Check(check, source, f"<= {b!r}", c, float(atol), bool(c <= b + atol), note)


def at_least(check: str, computed: Any, bound: Any, *, atol: float = 0.0, source: str = "",
             note: str = "") -> Check:
    """``computed >= bound - atol``; the expected column reads ``>= bound``."""
    c, b = _as_number(computed), _as_number(bound)
    return Check(check, source, f">= {b!r}", c, float(atol), bool(c >= b - atol), note)


def holds(check: str, passed: bool, *, expected: str = "true", computed: str | None = None,
          source: str = "", note: str = "") -> Check:
    """A qualitative check (e.g. "energy is monotonic")."""
    ok = bool(passed)
    return Check(check, source, expected, computed if computed is not None else str(ok).lower(),
                 math.nan, ok, note)


def write_checks_csv(path: str | os.PathLike, checks: Iterable[Check]) -> Path:
    """Write ``checks.csv`` atomically (temporary file in the same directory, then rename)."""
    from .store import atomic_write_text

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CHECK_COLUMNS + EXTRA_COLUMNS), lineterminator="\n")
    w.writeheader()
    for c in checks:
        w.writerow(c.row())
    return atomic_write_text(Path(path), buf.getvalue())


def read_checks_csv(path: str | os.PathLike) -> list[Check]:
    """Read a ``checks.csv`` back (numbers where they parse, strings otherwise)."""
    def num(s: str) -> float | str:
        try:
            return float(s)
        except ValueError:
            return s

    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tol = num(row["tolerance"])
            out.append(Check(row["check"], row["source"], num(row["expected"]),
                             num(row["computed"]), tol if isinstance(tol, float) else math.nan,
                             row["passed"] == "true", row.get("note", "") or "",
                             row.get("kind", "check") or "check"))
    return out


def summary(checks: Sequence[Check]) -> str:
    """``"7/8 checks passed"``."""
    own = [c for c in checks if not c.is_claim]
    claims = [c for c in checks if c.is_claim]
    text = f"{sum(c.passed for c in own)}/{len(own)} checks passed"
    if claims:
        text += f"; {sum(c.passed for c in claims)}/{len(claims)} paper claims hold"
    return text
