r"""States: basis and Fock states, Dicke states, |+>, Gibbs states, products, density matrices.

Kets are 1-d complex128 arrays; density matrices are 2-d. Every solver accepts either for
``rho0`` (a ket is turned into :math:`|\psi\rangle\langle\psi|`). Basis conventions as in
:mod:`qbattery.quantum.operators` (index = number of excitations).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as la

from .._checks import as_density_matrix, as_hermitian, check_cutoff, check_int, check_real
from ..errors import InvalidParameterError
from .operators import _spin_j, tensor

__all__ = [
    "basis",
    "coherent_state",
    "density_matrix",
    "dicke_state",
    "excited",
    "fock",
    "fock_dm",
    "gibbs_state",
    "ground",
    "ket2dm",
    "maximally_mixed",
    "plus_state",
    "product_state",
    "thermal_state",
]


def basis(d: int, k: int) -> np.ndarray:
    """Basis ket |k> of a d-dimensional space."""
    d = check_int(d, "d", low=1)
    k = check_int(k, "k", low=0, high=d - 1)
    v = np.zeros(d, dtype=np.complex128)
    v[k] = 1.0
    return v


def ket2dm(psi) -> np.ndarray:
    r""":math:`|\psi\rangle\langle\psi|` of a normalised ket."""
    return as_density_matrix(psi, "psi")


def ground() -> np.ndarray:
    """Qubit ground state |g> = |0>."""
    return basis(2, 0)


def excited() -> np.ndarray:
    """Qubit excited state |e> = |1>."""
    return basis(2, 1)


def plus_state() -> np.ndarray:
    r"""Qubit :math:`|+\rangle = (|g\rangle + |e\rangle)/\sqrt 2`."""
    return np.array([1.0, 1.0], dtype=np.complex128) / math.sqrt(2.0)


def fock(cutoff: int, n: int) -> np.ndarray:
    """Fock ket |n> of a boson truncated to ``cutoff`` levels."""
    cutoff = check_cutoff(cutoff)
    n = check_int(n, "n", low=0, high=cutoff - 1)
    return basis(cutoff, n)


def fock_dm(cutoff: int, n: int) -> np.ndarray:
    """Fock density matrix |n><n|."""
    v = fock(cutoff, n)
    return np.outer(v, v.conj())


def coherent_state(cutoff: int, alpha: complex) -> np.ndarray:
    r"""Coherent ket :math:`e^{-|\alpha|^2/2}\sum_n \alpha^n/\sqrt{n!}|n\rangle`, truncated and renormalised."""
    cutoff = check_cutoff(cutoff)
    if not np.isfinite(alpha):
        raise InvalidParameterError("alpha", alpha, "a finite complex amplitude")
    n = np.arange(cutoff)
    logfact = np.array([math.lgamma(k + 1) for k in n])
    mag = np.exp(n * np.log(abs(alpha) + 1e-300) - 0.5 * logfact - 0.5 * abs(alpha) ** 2)
    if alpha == 0:
        mag = np.zeros(cutoff)
        mag[0] = 1.0
    v = mag * np.exp(1j * np.angle(alpha) * n)
    return (v / np.linalg.norm(v)).astype(np.complex128)


def thermal_state(cutoff: int, n_th: float) -> np.ndarray:
    r"""Thermal state of a truncated oscillator with mean occupation ``n_th`` (renormalised).

    :math:`p_n \propto [n_{th}/(1+n_{th})]^n`.
    """
    cutoff = check_cutoff(cutoff)
    n_th = check_real(n_th, "n_th", low=0.0)
    if n_th == 0:
        p = np.zeros(cutoff)
        p[0] = 1.0
    else:
        p = (n_th / (1.0 + n_th)) ** np.arange(cutoff)
        p /= p.sum()
    return np.diag(p).astype(np.complex128)


def dicke_state(j: float, m: float) -> np.ndarray:
    r"""Dicke ket :math:`|j, m\rangle` in the basis ordered m = -j..j."""
    jv, d = _spin_j(j)
    mv = check_real(m, "m", low=-jv, high=jv)
    if not (mv + jv).is_integer():
        raise InvalidParameterError("m", m, f"one of -j, -j+1, ..., j with j = {jv:g}")
    return basis(d, int(round(mv + jv)))


def gibbs_state(H, beta: float) -> np.ndarray:
    r"""Gibbs state :math:`e^{-\beta H}/Z` for any Hermitian H; ``beta = inf`` gives the
    (uniformly mixed, if degenerate) ground state and ``beta = 0`` the maximally mixed state."""
    H = as_hermitian(H, "H", sparse_ok=False)
    beta = check_real(beta, "beta", low=0.0, allow_inf=True)
    w, v = la.eigh(0.5 * (H + H.conj().T))
    if math.isinf(beta):
        p = (np.abs(w - w[0]) <= 1e-12 * max(1.0, abs(w[0]))).astype(np.float64)
    else:
        x = -beta * (w - w[0])  # shift by E0 so that exp never overflows
        p = np.exp(x)
    p /= p.sum()
    return (v * p) @ v.conj().T


def maximally_mixed(d: int) -> np.ndarray:
    """The maximally mixed state I/d."""
    d = check_int(d, "d", low=1)
    return np.eye(d, dtype=np.complex128) / d


def product_state(*states) -> np.ndarray:
    """Tensor product of kets or density matrices (a ket if all factors are kets)."""
    if len(states) == 1 and isinstance(states[0], (list, tuple)):
        states = tuple(states[0])
    if not states:
        raise InvalidParameterError("states", states, "at least one state")
    arrs = [np.asarray(s, dtype=np.complex128) for s in states]
    if all(a.ndim == 1 for a in arrs):
        return tensor(*arrs)
    mats = [as_density_matrix(a, f"states[{i}]") for i, a in enumerate(arrs)]
    return tensor(*mats)


def density_matrix(x, *, dim: int | None = None) -> np.ndarray:
    """Validate and return a density matrix (trace 1, Hermitian, positive); kets are accepted."""
    return as_density_matrix(x, "rho", dim=dim)
