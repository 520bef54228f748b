"""``qbattery reproduce``: run registered papers' figures, check them, write the report.

Output layout (``out`` defaults to ``./results``)::

    <out>/report.md, <out>/report.html
    <out>/<paper>/<figure>.nc | .png | .pdf   (figure formats: ``formats``, default PNG + PDF)
    <out>/<paper>/checks.csv      columns: check, source, expected, computed, tolerance, passed
    <out>/_store/...              the resumable point store (see :mod:`.store`)

One executor (and one dask cluster) serves every figure of every paper. A figure that cannot be
computed is reported with its error and the others go on. Findings (paragraphs computed from the
data) are evaluated after the checks; one that raises is reported as an error.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import Check, write_checks_csv
from .executors import make_executor
from .hashing import canonical, digest
from .registry import get_paper, load_plugins, paper_names
from .store import Store, atomic_write_netcdf
from .sweep import run_sweep

__all__ = ["FigureResult", "PaperResult", "ReproduceResult", "reproduce"]

log = logging.getLogger(__name__)


@dataclass
class FigureResult:
    """What happened to one figure."""

    paper: str
    name: str
    caption: str = ""
    dataset_path: Path | None = None
    images: tuple[Path, ...] = ()
    checks: tuple[Check, ...] = ()
    n_points: int = 0
    n_computed: int = 0
    n_reused: int = 0
    failures: tuple[dict[str, Any], ...] = ()
    compute_s: float = 0.0
    plot_s: float = 0.0
    spec_hash: str = ""
    error: str = ""
    findings: tuple[str, ...] = ()
    finding_errors: tuple[str, ...] = ()
    #: seconds spent drawing (``draw``: figure and layout) and writing each format (``png`` ...)
    plot_times: dict[str, float] = field(default_factory=dict)


@dataclass
class PaperResult:
    """One paper: its figures, its paper-level checks and where they were written."""

    name: str
    title: str
    citation: str
    description: str = ""
    url: str = ""
    choices: tuple[str, ...] = ()
    figures: list[FigureResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    checks_path: Path | None = None
    wall_time: float = 0.0
    findings: list[str] = field(default_factory=list)
    finding_errors: list[str] = field(default_factory=list)

    @property
    def all_checks(self) -> list[Check]:
        return [c for f in self.figures for c in f.checks] + list(self.checks)

    @property
    def compute_s(self) -> float:
        return sum(f.compute_s for f in self.figures)

    @property
    def plot_s(self) -> float:
        return sum(f.plot_s for f in self.figures)


@dataclass
class ReproduceResult:
    """Everything ``reproduce`` did; ``report_md``/``report_html`` are the written reports."""

    out: Path
    papers: list[PaperResult]
    quick: bool
    executor: str
    wall_time: float = 0.0
    report_md: Path | None = None
    report_html: Path | None = None
    formats: tuple[str, ...] = ("png", "pdf")

    @property
    def checks(self) -> list[Check]:
        return [c for p in self.papers for c in p.all_checks]

    @property
    def n_failed_points(self) -> int:
        return sum(len(f.failures) for p in self.papers for f in p.figures)

    @property
    def errors(self) -> list[str]:
        """Figures that could not be computed or drawn, and findings that raised."""
        out = []
        for p in self.papers:
            for f in p.figures:
                if f.error:
                    out.append(f"{f.paper}/{f.name}: {f.error}")
                out += [f"{f.paper}/{f.name}: {e}" for e in f.finding_errors]
            out += [f"{p.name}: {e}" for e in p.finding_errors]
        return out

    @property
    def checks_passed(self) -> bool:
        # A paper's claim that does not hold is a finding, not a failure of the reproduction.
        return all(c.passed for c in self.checks if not c.is_claim)


def _call_check(fn, ds, quick: bool):
    n = len(inspect.signature(fn).parameters)
    return fn(ds, quick) if n >= 2 else fn(ds)


def _safe_findings(fns, call) -> tuple[list[str], list[str]]:
    """(paragraphs, errors): ``call(fn)`` for each finding; one that raises becomes an error."""
    texts, errors = [], []
    for fn in fns:
        name = getattr(fn, "__name__", "finding")
        try:
            texts.append(str(call(fn)))
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            log.warning("finding %s raised %s: %s", name, type(exc).__name__, exc)
            errors.append(f"finding {name} raised {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}")
    return texts, errors


def _safe_checks(fn, *args) -> list[Check]:
    try:
        return list(fn(*args))
    except Exception as exc:
        target = args[0] if fn is _call_check and args else fn
        name = getattr(target, "__name__", "check")
        log.warning("check %s raised %s: %s", name, type(exc).__name__, exc)
        return [Check(name, "", "", "error", float("nan"), False,
                      note=f"{type(exc).__name__}: {exc}")]


def _run_figure(paper, fig, executor, store: Store, out_dir: Path, quick: bool,
                progress: bool | None, formats: tuple[str, ...] = ("png", "pdf")
                ) -> tuple[FigureResult, Any]:
    from ..plotting.figure import plot_dataset
    from .runner import evaluate_checks, preflight, spec_modules, spec_point
    from .spec import ExperimentSpec

    res = FigureResult(paper.name, fig.name, caption=fig.caption or fig.plot.caption)
    t0 = time.perf_counter()
    ds = None
    try:
        attrs = {"paper": paper.name, "figure": fig.name, "citation": paper.citation,
                 "quick": int(quick)}
        spec = None
        if fig.spec is not None:
            spec = ExperimentSpec.from_dict(fig.spec_dict(quick))
            preflight(spec)
            entry = store.entry(f"{paper.name}.{fig.name}", spec.hash)
            fn: Any = functools.partial(spec_point, spec.to_json(), spec_modules(spec))
            grid, constants = spec.grid(), {}
            attrs.update({"spec_name": spec.name, "spec_hash": spec.hash,
                          "spec": spec.to_toml(), "model": spec.model.name})
            coord_attrs = {d: {"units": spec.model.unit_of(d)} for d in grid.dims
                           if spec.model.unit_of(d)}
            files = {"spec.toml": spec.to_toml()}
            res.spec_hash = spec.hash
        else:
            grid = fig.grid_for(quick)
            fn, constants = fig.point, fig.constants_for(quick)
            qual = f"{fig.point.__module__}.{fig.point.__qualname__}"
            key = digest({"function": qual, "grid": grid.to_dict(),
                          "constants": canonical(constants)})
            entry = store.entry(f"{paper.name}.{fig.name}", key)
            coord_attrs, files = dict(fig.coord_attrs), None
            res.spec_hash = key
        sweep = run_sweep(fn, grid, executor=executor, store=entry, constants=constants,
                          name=f"{paper.name}/{fig.name}", attrs=attrs, coord_attrs=coord_attrs,
                          store_files=files, progress=progress)
        ds = sweep.dataset
        res.n_points, res.n_computed, res.n_reused = (sweep.n_points, sweep.n_computed,
                                                     sweep.n_reused)
        res.failures = sweep.failures
        res.dataset_path = atomic_write_netcdf(out_dir / f"{fig.name}.nc", ds)
        res.compute_s = time.perf_counter() - t0
        checks = evaluate_checks(spec, ds) if spec is not None else []
        for fn in fig.checks:
            checks += _safe_checks(_call_check, fn, ds, quick)
        res.checks = tuple(checks)
        texts, errors = _safe_findings(getattr(fig, "findings", ()),
                                       lambda fn: _call_check(fn, ds, quick))
        res.findings, res.finding_errors = tuple(texts), tuple(errors)
        t1 = time.perf_counter()
        timings: dict[str, float] = {}
        try:
            res.images = tuple(plot_dataset(ds, fig.plot, out_dir / fig.name, formats=formats,
                                            timings=timings))
        finally:
            res.plot_s = time.perf_counter() - t1
            res.plot_times = timings
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        res.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log.warning("figure %s/%s failed: %s", paper.name, fig.name, res.error)
        log.debug("%s", traceback.format_exc())
        if not res.compute_s:
            res.compute_s = time.perf_counter() - t0
    return res, ds


def reproduce(papers: Sequence[str] | None = None, *, out: str | os.PathLike = "results",
              quick: bool = False, executor: Any = None, workers: int | None = None,
              scheduler: str | None = None, store: str | os.PathLike | None = None,
              progress: bool | None = None, formats: Sequence[str] | None = None
              ) -> ReproduceResult:
    """Reproduce registered papers (all of them if ``papers`` is empty) into ``out``.

    ``formats`` are the figure files written (default
    :func:`~qbattery.plotting.figure.default_formats`: PNG and PDF, or
    ``$QBATTERY_FIGURE_FORMATS``, e.g. ``png`` to skip the PDF). Unknown paper names or formats
    raise :class:`~qbattery.errors.InvalidParameterError` before anything is written. Returns a
    :class:`ReproduceResult`; see its ``checks``, ``n_failed_points`` and ``errors``.
    """
    from ..errors import InvalidParameterError
    from ..plotting.figure import FORMATS, FORMATS_ENV, check_formats, default_formats
    from .report import write_report

    name, value = ("formats", formats) if formats is not None else (
        f"${FORMATS_ENV}", os.environ.get(FORMATS_ENV))
    try:
        formats = default_formats() if formats is None else check_formats(
            [formats] if isinstance(formats, str) else formats)
    except ValueError as exc:
        raise InvalidParameterError(name, value, f"some of {', '.join(FORMATS)}",
                                    str(exc)) from None
    if not formats:
        raise InvalidParameterError(name, value, f"at least one of {', '.join(FORMATS)}")
    load_plugins()
    names = list(dict.fromkeys(papers or paper_names()))
    selected = [get_paper(n) for n in names]  # raises on an unknown name, nothing written yet
    if executor is not None and not isinstance(executor, str):
        exec_name = type(executor).__name__
    else:
        exec_name = executor or ("dask" if scheduler else "serial")
    with make_executor(executor, workers=workers, scheduler=scheduler) as ex:
        out = Path(out)
        st = Store(store if store is not None else out / "_store")
        t0 = time.perf_counter()
        results = []
        for paper in selected:
            tp = time.perf_counter()
            pres = PaperResult(paper.name, paper.title, paper.citation, paper.description,
                               paper.url, tuple(paper.choices))
            pdir = out / paper.name
            datasets = {}
            for fig in paper.figures:
                fres, ds = _run_figure(paper, fig, ex, st, pdir, quick, progress, formats)
                pres.figures.append(fres)
                if ds is not None:
                    datasets[fig.name] = ds
            for fn in paper.checks:
                pres.checks.extend(_safe_checks(fn, datasets))
            pres.findings, pres.finding_errors = _safe_findings(
                getattr(paper, "findings", ()), lambda fn, d=datasets: fn(d))
            pres.checks_path = write_checks_csv(pdir / "checks.csv", pres.all_checks)
            pres.wall_time = time.perf_counter() - tp
            results.append(pres)
    result = ReproduceResult(out, results, quick, exec_name, time.perf_counter() - t0,
                             formats=formats)
    result.report_md, result.report_html = write_report(result)
    return result


def check_paper_names(names: Iterable[str]) -> None:
    """Raise :class:`~qbattery.errors.InvalidParameterError` for the first unknown paper name."""
    for n in names:
        get_paper(n)
