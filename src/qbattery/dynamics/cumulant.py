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

The closed equations are a quadratic polynomial :math:`\dot y = a + Ay + H(y, y)` in the
3K^2 + K real variables y. :class:`CumulantSolver` extracts a, A and the (sparse) H once, exactly
(a quadratic is fixed by its values at 0, +-e_j and e_j + e_k), so the right-hand side and its
exact Jacobian :math:`A + 2H(y, \cdot)` cost a few small dense products. The Casimirs
:math:`Z_{kk} + 4\,\mathrm{Re}\,C_{kk}` (= 1 in the symmetric Dicke subspace, from
:math:`J_k^2 = j_k(j_k + 1)`) are conserved by the closed equations.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_real, check_times
from ..errors import InvalidParameterError, SolverError
from .collective import CollectiveChannel
from .trajectory import SolverStats, Trajectory

__all__ = ["CumulantFixedPoint", "CumulantSolver", "CumulantState", "cumulant_rhs",
           "evolve_cumulant"]


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
        if e.ndim != 1 or e.size == 0 or np.any(~np.isfinite(e)) or np.any(e < 0) or np.any(e > 1):
            raise InvalidParameterError("energy_density", energy_density, "values in [0, 1]")
        s = 2 * e - 1
        return cls(s, np.zeros((len(s), len(s)), dtype=np.complex128), np.outer(s, s))

    def pack(self) -> np.ndarray:
        """Real vector (s, Re C, Im C, Z), C and Z row-major (also for leading batch axes)."""
        return _pack(self.s, self.C, self.Z)

    @classmethod
    def unpack(cls, y: np.ndarray, K: int) -> CumulantState:
        s, C, Z = _unpack(np.asarray(y, dtype=np.float64), K)
        return cls(s, C, Z)

    def casimirs(self) -> np.ndarray:
        """Z_kk + 4 Re C_kk per ensemble (1 in the symmetric Dicke subspace; conserved)."""
        return np.real(np.diagonal(self.Z, axis1=-2, axis2=-1)
                       + 4 * np.diagonal(self.C, axis1=-2, axis2=-1))


def _pack(s: np.ndarray, C: np.ndarray, Z: np.ndarray) -> np.ndarray:
    b = s.shape[:-1]
    K = s.shape[-1]
    return np.concatenate([s, C.real.reshape((*b, K * K)), C.imag.reshape((*b, K * K)),
                           Z.reshape((*b, K * K))], axis=-1)


def _unpack(y: np.ndarray, K: int):
    b = y.shape[:-1]
    kk = K * K
    s = y[..., :K]
    C = y[..., K:K + kk].reshape((*b, K, K)) + 1j * y[..., K + kk:K + 2 * kk].reshape((*b, K, K))
    Z = y[..., K + 2 * kk:].reshape((*b, K, K))
    return s, C, Z


def _t(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _lower(s, C, Z, c, N, rate):
    """Contribution of rate * D[sum_k c_k J_-^k] to (ds, dC, dZ) (leading batch axes allowed)."""
    cb = np.conj(c)
    u = np.einsum("n,...nl->...l", cb * N, C)           # sum_n cb_n N_n C[n, l]
    Cd = np.diagonal(C, axis1=-2, axis2=-1)
    # W[x, y] = sum_n cb_n (N_n - d_nx - d_ny) C[n, y]  (target y, spins of x and y excluded)
    W = u[..., None, :] - cb[:, None] * C - (cb * Cd)[..., None, :]
    ds = -rate * (np.abs(c) ** 2 * (1 + s) + 2 * np.real(c * (u - cb * Cd)))
    ck, cl = c[:, None], c[None, :]
    cbk, cbl = cb[:, None], cb[None, :]
    sk, sl = s[..., :, None], s[..., None, :]
    dC = 0.5 * rate * (ck * (-cbk * C + cbl * (sk + Z) / 2 + sk * W)
                       + cbl * (-cl * C + ck * (sl + Z) / 2 + sl * np.conj(_t(W))))
    first = ck * (cbk * (sl + Z) / 2 - cbl * _t(C) + sl * _t(W))
    second = cl * (cbl * (sk + Z) / 2 - cbk * C + sk * W)
    dZ = -2 * rate * np.real(first + second)
    return ds, dC, dZ


def _rhs_arrays(s, C, Z, channels, N, omegas):
    ds = np.zeros(np.shape(s))
    dC = np.zeros(np.shape(C), dtype=np.complex128)
    dZ = np.zeros(np.shape(Z))
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
            a, b, z = _lower(-s, _t(C), Z, c, N, ch.rate)
            ds -= a
            dC += _t(b)
            dZ += z
    if omegas is not None:
        om = np.asarray(omegas, dtype=np.float64)
        dC = dC + 1j * (om[:, None] - om[None, :]) * C
    return ds, dC, dZ


def cumulant_rhs(state: CumulantState, channels: Sequence[CollectiveChannel],
                 sizes: Sequence[float], omegas: Sequence[float] | None = None) -> CumulantState:
    """Time derivative of the second-order moments (see the module docstring and
    docs/cumulant.md). Arrays may carry leading batch axes."""
    N = np.asarray(sizes, dtype=np.float64)
    return CumulantState(*_rhs_arrays(state.s, state.C, state.Z, channels, N, omegas))


@dataclass(frozen=True)
class _Quadratic:
    r"""f(y) = a + A y + sum_p h_p y_{j_p} y_{k_p} (j_p <= k_p; h_p columns of ``Hp``)."""

    a: np.ndarray
    A: np.ndarray
    Hp: np.ndarray
    pj: np.ndarray
    pk: np.ndarray
    T: np.ndarray  # (n * n, n): Jacobian = A + (T @ y).reshape(n, n)
    Q: np.ndarray | None = None  # small n: f(y) = Q @ vec(u u^T), u = (1, y)

    @classmethod
    def of(cls, f: Callable[[np.ndarray], np.ndarray], n: int, rel: float = 1e-12) -> _Quadratic:
        """Exact coefficients of a quadratic ``f`` (batched: (B, n) -> (B, n)) from its values at
        0, +-e_j and e_j + e_k; entries below ``rel`` times their row's largest coefficient are
        rounding and are dropped."""
        E = np.eye(n)
        jj, kk = np.triu_indices(n, 1)
        F = f(np.concatenate([np.zeros((1, n)), E, -E, E[jj] + E[kk]]))
        a, fp, fm, fjk = F[0], F[1:n + 1], F[n + 1:2 * n + 1], F[2 * n + 1:]
        A = ((fp - fm) / 2).T
        hd = ((fp + fm) / 2 - a).T                      # coefficient of y_j^2
        ho = (fjk - fp[jj] - fp[kk] + a).T              # coefficient of y_j y_k, j < k
        H = np.concatenate([hd, ho], axis=1)
        pj = np.concatenate([np.arange(n), jj])
        pk = np.concatenate([np.arange(n), kk])
        scale = np.maximum(np.maximum(np.abs(A).max(axis=1), np.abs(H).max(axis=1)),
                           np.abs(a))[:, None]
        A = np.where(np.abs(A) > rel * scale, A, 0.0)
        H = np.where(np.abs(H) > rel * scale, H, 0.0)
        a = np.where(np.abs(a) > rel * scale[:, 0], a, 0.0)
        used = np.nonzero(np.any(H != 0, axis=0))[0]
        Hp, pj, pk = H[:, used], pj[used], pk[used]
        T = np.zeros((n, n, n))
        np.add.at(T, (slice(None), pj, pk), Hp)
        np.add.at(T, (slice(None), pk, pj), Hp)
        Q = None
        if n <= 24:  # one product instead of four for the small (reduced) systems
            Q = np.zeros((n, n + 1, n + 1))
            Q[:, 0, 0] = a
            Q[:, 0, 1:] = A
            np.add.at(Q, (slice(None), pj + 1, pk + 1), Hp)
            Q = Q.reshape(n, (n + 1) ** 2)
        return cls(a, A, np.ascontiguousarray(Hp), pj, pk, T.reshape(n * n, n), Q)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if self.Q is not None:
            u = np.empty(len(y) + 1)
            u[0] = 1.0
            u[1:] = y
            return self.Q @ np.multiply(u[:, None], u).ravel()
        return self.a + self.A @ y + self.Hp @ (y[self.pj] * y[self.pk])

    def batch(self, Y: np.ndarray) -> np.ndarray:
        """Values at the rows of Y (B, n)."""
        return self.a + Y @ self.A.T + (Y[:, self.pj] * Y[:, self.pk]) @ self.Hp.T

    def jacobian(self, y: np.ndarray) -> np.ndarray:
        n = len(y)
        return self.A + (self.T @ y).reshape(n, n)


def _model_symmetries(sizes, channels, omegas) -> list[tuple[int, int]]:
    """Transpositions (i, j) of ensembles that leave the model invariant (same N, omega, and the
    multiset of channels maps onto itself)."""
    K = len(sizes)
    key = [(ch.kind, float(ch.rate), tuple(complex(c) for c in ch.coeffs))
           for ch in channels if ch.rate > 0]
    out = []
    for i in range(K):
        for j in range(i + 1, K):
            if sizes[i] != sizes[j] or (omegas is not None and omegas[i] != omegas[j]):
                continue
            perm = list(range(K))
            perm[i], perm[j] = j, i
            mapped = [(k, r, tuple(c[perm[q]] for q in range(K))) for k, r, c in key]
            if sorted(mapped, key=repr) == sorted(key, key=repr):
                out.append((i, j))
    return out


def _reduced_basis(K: int, swaps: Sequence[tuple[int, int]], real: bool) -> np.ndarray:
    """Columns spanning the packed moments invariant under Hermiticity (C_lk = conj C_kl,
    Z_lk = Z_kl), the ensemble transpositions ``swaps`` and, if ``real``, Im C = 0: one column
    per orbit of variables (entries +-1), orbits forced to equal their own negative dropped."""
    n = K + 3 * K * K
    kk = K * K

    def idx(block: int, k: int, q: int) -> int:
        return K + block * kk + k * K + q

    parent = list(range(n))
    sign = [1] * n  # value(v) = sign[v] * value(parent[v]) along the path

    def find(v: int) -> tuple[int, int]:
        sg = 1
        while parent[v] != v:
            sg *= sign[v]
            v = parent[v]
        return v, sg

    zero = set()

    def union(u: int, v: int, sg: int) -> None:  # value(u) = sg * value(v)
        ru, su = find(u)
        rv, sv = find(v)
        if ru == rv:
            if su != sg * sv:
                zero.add(ru)
            return
        parent[ru] = rv
        sign[ru] = su * sg * sv
        if ru in zero:
            zero.add(rv)

    for k in range(K):
        for q in range(K):
            union(idx(0, k, q), idx(0, q, k), 1)
            union(idx(1, k, q), idx(1, q, k), -1)
            union(idx(2, k, q), idx(2, q, k), 1)
    for i, j in swaps:
        perm = list(range(K))
        perm[i], perm[j] = j, i
        for k in range(K):
            union(k, perm[k], 1)
            for q in range(K):
                for block in range(3):
                    union(idx(block, k, q), idx(block, perm[k], perm[q]), 1)
    roots: dict[int, int] = {}
    cols = []
    for v in range(n):
        r, sg = find(v)
        if r in zero or (real and K + kk <= v < K + 2 * kk):
            continue
        if r not in roots:
            roots[r] = len(cols)
            cols.append(np.zeros(n))
        cols[roots[r]][v] = sg
    return np.stack(cols, axis=1)


# Rodas4 (Hairer and Wanner, Solving ODEs II, Sec. IV.7; constants of rodas.f): 6 stages,
# order 4 with an embedded order-3 solution, L-stable and stiffly accurate.
_G4 = 0.25
_A4 = ((1.544,), (0.9466785280815826, 0.2557011698983284),
       (3.314825187068521, 2.896124015972201, 0.9986419139977817),
       (1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950))
_C4 = ((-5.6688,), (-2.430093356833875, -0.2063599157091915),
       (-0.1073529058151375, -9.594562251023355, -20.47028614809616),
       (7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160),
       (8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
        -6.058818238834054))


def _rodas4(f, jac, y0: np.ndarray, times: np.ndarray, rtol: float, atol: np.ndarray,
            max_steps: int = 200_000) -> tuple[np.ndarray, int, int, int]:
    r"""Integrate the autonomous y' = f(y) with Rodas4 and the exact Jacobian.

    Stage i solves :math:`(1/(\gamma h) - J)k_i = f(y + \sum_j a_{ij}k_j) + \sum_j c_{ij}k_j/h`;
    :math:`y_{n+1} = y + \sum_{j\le4} a_{5j}k_j + k_5 + k_6`, local error estimate k_6 (RMS
    norm with weights atol + rtol |y|). Output times inside a step: cubic Hermite interpolation
    from y and f at both ends (error O(h^4)). Returns (ys (n, len(times)), accepted steps,
    rejected steps, f evaluations).
    """
    from scipy.linalg.lapack import dgetrf, dgetri

    n = len(y0)
    di = np.arange(n)
    ys = np.empty((n, len(times)))
    ys[:, 0] = y0
    t = float(times[0])
    t_end = float(times[-1])
    y = np.array(y0, dtype=np.float64)
    f0 = f(y)
    sc = atol + rtol * np.abs(y)
    d0 = float(np.sqrt(np.mean((y / sc) ** 2)))
    d1 = float(np.sqrt(np.mean((f0 / sc) ** 2)))
    h = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h = min(h, t_end - t)
    i_out = 1
    nst = nrej = 0
    nfe = 1
    # stage i: argument y + sum_j acoef[i, j] k_j, right-hand side f(arg) + sum_j ccoef[i, j] k_j / h
    acoef = np.zeros((6, 5))
    ccoef = np.zeros((6, 5))
    for i, row in enumerate(_A4):
        acoef[i + 1, :len(row)] = row
    acoef[5, :4] = _A4[3]
    acoef[5, 4] = 1.0
    for i, row in enumerate(_C4):
        ccoef[i + 1, :len(row)] = row
    ks = np.zeros((6, n))
    while i_out < len(times):
        if nst + nrej >= max_steps:
            raise SolverError(f"cumulant Rodas4: more than {max_steps} steps (t = {t:g})")
        hh = min(h, t_end - t)
        M = -jac(y)
        M[di, di] += 1.0 / (_G4 * hh)
        lu, piv, info = dgetrf(M)
        if info == 0:
            Mi, info = dgetri(lu, piv)
        if info != 0:  # singular: halve the step
            h = 0.5 * hh
            nrej += 1
            continue
        ks[0] = Mi @ f0
        cc = ccoef / hh
        for i in range(1, 6):
            ks[i] = Mi @ (f(y + acoef[i, :i] @ ks[:i]) + cc[i, :i] @ ks[:i])
        k6 = ks[5]
        ynew = y + acoef[5] @ ks[:5] + k6
        nfe += 5
        w = k6 / (atol + rtol * np.maximum(np.abs(y), np.abs(ynew)))
        err = math.sqrt(float(w @ w) / n)
        if not np.isfinite(err):
            h = 0.2 * hh
            nrej += 1
            if h < 1e-300:
                raise SolverError(f"cumulant Rodas4: non-finite state at t = {t:g}")
            continue
        fac = 0.9 * err ** -0.25 if err > 0 else 6.0
        if err > 1.0:
            nrej += 1
            h = hh * max(0.2, min(1.0, fac))
            if h <= 1e-14 * max(abs(t), 1e-300):
                raise SolverError(f"cumulant Rodas4: step size underflow at t = {t:g}")
            continue
        tn = t_end if hh >= t_end - t else t + hh
        f1 = f(ynew)
        nfe += 1
        while i_out < len(times) and times[i_out] <= tn:
            th = (times[i_out] - t) / hh
            ys[:, i_out] = ((1 + 2 * th) * (1 - th) ** 2 * y + th * (1 - th) ** 2 * hh * f0
                            + th * th * (3 - 2 * th) * ynew + th * th * (th - 1) * hh * f1)
            i_out += 1
        t, y, f0 = tn, ynew, f1
        nst += 1
        h = hh * min(6.0, max(0.2, fac))
    ys[:, -1] = y
    return ys, nst, nrej, nfe


@dataclass(frozen=True)
class CumulantFixedPoint:
    """A fixed point of the closed equations and its linear stability.

    ``eigenvalues``: Jacobian eigenvalues without the K zero modes of the conserved Casimirs,
    sorted by decreasing real part; ``abscissa`` = their largest real part (< 0: stable;
    > 0: unstable, e.g. a limit cycle around it); ``residual`` = max |dy/dt| there.
    """

    state: CumulantState
    eigenvalues: np.ndarray
    residual: float

    @property
    def abscissa(self) -> float:
        return float(self.eigenvalues[0].real)

    @property
    def stable(self) -> bool:
        return self.abscissa < 0

    def energy_density(self) -> np.ndarray:
        return 0.5 * (1 + np.asarray(self.state.s))


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
        Tolerances of the stiff integrator. The absolute tolerance of C_kl is
        ``atol / max(N_k, N_l)``: the equations use C only through the collective sums
        sum_n N_n C_nl, so C must be resolved on the scale 1/N (a pumped charger of N_C = 1e7
        spins holds C_CC ~ 1e-7).
    ode_method
        ``"rodas4"`` (default: the Rosenbrock method of Hairer and Wanner, L-stable, order 4,
        with the exact Jacobian; fewest steps through the weakly damped oscillations of pumped
        ensembles), or SciPy's ``"LSODA"``, ``"Radau"``, ``"BDF"`` (also with the exact
        Jacobian). The collective rates reach ~Gamma N, so explicit methods are hopeless.
    reduce
        Integrate only the independent moments: Hermiticity (C_lk = conj C_kl, Z_lk = Z_kl),
        Im C = 0 when every coefficient is real and H does not split the ensembles, and the
        transpositions of identical ensembles that leave the model invariant (e.g. identical
        batteries with identical reservoirs), whenever the initial state has the same
        symmetries (exact: the dynamics preserves them). 10 variables instead of 52 for a
        charger and three batteries.
    """

    def __init__(self, sizes: Sequence[float], channels: Sequence[CollectiveChannel], *,
                 names: Sequence[str] | None = None, omegas: Sequence[float] | None = None,
                 rtol: float = 1e-6, atol: float = 1e-8, ode_method: str = "rodas4",
                 reduce: bool = True) -> None:
        self.sizes = tuple(float(check_real(n, f"sizes[{i}]", low=1.0))
                           for i, n in enumerate(sizes))
        K = len(self.sizes)
        if K == 0:
            raise InvalidParameterError("sizes", sizes, "at least one ensemble")
        self.channels = tuple(channels)
        for i, ch in enumerate(self.channels):
            if not isinstance(ch, CollectiveChannel):
                raise InvalidParameterError(f"channels[{i}]", ch, "a CollectiveChannel")
            if len(ch.coeffs) != K:
                raise InvalidParameterError(f"channels[{i}].coeffs", ch.coeffs,
                                            f"{K} coefficients")
        self.names = tuple(names) if names is not None else tuple(f"E{i}" for i in range(K))
        if len(self.names) != K:
            raise InvalidParameterError("names", names, f"{K} labels")
        if omegas is None:
            self.omegas = None
        else:
            om = np.asarray(omegas, dtype=np.float64)
            if om.shape != (K,) or not np.all(np.isfinite(om)):
                raise InvalidParameterError("omegas", omegas, f"{K} finite frequencies")
            self.omegas = om
        self.rtol = check_real(rtol, "rtol", low=0.0, low_open=True)
        self.atol = check_real(atol, "atol", low=0.0, low_open=True)
        if ode_method not in ("rodas4", "LSODA", "Radau", "BDF"):
            raise InvalidParameterError("ode_method", ode_method,
                                        "'rodas4', 'LSODA', 'Radau' or 'BDF'")
        self.ode_method = ode_method
        N = np.asarray(self.sizes)
        self.n_vars = K + 3 * K * K
        self._fullq: _Quadratic | None = None
        nmax = np.maximum(N[:, None], N[None, :]).ravel()
        self._atol_scale = np.concatenate([np.ones(K), 1 / nmax, 1 / nmax, np.ones(K * K)])
        self._P = self._R = self._red = None
        if reduce:
            real = (all(np.all(np.imag(ch.coeffs) == 0) for ch in self.channels)
                    and (self.omegas is None or np.ptp(self.omegas) == 0))
            P = _reduced_basis(K, _model_symmetries(self.sizes, self.channels, self.omegas),
                               real)
            R = (P / np.sum(P * P, axis=0)).T
            z = np.random.default_rng(1).standard_normal((3, P.shape[1]))
            fz = self._batch_rhs(z @ P.T)
            # the subspace is invariant by construction; checked (else not used)
            if np.max(np.abs(fz @ R.T @ P.T - fz)) <= 1e-10 * max(1.0, np.abs(fz).max()):
                self._P, self._R = P, R
                self._red = _Quadratic.of(lambda Z: self._batch_rhs(Z @ P.T) @ R.T,
                                          P.shape[1])
                self._atol_red = np.min(np.where(P != 0, self._atol_scale[:, None], np.inf),
                                        axis=0)

    def _batch_rhs(self, Y: np.ndarray) -> np.ndarray:
        K = len(self.sizes)
        return _pack(*_rhs_arrays(*_unpack(Y, K), self.channels, np.asarray(self.sizes),
                                  self.omegas))

    @property
    def _full(self) -> _Quadratic:
        """The quadratic form on all packed moments (built on first use)."""
        if self._fullq is None:
            self._fullq = _Quadratic.of(self._batch_rhs, self.n_vars)
        return self._fullq

    @property
    def n_reduced(self) -> int:
        """Number of variables integrated for a symmetric initial state (see ``reduce``)."""
        return self.n_vars if self._P is None else int(self._P.shape[1])

    # ------------------------------------------------------------------ the polynomial
    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """dy/dt for the packed moments y (:meth:`CumulantState.pack`)."""
        return self._full(y)

    def jacobian(self, t: float, y: np.ndarray) -> np.ndarray:
        """Exact Jacobian d(dy/dt)/dy (dense, n_vars x n_vars)."""
        return self._full.jacobian(y)

    # ------------------------------------------------------------------ time evolution
    def run(self, state0: CumulantState | Sequence[float], times: Any) -> Trajectory:
        """Integrate from ``state0`` (a :class:`CumulantState` or initial energy densities).

        Returns a :class:`Trajectory` with ``expect["Jz_<name>"]`` (= N_k s_k / 2) and
        ``expect["s_<name>"]``; ``final_state`` is the packed moment vector.
        """
        t0 = time.perf_counter()
        if not isinstance(state0, CumulantState):
            state0 = CumulantState.product(state0)
        times = check_times(times)
        K = len(self.sizes)
        y0 = state0.pack()
        if y0.shape != (self.n_vars,) or not np.all(np.isfinite(y0)):
            raise InvalidParameterError("state0", state0, f"finite moments of {K} ensembles")
        P = None
        if self._P is not None:
            z0 = self._R @ y0
            if np.max(np.abs(self._P @ z0 - y0)) <= 1e-13 * max(1.0, np.abs(y0).max()):
                P = self._P
        if P is None:
            quad, atol, x0 = self._full, self.atol * self._atol_scale, y0
        else:
            quad, atol, x0 = self._red, self.atol * self._atol_red, z0
        nsteps = nfev = 0
        if len(times) > 1:
            if self.ode_method == "rodas4":
                xs, nsteps, nrej, nfev = _rodas4(quad, quad.jacobian, x0, times, self.rtol, atol)
                nsteps += nrej
            else:
                from scipy.integrate import solve_ivp

                sol = solve_ivp(lambda t, x: quad(x), (times[0], times[-1]), x0,
                                method=self.ode_method, t_eval=times,
                                jac=lambda t, x: quad.jacobian(x), rtol=self.rtol, atol=atol)
                if not sol.success:
                    raise SolverError(f"cumulant solver failed: {sol.message}")
                xs, nfev, nsteps = sol.y, int(sol.nfev), int(sol.nlu)
        else:
            xs = x0[:, None]
        ys = xs if P is None else P @ xs
        s = ys[:K]
        expect = {}
        for k, n in enumerate(self.names):
            expect[f"s_{n}"] = s[k].copy()
            expect[f"Jz_{n}"] = 0.5 * self.sizes[k] * s[k]
        stats = SolverStats(method=f"cumulant2_{self.ode_method.lower()}",
                            options={"rtol": self.rtol, "atol": self.atol,
                                     "variables": int(len(x0))},
                            auto=False, n_steps=int(nsteps), n_matvec=int(nfev), n_expm=0,
                            wall_time=time.perf_counter() - t0, liouville_dim=len(y0),
                            max_trace_error=0.0, max_hermiticity_error=0.0)
        return Trajectory(times=times, states=None, expect=expect, final_state=ys[:, -1].copy(),
                          stats=stats, dims=tuple(int(round(n)) + 1 for n in self.sizes))

    # ------------------------------------------------------------------ fixed points
    def fixed_point(self, guess: CumulantState | np.ndarray, *,
                    casimirs: Sequence[float] | None = None,
                    tol: float = 1e-12) -> CumulantFixedPoint:
        """Fixed point of the closed equations near ``guess`` (e.g. a long-time state) and the
        Jacobian eigenvalues there.

        Newton (MINPACK hybrid) on dy/dt = 0 with the K rows dZ_kk/dt replaced by the conserved
        Casimirs Z_kk + 4 Re C_kk = ``casimirs`` (default: their values in ``guess``; 1 for
        states of the symmetric Dicke subspaces) and the rows d(Im C_kk)/dt by Im C_kk = 0,
        which removes the K zero modes of the conservation laws. Raises :class:`SolverError`
        if Newton does not converge to max |dy/dt| <= ``tol`` times the largest rate.
        """
        from scipy.optimize import root

        K = len(self.sizes)
        y0 = guess.pack() if isinstance(guess, CumulantState) else np.asarray(guess, float)
        if y0.shape != (self.n_vars,) or not np.all(np.isfinite(y0)):
            raise InvalidParameterError("guess", guess, f"moments of {K} ensembles")
        diag = np.arange(K) * (K + 1)
        iC, iCi, iZ = K + diag, K + K * K + diag, K + 2 * K * K + diag
        if casimirs is None:
            cas = y0[iZ] + 4 * y0[iC]
        else:
            cas = np.asarray(casimirs, dtype=np.float64)
            if cas.shape != (K,) or not np.all(np.isfinite(cas)):
                raise InvalidParameterError("casimirs", casimirs, f"{K} finite values")

        def g(y):
            r = self.rhs(0.0, y).copy()
            r[iZ] = y[iZ] + 4 * y[iC] - cas
            r[iCi] = y[iCi]
            return r

        def gj(y):
            J = self.jacobian(0.0, y).copy()
            J[iZ] = 0.0
            J[iZ, iZ] = 1.0
            J[iZ, iC] = 4.0
            J[iCi] = 0.0
            J[iCi, iCi] = 1.0
            return J

        sol = root(g, y0, jac=gj, method="hybr", tol=1e-14)
        y = sol.x
        scale = max(1.0, float(np.abs(self._full.A).max()))
        res = float(np.abs(self.rhs(0.0, y)).max())
        if not np.all(np.isfinite(y)) or res > tol * scale:
            raise SolverError(f"cumulant fixed point: Newton did not converge (max |dy/dt| = "
                              f"{res:.3g}; {sol.message})")
        ev = np.linalg.eigvals(self.jacobian(0.0, y))
        # drop the K zero modes of the Casimirs (the smallest |lambda|)
        ev = ev[np.argsort(np.abs(ev))][K:]
        ev = ev[np.lexsort((-np.abs(ev.imag), -ev.real))]
        return CumulantFixedPoint(CumulantState.unpack(y, K), ev, res)


def evolve_cumulant(sizes: Sequence[float], channels: Sequence[CollectiveChannel],
                    state0: CumulantState | Sequence[float], times: Any, *,
                    names: Sequence[str] | None = None, **options: Any) -> Trajectory:
    """One-call form of :class:`CumulantSolver` ``(sizes, channels, ...).run(state0, times)``."""
    return CumulantSolver(sizes, channels, names=names, **options).run(state0, times)
