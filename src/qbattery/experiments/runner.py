"""Running a spec: model -> solver -> states -> metrics -> dataset, for every point of its sweep.

:func:`compute_point` is the pure heart (one point of one spec -> an ``xarray.Dataset``);
:func:`spec_point` is the same as a top-level function of picklable arguments (the spec as JSON),
which is what the process and dask executors receive: the worker rebuilds the spec and the model
by name from the registries, so no closure or model object is shipped. :func:`run_spec` adds the
store, the checks and the figures.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, QBatteryError
from .checks import Check, compare, write_checks_csv
from .registry import MetricEntry, get_metric, get_model
from .store import DEFAULT_STORE, Store, StoreEntry
from .sweep import SweepResult, run_sweep

__all__ = [
    "RunResult",
    "check_dynamics",
    "compute_point",
    "evaluate_checks",
    "preflight",
    "register_solver",
    "run_spec",
    "spec_point",
]

log = logging.getLogger(__name__)

#: Name of the function of :mod:`qbattery.dynamics` behind each dynamics kind.
_DYNAMICS_FUNCTIONS = {"evolve": "evolve", "steady_state": "steady_state",
                       "collision": "collision", "cumulant": "cumulant"}
_SOLVERS: dict[str, Callable[..., Any]] = {}


def register_solver(kind: str, fn: Callable[..., Any] | None = None):
    """Provide (or replace) the solver of a dynamics kind.

    ``fn(model, rho0, times, *, method, options) -> (states, times, stats)`` where ``states`` has
    shape (T, n, n) (``times=None`` and shape (n, n) for ``steady_state``) and ``stats`` is a
    mapping of provenance (method, tolerances) stored in the dataset attributes.
    """
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        _SOLVERS[kind] = f
        return f

    return deco(fn) if fn is not None else deco


def _dynamics_function(kind: str) -> Callable[..., Any] | None:
    try:
        dyn = importlib.import_module("qbattery.dynamics")
    except ImportError:  # pragma: no cover
        return None
    fn = getattr(dyn, _DYNAMICS_FUNCTIONS.get(kind, kind), None)
    return fn if callable(fn) else None


def check_dynamics(kind: str, method: str, options: Mapping[str, Any]) -> None:
    """Raise a :class:`~qbattery.experiments.spec.SpecError` if this installation cannot run
    ``kind`` with ``method`` and ``options`` (checked before anything runs)."""
    from .spec import SpecError

    if kind in _SOLVERS:
        return
    fn = _dynamics_function(kind)
    if fn is None:
        raise SpecError("dynamics.kind", f"{kind!r} is not available in this version of qbattery "
                        f"(no qbattery.dynamics.{_DYNAMICS_FUNCTIONS.get(kind, kind)})")
    try:
        _make_method(kind, method, options)
    except (InvalidParameterError, TypeError, ValueError) as exc:
        name = getattr(exc, "name", None)
        if isinstance(name, str) and name in options:
            key = f"dynamics.options.{name}"
        elif name == "method" or not options:
            key = "dynamics.method"
        else:
            key = "dynamics.options"
        msg = str(exc).splitlines()[0]
        if isinstance(exc, InvalidParameterError) and msg.startswith(f"{name} = "):
            msg = msg.split(" is invalid: ", 1)[-1] + f", got {exc.value!r}"
        raise SpecError(key, msg) from None


def _steady_options() -> tuple[str, ...]:
    dyn = importlib.import_module("qbattery.dynamics")
    solver = getattr(dyn, "SteadyStateSolver", None)
    if solver is None:  # pragma: no cover
        return ()
    import inspect

    return tuple(p for p in inspect.signature(solver.__init__).parameters
                 if p not in ("self", "method"))


def _make_method(kind: str, method: str, options: Mapping[str, Any]) -> Any:
    """The solver arguments for a dynamics kind, validated: a ``Method`` object for ``evolve``
    (:func:`qbattery.dynamics.make_method`), keyword arguments for ``steady_state``."""
    dyn = importlib.import_module("qbattery.dynamics")
    if kind == "steady_state":
        allowed = _steady_options()
        for k in options:
            if k not in allowed:
                raise InvalidParameterError(k, options[k], "an option of steady_state: one of "
                                            f"{', '.join(allowed)}")
        solver = getattr(dyn, "SteadyStateSolver", None)
        if solver is not None:
            solver(method=method, **dict(options))  # validates the values
        return {"method": method, **dict(options)}
    maker = getattr(dyn, "make_method", None)
    if callable(maker) and kind == "evolve":
        return maker(method, **dict(options))
    if options:
        raise InvalidParameterError("options", dict(options),
                                    f"no options for dynamics kind {kind!r}")
    return method


#: Solver statistics kept per point as data variables (deterministic quality measures).
_STAT_VARIABLES = ("max_trace_error", "max_hermiticity_error", "max_top_population")


def _solver_report(stats: Any) -> tuple[dict[str, Any], dict[str, float]]:
    """(attributes, per-point numbers) from a solver's statistics.

    Wall times are left out: they differ between runs and would break bitwise equality.
    """
    if stats is None:
        return {}, {}
    d = dict(stats.to_dict()) if hasattr(stats, "to_dict") else dict(stats)
    attrs: dict[str, Any] = {}
    numbers: dict[str, float] = {}
    for k, v in d.items():
        if k in _STAT_VARIABLES:
            if v is not None:
                numbers[k] = float(v)
        elif k == "options" and isinstance(v, Mapping):
            for ok, ov in v.items():
                if isinstance(ov, (str, int, float, bool, np.integer, np.floating)):
                    attrs[f"solver_option_{ok}"] = ov
        elif k in ("method", "auto"):
            attrs[f"solver_{k}"] = v
    return attrs, numbers


def _default_solve(kind: str, model: Any, rho0: np.ndarray, times: np.ndarray | None,
                   method: str, options: Mapping[str, Any]):
    fn = _dynamics_function(kind)
    if fn is None:
        raise QBatteryError(f"dynamics kind {kind!r} is not available")
    m = _make_method(kind, method, options)
    if kind == "steady_state":
        ss = fn(model, rho0=rho0, **m)
        kd = getattr(ss, "kernel_dim", None)
        stats = {"method": getattr(ss, "method", method),
                 "residual": float(getattr(ss, "residual", math.nan)),
                 "kernel_dim": -1 if kd is None else int(kd)}
        return np.asarray(ss.rho), None, stats
    traj = fn(model, rho0, times, method=m, store_states=True)
    states = getattr(traj, "states", None)
    if states is None:
        raise QBatteryError("the solver returned no states (metrics need them)")
    return np.asarray(states), np.asarray(traj.times), getattr(traj, "stats", None)


def _initial_state(spec, entry, model, params: Mapping[str, Any]) -> np.ndarray:
    from ..quantum.states import basis, density_matrix, gibbs_state, maximally_mixed

    st = spec.initial_state
    D = model.dim
    if st.kind == "ground":
        return density_matrix(basis(D, 0))
    if st.kind == "maximally_mixed":
        return maximally_mixed(D)
    if st.kind == "basis":
        if st.levels is not None:
            dims = model.dims
            if len(st.levels) != len(dims):
                raise InvalidParameterError("initial_state.levels", list(st.levels),
                                            f"{len(dims)} levels, one per subsystem {dims}")
            idx = 0
            for lv, d in zip(st.levels, dims, strict=True):
                if lv >= d:
                    raise InvalidParameterError("initial_state.levels", list(st.levels),
                                                f"levels below the subsystem dimensions {dims}")
                idx = idx * d + lv
            return density_matrix(basis(D, idx))
        if st.index >= D:
            raise InvalidParameterError("initial_state.index", st.index,
                                        f"an index in [0, {D - 1}] (Hilbert-space size {D})")
        return density_matrix(basis(D, st.index))
    if st.kind == "gibbs":
        H = model.H.toarray() if hasattr(model.H, "toarray") else model.H
        return gibbs_state(H, st.beta)
    return density_matrix(entry.state(st.name, params), dim=D)


def _dense(x: Any) -> np.ndarray:
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=np.complex128)


def _units_of(metric: MetricEntry, units: Mapping[str, str]) -> str:
    e, t = units.get("energy", ""), units.get("time", "")
    return {"energy": e, "dimensionless": "1", "entropy": "nat",
            "power": f"({e})/({t})" if e and t else ""}.get(metric.quantity, "")


def compute_point(spec, point: Mapping[str, Any]):
    """One point of ``spec``: build the model, solve, compute the metrics -> ``xarray.Dataset``.

    Dims: ``time`` (for evolve, collision, cumulant) or none (steady state). Metrics act on the
    battery's reduced state with the battery Hamiltonian.
    """
    import xarray as xr

    entry = get_model(spec.model.name)
    params = {**spec.model.param_dict(), **dict(point)}
    model = entry.build(params)
    for attr in ("H", "battery_state", "H_battery", "dim"):
        if not hasattr(model, attr):
            raise TypeError(f"model builder {entry.name!r} returned {type(model).__name__}, "
                            "expected an OpenSystem")
    rho0 = _initial_state(spec, entry, model, params)
    kind = spec.dynamics.kind
    solve = _SOLVERS.get(kind)
    times = spec.times.array() if spec.times is not None else None
    options = dict(spec.dynamics.options)
    if solve is not None:
        states, out_times, stats = solve(model, rho0, times, method=spec.dynamics.method,
                                         options=options)
    else:
        states, out_times, stats = _default_solve(kind, model, rho0, times,
                                                  spec.dynamics.method, options)
    units = dict(spec.units)
    rho_b = model.battery_state(states)
    rho_ref = model.battery_state(rho0)
    HB = _dense(model.H_battery)
    dims: tuple[str, ...] = ("time",) if out_times is not None else ()
    data_vars = {}
    for name in spec.metrics:
        m = get_metric(name)
        val = np.asarray(m(rho_b, HB, rho_ref=rho_ref, times=out_times), dtype=np.float64)
        expected_shape = tuple(rho_b.shape[:-2])
        if val.shape != expected_shape:
            raise ValueError(f"metric {name!r} returned shape {val.shape}, expected "
                             f"{expected_shape} (one number per state)")
        data_vars[name] = (dims, val, {"units": _units_of(m, units), "long_name": name})
    coords = {}
    if out_times is not None:
        coords["time"] = ("time", np.asarray(out_times, dtype=np.float64),
                          {"units": units.get("time", ""), "long_name": "time"})
    if kind == "steady_state":
        stats = dict(stats or {})
        data_vars["steady_state_residual"] = (
            (), float(stats.pop("residual", math.nan)),
            {"long_name": "||L rho||_2 of the steady state", "units": units.get("energy", "")})
        data_vars["steady_state_kernel_dim"] = (
            (), int(stats.pop("kernel_dim", -1)),
            {"long_name": "dimension of the Liouvillian kernel (-1: not computed)"})
    attrs, numbers = _solver_report(stats)
    for k, v in numbers.items():
        data_vars[f"solver_{k}"] = ((), v, {"long_name": f"solver statistic {k} (max over times)"})
    attrs["dynamics_kind"] = kind
    attrs["dynamics_method"] = spec.dynamics.method
    if options:
        attrs["dynamics_options"] = json.dumps(options, sort_keys=True)
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


@functools.lru_cache(maxsize=16)
def _spec_from_json(text: str):
    from .spec import ExperimentSpec

    return ExperimentSpec.from_dict(json.loads(text))


def spec_point(spec_json: str, modules: tuple[str, ...], /, **point: Any):
    """Worker entry: rebuild the spec from JSON (importing ``modules`` that register models)."""
    for m in modules:
        if m and m not in ("__main__", "__mp_main__"):
            importlib.import_module(m)
    return compute_point(_spec_from_json(spec_json), point)


# ---------------------------------------------------------------------- checks
def _select_for_check(ds, c) -> Any:
    da = ds[c.variable]
    for k, v in c.at:
        if k == "time":
            da = da.sel(time=v, method="nearest")
        else:
            da = da.sel({k: v})
    if c.reduce == "final":
        da = da.isel(time=-1)
    elif c.reduce in ("max", "min", "mean"):
        da = getattr(da, c.reduce)()
    return da


def evaluate_checks(spec, ds) -> list[Check]:
    """The spec's checks evaluated on its dataset (NaN, e.g. from a failed point, fails)."""
    out = []
    for c in spec.checks:
        try:
            value = _select_for_check(ds, c).values
            out.append(compare(c.name, value, c.expected, rtol=c.rtol, atol=c.atol,
                               source=c.source))
        except (KeyError, ValueError) as exc:
            out.append(Check(c.name, c.source, c.expected, math.nan, math.nan, False,
                             note=f"could not evaluate: {exc}"))
    return out


# ---------------------------------------------------------------------- preflight and run
def preflight(spec) -> None:
    """Build the model and initial state of the first point; spec-level errors become
    :class:`~qbattery.experiments.spec.SpecError` (raised before anything is written)."""
    from .spec import SpecError

    try:
        _preflight(spec)
    except SpecError as exc:
        raise exc.with_line(getattr(spec, "_source_text", None)) from None


def _preflight(spec) -> None:
    from .spec import SpecError, spec_error_from

    entry = get_model(spec.model.name)
    points = spec.grid().points()
    point = points[0] if points else {}
    params = {**spec.model.param_dict(), **point}
    swept = set(spec.grid().dims)
    try:
        model = entry.build(params)
    except InvalidParameterError as exc:
        key = exc.name if exc.name in params else None
        path = (f"sweep.axes.{key}" if key in swept else f"model.params.{key}") if key \
            else "model.params"
        raise spec_error_from(exc, path) from None
    except TypeError as exc:
        raise SpecError("model", f"the model {entry.name!r} cannot be built: {exc}") from None
    except Exception:  # a failure of this point only: recorded by the sweep like any other
        return
    try:
        _initial_state(spec, entry, model, params)
    except InvalidParameterError as exc:
        name = getattr(exc, "name", "")
        path = name if isinstance(name, str) and name.startswith("initial_state") \
            else "initial_state"
        raise spec_error_from(exc, path) from None


@dataclass(frozen=True)
class RunResult:
    """A spec run: its sweep (dataset, failures), checks and written files."""

    spec: Any
    sweep: SweepResult
    checks: tuple[Check, ...] = ()
    files: tuple[Path, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def dataset(self):
        return self.sweep.dataset

    @property
    def entry(self) -> StoreEntry | None:
        return self.sweep.entry

    @property
    def ok(self) -> bool:
        return self.sweep.ok and not self.errors and all(c.passed for c in self.checks)


def spec_modules(spec) -> tuple[str, ...]:
    """Modules a worker imports before running ``spec`` (the model's module and spec imports)."""
    mods = list(spec.imports)
    module = get_model(spec.model.name).module
    if module and module not in mods:
        mods.append(module)
    return tuple(mods)


def run_spec(spec, *, store: str | os.PathLike | Store | None = DEFAULT_STORE,
             executor: Any = None, workers: int | None = None, scheduler: str | None = None,
             progress: bool | None = None, figures: bool = True) -> RunResult:
    """Run every point of ``spec`` (only the missing ones, with a store), then checks and figures.

    Writes into ``<store>/<name>-<hash12>/``: ``spec.toml``, ``points/``, ``dataset.nc``,
    ``checks.csv`` (if the spec has checks) and ``figures/<name>.png|pdf``.
    """
    from ..plotting.figure import plot_dataset

    preflight(spec)
    t0 = time.perf_counter()
    entry = None
    if store is not None:
        entry = (store if isinstance(store, Store) else Store(store)).entry(spec.name, spec.hash)
    coord_attrs = {d: {"units": spec.model.unit_of(d)} for d in spec.grid().dims
                   if spec.model.unit_of(d)}
    fn = functools.partial(spec_point, spec.to_json(), spec_modules(spec))
    sweep = run_sweep(
        fn, spec.grid(), executor=executor, store=entry, name=spec.name,
        attrs={"spec_name": spec.name, "spec_hash": spec.hash, "spec": spec.to_toml(),
               "model": spec.model.name, "energy_units": dict(spec.units).get("energy", ""),
               "time_units": dict(spec.units).get("time", ""), "title": spec.description},
        coord_attrs=coord_attrs,
        store_files={"spec.toml": spec.to_toml(),
                     "manifest.json": json.dumps({"name": spec.name, "hash": spec.hash,
                                                  "n_points": len(spec.grid())},
                                                 indent=2) + "\n"},
        progress=progress, workers=workers, scheduler=scheduler)
    t1 = time.perf_counter()
    checks = evaluate_checks(spec, sweep.dataset)
    files: list[Path] = []
    errors: list[str] = []
    if entry is not None:
        files.append(entry.dataset_path)
        if checks:
            files.append(write_checks_csv(entry.path / "checks.csv", checks))
        if figures:
            for fig in spec.figures:
                try:
                    files.extend(plot_dataset(sweep.dataset, fig,
                                              entry.path / "figures" / fig.name))
                except (ValueError, KeyError, TypeError) as exc:
                    errors.append(f"figure {fig.name!r}: {str(exc).splitlines()[0]}")
    t2 = time.perf_counter()
    return RunResult(spec, sweep, tuple(checks), tuple(files),
                     {"compute_s": t1 - t0, "checks_and_figures_s": t2 - t1}, tuple(errors))
