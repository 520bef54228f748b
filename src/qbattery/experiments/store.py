"""The embedded result store: one directory per spec hash, one NetCDF file per finished point.

Layout (``root`` defaults to ``./results``)::

    <root>/<name>-<hash12>/
        spec.toml          the resolved spec (or sweep.json for a plain function sweep)
        manifest.json      name, full hash, numerics version, number of points
        points/<key>.nc    one finished point each
        failed/<key>.json  the error record of a point that raised (retried on the next run)
        dataset.nc         the merged dataset (rewritten at the end of every run)

Safety without locks: every file is written to a unique temporary name in its final directory and
renamed with :func:`os.replace` (atomic on POSIX), so a reader sees either the whole file or none;
a kill loses only the points in flight. Point results are deterministic, so two sweeps writing the
same point at the same time write the same content and the last rename wins. No pickle: data are
NetCDF, records are JSON.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_STORE",
    "Store",
    "StoreEntry",
    "atomic_write_bytes",
    "atomic_write_netcdf",
    "atomic_write_text",
    "canonical_dataset",
    "netcdf_safe",
    "read_netcdf",
]

log = logging.getLogger(__name__)

#: Default store directory (relative to the working directory).
DEFAULT_STORE = "results"
_TMP_SUFFIX = ".tmp"
# The netCDF-C/HDF5 libraries are not thread-safe: two threads of one process reading or writing
# files at the same time can crash the interpreter. All NetCDF I/O of the store goes through this.
_NC_LOCK = threading.RLock()
#: Temporary files older than this (seconds) are left-overs of killed writers and are removed.
_STALE_TMP_AGE = 3600.0


@contextlib.contextmanager
def deferred_interrupt():
    """Hold Ctrl-C (SIGINT) back until the block is done, then raise ``KeyboardInterrupt``.

    NetCDF writes and reads hold library locks; an interrupt inside them can leave a lock taken
    and hang the interpreter on exit. Deferring it to the end of the block keeps every file
    operation whole (main thread only; elsewhere a no-op).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except ValueError:  # pragma: no cover - no signals here (e.g. embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and previous is not signal.SIG_IGN:
            if callable(previous):
                previous(signal.SIGINT, None)
            else:
                raise KeyboardInterrupt


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{_TMP_SUFFIX}")


@contextlib.contextmanager
def _atomic_target(path: Path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (no partial file is ever visible)."""
    path = Path(path)
    with _atomic_target(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _safe_attr(v: Any) -> Any:
    # NetCDF attributes hold strings, numbers and 1-d numeric arrays only.
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if v is None:
        return ""
    if isinstance(v, (str, int, float, np.integer, np.floating)):
        return v
    if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "iuf":
        return v
    if isinstance(v, (list, tuple)) and v and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return np.asarray(v)
    try:
        return json.dumps(v, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(v)


def netcdf_safe(ds):
    """A copy of ``ds`` whose attributes (dataset, variables, coords) NetCDF can store exactly.

    Booleans become 0/1, ``None`` becomes ``""``, nested containers become JSON strings.
    Applying it before merging makes in-memory results equal to what is read back from disk.
    """
    ds = ds.copy(deep=False)
    ds.attrs = {str(k): _safe_attr(v) for k, v in ds.attrs.items()}
    for name in list(ds.variables):
        var = ds[name]
        var.attrs = {str(k): _safe_attr(v) for k, v in var.attrs.items()}
    return ds


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def canonical_dataset(ds):
    """``ds`` in the exact form it has after a NetCDF round trip through the store.

    NetCDF-safe attributes (:func:`netcdf_safe`) with NumPy scalars turned into Python scalars,
    and object arrays of strings turned into fixed-width string arrays. A freshly computed point
    and the same point read back from disk are then identical, so a dataset merged from a mix of
    both (a resumed sweep) equals one merged from either alone.
    """
    ds = netcdf_safe(ds)
    ds.attrs = {k: _plain(v) for k, v in ds.attrs.items()}
    for name in list(ds.variables):
        var = ds.variables[name]
        var.attrs = {k: _plain(v) for k, v in var.attrs.items()}
        if var.dtype == object and name not in ds.dims:
            ds[name] = var.astype(str)
    return ds


def atomic_write_netcdf(path: str | os.PathLike, ds) -> Path:
    """Write ``ds`` to NetCDF-4 at ``path`` atomically."""
    path = Path(path)
    ds = _encode_complex(netcdf_safe(ds))
    with deferred_interrupt(), _NC_LOCK, _no_cluster_locks(), _atomic_target(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4")
    return path


def _no_cluster_locks():
    """While a dask ``distributed`` client exists, xarray takes a cluster-wide lock (a scheduler
    round trip) for every NetCDF write. The store writes local files from one process and has its
    own lock, so it asks for the synchronous scheduler during the write (dask is not imported
    here unless the caller already did)."""
    dask = sys.modules.get("dask")
    config = getattr(dask, "config", None)
    if config is None:
        return contextlib.nullcontext()
    return config.set(scheduler="synchronous")


# NetCDF has no complex type. Complex variables are stored as a trailing (re, im) dimension and
# flagged with an attribute, so that reading gives back the same complex128 array.
_COMPLEX_DIM = "qbattery_complex_ri"
_COMPLEX_FLAG = "qbattery_complex"


def _encode_complex(ds):
    names = [n for n, v in ds.variables.items() if v.dtype.kind == "c"]
    if not names:
        return ds
    ds = ds.copy(deep=False)
    for n in names:
        v = ds.variables[n]
        if n in ds.dims:
            raise ValueError(f"complex coordinate {n!r} cannot be stored in NetCDF")
        arr = np.stack([v.values.real, v.values.imag], axis=-1)
        attrs = {**v.attrs, _COMPLEX_FLAG: 1}
        is_coord = n in ds.coords
        ds = ds.drop_vars(n)
        if is_coord:
            ds = ds.assign_coords({n: ((*v.dims, _COMPLEX_DIM), arr, attrs)})
        else:
            ds[n] = ((*v.dims, _COMPLEX_DIM), arr, attrs)
    return ds


def _decode_complex(ds):
    names = [n for n, v in ds.variables.items() if v.attrs.get(_COMPLEX_FLAG) == 1]
    for n in names:
        v = ds.variables[n]
        arr = v.values[..., 0] + 1j * v.values[..., 1]
        attrs = {k: a for k, a in v.attrs.items() if k != _COMPLEX_FLAG}
        is_coord = n in ds.coords
        ds = ds.drop_vars(n)
        if is_coord:
            ds = ds.assign_coords({n: (v.dims[:-1], arr, attrs)})
        else:
            ds[n] = (v.dims[:-1], arr, attrs)
    return ds


def read_netcdf(path: str | os.PathLike):
    """Load a NetCDF file fully into memory and close it (no lazy handles left open)."""
    import xarray as xr

    with deferred_interrupt(), _NC_LOCK, xr.open_dataset(
            path, engine="netcdf4", decode_times=False, decode_timedelta=False) as ds:
        return canonical_dataset(_decode_complex(ds.load()))


class StoreEntry:
    """The directory of one spec (or sweep) hash inside a :class:`Store`."""

    def __init__(self, path: Path, name: str, digest: str) -> None:
        self.path = Path(path)
        self.name = name
        self.digest = digest

    def __repr__(self) -> str:
        return f"StoreEntry({str(self.path)!r})"

    @property
    def points_dir(self) -> Path:
        return self.path / "points"

    @property
    def failed_dir(self) -> Path:
        return self.path / "failed"

    @property
    def dataset_path(self) -> Path:
        return self.path / "dataset.nc"

    def point_path(self, key: str) -> Path:
        return self.points_dir / f"{key}.nc"

    def failure_path(self, key: str) -> Path:
        return self.failed_dir / f"{key}.json"

    # ------------------------------------------------------------------ setup
    def prepare(self, files: Mapping[str, str] | None = None) -> None:
        """Create the directories and write descriptive files (``spec.toml``, ...) if absent."""
        self.points_dir.mkdir(parents=True, exist_ok=True)
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        for fname, text in (files or {}).items():
            target = self.path / fname
            if not target.exists():
                atomic_write_text(target, text)
        self.clean_stale_tmp()

    def clean_stale_tmp(self, max_age: float = _STALE_TMP_AGE) -> int:
        """Remove temporary files left by killed writers (older than ``max_age`` seconds).

        Younger ones may belong to a sweep running right now and are left alone.
        """
        removed = 0
        now = time.time()
        for d in (self.path, self.points_dir, self.failed_dir):
            if not d.is_dir():
                continue
            for p in d.glob(f".*{_TMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    if now - p.stat().st_mtime > max_age:
                        p.unlink()
                        removed += 1
        return removed

    # ------------------------------------------------------------------ points
    def has_point(self, key: str) -> bool:
        return self.point_path(key).is_file()

    def stored_keys(self) -> set[str]:
        if not self.points_dir.is_dir():
            return set()
        return {p.stem for p in self.points_dir.glob("*.nc") if not p.name.startswith(".")}

    def write_point(self, key: str, ds) -> Path:
        path = atomic_write_netcdf(self.point_path(key), ds)
        self.clear_failure(key)
        return path

    def read_point(self, key: str):
        """The stored point, or ``None`` when it is missing or unreadable (then it is recomputed)."""
        path = self.point_path(key)
        if not path.is_file():
            return None
        try:
            return read_netcdf(path)
        except (OSError, ValueError, RuntimeError) as exc:  # pragma: no cover - disk corruption
            log.warning("ignoring unreadable point file %s (%s); it will be recomputed", path, exc)
            return None

    # ------------------------------------------------------------------ failures
    def write_failure(self, key: str, record: Mapping[str, Any]) -> Path:
        text = json.dumps(dict(record), indent=2, sort_keys=True, default=str)
        return atomic_write_text(self.failure_path(key), text + "\n")

    def clear_failure(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.failure_path(key).unlink()

    def failures(self) -> list[dict[str, Any]]:
        """The error records of failed points (JSON), sorted by key."""
        if not self.failed_dir.is_dir():
            return []
        out = []
        for p in sorted(self.failed_dir.glob("*.json")):
            with contextlib.suppress(OSError, ValueError):
                out.append(json.loads(p.read_text(encoding="utf-8")))
        return out

    # ------------------------------------------------------------------ merged dataset
    def write_dataset(self, ds) -> Path:
        return atomic_write_netcdf(self.dataset_path, ds)

    def read_dataset(self):
        return read_netcdf(self.dataset_path) if self.dataset_path.is_file() else None


def _safe_name(name: str) -> str:
    keep = "".join(ch if (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return keep.strip("._")[:64] or "sweep"


class Store:
    """A store root directory holding one :class:`StoreEntry` per hash.

    Nothing is created on disk until an entry is prepared, so that invalid input writes nothing.
    """

    def __init__(self, root: str | os.PathLike = DEFAULT_STORE) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def entry(self, name: str, digest: str) -> StoreEntry:
        """The entry ``<root>/<name>-<digest[:12]>``."""
        if len(digest) < 12 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"digest = {digest!r} is invalid: expected a hex SHA-256 digest")
        return StoreEntry(self.root / f"{_safe_name(name)}-{digest[:12]}", name, digest)

    def entries(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if (p / "points").is_dir())


def elapsed(t0: float) -> float:
    """Seconds since ``t0`` (``time.perf_counter``), rounded to milliseconds."""
    return math.floor((time.perf_counter() - t0) * 1000.0 + 0.5) / 1000.0
