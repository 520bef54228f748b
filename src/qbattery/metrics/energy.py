r"""Energy of a battery state: mean energy, stored energy, energy above the ground state.

Every function broadcasts over leading axes: ``rho`` has shape (..., n, n) and ``H`` shape (n, n)
(or a broadcastable batch (..., n, n)); 0-d results are returned as Python floats.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float, as_hamiltonian, as_states, expectation

__all__ = ["energy", "energy_above_ground", "max_energy", "stored_energy"]


def energy(rho, H) -> float | np.ndarray:
    r"""Mean energy :math:`E = \mathrm{Tr}(\rho H)` (real part; exact for Hermitian inputs).

    ``rho``: density matrices (..., n, n), a ket (n,), sparse, ``qutip.Qobj`` or a list of Qobj.
    ``H``: Hermitian (n, n) array, sparse or Qobj, or a batch (..., n, n) array.
    """
    H = as_hamiltonian(H)
    rho = as_states(rho, n=H.shape[-1])
    return as_float(expectation(rho, H))


def stored_energy(rho, H, rho_ref) -> float | np.ndarray:
    r"""Energy stored relative to a reference state, :math:`E(t) - E(0) = \mathrm{Tr}[(\rho - \rho_{ref}) H]`.

    ``rho_ref`` is typically the initial state (n, n) and broadcasts against ``rho`` (..., n, n).
    """
    H = as_hamiltonian(H)
    rho = as_states(rho, n=H.shape[-1])
    ref = as_states(rho_ref, "rho_ref", n=H.shape[-1])
    return as_float(expectation(rho, H) - expectation(ref, H))


def energy_above_ground(rho, H) -> float | np.ndarray:
    r"""Energy above the ground state, :math:`\mathrm{Tr}[\rho (H - E_{min})] \ge 0`.

    Computed as :math:`\mathrm{Tr}\rho H - E_{min}\mathrm{Tr}\rho`, so that the bound
    :math:`\mathcal E \le E - E_{min}` of the ergotropy holds exactly even when the trace of a
    numerically evolved state deviates from 1 by round-off.
    """
    H = as_hamiltonian(H)
    rho = as_states(rho, n=H.shape[-1])
    e0 = np.linalg.eigvalsh(H)[..., 0]
    tr = np.trace(rho, axis1=-2, axis2=-1).real
    return as_float(expectation(rho, H) - e0 * tr)


def max_energy(H) -> float | np.ndarray:
    r"""Bandwidth :math:`E_{max} - E_{min}` of H: the largest energy a battery can store and the
    largest ergotropy of any state (reached by the top eigenstate)."""
    e = np.linalg.eigvalsh(as_hamiltonian(H))
    return as_float(e[..., -1] - e[..., 0])
