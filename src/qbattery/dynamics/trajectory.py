"""Immutable results of a time evolution: times, states or expectation values, and run statistics.

Arrays in a :class:`Trajectory` are read-only (``writeable=False``); the expectation values are
a read-only mapping keyed by the user's names (list ``e_ops`` give integer keys 0, 1, ... as in
QuTiP's ``e_data``). :meth:`Trajectory.to_xarray` gives an ``xarray.Dataset`` that NetCDF can
store: complex data are split into real parts and ``*_imag`` variables, attributes are str, int
or float only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["SolverStats", "Trajectory"]


def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.flags.writeable = False
    return a


@dataclass(frozen=True)
class SolverStats(Mapping):
    """Metadata of one run (also a read-only mapping ``stats["wall_time"]``).

    Attributes
    ----------
    method
        The method that ran (``"propagator"``, ``"krylov"``, ``"ode"``); ``auto`` records
        whether it was chosen by ``method="auto"``.
    options
        The method's options (tolerances) as a read-only mapping.
    n_steps
        Propagator: propagator applications; Krylov: ``expm_multiply`` calls; ODE: accepted
        and rejected solver steps.
    n_matvec
        Sparse (ODE) or dense (Propagator) mat-vecs with the Liouvillian; ``None`` for Krylov
        (SciPy does not report it).
    n_expm
        Dense exponentials computed in this run (0 when the solver's cache had them).
    wall_time
        Seconds spent in ``run`` (propagation, expectation values and checks).
    liouville_dim
        n = D^2.
    max_trace_error, max_hermiticity_error
        max over output times of |tr rho - 1| and of max|rho - rho^dag| (never corrected).
    max_top_population
        For an ``OpenSystem`` with truncated subsystems: the largest population of a top Fock
        level over the output times (``None`` when nothing is truncated).
    truncation_tol
        The model's tolerance on that population (``None`` without a model).
    """

    method: str
    options: Mapping[str, Any]
    auto: bool
    n_steps: int | None
    n_matvec: int | None
    n_expm: int
    wall_time: float
    liouville_dim: int
    max_trace_error: float
    max_hermiticity_error: float
    max_top_population: float | None = None
    truncation_tol: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def _keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (options as a nested dict)."""
        d = {k: getattr(self, k) for k in self._keys()}
        d["options"] = dict(self.options)
        return d

    def __repr__(self) -> str:
        return (f"SolverStats(method={self.method!r}{' (auto)' if self.auto else ''}, "
                f"n_steps={self.n_steps}, wall_time={self.wall_time:.3g}s, "
                f"max_trace_error={self.max_trace_error:.1e})")


def _var_name(key: Any) -> str:
    return key if isinstance(key, str) else f"e{key}"


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Result of :func:`~qbattery.dynamics.evolve` / :meth:`LindbladSolver.run`.

    Attributes
    ----------
    times
        (nt,) float64 output times; ``times[0]`` is the initial time.
    states
        (nt, D, D) complex128 density matrices, or ``None`` when not stored (the default when
        ``e_ops`` are given; force with ``store_states=True``).
    expect
        Read-only mapping name -> (nt,) array: float64 for Hermitian operators, complex128 for
        non-Hermitian operators and for callables returning complex numbers.
    final_state
        (D, D) state at ``times[-1]`` (always kept).
    stats
        :class:`SolverStats`.
    dims
        Subsystem dimensions.
    """

    times: np.ndarray
    states: np.ndarray | None
    expect: Mapping[Any, np.ndarray]
    final_state: np.ndarray
    stats: SolverStats
    dims: tuple[int, ...]

    def __post_init__(self) -> None:
        _readonly(self.times)
        _readonly(self.states)
        _readonly(self.final_state)
        for v in self.expect.values():
            _readonly(v)
        object.__setattr__(self, "expect", MappingProxyType(dict(self.expect)))

    @property
    def e_data(self) -> Mapping[Any, np.ndarray]:
        """Alias of :attr:`expect` (QuTiP 5 name)."""
        return self.expect

    def to_xarray(self, time_name: str = "t"):
        """An ``xarray.Dataset`` with coordinate ``time_name`` and one variable per expectation.

        * Real expectation values: one float64 variable named by the key (non-string keys, e.g.
          the integers of list ``e_ops``, become ``"e0"``, ``"e1"``, ...).
        * Complex ones: ``<name>`` holds the real part and ``<name>_imag`` the imaginary part.
          The split depends on the dtype only (not on the values), so that datasets of a sweep
          share one schema; Hermitian operators already give real arrays.
        * States, if stored: ``rho_real`` and ``rho_imag`` with dims (t, row, col).
        * Attributes (str/int/float only, NetCDF-safe): ``method``, ``auto`` (0/1), the method's
          options prefixed ``option_``, ``dims`` as a string like ``"2x2"``, the counters and
          errors of :attr:`stats` (``None`` values are left out).
        """
        import xarray as xr

        coords = {time_name: np.array(self.times)}
        data: dict[str, Any] = {}
        for key, arr in self.expect.items():
            name = _var_name(key)
            if np.iscomplexobj(arr):
                data[name] = ((time_name,), np.array(arr.real),
                              {"part": "real", "source": f"expect[{key!r}]"})
                data[f"{name}_imag"] = ((time_name,), np.array(arr.imag),
                                        {"part": "imag", "source": f"expect[{key!r}]"})
            else:
                data[name] = ((time_name,), np.array(arr), {"source": f"expect[{key!r}]"})
        if self.states is not None:
            dims = (time_name, "row", "col")
            data["rho_real"] = (dims, np.array(self.states.real), {"part": "real"})
            data["rho_imag"] = (dims, np.array(self.states.imag), {"part": "imag"})
        attrs: dict[str, Any] = {"method": self.stats.method, "auto": int(self.stats.auto),
                                 "dims": "x".join(str(d) for d in self.dims)}
        for k, v in self.stats.options.items():
            attrs[f"option_{k}"] = _attr(v)
        for k in ("n_steps", "n_matvec", "n_expm", "wall_time", "liouville_dim",
                  "max_trace_error", "max_hermiticity_error", "max_top_population",
                  "truncation_tol"):
            v = getattr(self.stats, k)
            if v is not None:
                attrs[k] = _attr(v)
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def __repr__(self) -> str:
        nt = len(self.times)
        span = f"[{self.times[0]:g}, {self.times[-1]:g}]"
        D = self.final_state.shape[0]
        keys = ", ".join(repr(k) for k in self.expect) or "-"
        st = "stored" if self.states is not None else "not stored"
        auto = " (auto)" if self.stats.auto else ""
        return (f"Trajectory(nt={nt}, t={span}, D={D}, dims={self.dims}, e_ops=[{keys}], "
                f"states {st}, method={self.stats.method}{auto}, wall={self.stats.wall_time:.3g}s)")


def _attr(v: Any) -> str | int | float:
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return str(v)


def expect_items(e_ops: Any) -> list[tuple[Any, Any]]:
    """Normalise ``e_ops`` to ``[(key, operator or f(t, rho)), ...]`` (shared by the solvers).

    A mapping keeps its keys; a single operator or callable gets key 0; a list gets keys
    0, 1, ... (QuTiP's ``e_data`` convention); ``None`` gives no observables.
    """
    import scipy.sparse as sp

    from ..errors import InvalidParameterError

    if e_ops is None:
        return []
    if isinstance(e_ops, Mapping):
        return list(e_ops.items())
    if callable(e_ops) or sp.issparse(e_ops) or (isinstance(e_ops, np.ndarray) and e_ops.ndim == 2) \
            or type(e_ops).__name__ == "Qobj":
        return [(0, e_ops)]
    if isinstance(e_ops, Sequence) and not isinstance(e_ops, str):
        return list(enumerate(e_ops))
    raise InvalidParameterError("e_ops", e_ops, "a dict name -> operator or f(t, rho), a list of "
                                "them, or None")
