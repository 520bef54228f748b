"""Figures as data: which variables against which coordinate, grouped by which parameter.

:class:`FigureSpec` is a frozen description (hashable, TOML-able); :func:`plot_dataset` draws it
from an ``xarray.Dataset`` in the house style and writes one PNG and one PDF (the formats are a
setting: :func:`default_formats`). Matplotlib is imported inside the functions only, through the
Agg canvas (no pyplot, no global backend switch).

Kinds of panel: ``"line"`` (curves against ``x``, optionally with markers), ``"scatter"``
(markers only, e.g. populations against n) and ``"map"`` (a colour map of one variable over ``x``
and ``ydim``, NaN cells blank, a colour bar, and ``overlays``: curves ``y(x)`` such as a boundary,
drawn in red). A figure is one panel, one panel per value of a coordinate (``panels``), one per
variable (``panels="variable"``), or a row of different panels (``subplots``, see
:meth:`FigureSpec.compose`).
"""

from __future__ import annotations

import io
import itertools
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMATS", "HOUSE_STYLE", "KINDS", "OKABE_ITO", "FigureSpec", "default_formats",
           "draw_figure", "plot_dataset"]

#: Colour-blind-safe palette (Okabe and Ito 2008), black last.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P")
#: Colour of map overlays (the paper convention for a boundary: a red line).
OVERLAY_COLOR = "#E00000"
#: Panel kinds.
KINDS = ("line", "scatter", "map")
#: Output formats :func:`plot_dataset` can write.
FORMATS = ("png", "pdf", "svg")
#: Environment variable holding the default formats, comma separated (e.g. ``png``).
FORMATS_ENV = "QBATTERY_FIGURE_FORMATS"

#: Matplotlib rc parameters of every qbattery figure.
HOUSE_STYLE: dict[str, Any] = {
    "figure.dpi": 150,  # = savefig.dpi: the layout pass and the PNG share text layouts
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.0,
    "axes.prop_cycle": None,  # set in _rc() (needs matplotlib's cycler)
    "mathtext.fontset": "dejavusans",
    "svg.hashsalt": "qbattery",
}

Scalar = float | int | bool | str
Limits = tuple[float | None, float | None] | None


def default_formats() -> tuple[str, ...]:
    """The formats written when none are asked for: ``$QBATTERY_FIGURE_FORMATS`` (comma separated,
    e.g. ``png`` to skip the PDF) or ``("png", "pdf")``."""
    env = os.environ.get(FORMATS_ENV, "").strip()
    return check_formats(env.split(",")) if env else ("png", "pdf")


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """Normalised formats (lower case, no dots, no repeats); ``ValueError`` names a bad one."""
    out: list[str] = []
    for f in formats:
        f = str(f).strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise ValueError(f"figure format {f!r} is invalid: expected some of "
                             f"{', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    return tuple(out)


def _is_seq(v: Any) -> bool:
    return isinstance(v, (list, tuple, np.ndarray))


def _norm(v: Any) -> Any:
    """Hashable form of a selection value (sequences become tuples)."""
    if _is_seq(v):
        return tuple(x.item() if isinstance(x, np.generic) else x for x in v)
    return v.item() if isinstance(v, np.generic) else v


def _pairs(x: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> tuple[tuple[str, Any], ...]:
    if x is None:
        return ()
    items = x.items() if isinstance(x, Mapping) else x
    return tuple((str(k), _norm(v)) for k, v in items)


def _limits(v: Any, name: str) -> Limits:
    if v is None:
        return None
    if not _is_seq(v) or len(v) != 2:
        raise ValueError(f"{name} = {v!r} is invalid: expected (low, high), either may be None")
    return tuple(None if x is None else float(x) for x in v)  # type: ignore[return-value]


@dataclass(frozen=True)
class FigureSpec:
    """What to draw.

    Parameters
    ----------
    name
        File stem of the figure (``<name>.png``, ``<name>.pdf``).
    y
        Variable(s) to plot (one line style each; for ``kind="map"`` the coloured variable).
    x
        Coordinate on the horizontal axis (``"time"`` or a sweep axis).
    hue
        Coordinate whose values get one colour each (legend), or ``None``. Without a hue, each
        plotted line gets its own colour.
    panels
        Coordinate whose values get one panel each, ``"variable"`` for one panel per variable of
        ``y``, or ``None``.
    select
        Fixed values of other coordinates, for every variable (exact; nearest for float
        coordinates). A list keeps the dimension with these values (e.g. a subset of the hue).
    xlabel, ylabel, title, caption
        The paper's axis labels (mathtext allowed), title (the panel title of a subplot), and the
        caption used in reports.
    xscale, yscale
        ``"linear"`` or ``"log"`` (non-positive values are left out on a log axis).
    labels
        Legend label per variable (default: the variable name). The label of a variable sliced by
        ``sel`` is formatted with the slice's coordinates (``r"$\\rho_{n}$"`` gives
        ``$\\rho_0$``, ``$\\rho_1$``).
    hue_format
        Legend label of a hue value, formatted with ``name`` and ``value``.
    size
        Size of one panel in inches (width, height).
    legend
        Draw legends. Panels with identical legends share one.
    legend_loc
        Matplotlib legend location (e.g. ``"upper right"``); default: ``"best"``, outside on the
        right for more than four entries, ``"lower center"`` on a map.
    kind
        ``"line"``, ``"scatter"`` (markers only) or ``"map"`` (pcolormesh of ``y[0]`` over
        ``x`` and ``ydim``; NaN cells are blank).
    marker
        Marker of line plots (e.g. ``"o"``); for scatter plots the first marker (default ``o``).
    xlim, ylim
        Axis limits ``(low, high)``, either may be ``None`` (automatic). Line data outside
        ``xlim`` are not drawn.
    panel_format
        Title of a panel of ``panels = <coordinate>``, formatted with ``name`` and ``value``.
    sel
        Selection per variable: ``{"population": {"n": [0, 1]}}`` draws ``population`` at n = 0
        and n = 1 as two lines, next to variables without ``n``; a scalar value fixes it.
    ydim
        Map: the coordinate on the vertical axis.
    overlays
        Map: variables over ``x`` drawn as lines on the map (e.g. a boundary ``y(x)``), in
        ``colors[var]`` or red, with their ``labels`` in the legend.
    cmap, clim, clabel
        Map: colour map name, colour limits ``(low, high)`` and colour-bar label (default: the
        variable's label with units).
    colors
        Colour per variable (or overlay), used where the hue does not set the colour.
    subplots
        Panels side by side, each a ``FigureSpec`` drawn from the same dataset (its own kind,
        variables, selection, limits, scales, labels; its ``title`` is the panel title). See
        :meth:`compose`.
    ncols
        Panels per row (default: up to 3).
    """

    name: str
    y: tuple[str, ...]
    x: str
    hue: str | None = None
    panels: str | None = None
    select: tuple[tuple[str, Any], ...] = ()
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    caption: str = ""
    xscale: str = "linear"
    yscale: str = "linear"
    labels: tuple[tuple[str, str], ...] = ()
    hue_format: str = "{name} = {value:g}"
    size: tuple[float, float] = (4.0, 3.0)
    legend: bool = True
    kind: str = "line"
    marker: str = ""
    xlim: Limits = None
    ylim: Limits = None
    panel_format: str = "{name} = {value:g}"
    sel: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    ydim: str | None = None
    overlays: tuple[str, ...] = ()
    cmap: str = "viridis"
    clim: Limits = None
    clabel: str = ""
    colors: tuple[tuple[str, str], ...] = ()
    subplots: tuple[FigureSpec, ...] = field(default=())
    ncols: int = 0
    legend_loc: str = ""

    def __post_init__(self) -> None:
        subs = tuple(self.subplots)
        object.__setattr__(self, "subplots", subs)
        y = (self.y,) if isinstance(self.y, str) else tuple(self.y)
        if not y and subs:
            y = tuple(dict.fromkeys(v for s in subs for v in s.y))
        object.__setattr__(self, "y", y)
        if not self.x and subs:
            object.__setattr__(self, "x", subs[0].x)
        object.__setattr__(self, "select", _pairs(self.select))
        object.__setattr__(self, "labels", _pairs(self.labels))
        object.__setattr__(self, "colors", _pairs(self.colors))
        object.__setattr__(self, "sel", tuple((v, _pairs(m)) for v, m in _pairs(self.sel)))
        overlays = (self.overlays,) if isinstance(self.overlays, str) else tuple(self.overlays)
        object.__setattr__(self, "overlays", overlays)
        object.__setattr__(self, "size", tuple(float(s) for s in self.size))
        for attr in ("xlim", "ylim", "clim"):
            object.__setattr__(self, attr, _limits(getattr(self, attr), attr))
        for attr in ("xscale", "yscale"):
            if getattr(self, attr) not in ("linear", "log"):
                raise ValueError(f"{attr} = {getattr(self, attr)!r} is invalid: expected 'linear' "
                                 "or 'log'")
        if self.kind not in KINDS:
            raise ValueError(f"kind = {self.kind!r} is invalid: expected one of "
                             f"{', '.join(repr(k) for k in KINDS)}")
        if not y:
            raise ValueError("y = () is invalid: expected at least one variable")
        if self.kind == "map":
            if not self.ydim:
                raise ValueError("ydim = None is invalid for kind = 'map': expected the "
                                 "coordinate of the vertical axis")
            if self.hue is not None:
                raise ValueError(f"hue = {self.hue!r} is invalid for kind = 'map': expected None")
            if len(y) > 1 and self.panels != "variable":
                raise ValueError(f"y = {y!r} is invalid for kind = 'map': expected one variable "
                                 "(or panels = 'variable')")
        elif self.ydim or self.overlays:
            raise ValueError("ydim and overlays are only used by kind = 'map'")
        if int(self.ncols) < 0:
            raise ValueError(f"ncols = {self.ncols!r} is invalid: expected >= 0")
        for s in subs:
            if not isinstance(s, FigureSpec):
                raise ValueError(f"subplots: expected FigureSpec entries, got {type(s).__name__}")
            if s.subplots or s.panels:
                raise ValueError(f"subplots.{s.name}: a subplot draws one panel (no panels or "
                                 "subplots of its own)")
        if subs and self.panels:
            raise ValueError("panels and subplots are exclusive")

    @classmethod
    def compose(cls, name: str, *subplots: FigureSpec, **kwargs: Any) -> FigureSpec:
        """A figure made of different panels side by side (``title``, ``caption``, ``size`` of
        one panel and ``ncols`` apply to the whole)::

            FigureSpec.compose("fig3",
                FigureSpec("a", ("energy", "ergotropy"), "gamma_t", title="(a)"),
                FigureSpec("b", "population", "gamma_t", sel={"population": {"n": [0, 1]}}))
        """
        return cls(name, (), "", subplots=tuple(subplots), **kwargs)

    def label_of(self, var: str) -> str:
        return dict(self.labels).get(var, var)

    def color_of(self, var: str) -> str | None:
        return dict(self.colors).get(var)

    def to_dict(self) -> dict[str, Any]:
        """TOML/JSON-able form (defaults omitted)."""
        d: dict[str, Any] = {"name": self.name, "y": list(self.y), "x": self.x}
        defaults = FigureSpec("_", ("_",), "_")
        for key in ("hue", "panels", "xlabel", "ylabel", "title", "caption", "xscale", "yscale",
                    "hue_format", "legend", "kind", "marker", "panel_format", "ydim", "cmap",
                    "clabel", "ncols", "legend_loc"):
            v = getattr(self, key)
            if v != getattr(defaults, key):
                d[key] = v
        for key in ("xlim", "ylim", "clim"):
            if getattr(self, key) is not None:
                d[key] = list(getattr(self, key))
        if self.select:
            d["select"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.select}
        if self.sel:
            d["sel"] = {var: {k: list(v) if isinstance(v, tuple) else v for k, v in m}
                        for var, m in self.sel}
        if self.labels:
            d["labels"] = dict(self.labels)
        if self.colors:
            d["colors"] = dict(self.colors)
        if self.overlays:
            d["overlays"] = list(self.overlays)
        if self.size != defaults.size:
            d["size"] = list(self.size)
        if self.subplots:
            d["subplots"] = [s.to_dict() for s in self.subplots]
        return d

    def required_dims(self) -> tuple[str, ...]:
        dims = [self.x]
        for d in (self.hue, self.panels, self.ydim):
            if d is not None and d != "variable":
                dims.append(d)
        return tuple(dims)

    def check_against(self, dims: Mapping[str, int], variables: Sequence[str],
                      var_dims: Mapping[str, Sequence[str]] | None = None) -> str | None:
        """``None`` if the figure can be drawn from data with ``dims`` (name -> size) and
        ``variables``, else what is wrong (one line). With ``var_dims`` (variable -> its
        dimensions) the free dimensions are checked per variable."""
        if self.subplots:
            for i, s in enumerate(self.subplots):
                problem = s.check_against(dims, variables, var_dims)
                if problem:
                    return f"panel {i + 1} ({s.name}): {problem}"
            return None
        names = list(dict.fromkeys([*self.y, *self.overlays]))
        for v in names:
            if v not in variables:
                return f"variable {v!r} is not in the data ({', '.join(variables)})"
        for role, d in (("x", self.x), ("hue", self.hue), ("panels", self.panels),
                        ("ydim", self.ydim)):
            if d is None or (role == "panels" and d == "variable"):
                continue
            if d not in dims:
                return f"{role} = {d!r} is not a dimension of the data ({', '.join(dims)})"
        for k, _ in self.select:
            if k not in dims:
                return f"select.{k}: not a dimension of the data ({', '.join(dims)})"
        own: dict[str, set[str]] = {}
        for var, m in self.sel:
            if var not in names:
                return f"sel.{var}: not a plotted variable ({', '.join(names)})"
            for k, v in m:
                if k not in dims:
                    return f"sel.{var}.{k}: not a dimension of the data ({', '.join(dims)})"
                if self.kind == "map" and isinstance(v, tuple):
                    return f"sel.{var}.{k}: a map takes one value, not a list"
            own[var] = {k for k, _ in m}
        fixed = {k for k, v in self.select if not isinstance(v, tuple)}
        required = set(self.required_dims())

        def free_dims(candidates: Iterable[str], var_own: set[str]) -> list[str]:
            return [d for d in candidates if d not in required and d not in fixed
                    and d not in var_own and dims.get(d, 1) > 1]

        if var_dims is None:
            free = free_dims(dims, set().union(*own.values()) if own else set())
        else:
            free = list(dict.fromkeys(d for v in names
                                      for d in free_dims(var_dims.get(v, ()), own.get(v, set()))))
        if free:
            return (f"dimension(s) {', '.join(free)} are neither x, hue, panels nor selected; add "
                    f"them to select")
        return None


def _rc() -> dict[str, Any]:
    from cycler import cycler

    rc = dict(HOUSE_STYLE)
    rc["axes.prop_cycle"] = cycler(color=list(OKABE_ITO))
    return rc


def _select(ds, select: Iterable[tuple[str, Any]]):
    """``ds.sel`` with nearest matching for float coordinates; a tuple keeps the dimension."""
    for k, v in select:
        value = list(v) if isinstance(v, tuple) else v
        idx = ds.indexes.get(k)
        if idx is not None and idx.dtype.kind == "f":
            ds = ds.sel({k: value}, method="nearest")
        else:
            ds = ds.sel({k: value})
    return ds


def _fmt_hue(fmt: str, name: str, value: Any) -> str:
    try:
        return fmt.format(name=name, value=value)
    except (ValueError, TypeError, KeyError, IndexError):
        return f"{name} = {value}"


def _fmt_slice(label: str, coords: Mapping[str, Any]) -> str:
    """Label of a slice of a variable: ``label.format(**coords)``, else ``label (k = v)``."""
    if not coords:
        return label
    try:
        out = label.format(**coords)
    except (ValueError, TypeError, KeyError, IndexError):
        out = label
    if out == label:
        out = label + " (" + ", ".join(f"{k} = {v}" for k, v in coords.items()) + ")"
    return out


def _units(da) -> str:
    u = da.attrs.get("units", "")
    return f" [{u}]" if u and u != "1" else ""


def _squeeze_to(da, keep: Sequence[str], what: str):
    extra = [d for d in da.dims if d not in keep]
    big = [d for d in extra if da.sizes[d] > 1]
    if big:
        raise ValueError(f"{what}: dimension(s) {', '.join(big)} left after selection; add them "
                         "to select")
    return da.squeeze(extra, drop=True) if extra else da


def _x_window(xs: np.ndarray, lim: Limits) -> slice:
    """Indices of sorted numeric ``xs`` inside ``lim``, plus one neighbour each side (so lines
    reach the frame)."""
    if lim is None or xs.size < 3 or xs.dtype.kind not in "iuf" or np.any(np.diff(xs) < 0):
        return slice(None)
    lo = 0 if lim[0] is None else max(int(np.searchsorted(xs, lim[0], "left")) - 1, 0)
    hi = xs.size if lim[1] is None else min(int(np.searchsorted(xs, lim[1], "right")) + 1,
                                            xs.size)
    return slice(lo, hi)


@dataclass
class _Panel:
    spec: FigureSpec
    data: Any
    variables: list[str]
    title: str = ""
    single_variable: bool = False  # panels = "variable"


def _panel_plan(ds, spec: FigureSpec) -> list[_Panel]:
    if spec.subplots:
        return [_Panel(s, _select(ds, s.select), list(s.y), s.title) for s in spec.subplots]
    data = _select(ds, spec.select)
    if spec.panels == "variable":
        return [_Panel(spec, data, [v], single_variable=True) for v in spec.y]
    if spec.panels:
        return [_Panel(spec, data.sel({spec.panels: pk}), list(spec.y),
                       _fmt_hue(spec.panel_format, spec.panels, pk))
                for pk in data[spec.panels].values]
    return [_Panel(spec, data, list(spec.y))]


def _slices(spec: FigureSpec, data, var: str) -> list[tuple[Any, dict[str, Any]]]:
    """``(data array, slice coordinates)`` per line of ``var`` after its own selection."""
    da = data[var]
    m = dict(spec.sel).get(var, ())
    scalars = [(k, v) for k, v in m if not isinstance(v, tuple)]
    lists = [(k, v) for k, v in m if isinstance(v, tuple)]
    da = _select(da, scalars)
    if not lists:
        return [(da, {})]
    out = []
    for combo in itertools.product(*(v for _, v in lists)):
        coords = dict(zip((k for k, _ in lists), combo, strict=True))
        out.append((_select(da, coords.items()), coords))
    return out


def _draw_lines(ax, p: _Panel) -> list[tuple[Any, str]]:
    from matplotlib.lines import Line2D

    spec, data = p.spec, p.data
    scatter = spec.kind == "scatter"
    hue_vals: list[Any] = list(np.atleast_1d(data[spec.hue].values)) if spec.hue else [None]
    lines = []  # (variable, data array, label, index of the slice within the variable)
    for var in p.variables:
        for j, (da, coords) in enumerate(_slices(spec, data, var)):
            lines.append((var, da, _fmt_slice(spec.label_of(var), coords), j))
    factorised = spec.hue is not None and len(lines) > 1 and len(hue_vals) > 1
    entries: list[tuple[Any, str]] = []
    # Line style (or marker) index: with a hue the colour is the hue's, so lines differ by
    # style; without one each line has its own colour, unless a variable's colour is fixed.
    base = spec.marker or "o"
    markers = (base, *(m for m in _MARKERS if m != base))
    style_of = []  # (linestyle, marker) per line
    for li, (var, _, _, j) in enumerate(lines):
        k = li if spec.hue is not None else (j if spec.color_of(var) else 0)
        if scatter:
            style_of.append(("none", markers[k % len(markers)]))
        else:
            style_of.append((_LINESTYLES[k % len(_LINESTYLES)], spec.marker or None))
    for li, (var, da, label, _) in enumerate(lines):
        ls, marker = style_of[li]
        for hi, hv in enumerate(hue_vals):
            d = da if hv is None else da.sel({spec.hue: hv})
            d = _squeeze_to(d, [spec.x], f"variable {var!r}")
            xs = np.asarray(d[spec.x].values)
            ys = np.asarray(d.values).real
            w = _x_window(xs, spec.xlim)
            if hv is not None:
                color = OKABE_ITO[hi % len(OKABE_ITO)]
            else:
                color = spec.color_of(var) or OKABE_ITO[li % len(OKABE_ITO)]
            ax.plot(xs[w], ys[w], color=color, linestyle=ls, marker=marker,
                    markersize=4.0 if scatter else 3.0)
            if factorised:
                continue
            parts = []
            if len(lines) > 1:
                parts.append(label)
            if hv is not None:
                parts.append(_fmt_hue(spec.hue_format, spec.hue, hv))
            text = ", ".join(parts)
            if text:
                entries.append((Line2D([], [], color=color, linestyle=ls, marker=marker), text))
    if factorised:  # one entry per colour (hue), one per line style (variable)
        for hi, hv in enumerate(hue_vals):
            c = OKABE_ITO[hi % len(OKABE_ITO)]
            entries.append((Line2D([], [], color=c, linestyle="none" if scatter else "-",
                                   marker="o" if scatter else None),
                            _fmt_hue(spec.hue_format, spec.hue, hv)))
        for li, (_, _, label, _) in enumerate(lines):
            ls, marker = style_of[li]
            entries.append((Line2D([], [], color="0.3", linestyle=ls, marker=marker), label))
    ax.set_xscale(spec.xscale)
    if spec.yscale == "log":
        ax.set_yscale("log", nonpositive="mask")
    first = p.variables[0]
    ax.set_xlabel(spec.xlabel or f"{spec.x}{_units(data[spec.x])}")
    # A label given by the figure is the paper's label (units included); a bare variable name
    # gets the units of the data.
    given = dict(spec.labels)
    if p.single_variable or not spec.ylabel:
        ax.set_ylabel(given.get(first) or first + _units(data[first]))
    else:
        ax.set_ylabel(spec.ylabel)
    return entries


def _draw_map(fig, ax, p: _Panel) -> list[tuple[Any, str]]:
    from matplotlib.lines import Line2D

    spec, data = p.spec, p.data
    var = p.variables[0]
    (da, _), = _slices(spec, data, var)
    da = _squeeze_to(da, [spec.x, spec.ydim], f"variable {var!r}").transpose(spec.ydim, spec.x)
    xs = np.asarray(da[spec.x].values, dtype=float)
    ys = np.asarray(da[spec.ydim].values, dtype=float)
    z = np.ma.masked_invalid(np.asarray(da.values).real)  # NaN cells stay blank
    lo, hi = spec.clim if spec.clim is not None else (None, None)
    # Rasterised in vector formats: small files, no seams between cells in PDF viewers.
    mesh = ax.pcolormesh(xs, ys, z, shading="nearest", cmap=spec.cmap, vmin=lo, vmax=hi,
                         rasterized=True)
    ax.grid(False)
    ax.set_facecolor("white")
    cb = fig.colorbar(mesh, ax=ax, pad=0.02)
    cb.set_label(spec.clabel or (dict(spec.labels).get(var) or var + _units(data[var])))
    cb.ax.tick_params(direction="in")
    entries = []
    for i, ov in enumerate(spec.overlays):
        (od, _), = _slices(spec, data, ov)
        od = _squeeze_to(od, [spec.x], f"overlay {ov!r}")
        color = spec.color_of(ov) or (OVERLAY_COLOR if i == 0 else OKABE_ITO[i % 8])
        ax.plot(np.asarray(od[spec.x].values), np.asarray(od.values).real, color=color,
                linestyle=_LINESTYLES[i % len(_LINESTYLES)])
        if ov in dict(spec.labels):
            entries.append((Line2D([], [], color=color, linestyle=_LINESTYLES[i % 4]),
                            spec.label_of(ov)))
    ax.set_xlim(*(spec.xlim or (xs.min(), xs.max())))
    ax.set_ylim(*(spec.ylim or (ys.min(), ys.max())))
    ax.set_xscale(spec.xscale)
    ax.set_yscale(spec.yscale)
    ax.set_xlabel(spec.xlabel or f"{spec.x}{_units(data[spec.x])}")
    ax.set_ylabel(spec.ylabel or f"{spec.ydim}{_units(data[spec.ydim])}")
    return entries


def _legend(ax, entries: list[tuple[Any, str]], spec: FigureSpec) -> None:
    handles, texts = zip(*entries, strict=True)
    on_map = spec.kind == "map"
    if spec.legend_loc:
        ax.legend(handles, texts, loc=spec.legend_loc, frameon=on_map,
                  **({"framealpha": 0.85, "edgecolor": "none"} if on_map else {}))
    elif on_map:  # on colours: a framed box in a corner (the "best" search sees no free space)
        ax.legend(handles, texts, loc="lower center", frameon=True, framealpha=0.85,
                  edgecolor="none")
    elif len(handles) > 4:  # many curves: keep the legend off the data
        ax.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0)
    else:
        ax.legend(handles, texts, loc="best")


def draw_figure(ds, spec: FigureSpec):
    """The matplotlib ``Figure`` of ``spec`` drawn from ``ds`` (Agg canvas, house style, laid out).

    For inspection (tests, notebooks: ``fig.axes``); :func:`plot_dataset` draws and writes the
    files. Raises ``ValueError`` (one line) if the data do not fit the spec.
    """
    import matplotlib

    with matplotlib.rc_context(_rc()):
        fig, _ = _draw(ds, spec)
    return fig


def _draw(ds, spec: FigureSpec):
    """(figure, tight bounding box in inches); call inside the house-style rc context."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    var_dims = {str(v): tuple(ds[v].dims) for v in ds.data_vars}
    problem = spec.check_against(dict(ds.sizes), list(ds.data_vars), var_dims)
    if problem:
        raise ValueError(f"figure {spec.name!r}: {problem}")
    panels = _panel_plan(ds, spec)
    w, h = spec.size
    ncols = min(len(panels), int(spec.ncols) or 3)
    nrows = math.ceil(len(panels) / ncols)
    # Constrained layout only where panels could collide (it costs a layout pass).
    fig = Figure(figsize=(w * ncols, h * nrows),
                 layout="constrained" if len(panels) > 1 else None)
    canvas = FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    all_entries = []
    for ax, p in zip(axes, panels, strict=False):
        entries = _draw_map(fig, ax, p) if p.spec.kind == "map" else _draw_lines(ax, p)
        if p.spec.xlim is not None and p.spec.kind != "map":
            ax.set_xlim(*p.spec.xlim)
        if p.spec.ylim is not None and p.spec.kind != "map":
            ax.set_ylim(*p.spec.ylim)
        if p.title:
            ax.set_title(p.title)
        all_entries.append(entries if p.spec.legend else [])
    texts = [[t for _, t in e] for e in all_entries]
    shared = len(panels) > 1 and texts[0] and all(t == texts[0] for t in texts)
    for i, (ax, entries) in enumerate(zip(axes, all_entries, strict=False)):
        if entries and (not shared or i == len(panels) - 1):
            _legend(ax, entries, panels[i].spec)
    if spec.title:
        fig.suptitle(spec.title)
    # One layout pass and one tight bounding box serve every format: saving with an explicit box
    # and no layout engine draws each file once (instead of two or three times).
    renderer = canvas.get_renderer()
    fig.draw(renderer)
    bbox = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
    fig.set_layout_engine(None)
    return fig, bbox


def plot_dataset(ds, spec: FigureSpec, stem: str | os.PathLike, *,
                 formats: Sequence[str] | None = None,
                 timings: dict[str, float] | None = None) -> list[Path]:
    """Draw ``spec`` from ``ds`` and write ``<stem>.<format>`` for each format (atomically).

    ``formats`` defaults to :func:`default_formats` (PNG and PDF). Returns the written paths.
    Raises ``ValueError`` (one line) if the data do not fit the spec. If ``timings`` is given it
    receives the seconds spent drawing (``"draw"``: building the figure and one layout pass) and
    writing each format (``"png"``, ``"pdf"``, ...).
    """
    import matplotlib

    from ..experiments.store import atomic_write_bytes

    t0 = time.perf_counter()
    formats = default_formats() if formats is None else check_formats(formats)
    stem = Path(stem)
    written = []
    with matplotlib.rc_context(_rc()):
        fig, bbox = _draw(ds, spec)
        t1 = time.perf_counter()
        if timings is not None:
            timings["draw"] = t1 - t0
        for fmt in formats:
            buf = io.BytesIO()
            # Fixed metadata so that the same data give the same file bytes.
            meta = {"pdf": {"CreationDate": None}, "png": {"Software": None},
                    "svg": {"Date": None}}.get(fmt, {})
            fig.savefig(buf, format=fmt, metadata=meta, bbox_inches=bbox)
            written.append(atomic_write_bytes(stem.with_suffix(f".{fmt}"), buf.getvalue()))
            t2 = time.perf_counter()
            if timings is not None:
                timings[fmt] = t2 - t1
            t1 = t2
    return written
