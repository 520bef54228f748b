"""The Paper abstraction: a reproduction is data on top of the experiments engine.

A :class:`Paper` has a name, title, citation, the modelling choices made where the paper is
ambiguous, its figures and its checks. Each :class:`PaperFigure` is computed by a sweep -- either
from an experiment spec (a TOML-shaped mapping, plus the changes that make its ``--quick``
variant) or from a module-level point function with full and quick grids -- and drawn from a
:class:`~qbattery.plotting.FigureSpec`. Checks are functions returning
:class:`~qbattery.experiments.checks.Check` rows (the printed number, the computed one, the
tolerance). Findings are functions returning a paragraph computed from the data (the paper's
claim with the numbers of this run); the report prints each under its figure (or paper).

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
#: ``f(ds) -> str`` or ``f(ds, quick) -> str``: a paragraph computed from a figure's dataset.
FigureFinding = Callable[..., str]
#: ``f(datasets) -> str``: a paragraph computed from the dict of the paper's figure datasets.
PaperFinding = Callable[[Mapping[str, Any]], str]


def _call(fn: Callable[..., Any], ds: Any, quick: bool) -> Any:
    """``fn(ds, quick)`` if it takes two parameters, else ``fn(ds)``."""
    return fn(ds, quick) if len(inspect.signature(fn).parameters) >= 2 else fn(ds)


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
    **constants) -> xarray.Dataset``) with ``grid`` and ``quick_grid``. ``quick_constants`` are
    merged over ``constants`` for ``--quick`` (e.g. fewer times or a smaller grid for a figure
    computed by one point); the store key includes the constants, so both runs are kept.

    ``checks`` are functions ``f(ds)`` (or ``f(ds, quick)``) returning :class:`Check` rows; the
    spec's own ``[[checks]]`` are evaluated too. ``findings`` are functions ``f(ds)`` (or ``f(ds,
    quick)``) returning a paragraph (plain text) computed from the data, shown under the figure
    in the report.
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
    findings: tuple[FigureFinding, ...] = ()
    quick_constants: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "findings", tuple(self.findings))
        if (self.spec is None) == (self.point is None):
            raise InvalidParameterError(f"figure {self.name}", None,
                                        "exactly one of spec or point")
        if self.point is not None and self.grid is None:
            raise InvalidParameterError(f"figure {self.name}.grid", None,
                                        "a Grid for a point-function figure")
        if self.spec is not None and self.quick_constants:
            raise InvalidParameterError(f"figure {self.name}.quick_constants",
                                        dict(self.quick_constants),
                                        "empty for a spec figure (use quick)")
        if self.point is not None:
            params = inspect.signature(self.point).parameters
            if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                for attr in ("constants", "quick_constants"):
                    unknown = sorted(set(getattr(self, attr)) - set(params))
                    if unknown:
                        raise InvalidParameterError(
                            f"figure {self.name}.{attr}", unknown,
                            f"parameters of {self.point.__name__} ({', '.join(params)})")

    def spec_dict(self, quick: bool) -> dict[str, Any]:
        """The spec mapping of this figure (with the quick changes applied if ``quick``)."""
        if self.spec is None:
            raise InvalidParameterError(f"figure {self.name}", None, "a spec-based figure")
        return _deep_merge(self.spec, self.quick) if quick else dict(self.spec)

    def constants_for(self, quick: bool) -> dict[str, Any]:
        """The point function's constants (``quick_constants`` merged over them if ``quick``)."""
        return {**self.constants, **self.quick_constants} if quick else dict(self.constants)

    def grid_for(self, quick: bool) -> Grid | None:
        """The grid of a point-function figure (``quick_grid`` if ``quick`` and given)."""
        return self.quick_grid if (quick and self.quick_grid is not None) else self.grid

    def run_checks(self, ds, quick: bool) -> list[Check]:
        out: list[Check] = []
        for fn in self.checks:
            out.extend(_call(fn, ds, quick))
        return out

    def run_findings(self, ds, quick: bool) -> list[str]:
        """The finding paragraphs for ``ds`` (a finding that raises propagates)."""
        return [str(_call(fn, ds, quick)) for fn in self.findings]


@dataclass(frozen=True, eq=False)
class Paper:
    """A registered reproduction: metadata, figures, checks and modelling choices.

    ``checks`` and ``findings`` take the dict of figure datasets (name -> dataset; a figure that
    could not be computed is missing); findings return a paragraph shown after the figures.
    """

    name: str
    title: str
    citation: str
    figures: tuple[PaperFigure, ...] = ()
    checks: tuple[PaperCheck, ...] = ()
    choices: tuple[str, ...] = ()
    description: str = ""
    url: str = ""
    module: str = ""
    findings: tuple[PaperFinding, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
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
