r"""Coherence in the energy eigenbasis: dephasing and the l1-norm of coherence.

Every function broadcasts over leading axes of ``rho`` (..., n, n).
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    as_float,
    as_hamiltonian,
    as_states,
    degenerate_mask,
    spectrum,
    to_eigenbasis,
)

__all__ = ["dephase", "l1_coherence"]


def dephase(rho, H=None) -> np.ndarray:
    r"""Dephased state :math:`\Delta_H(\rho) = \sum_k P_k \rho P_k` (in the original basis).

    :math:`P_k` are the eigenprojectors of ``H`` onto its *distinct* eigenvalues, so that coherences
    inside a degenerate eigenspace are kept and the result does not depend on the eigenbasis chosen
    there. Levels closer than ``ENERGY_RTOL`` (1e-10) times the spectral radius of H count as
    degenerate. With ``H=None`` the dephasing is in the computational basis (diagonal part of rho).
    """
    if H is None:
        rho = as_states(rho)
        idx = np.arange(rho.shape[-1])
        out = np.zeros_like(rho)
        out[..., idx, idx] = rho[..., idx, idx]
        return out
    H = as_hamiltonian(H)
    rho = as_states(rho, n=H.shape[-1])
    e, v = spectrum(H)
    blocks = np.where(degenerate_mask(e), to_eigenbasis(rho, v), 0.0)
    return v @ blocks @ v.conj().swapaxes(-1, -2)


def l1_coherence(rho, H=None, *, normalised: bool = False) -> float | np.ndarray:
    r"""l1-norm of coherence :math:`C_{l_1}(\rho) = \sum_{i \ne j} |\rho_{ij}|` (Baumgratz, Cramer and
    Plenio, PRL 113, 140401 (2014)).

    The matrix elements are taken in the eigenbasis of ``H`` (as returned by ``numpy.linalg.eigh``,
    levels ascending) or in the computational basis when ``H`` is None. For a degenerate H the
    eigenbasis inside a degenerate eigenspace is not unique and neither is :math:`C_{l_1}`; pass a
    Hamiltonian with the degeneracy lifted, or rotate rho yourself, if a particular basis is meant.
    ``normalised=True`` divides by :math:`n - 1`, the maximum (reached by
    :math:`|\psi\rangle = \sum_k |k\rangle/\sqrt n`), so that the result is in [0, 1] (0 for n = 1).
    """
    if H is None:
        rho = as_states(rho)
    else:
        H = as_hamiltonian(H)
        rho = as_states(rho, n=H.shape[-1])
        _, v = spectrum(H)
        rho = to_eigenbasis(rho, v)
    n = rho.shape[-1]
    a = np.abs(rho)
    idx = np.arange(n)
    a[..., idx, idx] = 0.0  # exact zeros, so that incoherent states give exactly 0
    c = np.sum(a, axis=(-2, -1))
    if normalised:
        c = c / (n - 1) if n > 1 else np.zeros_like(c)
    return as_float(c)
