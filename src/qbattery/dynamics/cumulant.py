r"""Second-order cumulant (mean-field with correlations) dynamics of collective spin ensembles.

Same model as :mod:`qbattery.dynamics.collective` (hbar = 1, core
:math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L, \rho\}/2`): ensembles k of N_k spins,
jumps :math:`\Gamma_c\mathcal D[\sum_k c_{ck}J_\mp^k]`, :math:`H = \sum_k\omega_k J_z^k`. The
variables are per-spin moments of identical spins (permutation symmetry inside an ensemble):

* :math:`s_k = \langle\sigma_z^a\rangle` (a in ensemble k); energy density
  :math:`\langle J_z^k\rangle/N_k + 1/2 = (1 + s_k)/2`;
* :math:`C_{kl} = \langle\sigma_+^a\sigma_-^b\rangle` (a in k, b in l, a != b), Hermitian;
* :math:`Z_{kl} = \langle\sigma_z^a\sigma_z^b\rangle` (a != b), real symmetric.

First moments :math:`\langle\sigma_\pm\rangle` vanish (U(1) symmetry of the model and of the
initial product states of fully excited or empty ensembles) and third-order cumulants are
dropped: :math:`\langle\sigma_z^a\sigma_+^i\sigma_-^b\rangle \approx s_a C_{ib}` for distinct
spins. Single-spin identities (:math:`\sigma_+\sigma_- = (1+\sigma_z)/2`,
:math:`\sigma_+\sigma_z = -\sigma_+`) are used exactly, which is what seeds the superradiant
burst from a fully excited ensemble (first-order mean field, with :math:`C = 0` there, never
leaves it). The derivation is in docs/cumulant.md. Cost: O(K^2) variables whatever the N_k.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_real, check_times
from ..errors import InvalidParameterError, SolverError
from .collective import CollectiveChannel
from .trajectory import SolverStats, Trajectory

__all__ = ["CumulantSolver", "CumulantState", "cumulant_rhs", "evolve_cumulant"]


@dataclass(frozen=True)
class CumulantState:
    """Second-order moments: s (K,), C (K, K) complex Hermitian, Z (K, K) real symmetric."""

    s: np.ndarray
    C: np.ndarray
    Z: np.ndarray

    @classmethod
    def product(cls, energy_density: Sequence[float]) -> CumulantState:
        """Uncorrelated product of identical single-spin states with excited populations
        ``energy_density`` (0: empty, 1: fully excited; exact Dicke states only at 0 and 1)."""
        e = np.asarray(energy_density, dtype=np.float64)
        if np.any(e < 0) or np.any(e > 1):
            raise InvalidParameterError("energy_density", energy_density, "values in [0, 1]")
        s = 2 * e - 1
        return cls(s, np.zeros((len(s), len(s)), dtype=np.complex128), np.outer(s, s))

    def pack(self) -> np.ndarray:
        return np.concatenate([self.s, self.C.real.ravel(), self.C.imag.ravel(), self.Z.ravel()])

    @classmethod
    def unpack(cls, y: np.ndarray, K: int) -> CumulantState:
        s = y[:K]
        C = y[K:K + K * K].reshape(K, K) + 1j * y[K + K * K:K + 2 * K * K].reshape(K, K)
        Z = y[K + 2 * K * K:].reshape(K, K)
        return cls(s, C, Z)


def _lower(s, C, Z, c, N, rate):
    """Contribution of rate * D[sum_k c_k J_-^k] to (ds, dC, dZ)."""
    cb = np.conj(c)
    u = (cb * N) @ C                                    # sum_n cb_n N_n C[n, l]
    Cd = np.diag(C)
    # W[x, y] = sum_n cb_n (N_n - d_nx - d_ny) C[n, y]  (target y, spins of x and y excluded)
    W = u[None, :] - cb[:, None] * C - (cb * Cd)[None, :]
    ds = -rate * (np.abs(c) ** 2 * (1 + s) + 2 * np.real(c * (u - cb * Cd)))
    ck, cl = c[:, None], c[None, :]
    cbk, cbl = cb[:, None], cb[None, :]
    sk, sl = s[:, None], s[None, :]
    dC = 0.5 * rate * (ck * (-cbk * C + cbl * (sk + Z) / 2 + sk * W)
                       + cbl * (-cl * C + ck * (sl + Z) / 2 + sl * np.conj(W.T)))
    first = ck * (cbk * (sl + Z) / 2 - cbl * C.T + sl * W.T)
    second = cl * (cbl * (sk + Z) / 2 - cbk * C + sk * W)
    dZ = -2 * rate * np.real(first + second)
    return ds, dC, dZ


def cumulant_rhs(state: CumulantState, channels: Sequence[CollectiveChannel],
                 sizes: Sequence[int], omegas: Sequence[float] | None = None) -> CumulantState:
    """Time derivative of the second-order moments (see the module docstring)."""
    N = np.asarray(sizes, dtype=np.float64)
    s, C, Z = state.s, state.C, state.Z
    ds = np.zeros_like(s)
    dC = np.zeros_like(C)
    dZ = np.zeros_like(Z)
    for ch in channels:
        if ch.rate == 0:
            continue
        c = np.asarray(ch.coeffs, dtype=np.complex128)
        if ch.kind == "lower":
            a, b, z = _lower(s, C, Z, c, N, ch.rate)
            ds += a
            dC += b
            dZ += z
        else:  # spin flip maps J_+ to J_-: s -> -s, C -> C^T, Z -> Z
            a, b, z = _lower(-s, C.T, Z, c, N, ch.rate)
            ds -= a
            dC += b.T
            dZ += z
    if omegas is not None:
        om = np.asarray(omegas, dtype=np.float64)
        dC += 1j * (om[:, None] - om[None, :]) * C
    return CumulantState(ds, dC, dZ)


class CumulantSolver:
    """Second-order cumulant solver for collective ensembles (any N_k, O(K^2) variables).

    Parameters
    ----------
    sizes
        Spins per ensemble N_k (floats allowed: only N_k enters).
    channels
        :class:`~qbattery.dynamics.collective.CollectiveChannel` objects (core rates).
    names
        Ensemble labels (expectation keys ``"Jz_<name>"``).
    omegas
        Frequencies of H = sum omega_k J_z^k (only differences matter).
    rtol, atol
        Tolerances of the stiff integrator (SciPy ``Radau``; rates reach ~Gamma N).
    """

    def __init__(self, sizes: Sequence[float], channels: Sequence[CollectiveChannel], *,
                 names: Sequence[str] | None = None, omegas: Sequence[float] | None = None,
                 rtol: float = 1e-9, atol: float = 1e-11, ode_method: str = "LSODA") -> None:
        self.sizes = tuple(float(check_real(n, f"sizes[{i}]", low=1.0))
                           for i, n in enumerate(sizes))
        K = len(self.sizes)
        self.channels = tuple(channels)
        for i, ch in enumerate(self.channels):
            if len(ch.coeffs) != K:
                raise InvalidParameterError(f"channels[{i}].coeffs", ch.coeffs,
                                            f"{K} coefficients")
        self.names = tuple(names) if names is not None else tuple(f"E{i}" for i in range(K))
        if len(self.names) != K:
            raise InvalidParameterError("names", names, f"{K} labels")
        self.omegas = None if omegas is None else np.asarray(omegas, dtype=np.float64)
        self.rtol = check_real(rtol, "rtol", low=0.0, low_open=True)
        self.atol = check_real(atol, "atol", low=0.0, low_open=True)
        if ode_method not in ("LSODA", "Radau", "BDF"):
            raise InvalidParameterError("ode_method", ode_method, "'LSODA', 'Radau' or 'BDF'")
        self.ode_method = ode_method

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        st = CumulantState.unpack(y, len(self.sizes))
        return cumulant_rhs(st, self.channels, self.sizes, self.omegas).pack()

    def run(self, state0: CumulantState | Sequence[float], times: Any) -> Trajectory:
        """Integrate from ``state0`` (a :class:`CumulantState` or initial energy densities).

        Returns a :class:`Trajectory` with ``expect["Jz_<name>"]`` (= N_k s_k / 2) and
        ``expect["s_<name>"]``; ``final_state`` is the packed moment vector.
        """
        from scipy.integrate import solve_ivp

        t0 = time.perf_counter()
        if not isinstance(state0, CumulantState):
            state0 = CumulantState.product(state0)
        times = check_times(times)
        K = len(self.sizes)
        y0 = state0.pack()
        if len(times) > 1:
            # stiff: the collective rates reach ~Gamma N; Radau with a numerical Jacobian
            sol = solve_ivp(self.rhs, (times[0], times[-1]), y0, method=self.ode_method, t_eval=times,
                            rtol=self.rtol, atol=self.atol)
            if not sol.success:
                raise SolverError(f"cumulant solver failed: {sol.message}")
            ys, nfev, nsteps = sol.y, sol.nfev, len(sol.t)
        else:
            ys, nfev, nsteps = y0[:, None], 0, 0
        s = ys[:K]
        expect = {}
        for k, n in enumerate(self.names):
            expect[f"s_{n}"] = s[k].copy()
            expect[f"Jz_{n}"] = 0.5 * self.sizes[k] * s[k]
        stats = SolverStats(method="cumulant2_radau", options={"rtol": self.rtol,
                                                               "atol": self.atol},
                            auto=False, n_steps=int(nsteps), n_matvec=int(nfev), n_expm=0,
                            wall_time=time.perf_counter() - t0, liouville_dim=len(y0),
                            max_trace_error=0.0, max_hermiticity_error=0.0)
        return Trajectory(times=times, states=None, expect=expect, final_state=ys[:, -1].copy(),
                          stats=stats, dims=tuple(int(round(n)) + 1 for n in self.sizes))


def evolve_cumulant(sizes: Sequence[float], channels: Sequence[CollectiveChannel],
                    state0: CumulantState | Sequence[float], times: Any, *,
                    names: Sequence[str] | None = None, **options: Any) -> Trajectory:
    """One-call form of :class:`CumulantSolver` ``(sizes, channels, ...).run(state0, times)``."""
    return CumulantSolver(sizes, channels, names=names, **options).run(state0, times)
