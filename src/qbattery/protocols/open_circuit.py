r"""The open-circuit (self-discharge) protocol and root-found battery lifetimes.

A battery is charged (or prepared) and then left alone: no charger, no load, only its internal
Hamiltonian and its decoherence,

.. math:: \dot\rho = \mathcal L\rho = -i[H_0 + H_{\rm int}, \rho] + \mathcal R[\rho],

(the self-discharge paper's Eq. 2 with :math:`H_{\rm ext} = 0`). Along the trajectory we record the
energy :math:`U = \mathrm{Tr}(\rho H_B)`, the ergotropy :math:`\mathcal E`, the efficiency
:math:`\xi = \mathcal E/(U - E_{\min})`, the normalised l1 coherence and the pairwise concurrence
averaged over chosen pairs (Eq. 14), and we find

* the **half-life** :math:`\tau_{1/2}`: first time with :math:`\mathcal E(\tau) = \mathcal E(0)/2`;
* the **characteristic decay time** :math:`\tau_d`: first time with :math:`Q(\tau) = Q(0)/e`;
* the **death time**: first time the ergotropy vanishes (sudden death when the populations cross).

Numerics. The state is propagated exactly, :math:`v(t+s) = e^{s\mathcal L}v(t)`. When
:math:`\mathcal L` conserves the coherence order (U(1)-covariant models: excitation-conserving H,
jump operators that change the excitation number by a fixed amount; checked on the entries of
:math:`\mathcal L`) only the coherence-order sectors present in the initial state are propagated
(a diagonal initial state: sector 0 only). A grid step is either a dense ``expm(B dt)`` per
sector block (cached per block and step) or a truncated Taylor series of the sparse generator
(:func:`expm_action`: terms K and sub-steps chosen from :math:`x = s\|\mathcal L\|_1` so that the
truncation bound :math:`x^{K+1}e^x/(K+1)!` is below the unit roundoff; the series of SciPy's
``expm_multiply`` without its norm estimation, which dominates for short steps), whichever a
cost model predicts cheaper. Lifetimes are **not read off the grid**: the grid brackets the first
crossing, then :func:`scipy.optimize.brentq` (``xtol`` 1e-13) solves
:math:`Q(\rho(t)) = {\rm target}` on the Taylor polynomial of :math:`\rho(t)` around the grid
state before the crossing, which is exact to the same bound (the bracket is first bisected with
exact steps until :math:`(b-a)\|\mathcal L\|_1 \le 3`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.optimize import brentq

from .._checks import as_density_matrix, as_hermitian, as_operator, check_real, check_times
from ..errors import InvalidParameterError
from ..metrics import concurrence, ergotropy
from ..models.open_system import OpenSystem
from ..quantum.partial_trace import partial_trace

__all__ = [
    "DIAGNOSTICS",
    "DischargeTrajectory",
    "OpenCircuit",
    "coherence_orders",
    "discharge_diagnostics",
    "excitation_labels",
    "expm_action",
    "open_circuit",
    "taylor_terms",
]

#: Diagnostics recorded along an open-circuit trajectory.
DIAGNOSTICS = ("energy", "ergotropy", "xi", "coherence_l1", "concurrence_avg")

#: Truncation tolerance of the Taylor propagator (relative to ||v||_1): the unit roundoff.
TAYLOR_TOL = 2.0**-53

#: Largest (b - a) ||L||_1 covered by one Taylor expansion when refining a root (the bracket is
#: bisected with exact steps until it is reached).
TAYLOR_WINDOW_X = 3.0

#: Default absolute tolerance of brentq on the time axis.
ROOT_XTOL = 1e-13

#: xi = 0 where the energy above the ground state is below this fraction of the spectral radius
#: of H_B (the metrics' ENERGY_RTOL: 0/0 for an empty battery).
XI_RTOL = 1e-10


# --------------------------------------------------------------------------- propagation
def expm_action(L: Any, v: np.ndarray, s: float, *, norm1: float | None = None,
                tol: float = TAYLOR_TOL) -> tuple[np.ndarray, int]:
    r""":math:`e^{s\mathcal L}v` by a truncated Taylor series (exact to ``tol``).

    With :math:`x = |s|\,\|\mathcal L\|_1` split into :math:`m = \lceil x\rceil` sub-steps of size
    :math:`h = s/m`, each sub-step sums :math:`\sum_{j\le K}(h\mathcal L)^j v/j!` with the
    smallest K such that :math:`\|\text{rest}\|_1 \le (x/m)^{K+1}e^{x/m}/(K+1)!\,\|v\|_1 \le`
    ``tol`` :math:`\|v\|_1`. ``v`` may be (n,) or (n, k). Returns the result and the number of
    mat-vecs.
    """
    if s == 0.0:
        return np.array(v, copy=True), 0
    if norm1 is None:
        norm1 = float(abs(L).sum(axis=0).max()) if sp.issparse(L) else float(
            np.abs(L).sum(axis=0).max())
    nsub, K = taylor_terms(abs(s) * norm1, tol)
    h = s / nsub
    out = np.array(v, dtype=np.complex128, copy=True)
    for _ in range(nsub):
        acc = out.copy()
        w = out
        for j in range(1, K + 1):
            w = (L @ w) * (h / j)
            acc += w
        out = acc
    return out, nsub * K


def taylor_terms(x: float, tol: float = TAYLOR_TOL) -> tuple[int, int]:
    """(sub-steps m, terms K) of :func:`expm_action` for :math:`x = |s|\\,\\|\\mathcal L\\|_1`."""
    # Sub-steps of norm <= 2: fewer mat-vecs than <= 1 (K grows sub-linearly), and the rounding
    # of the sum stays below e^2 eps per sub-step.
    nsub = max(1, math.ceil(x / 2.0))
    xh = x / nsub
    K, term = 0, 1.0
    growth = math.exp(xh)
    while term * xh / (K + 1) * growth > tol:
        K += 1
        term *= xh / K
    return nsub, max(K, 1)


def excitation_labels(dims: Sequence[int]) -> np.ndarray:
    """Excitation number of each basis state of a product space (the sum of the subsystem
    indices: qbattery's basis index counts excitations), in Kronecker order."""
    out = np.zeros(1, dtype=np.int64)
    for d in dims:
        out = (out[:, None] + np.arange(int(d))[None, :]).reshape(-1)
    return out


def coherence_orders(L: sp.csr_matrix, dims: Sequence[int]) -> np.ndarray | None:
    """Coherence order ``n_i - n_j`` of every row-major Liouville index (i, j), if ``L`` conserves
    it (checked on its entries, to 1e-14 of the largest); None when it does not."""
    labels = excitation_labels(dims)
    q = (labels[:, None] - labels[None, :]).reshape(-1)
    coo = L.tocoo()
    cross = q[coo.row] != q[coo.col]
    if np.any(cross):
        scale = float(np.max(np.abs(coo.data))) if coo.nnz else 0.0
        if float(np.max(np.abs(coo.data[cross]))) > 1e-14 * scale:
            return None
    return q


def _distinct_steps(times: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Group the grid steps that agree to 1e-13 of the time span; (group of each step, group dt)."""
    dts = np.diff(times)
    if dts.size == 0:
        return np.zeros(0, dtype=np.int64), []
    atol = 1e-13 * max(abs(times[0]), abs(times[-1]), times[-1] - times[0])
    groups = np.empty(dts.size, dtype=np.int64)
    reps: list[float] = []
    for i, d in enumerate(dts):
        for g, r in enumerate(reps):
            if abs(d - r) <= atol:
                groups[i] = g
                break
        else:
            if len(reps) >= 64:  # irregular grid: no point caching
                return np.full(dts.size, -1, dtype=np.int64), reps
            groups[i] = len(reps)
            reps.append(float(d))
    return groups, reps


class _Evolver:
    """Exact propagation of one run in the active coherence sectors, with checkpoints.

    Along the grid, each active sector block is propagated by a dense ``expm(B dt)`` (cached in
    the solver, one per block and distinct step) when blocks are small, else by
    :func:`expm_action`; off the grid (root finding) always by :func:`expm_action` from the
    latest checkpoint.
    """

    def __init__(self, solver: OpenCircuit, v0: np.ndarray) -> None:
        self.solver = solver
        self.D = solver.model.dim
        self.n = self.D * self.D
        q = solver.orders
        if q is None:
            self.keys: list[Any] = [None]
            blocks = [np.arange(self.n)]
        else:
            present = np.unique(q[np.abs(v0) > 0])
            self.keys = [int(k) for k in present]
            blocks = [solver.sector(k)[0] for k in self.keys]
        self.idx = np.concatenate(blocks)
        self.full = q is None or (self.idx.size == self.n
                                  and np.array_equal(self.idx, np.arange(self.n)))
        bounds = np.cumsum([0] + [b.size for b in blocks])
        self.slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        L = solver.L
        self.L = L if self.full else L[self.idx][:, self.idx].tocsr()
        self.norm1 = float(abs(self.L).sum(axis=0).max()) if self.L.nnz else 0.0
        self.n_matvec = 0
        self.n_expm = 0
        self.ck_times: np.ndarray = np.zeros(0)
        self.ck_vecs: list[np.ndarray] = []

    @property
    def size(self) -> int:
        return int(self.idx.size)

    def reduce(self, v: np.ndarray) -> np.ndarray:
        return v.copy() if self.full else v[self.idx]

    def expand(self, w: np.ndarray) -> np.ndarray:
        """(m, n_active) -> (m, D, D)."""
        if self.full:
            return w.reshape(-1, self.D, self.D)
        out = np.zeros((w.shape[0], self.n), dtype=np.complex128)
        out[:, self.idx] = w
        return out.reshape(-1, self.D, self.D)

    def step(self, w: np.ndarray, s: float) -> np.ndarray:
        out, nmv = expm_action(self.L, w, s, norm1=self.norm1, tol=self.solver.tol)
        self.n_matvec += nmv
        return out

    def dense_step(self, w: np.ndarray, dt: float, group: int) -> np.ndarray:
        out = np.empty_like(w)
        for key, sl in zip(self.keys, self.slices, strict=True):
            P, fresh = self.solver.propagator(key, dt, group)
            self.n_expm += fresh
            out[sl] = P @ w[sl]
        return out

    def reduced_at(self, t: float) -> np.ndarray:
        """Active part of vec(rho(t)), re-evolved exactly from the latest checkpoint <= t."""
        k = int(np.searchsorted(self.ck_times, t, side="right")) - 1
        if k < 0:
            raise InvalidParameterError("t", t, f"a time >= {self.ck_times[0]!r} (the start)")
        return self.step(self.ck_vecs[k], float(t - self.ck_times[k]))

    def state_at(self, t: float) -> np.ndarray:
        """rho(t) (D, D), re-evolved exactly from the latest checkpoint at or before t."""
        return self.expand(self.reduced_at(t)[None, :])[0]

    def taylor_window(self, a: float, b: float) -> _TaylorWindow:
        """Dense output on [a, b]: rho(a + s) = sum_j s^j W_j exactly (to ``tol``) for
        0 <= s <= b - a, when (b - a) ||L||_1 <= TAYLOR_WINDOW_X."""
        x = (b - a) * self.norm1
        nsub, K = taylor_terms(x, self.solver.tol)
        if nsub > 1:  # one expansion: bound x^(K+1) e^x / (K+1)! directly
            K, term = 0, 1.0
            growth = math.exp(x)
            while term * x / (K + 1) * growth > self.solver.tol:
                K += 1
                term *= x / K
        W = np.empty((K + 1, self.size), dtype=np.complex128)
        W[0] = self.reduced_at(a)
        for j in range(1, K + 1):
            W[j] = (self.L @ W[j - 1]) / j
        self.n_matvec += K
        return _TaylorWindow(self, a, W)


class _TaylorWindow:
    """rho(a + s) = sum_j s^j W_j (a truncated Taylor series around a grid state)."""

    def __init__(self, ev: _Evolver, a: float, W: np.ndarray) -> None:
        self.ev, self.a, self.W = ev, a, W
        self.powers = np.arange(W.shape[0])

    def state(self, t: float) -> np.ndarray:
        s = t - self.a
        return self.ev.expand(((s ** self.powers) @ self.W)[None, :])[0]


# --------------------------------------------------------------------------- diagnostics
def _battery_states(model: OpenSystem, rhos: np.ndarray) -> np.ndarray:
    return rhos if model.battery is None else model.battery_state(rhos)


def _default_pairs(model: OpenSystem) -> tuple[tuple[int, int], ...]:
    if len(model.dims) < 2 or any(d != 2 for d in model.dims):
        return ()
    edges = model.metadata.get("edges") if isinstance(model.metadata, Mapping) else None
    if edges is not None:
        return tuple((int(i), int(j)) for i, j in edges)
    n = len(model.dims)
    return tuple((i, j) for i in range(n) for j in range(i + 1, n))


def _check_pairs(pairs: Any, model: OpenSystem) -> tuple[tuple[int, int], ...]:
    if pairs is None:
        return _default_pairs(model) if model.battery is None else ()
    try:
        out = tuple((int(i), int(j)) for i, j in pairs)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("pairs", pairs, "a sequence of (i, j) qubit pairs") from exc
    n = len(model.dims)
    for i, j in out:
        if i == j or not (0 <= i < n and 0 <= j < n):
            raise InvalidParameterError("pairs", pairs, f"pairs of distinct subsystems in 0..{n - 1}")
    if out and any(d != 2 for d in model.dims):
        raise InvalidParameterError("pairs", pairs, "no pairs unless every subsystem is a qubit")
    return out


def discharge_diagnostics(rho: Any, H_B: Any, *, n_qubits: int | None = None,
                          pairs: Sequence[tuple[int, int]] = (),
                          names: Sequence[str] = DIAGNOSTICS) -> dict[str, np.ndarray]:
    r"""The open-circuit diagnostics of battery states ``rho`` (..., n, n).

    ``energy`` :math:`\mathrm{Tr}\rho H_B`; ``ergotropy``; ``xi`` =
    :math:`\mathcal E/\mathrm{Tr}[\rho(H_B - E_{\min})]` (0 where the battery is empty to
    round-off); ``coherence_l1`` :math:`\sum_{i\ne j}|\rho_{ij}|/(n-1)` in the computational
    basis (the cells' energy basis); ``concurrence_avg`` the Wootters concurrence averaged over
    ``pairs`` of the ``n_qubits`` (Eq. 14; NaN without pairs).
    """
    H = as_hermitian(H_B, "H_B")
    Hd = np.asarray(H.toarray() if sp.issparse(H) else H)
    rho = np.asarray(rho)
    out: dict[str, np.ndarray] = {}
    # Only the ergotropy goes through qbattery.metrics (which validates the states once); the
    # other quantities are direct formulas on the same arrays (the metrics' definitions).
    if "energy" in names or "xi" in names:
        out["energy"] = np.asarray(np.einsum("...ij,ji->...", rho, Hd).real, dtype=np.float64)
    if "ergotropy" in names or "xi" in names:
        out["ergotropy"] = np.asarray(ergotropy(rho, Hd), dtype=np.float64)
    if "xi" in names:
        e = np.linalg.eigvalsh(Hd)
        tr = np.trace(rho, axis1=-2, axis2=-1).real
        above = out["energy"] - e[0] * tr
        ok = above > XI_RTOL * max(abs(e[0]), abs(e[-1]), 1e-300)
        out["xi"] = np.where(ok, np.clip(out["ergotropy"] / np.where(ok, above, 1.0), 0.0, 1.0),
                             0.0)
    if "coherence_l1" in names:
        n = rho.shape[-1]
        a = np.abs(rho)
        idx = np.arange(n)
        a[..., idx, idx] = 0.0  # exact zeros: incoherent states give exactly 0
        out["coherence_l1"] = np.sum(a, axis=(-2, -1)) / (n - 1) if n > 1 else np.zeros(
            rho.shape[:-2])
    if "concurrence_avg" in names:
        if pairs and n_qubits is not None and n_qubits >= 2:
            dims = [2] * int(n_qubits)
            cs = [np.asarray(concurrence(partial_trace(rho, dims, [i, j])), dtype=np.float64)
                  for i, j in pairs]
            out["concurrence_avg"] = np.mean(cs, axis=0)
        else:
            out["concurrence_avg"] = np.full(rho.shape[:-2], np.nan)
    return {k: out[k] for k in names}


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class DischargeTrajectory:
    """Result of :func:`open_circuit` (arrays read-only).

    Attributes
    ----------
    times
        (nt,) output times; ``times[0]`` is the start of the open circuit.
    diagnostics
        Read-only mapping name -> (nt,) float64: ``energy``, ``ergotropy``, ``xi``,
        ``coherence_l1``, ``concurrence_avg`` (also as attributes of the same names).
    initial_state, final_state
        (D, D) states at ``times[0]`` (after any charging stage) and ``times[-1]``.
    states
        (nt, D, D) states, or None when not kept (see ``store_states``).
    pairs
        Qubit pairs averaged in ``concurrence_avg``.
    stats
        Read-only mapping: ``wall_time``, ``n_matvec``, ``liouville_dim``, ``active_dim``
        (size of the propagated coherence sectors), ``method``.

    The lifetimes (:meth:`half_life`, :meth:`decay_time`, :meth:`death_time`, :meth:`lifetime`,
    :meth:`crossing_time`) bracket the first crossing on the grid and refine it by ``brentq`` on
    exactly re-evolved states; they return NaN when the crossing is not within ``times``.
    """

    times: np.ndarray
    diagnostics: Mapping[str, np.ndarray]
    initial_state: np.ndarray
    final_state: np.ndarray
    states: np.ndarray | None
    pairs: tuple[tuple[int, int], ...]
    stats: Mapping[str, Any]
    _model: OpenSystem = field(repr=False)
    _evolver: Any = field(repr=False)
    _names: tuple[str, ...] = field(repr=False, default=DIAGNOSTICS)

    def __post_init__(self) -> None:
        for a in (self.times, self.initial_state, self.final_state, self.states,
                  *self.diagnostics.values()):
            if a is not None:
                a.flags.writeable = False
        object.__setattr__(self, "diagnostics", MappingProxyType(dict(self.diagnostics)))
        object.__setattr__(self, "stats", MappingProxyType(dict(self.stats)))

    def __getattr__(self, name: str) -> Any:
        if name in DIAGNOSTICS:
            d = object.__getattribute__(self, "diagnostics")
            if name in d:
                return d[name]
        raise AttributeError(name)

    # ---------------------------------------------------------------- exact states
    def state_at(self, t: float) -> np.ndarray:
        """The exact state at time ``t >= times[0]`` (re-evolved from the grid state before t)."""
        t = check_real(t, "t")
        return self._evolver.state_at(t)

    def _quantity(self, quantity: str | Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
        if callable(quantity):
            return lambda rho: float(quantity(rho))
        if quantity not in self._names:
            raise InvalidParameterError("quantity", quantity,
                                        f"one of {', '.join(self._names)} or a function of rho")
        return _Scalar(quantity, self._model, self.pairs)

    def value_at(self, quantity: str | Callable[[np.ndarray], float], t: float) -> float:
        """A diagnostic (or ``f(rho)``) at any time, from the exact state."""
        return self._quantity(quantity)(self.state_at(t))

    def _grid(self, quantity: str | Callable[[np.ndarray], float]) -> np.ndarray:
        if isinstance(quantity, str):
            self._quantity(quantity)  # validates the name
            return np.asarray(self.diagnostics[quantity])
        f = self._quantity(quantity)
        if self.states is not None:
            return np.array([f(r) for r in self.states])
        return np.array([f(self.state_at(t)) for t in self.times])

    def _refine(self, f: Callable[[np.ndarray], float], target: float, k: int,
                xtol: float) -> float:
        """Root of f(rho(t)) = target in the grid bracket [times[k-1], times[k]]."""
        a, b = float(self.times[k - 1]), float(self.times[k])
        ev = self._evolver

        def g_exact(t: float) -> float:
            return f(ev.state_at(t)) - target

        # Narrow the bracket with exact steps until one Taylor expansion covers it.
        ga, gb = g_exact(a), g_exact(b)
        while (b - a) * ev.norm1 > TAYLOR_WINDOW_X and np.sign(ga) != np.sign(gb) and ga != 0.0:
            m = 0.5 * (a + b)
            gm = g_exact(m)
            if np.sign(gm) == np.sign(ga):
                a, ga = m, gm
            else:
                b, gb = m, gm
        if ga == 0.0:
            return a
        if gb == 0.0 or np.sign(ga) == np.sign(gb):  # round-off at a grid crossing
            return b if abs(gb) <= abs(ga) else a
        window = ev.taylor_window(a, b)

        def g(t: float) -> float:
            return f(window.state(t)) - target

        return float(brentq(g, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=200))

    def crossing_time(self, quantity: Any, level: float = 0.0, *,
                      xtol: float = ROOT_XTOL) -> float:
        """First time ``quantity`` crosses ``level`` (either direction); NaN if it does not.

        ``quantity`` is a diagnostic name, a function ``f(rho) -> float`` or an operator O
        (then ``f = Re Tr(O rho)``, e.g. the population difference sigma_z for the
        population-crossing time).
        """
        if not (isinstance(quantity, str) or callable(quantity)):
            op = as_operator(quantity, "quantity", dim=self.final_state.shape[0])
            quantity = _TraceWith(op.toarray() if sp.issparse(op) else np.asarray(op))
        level = check_real(level, "level")
        vals = self._grid(quantity) - level
        if vals[0] == 0.0:
            return float(self.times[0])
        s0 = np.sign(vals[0])
        hit = np.nonzero(np.sign(vals[1:]) != s0)[0]
        if hit.size == 0:
            return math.nan
        return self._refine(self._quantity(quantity), level, int(hit[0]) + 1, xtol)

    def lifetime(self, quantity: Any = "ergotropy", fraction: float = 0.5, *,
                 xtol: float = ROOT_XTOL) -> float:
        """First time ``quantity`` falls to ``fraction`` of its initial value (NaN if not within
        ``times``; ``fraction`` in (0, 1))."""
        fraction = check_real(fraction, "fraction", low=0.0, high=1.0, low_open=True,
                              high_open=True)
        vals = self._grid(quantity)
        q0 = float(vals[0])
        if not q0 > 0.0:
            return math.nan
        target = fraction * q0
        hit = np.nonzero(vals[1:] <= target)[0]
        if hit.size == 0:
            return math.nan
        return self._refine(self._quantity(quantity), target, int(hit[0]) + 1, xtol)

    def half_life(self, quantity: Any = "ergotropy", *, xtol: float = ROOT_XTOL) -> float:
        """First time the ergotropy (or ``quantity``) is half its initial value."""
        return self.lifetime(quantity, 0.5, xtol=xtol)

    def decay_time(self, quantity: Any = "ergotropy", *, xtol: float = ROOT_XTOL) -> float:
        """Characteristic decay time: first time ``quantity`` falls to 1/e of its initial value
        (= 1/rate for an exponential decay)."""
        return self.lifetime(quantity, math.exp(-1.0), xtol=xtol)

    def death_time(self, quantity: Any = "ergotropy", *, atol: float | None = None,
                   xtol: float = ROOT_XTOL) -> float:
        """First time ``quantity`` (default the ergotropy) drops to ``atol`` (default 1e-12 times
        the spectral radius of H_B): the sudden death of the ergotropy. NaN if it stays above
        (e.g. an asymptotic decay). The error is about ``atol / |dQ/dt|`` at the death."""
        if atol is None:
            e = np.linalg.eigvalsh(np.asarray(self._model.H_battery.toarray()
                                              if sp.issparse(self._model.H_battery)
                                              else self._model.H_battery))
            atol = 1e-12 * max(abs(e[0]), abs(e[-1]), 1e-300)
        atol = check_real(atol, "atol", low=0.0)
        vals = self._grid(quantity)
        if not vals[0] > atol:
            return float(self.times[0])
        hit = np.nonzero(vals[1:] <= atol)[0]
        if hit.size == 0:
            return math.nan
        return self._refine(self._quantity(quantity), atol, int(hit[0]) + 1, xtol)

    # ---------------------------------------------------------------- export
    def to_xarray(self, time_name: str = "t", *, time_scale: float = 1.0):
        """An ``xarray.Dataset`` with coordinate ``time_name`` (= ``times * time_scale``, e.g.
        ``Gamma`` for a ``Gamma t`` axis) and one variable per diagnostic."""
        import xarray as xr

        coords = {time_name: np.asarray(self.times) * float(time_scale)}
        data = {k: ((time_name,), np.array(v)) for k, v in self.diagnostics.items()}
        attrs = {k: (v if isinstance(v, (int, float, str)) else str(v))
                 for k, v in self.stats.items()}
        attrs["pairs"] = ";".join(f"{i}-{j}" for i, j in self.pairs)
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def __repr__(self) -> str:
        nt = len(self.times)
        D = self.final_state.shape[0]
        return (f"DischargeTrajectory(nt={nt}, t=[{self.times[0]:g}, {self.times[-1]:g}], D={D}, "
                f"E0={self.diagnostics.get('ergotropy', [np.nan])[0]:.6g}, "
                f"wall={self.stats.get('wall_time', 0.0):.3g}s)")


class _Scalar:
    """One diagnostic of one state, as in :func:`discharge_diagnostics` (same formulas, same
    band-centre shift and round-off clipping as :mod:`qbattery.metrics.ergotropy`), without the
    per-call validation: it is evaluated many times inside root finding."""

    def __init__(self, name: str, model: OpenSystem, pairs: tuple[tuple[int, int], ...]) -> None:
        self.name, self.model, self.pairs = name, model, pairs
        H = model.H_battery
        H = np.asarray(H.toarray() if sp.issparse(H) else H, dtype=np.complex128)
        e = np.linalg.eigvalsh(H)
        self.c = 0.5 * (e[0] + e[-1])
        self.es = e - self.c
        self.e0 = float(e[0])
        self.HsT = (H - self.c * np.eye(H.shape[0])).T
        self.tol = XI_RTOL * max(abs(e[0]), abs(e[-1]), 1e-300)

    def __call__(self, rho: np.ndarray) -> float:
        rb = _battery_states(self.model, rho[None])[0]
        if self.name in ("coherence_l1", "concurrence_avg"):
            return float(discharge_diagnostics(rb, self.model.H_battery,
                                               n_qubits=len(self.model.dims), pairs=self.pairs,
                                               names=(self.name,))[self.name])
        tr = float(np.trace(rb).real)
        us = float(np.sum(self.HsT * rb).real)
        if self.name == "energy":
            return us + self.c * tr
        r = np.linalg.eigvalsh(0.5 * (rb + rb.conj().T))
        w = us - float(np.sum(r[::-1] * self.es))
        if -self.tol <= w < 0.0:
            w = 0.0
        if self.name == "ergotropy":
            return w
        above = us + (self.c - self.e0) * tr
        return float(np.clip(w / above, 0.0, 1.0)) if above > self.tol else 0.0


class _TraceWith:
    """f(rho) = Re Tr(O rho) (a picklable callable)."""

    def __init__(self, op: np.ndarray) -> None:
        self.op_T = op.T

    def __call__(self, rho: np.ndarray) -> float:
        return float(np.sum(self.op_T * rho).real)


# --------------------------------------------------------------------------- the protocol
class OpenCircuit:
    """Reusable open-circuit solver: the Liouvillian, its coherence sectors and the dense sector
    propagators are built once and shared by every :meth:`run` (other initial states, grids).

    Parameters
    ----------
    model
        The battery and its environment, :class:`~qbattery.models.OpenSystem` with no charger
        (e.g. :func:`~qbattery.models.cells.cell_battery`). Energies and ergotropy are of the
        battery subsystem(s) with ``model.H_battery``.
    pairs
        Qubit pairs of ``concurrence_avg`` (default: the model's graph edges
        ``model.metadata["edges"]`` if given, else all pairs; none unless the battery is the
        whole register).
    diagnostics
        Which of :data:`DIAGNOSTICS` to record (``"xi"`` needs ``"ergotropy"``, added if absent).
    method
        ``"auto"`` (dense sector propagators when every active block has at most ``dense_max``
        elements and the grid has few distinct steps, else Taylor), ``"dense"`` or ``"taylor"``.
    tol
        Truncation tolerance of the Taylor propagator (see :func:`expm_action`).
    dense_max
        Largest sector block propagated by a dense exponential.
    liouvillian
        The model's generator if already built (row-major, e.g.
        :func:`~qbattery.models.cells.cell_liouvillian`, much cheaper across many graphs);
        default ``model.liouvillian()``. Only its shape is checked.
    """

    def __init__(self, model: OpenSystem, *, pairs: Any = None,
                 diagnostics: Sequence[str] = DIAGNOSTICS, method: str = "auto",
                 tol: float = TAYLOR_TOL, dense_max: int = 1024,
                 liouvillian: Any = None) -> None:
        if not isinstance(model, OpenSystem):
            raise InvalidParameterError("model", model, "a qbattery.models.OpenSystem")
        names = tuple(dict.fromkeys(diagnostics)) if not isinstance(diagnostics, str) else ()
        if not names or any(n not in DIAGNOSTICS for n in names):
            raise InvalidParameterError("diagnostics", diagnostics,
                                        f"a non-empty list of names among {DIAGNOSTICS}")
        if "xi" in names and "ergotropy" not in names:
            names = ("ergotropy", *names)
        if method not in ("auto", "dense", "taylor"):
            raise InvalidParameterError("method", method, "'auto', 'dense' or 'taylor'")
        self.model = model
        self.names = names
        self.method = method
        self.tol = check_real(tol, "tol", low=0.0, low_open=True)
        self.dense_max = int(check_real(dense_max, "dense_max", low=1.0))
        self.pairs = _check_pairs(pairs, model)
        if liouvillian is None:
            self.L = sp.csr_matrix(model.liouvillian())
        else:
            self.L = sp.csr_matrix(as_operator(liouvillian, "liouvillian", dim=model.dim**2),
                                   dtype=np.complex128)
        self.orders = coherence_orders(self.L, model.dims)
        self._sectors: dict[int, tuple[np.ndarray, sp.csr_matrix]] = {}
        self._props: dict[tuple[Any, int, float], np.ndarray] = {}

    def sector(self, k: int) -> tuple[np.ndarray, sp.csr_matrix]:
        """(Liouville indices, block of L) of coherence order ``k``."""
        if k not in self._sectors:
            idx = np.nonzero(self.orders == k)[0]
            self._sectors[k] = (idx, self.L[idx][:, idx].tocsr())
        return self._sectors[k]

    def propagator(self, key: Any, dt: float, group: int) -> tuple[np.ndarray, int]:
        """Dense ``expm(B dt)`` of a sector block (cached); returns (P, 1 if computed now)."""
        ck = (key, group, dt)
        if ck in self._props:
            return self._props[ck], 0
        B = self.L if key is None else self.sector(key)[1]
        P = sla.expm(B.toarray() * dt)
        if len(self._props) > 256:
            self._props.clear()
        self._props[ck] = P
        return P, 1

    def _use_dense(self, ev: _Evolver, groups: np.ndarray, reps: list[float]) -> bool:
        if self.method == "taylor" or groups.size == 0 or np.any(groups < 0):
            return False
        if self.method == "dense":
            return True
        sizes = [sl.stop - sl.start for sl in ev.slices]
        if max(sizes) > self.dense_max or len(reps) > 4:
            return False
        # Cost model (ns, measured with one BLAS thread): a dense expm ~ 3.5 d^3 per block not
        # cached yet, a dense mat-vec ~ 0.5 d^2 + 5e3, a sparse one ~ 2 nnz + 2.5e4 (SciPy's
        # Python dispatch dominates small mat-vecs).
        fresh = sum(3.5 * d**3 for key, d in zip(ev.keys, sizes, strict=True)
                    for g in range(len(reps)) if (key, g, reps[g]) not in self._props)
        steps = groups.size
        dense = fresh + steps * sum(0.5 * d * d + 5e3 for d in sizes)
        nsub, K = taylor_terms(max(reps) * ev.norm1, self.tol)
        return dense < steps * nsub * K * (2.0 * ev.L.nnz + 2.5e4)

    def run(self, rho0: Any, times: Any, *, charger: Any = None, charge_time: float | None = None,
            store_states: bool | None = None, max_stored_bytes: int = 2**27,
            chunk: int = 64) -> DischargeTrajectory:
        """Open-circuit evolution of ``rho0`` (or of its charged version) over ``times``.

        Parameters
        ----------
        rho0
            Prepared state (density matrix or ket) at ``times[0]``; with a ``charger`` it is the
            state before charging.
        times
            Strictly increasing output times of the open circuit.
        charger, charge_time
            Optional charging stage: evolve ``rho0`` for ``charge_time`` under
            ``model.H + charger`` (same dissipation), then open the circuit (``charger``: a
            Hermitian D x D matrix, e.g. a classical drive).
        store_states
            Keep every state (default: when they take at most ``max_stored_bytes``). The states
            at the output times are checkpoints for exact re-evolution (every k-th one when they
            do not fit in ``max_stored_bytes``).
        chunk
            Output states processed at a time (memory ``chunk * D**2`` complex numbers).
        """
        t_start = time.perf_counter()
        model = self.model
        times = check_times(times, "times")
        D = model.dim
        rho = as_density_matrix(rho0, "rho0", dim=D)
        if charger is not None or charge_time is not None:
            rho = _charge(model, rho, charger, charge_time, self.tol)
        chunk = check_real(chunk, "chunk", low=1.0)
        chunk = int(chunk)
        v0 = rho.reshape(-1).astype(np.complex128)
        ev = _Evolver(self, v0)
        groups, reps = _distinct_steps(times)
        dense = self._use_dense(ev, groups, reps)
        nt = times.size
        keep = (nt * D * D * 16 <= max_stored_bytes) if store_states is None else bool(store_states)
        stride = max(1, math.ceil(nt * ev.size * 16 / max(1, max_stored_bytes)))
        states = np.empty((nt, D, D), dtype=np.complex128) if keep else None
        out = {k: np.empty(nt) for k in self.names}
        ck_t: list[float] = []
        ck_v: list[np.ndarray] = []
        w = ev.reduce(v0)
        nq = len(model.dims)
        for i0 in range(0, nt, chunk):
            i1 = min(nt, i0 + chunk)
            block = np.empty((i1 - i0, w.size), dtype=np.complex128)
            for i in range(i0, i1):
                if i > 0:
                    dt = float(times[i] - times[i - 1])
                    w = (ev.dense_step(w, reps[groups[i - 1]], int(groups[i - 1])) if dense
                         else ev.step(w, dt))
                block[i - i0] = w
                if i % stride == 0 or i == nt - 1:
                    ck_t.append(float(times[i]))
                    ck_v.append(w.copy())
            rhos = ev.expand(block)
            if states is not None:
                states[i0:i1] = rhos
            vals = discharge_diagnostics(_battery_states(model, rhos), model.H_battery,
                                         n_qubits=nq, pairs=self.pairs, names=self.names)
            for k in self.names:
                out[k][i0:i1] = vals[k]
        ev.ck_times = np.asarray(ck_t)
        ev.ck_vecs = ck_v
        final = ev.expand(w[None, :])[0].copy()
        stats = {"method": "dense_sectors" if dense else "taylor", "tol": float(self.tol),
                 "wall_time": time.perf_counter() - t_start, "n_matvec": ev.n_matvec,
                 "n_expm": ev.n_expm, "liouville_dim": int(v0.size), "active_dim": ev.size,
                 "n_sectors": len(ev.keys), "n_checkpoints": len(ck_t)}
        return DischargeTrajectory(times=times, diagnostics=out, initial_state=rho,
                                   final_state=final, states=states, pairs=self.pairs,
                                   stats=stats, _model=model, _evolver=ev, _names=self.names)

    def __repr__(self) -> str:
        return (f"OpenCircuit(D={self.model.dim}, liouville_dim={self.L.shape[0]}, "
                f"covariant={self.orders is not None}, method={self.method!r}, "
                f"diagnostics={list(self.names)})")


def open_circuit(model: OpenSystem, rho0: Any, times: Any, *, charger: Any = None,
                 charge_time: float | None = None, pairs: Any = None,
                 diagnostics: Sequence[str] = DIAGNOSTICS, method: str = "auto",
                 store_states: bool | None = None, tol: float = TAYLOR_TOL
                 ) -> DischargeTrajectory:
    r"""Let a prepared (or charged) battery discharge in open circuit; record its diagnostics.

    One-call form of ``OpenCircuit(model, pairs=..., diagnostics=..., method=..., tol=...)
    .run(rho0, times, charger=..., charge_time=..., store_states=...)``; see :class:`OpenCircuit`
    for the parameters. Returns a :class:`DischargeTrajectory` whose :meth:`~DischargeTrajectory.
    half_life`, :meth:`~DischargeTrajectory.decay_time` and :meth:`~DischargeTrajectory.death_time`
    are root-found on the exact trajectory.

    Example
    -------
    >>> from qbattery.models.cells import cell_battery, product_state
    >>> tr = open_circuit(cell_battery("linear", 1), product_state("quantum", 1),
    ...                   np.linspace(0, 4, 81))
    >>> round(tr.half_life(), 12)      # 2 ln[2(1 + sqrt 6)/5] / Gamma
    0.643871175176
    """
    solver = OpenCircuit(model, pairs=pairs, diagnostics=diagnostics, method=method, tol=tol)
    return solver.run(rho0, times, charger=charger, charge_time=charge_time,
                      store_states=store_states)


def _charge(model: OpenSystem, rho: np.ndarray, charger: Any, charge_time: Any,
            tol: float) -> np.ndarray:
    if charger is None or charge_time is None:
        raise InvalidParameterError("charger" if charger is None else "charge_time", None,
                                    "both charger and charge_time for a charging stage")
    T = check_real(charge_time, "charge_time", low=0.0)
    Hc = as_hermitian(charger, "charger", dim=model.dim)
    if T == 0.0:
        return rho
    charging = model.with_hamiltonian(model.H + Hc)
    Lc = sp.csr_matrix(charging.liouvillian())
    v, _ = expm_action(Lc, rho.reshape(-1).astype(np.complex128), T, tol=tol)
    return v.reshape(model.dim, model.dim)
