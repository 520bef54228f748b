r"""Distances between states: trace distance and Uhlmann fidelity, broadcasting over leading axes."""

from __future__ import annotations

import numpy as np

from ._validate import as_float, as_states, check_positive

__all__ = ["fidelity", "trace_distance"]


def trace_distance(rho, sigma) -> float | np.ndarray:
    r"""Trace distance :math:`D(\rho, \sigma) = \tfrac12 \|\rho - \sigma\|_1 = \tfrac12\sum_k |\lambda_k(\rho - \sigma)|`,
    in [0, 1]. ``rho`` and ``sigma`` are (..., n, n) and broadcast against each other."""
    rho = as_states(rho)
    sigma = as_states(sigma, "sigma", n=rho.shape[-1])
    lam = np.linalg.eigvalsh(rho - sigma)
    return as_float(0.5 * np.sum(np.abs(lam), axis=-1))


def _sqrtm_psd(rho: np.ndarray, name: str) -> np.ndarray:
    r, u = np.linalg.eigh(rho)
    check_positive(r, name, rho)
    return (u * np.sqrt(np.clip(r, 0.0, None))[..., None, :]) @ u.conj().swapaxes(-1, -2)


def fidelity(rho, sigma) -> float | np.ndarray:
    r"""Uhlmann fidelity :math:`F = \left(\mathrm{Tr}\sqrt{\sqrt\rho\,\sigma\sqrt\rho}\right)^2
    = \|\sqrt\rho\sqrt\sigma\|_1^2` in [0, 1] (squared convention: :math:`F = |\langle\psi|\phi\rangle|^2`
    for pure states; ``qutip.fidelity`` returns its square root)."""
    rho = as_states(rho)
    sigma = as_states(sigma, "sigma", n=rho.shape[-1])
    s = np.linalg.svd(_sqrtm_psd(rho, "rho") @ _sqrtm_psd(sigma, "sigma"), compute_uv=False)
    return as_float(np.clip(np.sum(s, axis=-1) ** 2, 0.0, 1.0))
