"""The Paper abstraction: a reproduction is data on top of the experiments engine.

A :class:`Paper` has a name, title, citation, the modelling choices made where the paper is
ambiguous, its figures and its checks. Each :class:`PaperFigure` is computed by a sweep -- either
from an experiment spec (a TOML-shaped mapping, plus the changes that make its ``--quick``
variant) or from a module-level point function with full and quick grids -- and drawn from a
:class:`~qbattery.plotting.FigureSpec`. Checks are functions returning
:class:`~qbattery.experiments.checks.Check` rows (the printed number, the computed one, the
tolerance).

A paper module registers itself at import::

    PAPER = register(Paper(name="smith2024", title=..., citation=..., figures=(...)))

and :func:`qbattery.experiments.registry.load_plugins` imports every module of this package.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidParameterError
from ..experiments.checks import Check
from ..experiments.registry import get_paper, paper_names, register_paper
from ..experiments.sweep import Grid
from ..plotting.figure import FigureSpec

__all__ = ["Paper", "PaperFigure", "get_paper", "paper_names", "register"]

FigureCheck = Callable[..., Iterable[Check]]
PaperCheck = Callable[[Mapping[str, Any]], Iterable[Check]]


def _deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, Mapping) and isinstance(
            out.get(k), Mapping) else v
    return out


@dataclass(frozen=True, eq=False)
class PaperFigure:
    """One figure of a paper.

    Give either ``spec`` (a TOML-shaped spec mapping; ``quick`` holds the changes, deep-merged,
    for the reduced ``--quick`` run) or ``point`` (a module-level function ``f(**point,
    **constants) -> xarray.Dataset``) with ``grid`` and ``quick_grid``.

    ``checks`` are functions ``f(ds)`` (or ``f(ds, quick)``) returning :class:`Check` rows; the
    spec's own ``[[checks]]`` are evaluated too.
    """

    name: str
    plot: FigureSpec
    spec: Mapping[str, Any] | None = None
    quick: Mapping[str, Any] = field(default_factory=dict)
    point: Callable[..., Any] | None = None
    grid: Grid | None = None
    quick_grid: Grid | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)
    coord_attrs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    checks: tuple[FigureCheck, ...] = ()
    caption: str = ""

    def __post_init__(self) -> None:
        if (self.spec is None) == (self.point is None):
            raise InvalidParameterError(f"figure {self.name}", None,
                                        "exactly one of spec or point")
        if self.point is not None and self.grid is None:
            raise InvalidParameterError(f"figure {self.name}.grid", None,
                                        "a Grid for a point-function figure")

    def spec_dict(self, quick: bool) -> dict[str, Any]:
        """The spec mapping of this figure (with the quick changes applied if ``quick``)."""
        if self.spec is None:
            raise InvalidParameterError(f"figure {self.name}", None, "a spec-based figure")
        return _deep_merge(self.spec, self.quick) if quick else dict(self.spec)

    def run_checks(self, ds, quick: bool) -> list[Check]:
        out: list[Check] = []
        for fn in self.checks:
            n = len(inspect.signature(fn).parameters)
            out.extend(fn(ds, quick) if n >= 2 else fn(ds))
        return out


@dataclass(frozen=True, eq=False)
class Paper:
    """A registered reproduction: metadata, figures, checks and modelling choices."""

    name: str
    title: str
    citation: str
    figures: tuple[PaperFigure, ...] = ()
    checks: tuple[PaperCheck, ...] = ()
    choices: tuple[str, ...] = ()
    description: str = ""
    url: str = ""
    module: str = ""

    def __post_init__(self) -> None:
        names = [f.name for f in self.figures]
        if len(set(names)) != len(names):
            raise InvalidParameterError(f"paper {self.name}.figures", names, "distinct names")

    def figure(self, name: str) -> PaperFigure:
        for f in self.figures:
            if f.name == name:
                return f
        raise InvalidParameterError("figure", name,
                                    f"one of {', '.join(f.name for f in self.figures)}")


def register(paper: Paper, *, replace: bool = False) -> Paper:
    """Register ``paper`` (by name) so that ``qbattery reproduce`` and ``qbattery list`` see it.

    Registering again from the same module (a re-import) replaces the entry.
    """
    if not paper.module:
        object.__setattr__(paper, "module", sys._getframe(1).f_globals.get("__name__", ""))
    return register_paper(paper, replace=replace)
