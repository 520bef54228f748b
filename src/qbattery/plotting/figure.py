"""Figures as data: which variables against which coordinate, grouped by which parameter.

:class:`FigureSpec` is a frozen description (hashable, TOML-able); :func:`plot_dataset` draws it
from an ``xarray.Dataset`` in the house style and writes one PNG and one PDF. Matplotlib is
imported inside the functions only, through the Agg canvas (no pyplot, no global backend switch).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["HOUSE_STYLE", "OKABE_ITO", "FigureSpec", "plot_dataset"]

#: Colour-blind-safe palette (Okabe and Ito 2008), black last.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")
_LINESTYLES = ("-", "--", ":", "-.")

#: Matplotlib rc parameters of every qbattery figure.
HOUSE_STYLE: dict[str, Any] = {
    "figure.dpi": 100,
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
    "axes.prop_cycle": None,  # set in _rc() (needs matplotlib's cycler)
    "mathtext.fontset": "dejavusans",
    "svg.hashsalt": "qbattery",
}

Scalar = float | int | bool | str


def _pairs(x: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> tuple[tuple[str, Any], ...]:
    if x is None:
        return ()
    items = x.items() if isinstance(x, Mapping) else x
    return tuple((str(k), v) for k, v in items)


@dataclass(frozen=True)
class FigureSpec:
    """What to draw.

    Parameters
    ----------
    name
        File stem of the figure (``<name>.png``, ``<name>.pdf``).
    y
        Variable(s) to plot (one line style each).
    x
        Coordinate on the horizontal axis (``"time"`` or a sweep axis).
    hue
        Coordinate whose values get one colour each (legend), or ``None``.
    panels
        Coordinate whose values get one panel each, ``"variable"`` for one panel per variable of
        ``y``, or ``None``.
    select
        Fixed values of other coordinates (exact; nearest for float coordinates).
    xlabel, ylabel, title, caption
        The paper's axis labels (mathtext allowed), title, and the caption used in reports.
    xscale, yscale
        ``"linear"`` or ``"log"``.
    labels
        Legend label per variable (default: the variable name).
    hue_format
        Legend label of a hue value, formatted with ``name`` and ``value``.
    size
        Size of one panel in inches (width, height).
    """

    name: str
    y: tuple[str, ...]
    x: str
    hue: str | None = None
    panels: str | None = None
    select: tuple[tuple[str, Scalar], ...] = ()
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

    def __post_init__(self) -> None:
        y = (self.y,) if isinstance(self.y, str) else tuple(self.y)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "select", _pairs(self.select))
        object.__setattr__(self, "labels", _pairs(self.labels))
        object.__setattr__(self, "size", tuple(float(s) for s in self.size))
        for attr in ("xscale", "yscale"):
            if getattr(self, attr) not in ("linear", "log"):
                raise ValueError(f"{attr} = {getattr(self, attr)!r} is invalid: expected 'linear' "
                                 "or 'log'")
        if not y:
            raise ValueError("y = () is invalid: expected at least one variable")

    def label_of(self, var: str) -> str:
        return dict(self.labels).get(var, var)

    def to_dict(self) -> dict[str, Any]:
        """TOML/JSON-able form (defaults omitted)."""
        d: dict[str, Any] = {"name": self.name, "y": list(self.y), "x": self.x}
        defaults = FigureSpec("_", ("_",), "_")
        for key in ("hue", "panels", "xlabel", "ylabel", "title", "caption", "xscale", "yscale",
                    "hue_format", "legend"):
            v = getattr(self, key)
            if v != getattr(defaults, key):
                d[key] = v
        if self.select:
            d["select"] = dict(self.select)
        if self.labels:
            d["labels"] = dict(self.labels)
        if self.size != defaults.size:
            d["size"] = list(self.size)
        return d

    def required_dims(self) -> tuple[str, ...]:
        dims = [self.x]
        for d in (self.hue, self.panels):
            if d is not None and d != "variable":
                dims.append(d)
        return tuple(dims)

    def check_against(self, dims: Mapping[str, int], variables: Sequence[str]) -> str | None:
        """``None`` if the figure can be drawn from data with ``dims`` (name -> size) and
        ``variables``, else what is wrong (one line)."""
        for v in self.y:
            if v not in variables:
                return f"variable {v!r} is not in the data ({', '.join(variables)})"
        for role, d in (("x", self.x), ("hue", self.hue), ("panels", self.panels)):
            if d is None or (role == "panels" and d == "variable"):
                continue
            if d not in dims:
                return f"{role} = {d!r} is not a dimension of the data ({', '.join(dims)})"
        fixed = {k for k, _ in self.select}
        for k in fixed:
            if k not in dims:
                return f"select.{k}: not a dimension of the data ({', '.join(dims)})"
        free = [d for d, n in dims.items()
                if d not in self.required_dims() and d not in fixed and n > 1]
        if free:
            return (f"dimension(s) {', '.join(free)} are neither x, hue, panels nor selected; add "
                    f"them to select")
        return None


def _rc() -> dict[str, Any]:
    from cycler import cycler

    rc = dict(HOUSE_STYLE)
    rc["axes.prop_cycle"] = cycler(color=list(OKABE_ITO))
    return rc


def _select(ds, select: Sequence[tuple[str, Any]]):
    for k, v in select:
        idx = ds.indexes.get(k)
        if idx is not None and idx.dtype.kind == "f":
            ds = ds.sel({k: v}, method="nearest")
        else:
            ds = ds.sel({k: v})
    return ds


def _fmt_hue(fmt: str, name: str, value: Any) -> str:
    try:
        return fmt.format(name=name, value=value)
    except (ValueError, TypeError):
        return f"{name} = {value}"


def _units(da) -> str:
    u = da.attrs.get("units", "")
    return f" [{u}]" if u and u != "1" else ""


def plot_dataset(ds, spec: FigureSpec, stem: str | os.PathLike, *,
                 formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """Draw ``spec`` from ``ds`` and write ``<stem>.png`` and ``<stem>.pdf`` (atomically).

    Returns the written paths. Raises ``ValueError`` (one line) if the data do not fit the spec.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..experiments.store import atomic_write_bytes

    problem = spec.check_against(dict(ds.sizes), list(ds.data_vars))
    if problem:
        raise ValueError(f"figure {spec.name!r}: {problem}")
    data = _select(ds, spec.select)
    if spec.panels == "variable":
        panel_keys: list[Any] = list(spec.y)
    elif spec.panels:
        panel_keys = list(data[spec.panels].values)
    else:
        panel_keys = [None]
    hue_vals: list[Any] = list(data[spec.hue].values) if spec.hue else [None]
    stem = Path(stem)
    written = []
    with matplotlib.rc_context(_rc()):
        w, h = spec.size
        ncols = min(len(panel_keys), 3)
        nrows = math.ceil(len(panel_keys) / ncols)
        # Constrained layout only where panels could collide; it costs a layout pass per save.
        fig = Figure(figsize=(w * ncols, h * nrows),
                     layout="constrained" if len(panel_keys) > 1 else None)
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[len(panel_keys):]:
            ax.set_visible(False)
        for ax, pk in zip(axes, panel_keys, strict=False):
            variables = [pk] if spec.panels == "variable" else list(spec.y)
            sub = data if (pk is None or spec.panels == "variable") else data.sel({spec.panels: pk})
            for vi, var in enumerate(variables):
                ls = _LINESTYLES[vi % len(_LINESTYLES)] if spec.panels != "variable" else "-"
                for hi, hv in enumerate(hue_vals):
                    da = sub[var] if hv is None else sub[var].sel({spec.hue: hv})
                    extra = [d for d in da.dims if d != spec.x]
                    da = da.squeeze(extra, drop=True) if extra else da
                    xs = np.asarray(data[spec.x].values)
                    parts = []
                    if len(variables) > 1:
                        parts.append(spec.label_of(var))
                    if hv is not None:
                        parts.append(_fmt_hue(spec.hue_format, spec.hue, hv))
                    ax.plot(xs, np.asarray(da.transpose(spec.x).values).real,
                            color=OKABE_ITO[hi % len(OKABE_ITO)], linestyle=ls,
                            label=", ".join(parts) or None)
            ax.set_xscale(spec.xscale)
            ax.set_yscale(spec.yscale)
            ax.set_xlabel(spec.xlabel or f"{spec.x}{_units(data[spec.x])}")
            first = variables[0]
            # A label given by the figure is the paper's label (units included); a bare
            # variable name gets the units of the data.
            given = dict(spec.labels)
            ax.set_ylabel(spec.ylabel if spec.ylabel and spec.panels != "variable"
                          else given.get(first) or first + _units(data[first]))
            if pk is not None and spec.panels != "variable":
                ax.set_title(_fmt_hue(spec.hue_format, spec.panels, pk))
            handles = ax.get_legend_handles_labels()[0]
            if spec.legend and handles:
                if len(handles) > 4:  # many curves: keep the legend off the data
                    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
                else:
                    ax.legend(loc="best")
        if spec.title:
            fig.suptitle(spec.title)
        for fmt in formats:
            buf = io.BytesIO()
            # Fixed metadata so that the same data give the same file bytes.
            meta = {"CreationDate": None} if fmt == "pdf" else {"Software": None} \
                if fmt == "png" else {}
            fig.savefig(buf, format=fmt, metadata=meta)
            written.append(atomic_write_bytes(stem.with_suffix(f".{fmt}"), buf.getvalue()))
    return written
