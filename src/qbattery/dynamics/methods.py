r"""Numerical methods for :math:`\dot v = \mathcal L v` (frozen objects that carry their tolerances).

Every method propagates the row-major vectorised state :math:`v = \mathrm{vec}(\rho)` of
:mod:`qbattery.quantum.superoperators` with a time-independent sparse Liouvillian and hands the
states at the requested output times, in blocks, to a consumer (the solver computes expectation
values and invariants from them without storing all states).

=============  ============================================  ==========================================
method         algorithm                                      accuracy
=============  ============================================  ==========================================
`Propagator`   dense :math:`P = e^{\mathcal L\,\Delta t}`      exact to rounding: ``scipy.linalg.expm``
               (scaling and squaring, Pade 13), one per      has backward error ~ unit roundoff; after k
               distinct step, reused along the grid and      steps the error is ~ k eps ||P||, i.e.
               across runs of a solver                       1e-13 for 1e3 steps of a Lindbladian
`Krylov`       ``scipy.sparse.linalg.expm_multiply``         the algorithm's tolerance is fixed by
               (Al-Mohy & Higham 2011, a truncated Taylor    SciPy to double-precision unit roundoff
               polynomial in the Krylov space of           (2^-53), observed 1e-15..1e-13; no
               :math:`\mathcal L`), multi-time interface      tunable ``tol``
               for uniform stretches of the grid
`ODE`          adaptive Runge-Kutta (``DOP853`` default) or  local error per step <= atol + rtol |v|;
               implicit (``BDF``) via SciPy's     the global error is typically 10-100 x
               ODE solvers with a sparse mat-vec right-hand  rtol (defaults rtol=1e-10, atol=1e-12 give
               side; output times by the solver's dense      ~1e-9 on O(1) observables); states between
               interpolant                                   steps come from the 7th-order interpolant
=============  ============================================  ==========================================

``method="auto"`` (:class:`Auto`) chooses `Propagator` when the Liouville dimension
:math:`n = D^2` is at most ``dense_max`` (1024) and the dense exponentials the grid needs are
cheaper than ``expm_multiply`` at every output time: ``n_distinct_steps * n**3 <= 3e5 * n_times``.
Measured single-threaded (driven cavity, spin chains): a dense ``expm`` costs ~1.6e-9 n^3 s
(0.1 s at n=400, 0.3 s at 576, 1 s at 784) and ``expm_multiply`` ~0.5 ms per output time plus
~||L|| T sparse mat-vecs; e.g. for 201 output times the crossover is n ~ 400 (D = 20).
Propagators already cached by a reused solver are free, so such a solver stays dense.

Unknown option names raise :class:`~qbattery.errors.InvalidParameterError`.
"""

from __future__ import annotations

import abc
import dataclasses
import itertools
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._checks import check_int, check_real
from ..errors import InvalidParameterError, SolverError

__all__ = [
    "ODE",
    "Auto",
    "Krylov",
    "Method",
    "Propagator",
    "make_method",
]

#: Two output times are on one uniform stretch (and two steps are "the same step") when they
#: agree to this fraction of max(|t0|, |t_end|): the state error is ~||L|| * 1e-13 * T.
GRID_RTOL = 1e-13

#: Consumer of propagated states: emit(first_time_index, block of shape (m, n)).
Emit = Callable[[int, np.ndarray], None]


# ---------------------------------------------------------------------------- time grids
def grid_runs(times: np.ndarray) -> list[tuple[int, int, float]]:
    """Split a strictly increasing grid into maximal uniform stretches.

    Returns ``(i0, i1, dt)`` triples meaning times[i0..i1] are equally spaced by dt (i1 > i0).
    Steps equal to within ``atol = GRID_RTOL * max(|t0|, |t_end|, t_end - t0)`` are merged
    (and share one canonical dt, so that a dense method needs one exponential per distinct step);
    a stretch is kept only if times[i0] + k dt reproduces its times to ``atol``. O(nt log nt).
    """
    times = np.asarray(times, dtype=np.float64)
    nt = len(times)
    if nt < 2:
        return []
    scale = max(abs(float(times[0])), abs(float(times[-1])), float(times[-1] - times[0]))
    atol = GRID_RTOL * scale
    diffs = np.diff(times)
    # candidate stretches: consecutive steps that agree to atol
    breaks = np.nonzero(np.abs(np.diff(diffs)) > atol)[0] + 1
    bounds = [0, *breaks.tolist(), nt - 1]
    runs: list[tuple[int, int, float]] = []
    for a, b in itertools.pairwise(bounds):
        dt = float((times[b] - times[a]) / (b - a))
        k = np.arange(b - a + 1)
        if b - a == 1 or np.max(np.abs(times[a:b + 1] - (times[a] + k * dt))) <= atol:
            runs.append((a, b, dt))
        else:  # slow drift (e.g. a geometric grid): one step at a time
            runs.extend((j, j + 1, float(diffs[j])) for j in range(a, b))
    # canonical step sizes: merge steps whose difference drifts by < atol over their stretch
    dts = np.array([r[2] for r in runs])
    lengths = np.array([r[1] - r[0] for r in runs])
    order = np.argsort(dts)
    canon = dts.copy()
    rep = dts[order[0]]
    for j in order:
        if (dts[j] - rep) * lengths[j] > atol:
            rep = dts[j]
        canon[j] = rep
    return [(a, b, float(c)) for (a, b, _), c in zip(runs, canon, strict=True)]


def distinct_steps(runs: list[tuple[int, int, float]]) -> list[float]:
    """The different (canonical) step sizes of the stretches from :func:`grid_runs`."""
    return sorted({dt for _, _, dt in runs})


class _Blocks:
    """Collect states row by row and hand them to ``emit`` in blocks of at most ``size`` rows."""

    def __init__(self, emit: Emit, n: int, size: int) -> None:
        self.emit, self.size = emit, max(1, size)
        self.buf = np.empty((self.size, n), dtype=np.complex128)
        self.start = 0  # time index of buf[0]
        self.fill = 0

    def push(self, v: np.ndarray) -> None:
        self.buf[self.fill] = v
        self.fill += 1
        if self.fill == self.size:
            self.flush()

    def flush(self) -> None:
        if self.fill:
            self.emit(self.start, self.buf[: self.fill])
            self.start += self.fill
            self.fill = 0


def _block_size(n: int, budget_mb: float = 64.0) -> int:
    """Rows of n complex numbers that fit in ``budget_mb`` (at least 1, at most 1024)."""
    return int(min(1024, max(1, budget_mb * 2**20 // (16 * n))))


# ---------------------------------------------------------------------------- methods
@dataclass(frozen=True)
class Method(abc.ABC):
    """Base class of the numerical methods (frozen; the fields are the options)."""

    name: ClassVar[str] = "method"

    def options(self) -> dict[str, Any]:
        """The options (tolerances) as a plain dict."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @abc.abstractmethod
    def propagate(self, L, v0: np.ndarray, times: np.ndarray, emit: Emit, cache: dict, *,
                  hermitian: bool = False) -> dict[str, Any]:
        """Propagate ``v0`` (the state at ``times[0]``) and emit the states at all ``times``.

        ``cache`` is the solver's dict for reusable data (propagators); ``hermitian=True`` says
        that ``L`` maps Hermitian matrices to Hermitian matrices and v0 is Hermitian.
        Returns counters for the statistics (``n_steps``, ``n_matvec``, ``n_expm``).
        """


@dataclass(frozen=True)
class Propagator(Method):
    r"""Dense exact propagation with :math:`P = e^{\mathcal L\Delta t}` (``scipy.linalg.expm``).

    One dense exponential per distinct step of the time grid (a uniform grid needs one), kept in
    the solver's cache (at most ``cache_size`` of them, least recently used dropped) so that a
    reused :class:`~qbattery.dynamics.LindbladSolver` pays it once. Exact up to rounding.

    Parameters
    ----------
    max_dim
        Largest Liouville dimension n = D^2 accepted (a dense n x n complex matrix takes 16 n^2
        bytes and its exponential ~n^3 flops). Default 4096 (D = 64, 256 MB).
    cache_size
        Number of propagators kept by a solver.
    """

    name: ClassVar[str] = "propagator"
    max_dim: int = 4096
    cache_size: int = 4

    def __post_init__(self) -> None:
        check_int(self.max_dim, "max_dim", low=1)
        check_int(self.cache_size, "cache_size", low=1)

    def propagate(self, L, v0, times, emit, cache, *, hermitian=False):
        n = L.shape[0]
        if n > self.max_dim:
            raise InvalidParameterError(
                "method", "propagator", f"a Liouville dimension <= max_dim={self.max_dim}",
                f"n = {n}: use method='krylov' or raise max_dim")
        store: OrderedDict = cache.setdefault("propagators", OrderedDict())
        dense: list = []
        counters = {"n_steps": 0, "n_matvec": 0, "n_expm": 0}

        def prop(dt: float) -> np.ndarray:
            key = float(dt)
            if key in store:
                store.move_to_end(key)
                return store[key]
            if not dense:
                dense.append(L.toarray())
            P = sla.expm(dense[0] * dt)
            counters["n_expm"] += 1
            store[key] = P
            while len(store) > self.cache_size:
                store.popitem(last=False)
            return P

        blocks = _Blocks(emit, n, _block_size(n))
        blocks.push(v0)
        v = v0
        for i0, i1, dt in grid_runs(times):
            P = prop(dt)
            for _ in range(i1 - i0):
                v = P @ v
                blocks.push(v)
            counters["n_steps"] += i1 - i0
        blocks.flush()
        counters["n_matvec"] = counters["n_steps"]
        return counters


@dataclass(frozen=True)
class Krylov(Method):
    r"""Action of the exponential, :math:`e^{\mathcal L t}v`, without forming it (sparse).

    ``scipy.sparse.linalg.expm_multiply`` (Al-Mohy & Higham, SIAM J. Sci. Comput. 33, 488
    (2011)): a truncated Taylor polynomial of :math:`\mathcal L` applied to v with scaling chosen
    from 1-norm estimates, i.e. a polynomial (Krylov-space) method with an a-priori error bound.
    Uniform stretches of the time grid use its multi-time interface (``start/stop/num``), in
    chunks of at most ``max_block`` times to bound memory. SciPy fixes the tolerance to unit
    roundoff (2^-53), so there is no ``tol`` option; observed errors are 1e-15..1e-13.

    Parameters
    ----------
    max_block
        Largest number of output times per ``expm_multiply`` call (memory: 16 n bytes each).
    """

    name: ClassVar[str] = "krylov"
    max_block: int = 256

    def __post_init__(self) -> None:
        check_int(self.max_block, "max_block", low=1)

    def propagate(self, L, v0, times, emit, cache, *, hermitian=False):
        n = L.shape[0]
        if "trace" not in cache:
            cache["trace"] = complex(L.diagonal().sum())
        trL = cache["trace"]
        emit(0, v0[None, :])
        v = v0
        calls = 0
        block = min(self.max_block, _block_size(n))
        for i0, i1, dt in grid_runs(times):
            k = i0
            while k < i1:
                m = min(block, i1 - k)
                out = spla.expm_multiply(L, v, start=0.0, stop=m * dt, num=m + 1,
                                         endpoint=True, traceA=trL)
                calls += 1
                emit(k + 1, out[1:])
                v = out[-1]
                k += m
        return {"n_steps": calls, "n_matvec": None, "n_expm": 0}


_ODE_SOLVERS = ("DOP853", "RK45", "BDF")  # Radau and LSODA do not support complex states


@dataclass(frozen=True)
class ODE(Method):
    r"""Adaptive ODE integration of :math:`\dot v = \mathcal L v` (SciPy's ``OdeSolver`` classes).

    The right-hand side is a sparse CSR mat-vec; the implicit ``BDF`` gets the
    constant sparse Jacobian :math:`\mathcal L`. Step-size control keeps the local error below
    ``atol + rtol |v|``; the global error is typically 10-100 x rtol. Output times are taken from
    the solver's dense-output interpolant (exact step ends are used as they are). When
    :math:`\mathcal L` preserves Hermiticity (always for models built from H and collapse
    operators) the right-hand side is projected onto Hermitian matrices, i.e. the integration runs
    in the invariant real subspace of Hermitian matrices and the states stay exactly Hermitian.
    A fallback for problems where the exponential methods struggle; it never renormalises.

    Parameters
    ----------
    rtol, atol
        Relative and absolute tolerances (rtol >= 1e-13, SciPy's floor).
    solver
        One of ``"DOP853"`` (default, explicit 8th order), ``"RK45"``, ``"BDF"`` (implicit, for
        stiff problems; SciPy's Radau and LSODA cannot integrate complex states).
    max_step
        Largest step size (default: no limit).
    """

    name: ClassVar[str] = "ode"
    rtol: float = 1e-10
    atol: float = 1e-12
    solver: str = "DOP853"
    max_step: float = math.inf

    def __post_init__(self) -> None:
        check_real(self.rtol, "rtol", low=1e-13, high=1.0)
        check_real(self.atol, "atol", low=0.0, low_open=True)
        check_real(self.max_step, "max_step", low=0.0, low_open=True, allow_inf=True)
        if self.solver not in _ODE_SOLVERS:
            raise InvalidParameterError("solver", self.solver, f"one of {_ODE_SOLVERS}")

    def propagate(self, L, v0, times, emit, cache, *, hermitian=False):
        from scipy import integrate

        n = L.shape[0]
        emit(0, v0[None, :])
        if len(times) < 2:
            return {"n_steps": 0, "n_matvec": 0, "n_expm": 0}

        D = math.isqrt(n)

        if hermitian:
            # L maps Hermitian to Hermitian; projecting the rounding noise out of the derivative
            # keeps every RK stage exactly Hermitian (explicit RK near its stability limit
            # otherwise amplifies anti-Hermitian noise to ~rtol, seen 1e-9 over 25 time units)
            def fun(t, y):
                w = (L @ y).reshape(D, D)
                return (0.5 * (w + w.conj().T)).reshape(-1)
        else:
            def fun(t, y):
                return L @ y

        cls = getattr(integrate, self.solver)
        kwargs: dict[str, Any] = {"rtol": self.rtol, "atol": self.atol, "max_step": self.max_step}
        if self.solver == "BDF":
            kwargs["jac"] = L
        solver = cls(fun, float(times[0]), v0.copy(), float(times[-1]), **kwargs)
        blocks = _Blocks(emit, n, _block_size(n))
        blocks.start = 1
        k, nt, steps = 1, len(times), 0
        while k < nt:
            msg = solver.step()
            steps += 1
            if solver.status == "failed":
                raise SolverError(f"method = ode ({self.solver}) failed at t = {solver.t:.6g}: {msg}")
            t_new = solver.t
            if times[k] <= t_new:
                interp = None
                while k < nt and times[k] <= t_new:
                    if times[k] == t_new:
                        blocks.push(solver.y)
                    else:
                        if interp is None:
                            interp = solver.dense_output()
                        blocks.push(interp(times[k]))
                    k += 1
        blocks.flush()
        return {"n_steps": steps, "n_matvec": int(solver.nfev), "n_expm": 0}


@dataclass(frozen=True)
class Auto(Method):
    """Choose `Propagator` or `Krylov` from a measured cost model.

    `Propagator` is used when n = D^2 <= ``dense_max`` and

        n_distinct_steps * n**3 <= dense_ratio * n_times

    i.e. when the dense exponentials (~1.6e-9 n^3 s each) cost less than ``expm_multiply`` at
    every output time (~0.5 ms each), measured single-threaded on driven cavities (n = 64..784)
    and spin chains. Propagators already in the solver's cache cost nothing, so a reused solver
    stays on the dense path. `Krylov` otherwise.

    Parameters
    ----------
    dense_max
        Largest Liouville dimension propagated densely (default 1024, i.e. D <= 32).
    dense_ratio
        Cost ratio of the model above (default 3e5).
    """

    name: ClassVar[str] = "auto"
    dense_max: int = 1024
    dense_ratio: float = 3e5

    def __post_init__(self) -> None:
        check_int(self.dense_max, "dense_max", low=0)
        check_real(self.dense_ratio, "dense_ratio", low=0.0)

    def resolve(self, n: int, times: np.ndarray, cached: Any = ()) -> Method:
        """The concrete method for Liouville dimension n on this grid (``cached``: step sizes
        whose propagators the solver already holds)."""
        if n <= self.dense_max:
            steps = distinct_steps(grid_runs(times))
            missing = sum(1 for dt in steps if dt not in cached)
            if missing * float(n) ** 3 <= self.dense_ratio * len(times):
                return Propagator()
        return Krylov()

    def propagate(self, L, v0, times, emit, cache, *, hermitian=False):
        method = self.resolve(L.shape[0], times, cache.get("propagators", ()))
        return method.propagate(L, v0, times, emit, cache, hermitian=hermitian)


_METHODS: dict[str, type[Method]] = {
    "auto": Auto,
    "propagator": Propagator,
    "krylov": Krylov,
    "ode": ODE,
}


def make_method(method: str | Method = "auto", /, **options: Any) -> Method:
    """A :class:`Method` from a name (``"auto"``, ``"propagator"``, ``"krylov"``, ``"ode"``) or an
    instance, with ``options`` as keyword fields (unknown names raise InvalidParameterError).

    >>> make_method("ode", rtol=1e-8)
    ODE(rtol=1e-08, atol=1e-12, solver='DOP853', max_step=inf)
    """
    if isinstance(method, Method):
        cls = type(method)
    elif isinstance(method, str) and method.lower() in _METHODS:
        cls = _METHODS[method.lower()]
    else:
        raise InvalidParameterError(
            "method", method, f"one of {tuple(_METHODS)} or a Method instance (e.g. ODE(rtol=1e-8))")
    allowed = [f.name for f in dataclasses.fields(cls)]
    for key in options:
        if key not in allowed:
            raise InvalidParameterError(
                key, options[key],
                f"an option of method '{cls.name}': one of {tuple(allowed)}" if allowed
                else f"no option (method '{cls.name}' has none)")
    if isinstance(method, Method):
        return dataclasses.replace(method, **options) if options else method
    return cls(**options)


def preserves_hermiticity(L, rtol: float = 1e-12) -> bool:
    r"""Whether :math:`\mathcal L(\rho^\dagger) = \mathcal L(\rho)^\dagger` (row-major vec).

    With the swap permutation S (vec(rho^T) = S vec(rho)) this is S L S = conj(L).
    """
    n = L.shape[0]
    D = math.isqrt(n)
    idx = np.arange(n)
    perm = (idx % D) * D + idx // D
    Lc = sp.csr_matrix(L)
    diff = Lc[perm][:, perm] - Lc.conj()
    scale = float(abs(Lc).max()) if Lc.nnz else 0.0
    return bool(diff.nnz == 0 or float(abs(diff).max()) <= rtol * max(scale, 1e-300))


def liouville_norm1(L) -> float:
    """1-norm (largest column sum of absolute values) of a sparse or dense matrix."""
    if sp.issparse(L):
        return float(abs(L).sum(axis=0).max()) if L.nnz else 0.0
    return float(np.abs(L).sum(axis=0).max()) if L.size else 0.0
