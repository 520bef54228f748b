"""Sweeps: a point function plus a named grid -> an :class:`xarray.Dataset`, on any executor.

A :class:`Grid` has cartesian ``axes`` (each a name and its values) and optional explicit
``cases`` (each a mapping with the same keys). The points are every case combined with every
combination of axis values; the dataset has one dimension per case key and per axis (case keys
first, then axes, in the order given), followed by the dimensions of the point results (e.g.
``time``). Cells not covered by a case, or whose point failed, hold NaN.

:func:`run_sweep` submits the points to a ``concurrent.futures``-style executor with a bounded
number in flight, stores every finished point at once (one NetCDF file each, atomic rename), and
assembles the dataset in grid order from the stored files: the result is the same bit for bit
whichever executor ran the points and however many times the sweep was interrupted and resumed.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameterError
from .executors import check_executor_args, executor_parallelism, make_executor
from .hashing import canonical, canonical_json, digest
from .provenance import provenance
from .store import Store, StoreEntry, canonical_dataset, netcdf_safe

__all__ = ["Grid", "SweepResult", "merge_points", "point_key", "run_sweep"]

log = logging.getLogger(__name__)

Scalar = float | int | bool | str

#: Attributes each stored point carries that are not merged into the sweep dataset.
_POINT_ATTRS = ("point", "point_key", "wall_time_s")


def _scalar(v: Any, where: str) -> Scalar:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            raise InvalidParameterError(where, v, "a finite number")
        return f + 0.0
    if isinstance(v, str):
        return v
    raise InvalidParameterError(where, v, "a number, a boolean or a string")


@dataclass(frozen=True, init=False)
class Grid:
    """Named sweep axes (cartesian product) and explicit cases.

    ``Grid(axes={"gamma": [0, 0.1], "N": [2, 4]}, cases=[{"mu": 0, "T": 1}, {"mu": 1, "T": 2}])``
    has 2 cases x 2 x 2 = 8 points and dims ``("mu", "T", "gamma", "N")``.
    """

    axes: tuple[tuple[str, tuple[Scalar, ...]], ...]
    cases: tuple[tuple[tuple[str, Scalar], ...], ...]

    def __init__(self, axes: Mapping[str, Iterable] | Iterable[tuple[str, Iterable]] | None = None,
                 cases: Iterable[Mapping[str, Any]] | None = None) -> None:
        items = list(axes.items()) if isinstance(axes, Mapping) else list(axes or ())
        norm_axes = []
        seen: set[str] = set()
        for item in items:
            name, values = item
            if not isinstance(name, str) or not name:
                raise InvalidParameterError("axes", name, "non-empty string axis names")
            if name in seen:
                raise InvalidParameterError(f"axes.{name}", name, "each axis named once")
            seen.add(name)
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise InvalidParameterError(f"axes.{name}", values, "a sequence of values")
            vals = tuple(_scalar(v, f"axes.{name}[{i}]") for i, v in enumerate(values))
            if not vals:
                raise InvalidParameterError(f"axes.{name}", values, "at least one value")
            if len(set(map(_key_repr, vals))) != len(vals):
                raise InvalidParameterError(f"axes.{name}", list(vals), "distinct values")
            norm_axes.append((name, vals))
        norm_cases = []
        case_keys: tuple[str, ...] | None = None
        for i, case in enumerate(cases or ()):
            if not isinstance(case, Mapping) or not case:
                raise InvalidParameterError(f"cases[{i}]", case, "a non-empty mapping name -> value")
            keys = tuple(case)
            if case_keys is None:
                case_keys = keys
            elif set(keys) != set(case_keys):
                raise InvalidParameterError(f"cases[{i}]", dict(case),
                                            f"the same keys as cases[0] ({', '.join(case_keys)})")
            clash = seen.intersection(keys)
            if clash:
                raise InvalidParameterError(f"cases[{i}]", dict(case),
                                            f"keys that are not also axes ({', '.join(sorted(clash))})")
            norm_cases.append(tuple((k, _scalar(case[k], f"cases[{i}].{k}")) for k in case_keys))
        if len({canonical_json(dict(c)) for c in norm_cases}) != len(norm_cases):
            raise InvalidParameterError("cases", [dict(c) for c in norm_cases], "distinct cases")
        object.__setattr__(self, "axes", tuple(norm_axes))
        object.__setattr__(self, "cases", tuple(norm_cases))

    # ------------------------------------------------------------------ structure
    @property
    def case_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.cases[0]) if self.cases else ()

    @property
    def dims(self) -> tuple[str, ...]:
        return self.case_keys + tuple(name for name, _ in self.axes)

    @property
    def coords(self) -> dict[str, tuple[Scalar, ...]]:
        """Coordinate values per dim (case dims: distinct values in order of appearance)."""
        out: dict[str, tuple[Scalar, ...]] = {}
        for j, k in enumerate(self.case_keys):
            vals: list[Scalar] = []
            seen: set = set()
            for case in self.cases:
                v = case[j][1]
                if _key_repr(v) not in seen:
                    seen.add(_key_repr(v))
                    vals.append(v)
            out[k] = tuple(vals)
        for name, values in self.axes:
            out[name] = values
        return out

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.coords.values())

    def __len__(self) -> int:
        n = math.prod(len(v) for _, v in self.axes)
        return n * (len(self.cases) if self.cases else 1)

    def points(self) -> list[dict[str, Scalar]]:
        """All points in grid order (cases outermost, then axes with the last varying fastest)."""
        names = [n for n, _ in self.axes]
        out = []
        for case in self.cases or ((),):
            for combo in itertools.product(*(v for _, v in self.axes)):
                out.append({**dict(case), **dict(zip(names, combo, strict=True))})
        return out

    def index(self, point: Mapping[str, Any]) -> tuple[int, ...]:
        """Position of ``point`` in the dataset array (one index per dim)."""
        idx = []
        for dim, values in self.coords.items():
            keys = [_key_repr(v) for v in values]
            idx.append(keys.index(_key_repr(point[dim])))
        return tuple(idx)

    def to_dict(self) -> dict[str, Any]:
        """``{"axes": {name: [values]}, "cases": [{...}]}`` (JSON/TOML-able, order kept)."""
        return {"axes": {n: list(v) for n, v in self.axes},
                "cases": [dict(c) for c in self.cases]}

    def __repr__(self) -> str:
        parts = [f"{n}[{len(v)}]" for n, v in self.axes]
        if self.cases:
            parts.insert(0, f"cases({', '.join(self.case_keys)})[{len(self.cases)}]")
        return f"Grid({' x '.join(parts) or 'single point'}; {len(self)} points)"


def _key_repr(v: Any) -> str:
    # Distinguishes 1 from 1.0 from True from "1" (all equal or hash-equal in Python).
    return f"{type(v).__name__}:{v!r}"


def point_key(point: Mapping[str, Any]) -> str:
    """A file-name-safe, deterministic key of a point: readable prefix + 12 hex of its hash."""
    h = hashlib.sha256(canonical_json(dict(point)).encode("ascii")).hexdigest()[:12]
    slug = "_".join(f"{k}={v}" for k, v in point.items())
    slug = "".join(ch if (ch.isalnum() or ch in "=.-_+") else "-" for ch in slug)[:60]
    return f"{slug}-{h}" if slug else h


# ---------------------------------------------------------------------- point execution
def _as_dataset(out: Any):
    import xarray as xr

    if isinstance(out, xr.Dataset):
        return out
    if isinstance(out, xr.DataArray):
        return out.to_dataset(name=out.name or "result")
    if isinstance(out, Mapping):
        return xr.Dataset(dict(out))
    if np.isscalar(out) or (isinstance(out, np.ndarray) and out.ndim == 0):
        return xr.Dataset({"result": ((), out)})
    raise TypeError(f"a point function must return an xarray.Dataset, a mapping of variables or "
                    f"a number, got {type(out).__name__}")


def _invoke(fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[str, Any, float]:
    """Run one point in the worker; errors come back as JSON-able records, not exceptions.

    (Exceptions are not always picklable, and a record reads the same whatever the executor.)
    """
    t0 = time.perf_counter()
    try:
        ds = netcdf_safe(_as_dataset(fn(**kwargs)))
        return "ok", ds, time.perf_counter() - t0
    except Exception as exc:
        record = {
            "error_type": type(exc).__name__,
            "message": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            "traceback": traceback.format_exc(),
        }
        return "error", record, time.perf_counter() - t0


# ---------------------------------------------------------------------- merging
def _merge_attrs(datasets: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys: list[str] = []
    for ds in datasets:
        keys.extend(k for k in ds.attrs if k not in keys and k not in _POINT_ATTRS)
    for k in keys:
        vals = [ds.attrs[k] for ds in datasets if k in ds.attrs]
        uniq: list[Any] = []
        for v in vals:
            if not any(_attr_equal(v, u) for u in uniq):
                uniq.append(v)
        out[k] = uniq[0] if len(uniq) == 1 else "; ".join(sorted(str(u) for u in uniq))
    return out


def _attr_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    return bool(a == b) and type(a) is type(b)


def merge_points(grid: Grid, results: Mapping[str, Any], *,
                 coord_attrs: Mapping[str, Mapping[str, Any]] | None = None):
    """Assemble point datasets (``point_key -> Dataset or None``) into the sweep dataset.

    Every point must return the same variables with the same dims, shapes and coordinates.
    Missing points become NaN (integer and boolean variables are then promoted to float64).
    """
    import xarray as xr

    coord_attrs = coord_attrs or {}
    points = grid.points()
    keys = [point_key(p) for p in points]
    present = [(p, k, results.get(k)) for p, k in zip(points, keys, strict=True)]
    found = [(p, k, ds) for p, k, ds in present if ds is not None]
    coords: dict[str, Any] = {}
    for dim, values in grid.coords.items():
        arr = np.asarray(values, dtype=object if any(isinstance(v, str) for v in values) else None)
        if arr.dtype == object:
            arr = np.asarray([str(v) for v in values])
        coords[dim] = (dim, arr, dict(coord_attrs.get(dim, {})))
    if not found:
        return xr.Dataset(coords=coords)
    _, k0, template = found[0]
    clash = set(template.dims).intersection(grid.dims)
    if clash:
        raise ValueError(f"point results use dimension names that are sweep axes: {sorted(clash)}")
    complete = len(found) == len(points)
    shape = grid.shape
    data_vars = {}
    for name, var in template.data_vars.items():
        dtype = var.dtype
        if dtype.kind in "fc":
            fill: Any = np.nan
        elif dtype.kind in "iub":
            dtype, fill = (dtype, 0) if complete else (np.dtype(np.float64), np.nan)
        else:
            dtype, fill = np.dtype(object), ""
        arr = np.full(shape + var.shape, fill, dtype=dtype)
        data_vars[name] = (grid.dims + var.dims, arr, dict(var.attrs))
    for p, k, ds in found:
        if set(ds.data_vars) != set(template.data_vars):
            raise ValueError(f"point {k} returned variables {sorted(ds.data_vars)} but point {k0} "
                             f"returned {sorted(template.data_vars)}")
        idx = grid.index(p)
        for name, var in template.data_vars.items():
            v = ds[name]
            if v.dims != var.dims or v.shape != var.shape:
                raise ValueError(f"variable {name!r} of point {k} has dims {v.dims} shape "
                                 f"{v.shape}, but {var.dims} shape {var.shape} at point {k0}")
            data_vars[name][1][idx] = v.values
        for cname, c in template.coords.items():
            if cname not in ds.coords or not np.array_equal(ds[cname].values, c.values):
                raise ValueError(f"coordinate {cname!r} of point {k} differs from point {k0}")
    for name, (dims, arr, attrs) in list(data_vars.items()):
        if arr.dtype == object:
            data_vars[name] = (dims, arr.astype(str), attrs)
    for cname, c in template.coords.items():
        coords[cname] = (c.dims, c.values, dict(c.attrs))
    out = xr.Dataset(data_vars=data_vars, coords=coords)
    out.attrs = _merge_attrs([ds for _, _, ds in found])
    return out


# ---------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class SweepResult:
    """What :func:`run_sweep` returns: the dataset, and what happened to every point."""

    dataset: Any
    n_points: int
    n_computed: int
    n_reused: int
    failures: tuple[dict[str, Any], ...] = ()
    wall_time: float = 0.0
    entry: StoreEntry | None = field(default=None, repr=False)

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        s = (f"{self.n_points} points: {self.n_computed} computed, {self.n_reused} reused, "
             f"{self.n_failed} failed in {self.wall_time:.2f} s")
        if self.entry is not None:
            s += f" [{self.entry.path}]"
        return s


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    if os.environ.get("CI") or os.environ.get("QBATTERY_NO_PROGRESS"):
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="pt", file=sys.stderr,
                disable=not enabled, dynamic_ncols=True, leave=False)


def _resolve_store(store: Any, name: str, key_payload: Callable[[], Any]) -> StoreEntry | None:
    if store is None or store is False:
        return None
    if isinstance(store, StoreEntry):
        return store
    if not isinstance(store, Store):
        store = Store(store)
    return store.entry(name, digest(key_payload()))


_UNHASHABLE = "<unhashable>"


def _describe(fn: Callable[..., Any]) -> tuple[str, Any]:
    """Qualified name of ``fn`` and its bound arguments (for ``functools.partial``)."""
    if isinstance(fn, functools.partial):
        inner, bound = _describe(fn.func)
        try:
            args = canonical({"args": list(fn.args), "keywords": dict(fn.keywords)})
        except (TypeError, ValueError):
            args = _UNHASHABLE
        return inner, {"outer": bound, "partial": args}
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}", None


def _default_in_flight(executor: Executor) -> int:
    """Points submitted ahead: one for the serial executor (each point is stored before the next
    one runs); enough to hide the round-trip latency of pools and clusters otherwise."""
    from .executors import SerialExecutor

    if isinstance(executor, SerialExecutor):
        return 1
    return max(4 * executor_parallelism(executor), 8)


def _check_picklable(fn: Callable[..., Any], executor: Executor) -> None:
    from concurrent.futures import ProcessPoolExecutor

    if isinstance(executor, ProcessPoolExecutor):
        if not _importable(fn):
            raise InvalidParameterError(
                "fn", fn, "a module-level function (the process executor sends it by reference)")


def _importable(fn: Callable[..., Any]) -> bool:
    """True when ``fn`` is reachable as ``module.qualname`` (how worker processes import it).

    Checked by reference instead of by serialising ``fn``: no pickle in package code.
    """
    import functools
    import importlib

    while isinstance(fn, functools.partial):
        fn = fn.func
    module, qual = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qual or "<" in qual:
        return False
    try:
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return False
    return obj is fn


def run_sweep(fn: Callable[..., Any], grid: Grid | Mapping[str, Iterable], *,
              executor: str | Executor | None = None, store: Any = None, name: str | None = None,
              constants: Mapping[str, Any] | None = None, attrs: Mapping[str, Any] | None = None,
              coord_attrs: Mapping[str, Mapping[str, Any]] | None = None,
              store_files: Mapping[str, str] | None = None, progress: bool | None = None,
              max_in_flight: int | None = None, workers: int | None = None,
              scheduler: str | None = None) -> SweepResult:
    """Run ``fn(**point, **constants)`` for every point of ``grid`` and merge the results.

    Parameters
    ----------
    fn
        The point function. It returns an ``xarray.Dataset`` (or a mapping of variables, or a
        number). For the ``process`` and ``dask`` executors it must be importable
        (module-level, or a ``functools.partial`` of one).
    grid
        A :class:`Grid`, or a mapping ``axis -> values`` (cartesian product).
    executor
        ``"serial"`` (default), ``"process"``, ``"dask"`` or any ``concurrent.futures.Executor``.
    store
        ``None`` (keep results in memory), a directory, a :class:`Store` or a
        :class:`StoreEntry`. With a store, finished points are saved at once and a rerun computes
        only the missing ones; the entry is keyed by the hash of ``fn``'s qualified name, the grid
        and ``constants`` (plus the numerics version), unless a :class:`StoreEntry` is given.
    name
        Name of the sweep (store directory prefix, progress bar); default ``fn.__name__``.
    constants
        Keyword arguments passed to every call (part of the store key).
    attrs, coord_attrs
        Extra dataset attributes, and attributes (e.g. ``units``) of the sweep coordinates.
    store_files
        Descriptive files written once into the store entry (e.g. ``{"spec.toml": ...}``).
    progress
        Progress bar (points done, rate, ETA) on stderr; default: only on a terminal and not in CI.
    max_in_flight
        Points submitted ahead of completion (default: 1 for serial, else
        ``max(4 * parallelism, 8)``). At most this many points are lost when the process is killed.
    workers, scheduler
        Passed to :func:`~qbattery.experiments.executors.make_executor` for named executors.
    """
    if not callable(fn):
        raise InvalidParameterError("fn", fn, "a callable point function")
    if not isinstance(grid, Grid):
        grid = Grid(axes=grid)
    constants = dict(constants or {})
    overlap = set(constants).intersection(grid.dims)
    if overlap:
        raise InvalidParameterError("constants", sorted(overlap), "names that are not sweep axes")
    qualname, bound = _describe(fn)
    if store not in (None, False) and not isinstance(store, StoreEntry) and \
            _UNHASHABLE in json.dumps(bound):
        raise InvalidParameterError("fn", fn, "a function, or a functools.partial of JSON-able "
                                    "arguments (they are part of the store key)")
    name = name or getattr(fn, "__name__", None) or qualname.rsplit(".", 1)[-1] or "sweep"
    entry = _resolve_store(store, name, lambda: {"function": qualname, "bound": bound,
                                                 "grid": grid.to_dict(),
                                                 "constants": canonical(constants)})
    t0 = time.perf_counter()
    points = grid.points()
    keys = [point_key(p) for p in points]
    if len(set(keys)) != len(keys):  # pragma: no cover - sha256 collision
        raise RuntimeError("two grid points have the same key")

    check_executor_args(executor, workers, scheduler)
    stored = entry.stored_keys() if entry is not None else set()
    todo = [(p, k) for p, k in zip(points, keys, strict=True) if k not in stored]
    n_reused = len(points) - len(todo)
    results: dict[str, Any] = {}
    failures: list[dict[str, Any]] = []
    n_computed = 0

    if entry is not None:
        files = dict(store_files or {})
        if not files:
            files["sweep.json"] = json.dumps(
                {"function": qualname, "bound": bound, "grid": grid.to_dict(),
                 "constants": canonical(constants), "hash": entry.digest},
                indent=2, sort_keys=True) + "\n"
        files.setdefault("manifest.json", json.dumps(
            {"name": entry.name, "hash": entry.digest, "n_points": len(points),
             "numerics_version": provenance()["numerics_version"]}, indent=2, sort_keys=True) + "\n")
        entry.prepare(files)

    if todo:
        with make_executor(executor, workers=workers, scheduler=scheduler) as ex:
            _check_picklable(fn, ex)
            limit = max_in_flight or _default_in_flight(ex)
            enabled = _progress_enabled(progress)
            with _progress_bar(len(points), n_reused, name, enabled) as bar:
                n_computed = _drive(fn, todo, constants, ex, limit, entry, results, failures, bar)
    log.info("sweep %s: %d points, %d computed, %d reused, %d failed", name, len(points),
             n_computed, n_reused, len(failures))

    if entry is not None:
        for k in keys:  # points stored by earlier (or concurrent) runs
            if k not in results:
                ds = entry.read_point(k)
                if ds is not None:
                    results[k] = ds
    ds = merge_points(grid, results, coord_attrs=coord_attrs)
    ds.attrs.update(provenance())
    ds.attrs.update(attrs or {})
    ds.attrs["sweep_dims"] = json.dumps(list(grid.dims))
    ds.attrs["n_points"] = len(points)
    ds.attrs["n_missing"] = len(points) - len(results)
    if entry is not None:
        ds.attrs["store_hash"] = entry.digest
    ds = netcdf_safe(ds)
    if entry is not None:
        entry.write_dataset(ds)
        ds = entry.read_dataset()
    return SweepResult(ds, len(points), n_computed, n_reused, tuple(failures),
                       time.perf_counter() - t0, entry)


def _drive(fn, todo, constants, ex, limit, entry, results, failures, bar) -> int:
    """Submit points with at most ``limit`` in flight; store each one as soon as it is back."""
    pending: dict[Future, tuple[dict[str, Any], str]] = {}
    queue = iter(todo)
    computed = 0

    def fill() -> None:
        while len(pending) < limit:
            item = next(queue, None)
            if item is None:
                return
            p, k = item
            if entry is not None and entry.has_point(k):  # finished by a concurrent sweep
                bar.update(1)
                continue
            pending[ex.submit(_invoke, fn, {**p, **constants})] = (p, k)

    try:
        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            # Handle completions in grid order so that logs and records are deterministic.
            for fut in sorted(done, key=lambda f: pending[f][1]):
                p, k = pending.pop(fut)
                try:
                    status, payload, wall = fut.result()
                except Exception as exc:  # the worker died (BrokenProcessPool, KilledWorker, ...)
                    status, wall = "error", 0.0
                    payload = {"error_type": type(exc).__name__,
                               "message": f"worker failure: {str(exc).splitlines()[0] if str(exc) else ''}",
                               "traceback": "".join(traceback.format_exception(exc))}
                if status == "ok":
                    payload.attrs["point"] = canonical_json(p)
                    payload.attrs["point_key"] = k
                    payload.attrs["wall_time_s"] = round(wall, 6)
                    if entry is not None:
                        entry.write_point(k, payload)
                    # Merged from memory; canonical_dataset makes it identical to the stored file.
                    results[k] = canonical_dataset(payload)
                    computed += 1
                else:
                    record = {"key": k, "point": p, **payload, "wall_time_s": round(wall, 6)}
                    failures.append(record)
                    log.warning("point %s failed: %s: %s", k, payload["error_type"],
                                payload["message"])
                    if entry is not None:
                        entry.write_failure(k, record)
                bar.update(1)
            fill()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise
    return computed


def load_sweep(path: str | os.PathLike):
    """Load a stored sweep dataset (``dataset.nc`` or its store directory)."""
    from .store import read_netcdf

    p = Path(path)
    return read_netcdf(p / "dataset.nc" if p.is_dir() else p)
