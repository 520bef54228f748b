r"""Interacting Dicke quantum battery: N two-level atoms in a lossy cavity (no RWA).

The model of the interacting-Dicke-battery paper (Sections II-III, Eqs. 10-15), hbar = 1:

.. math::
    H &= H_Q + H_E + H_I + H_C,\\
    H_Q &= \omega_q S_z + \frac{g}{N}\Big(S^2 - S_z^2 - \frac N2\Big) \quad\text{(Eq. 11)},\qquad
    H_E = \omega_e a^\dagger a,\\
    H_I &= g_c\,\omega_e\,S_x(a^\dagger + a) \quad\text{(Eq. 12, no rotating-wave approximation)},
    \qquad H_C = \omega\,S_x \quad\text{(Eq. 14, optional drive)},\\
    \dot\rho &= -i[H,\rho] + \kappa(\bar n+1)\mathcal D[a]\rho + \kappa\bar n\,\mathcal D[a^\dagger]\rho
    + \gamma\,\mathcal D[S_-]\rho,

with :math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2` (docs/conventions.md).
The atoms live in the symmetric Dicke subspace, a collective spin :math:`j = N/2` with basis
``|j, m>`` ordered m = -j..j (index = number of excitations); the cavity is kept on ``cutoff``
Fock levels. ``dims = (cutoff, N + 1)``: cavity first (marked truncated, so every solver reports
its top-level population), spin second. The battery is the spin with :math:`H_B = H_Q`, so
Eq. (10), :math:`E(t) = \mathrm{Tr}\rho H_Q - \mathrm{Tr}\rho_0 H_Q`, is
``qbattery.metrics.stored_energy(system.battery_state(rho), system.H_battery, rho0_spin)``.

Spin convention
---------------
The paper writes :math:`S_k = \sum_i\sigma_i^k` but evaluates Eq. (11) with spin-N/2 matrix
elements (Eq. 13). ``spin_convention="spin"`` (default) takes :math:`S_k = J_k` (spin-N/2
operators, :math:`S^2 = j(j+1)`, :math:`S_- = J_-`); ``"pauli"`` takes :math:`S_k = 2J_k`
(:math:`S^2 = 4J^2`, :math:`S_- = S_x - iS_y = 2J_-`). The choice only rescales the couplings
(plus a constant shift of :math:`H_Q`, invisible in the dynamics and in E(t)):

.. math::
    \text{pauli}(\omega_q, g, g_c, \omega, \gamma) \equiv
    \text{spin}(2\omega_q,\ 4g,\ 2g_c,\ 2\omega,\ 4\gamma)
    \quad (H_Q^{\rm pauli} = H_Q^{\rm spin} + \tfrac32 g).

Note that the two lines of Eq. (11) are not equal as printed: the microscopic form (Eq. 3),
:math:`\frac{\omega_q}{2}\sum\sigma^z + \frac{g}{2N}\sum_{i\ne j}(\sigma^x\sigma^x+\sigma^y\sigma^y)
= \omega_q J_z + \frac{2g}{N}(J^2 - J_z^2 - \frac N2)`, is the ``"spin"`` form with g -> 2g; and
Eq. (5), :math:`g_c\omega_e\sum\sigma^x(a^\dagger+a)`, is the ``"spin"`` coupling with
g_c -> 2 g_c.

Parity
------
Without drive, H commutes with :math:`\Pi = e^{i\pi(a^\dagger a + J_z + j)} = (-1)^{n + k}`
(k = m + j the number of atomic excitations; :math:`S_x` and :math:`a + a^\dagger` both flip it).
Every jump operator (:math:`a`, :math:`a^\dagger`, :math:`S_-`) anticommutes with Π, so the
dissipators (thermal pumping included) are invariant under :math:`\rho\to\Pi\rho\Pi` (a weak
symmetry): the Liouvillian never mixes the density-matrix elements :math:`\rho_{rc}` with equal
parities of r and c ("parity-diagonal", even-even and odd-odd) with those of opposite parities.
A state of definite parity, such as :math:`|N\rangle\otimes|j,-j\rangle`, stays parity-diagonal,
so a solver need only evolve the elements given by :func:`parity_liouville_sectors` (half of
them). The drive :math:`\omega S_x` breaks this symmetry.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._checks import check_cutoff, check_int, check_rate, check_real
from ..errors import InvalidParameterError
from ..quantum.operators import create, destroy, identity, jminus, jx, jz, number, tensor
from .open_system import Channel, OpenSystem

__all__ = [
    "SPIN_CONVENTIONS",
    "dicke_cavity_battery",
    "dicke_cavity_initial_state",
    "dicke_spin_hamiltonian",
    "parity_blocks",
    "parity_labels",
    "parity_liouville_sectors",
    "parity_operator",
]

#: Factor s in S_k = s J_k for each spin convention.
SPIN_CONVENTIONS = {"spin": 1.0, "pauli": 2.0}

_DEFAULT_TRUNCATION_TOL = 1e-10


def _check_N(N) -> int:
    return check_int(N, "N", low=1)


def _scale(spin_convention: str) -> float:
    if spin_convention not in SPIN_CONVENTIONS:
        raise InvalidParameterError("spin_convention", spin_convention,
                                    f"one of {sorted(SPIN_CONVENTIONS)}")
    return SPIN_CONVENTIONS[spin_convention]


def dicke_spin_hamiltonian(N: int, omega_q: float = 1.0, g: float = 0.0, *,
                           spin_convention: str = "spin", sparse: bool = False):
    r"""Battery Hamiltonian of Eq. (11), :math:`H_Q = \omega_q S_z + \frac gN(S^2 - S_z^2 - \frac N2)`,
    on the collective spin j = N/2 (dimension N + 1, m = -j..j); ``S = s J`` with s = 1
    (``"spin"``) or 2 (``"pauli"``)."""
    N = _check_N(N)
    s = _scale(spin_convention)
    omega_q = check_real(omega_q, "omega_q")
    g = check_real(g, "g")
    j = N / 2
    Jz = jz(j, sparse=True)
    S2 = s**2 * j * (j + 1)
    diag = omega_q * s * Jz.diagonal().real + (g / N) * (S2 - s**2 * Jz.diagonal().real**2 - N / 2)
    H = sp.diags(diag.astype(np.complex128), 0, format="csr")
    return H if sparse else H.toarray()


def dicke_cavity_battery(N: int, cutoff: int | None, omega_q: float = 1.0, omega_e: float = 1.0,
                         g: float = 0.0, g_c: float = 0.5, kappa: float = 0.0, n_th: float = 0.0,
                         gamma: float = 0.0, drive: float = 0.0, spin_convention: str = "spin",
                         *, truncation_tol: float = _DEFAULT_TRUNCATION_TOL) -> OpenSystem:
    r"""The interacting Dicke battery (module docstring) as an :class:`~qbattery.OpenSystem`.

    Parameters
    ----------
    N
        Number of atoms (collective spin j = N/2, dimension N + 1).
    cutoff
        Cavity Fock levels (``|0>..|cutoff-1>``); ``None`` builds the cavity-free driven model of
        Section III (Eq. 15), with ``dims = (N + 1,)``: ``omega_e`` and ``g_c`` are then unused
        (recorded as 0 in the metadata) and ``kappa = n_th = 0`` is required.
    omega_q, omega_e
        Atomic splitting and cavity frequency.
    g
        Interatomic interaction of Eq. (11) (g > 0 repulsive, g < 0 attractive).
    g_c
        Atom-cavity coupling of Eq. (12), :math:`g_c\omega_e S_x(a^\dagger + a)`.
    kappa, n_th
        Cavity decay rate and thermal occupation: :math:`\kappa(\bar n+1)\mathcal D[a] +
        \kappa\bar n\mathcal D[a^\dagger]` (the paper's :math:`\kappa` of Eq. 7 is this rate;
        its Tavis-Cummings form with ``2a.a^dag`` has core rate :math:`2\kappa`).
    gamma
        Collective atomic decay, :math:`\gamma\mathcal D[S_-]` (Eq. 15).
    drive
        Drive amplitude :math:`\omega` of :math:`H_C = \omega S_x` (Eq. 14).
    spin_convention
        ``"spin"`` (S = J) or ``"pauli"`` (S = 2J); see the module docstring.
    truncation_tol
        Warning threshold on the cavity's top-level population.

    Zero-rate channels are omitted. The battery is the spin subsystem with
    ``H_battery = dicke_spin_hamiltonian(N, omega_q, g)``.
    """
    N = _check_N(N)
    s = _scale(spin_convention)
    omega_e = check_real(omega_e, "omega_e")
    g_c = check_real(g_c, "g_c")
    kappa = check_rate(kappa, "kappa")
    n_th = check_real(n_th, "n_th", low=0.0)
    gamma = check_rate(gamma, "gamma")
    drive = check_real(drive, "drive")
    HQ = dicke_spin_hamiltonian(N, omega_q, g, spin_convention=spin_convention, sparse=True)
    j = N / 2
    Sx = s * jx(j, sparse=True)
    Sm = s * jminus(j, sparse=True)
    meta = {"model": "dicke_cavity_battery", "N": N, "cutoff": cutoff,
            "omega_q": float(omega_q), "omega_e": omega_e, "g": float(g), "g_c": g_c,
            "kappa": kappa, "n_th": n_th, "gamma": gamma, "drive": drive,
            "spin_convention": spin_convention,
            "reference": "interacting Dicke battery, Eqs. (10)-(15)"}
    if cutoff is None:
        if kappa != 0.0 or n_th != 0.0:
            raise InvalidParameterError("cutoff", None,
                                        "a cavity cutoff when kappa or n_th is nonzero")
        meta.update(omega_e=0.0, g_c=0.0)
        H = HQ + drive * Sx
        chans = [Channel(Sm, gamma, "collective_decay")] if gamma > 0 else []
        return OpenSystem(H.tocsr(), channels=tuple(chans), dims=(N + 1,), battery=0,
                          H_battery=HQ, names=("spin",), metadata=meta)
    cutoff = check_cutoff(cutoff)
    Ic = identity(cutoff, sparse=True)
    Is = identity(N + 1, sparse=True)
    a = destroy(cutoff, sparse=True)
    H = (tensor(Ic, HQ + drive * Sx, sparse=True)
         + omega_e * tensor(number(cutoff, sparse=True), Is, sparse=True)
         + g_c * omega_e * tensor(a + create(cutoff, sparse=True), Sx, sparse=True))
    chans = []
    if kappa > 0:
        chans.append(Channel(tensor(a, Is, sparse=True), kappa * (n_th + 1), "cavity_loss"))
        if n_th > 0:
            chans.append(Channel(tensor(a.conj().T.tocsr(), Is, sparse=True), kappa * n_th,
                                 "cavity_gain"))
    if gamma > 0:
        chans.append(Channel(tensor(Ic, Sm, sparse=True), gamma, "collective_decay"))
    return OpenSystem(H.tocsr(), channels=tuple(chans), dims=(cutoff, N + 1), battery=1,
                      H_battery=HQ, names=("cavity", "spin"), truncated=(0,),
                      truncation_tol=truncation_tol, metadata=meta)


def dicke_cavity_initial_state(N: int, cutoff: int | None, n_photons: int | None = None):
    r"""Eq. (8): the ket :math:`|n\rangle\otimes|j,-j\rangle` (all atoms in |g>), n = N by default.

    With ``cutoff=None`` the spin ket :math:`|j,-j\rangle` alone (Eq. 16).
    """
    N = _check_N(N)
    spin = np.zeros(N + 1, dtype=np.complex128)
    spin[0] = 1.0
    if cutoff is None:
        return spin
    cutoff = check_cutoff(cutoff)
    n = N if n_photons is None else n_photons
    n = check_int(n, "n_photons", low=0, high=cutoff - 1)
    cav = np.zeros(cutoff, dtype=np.complex128)
    cav[n] = 1.0
    return tensor(cav, spin)


def parity_labels(N: int, cutoff: int | None) -> np.ndarray:
    r"""Parity :math:`(n + k) \bmod 2` of every basis state (0 = even, 1 = odd), k = m + j."""
    N = _check_N(N)
    k = np.arange(N + 1)
    if cutoff is None:
        return k % 2
    cutoff = check_cutoff(cutoff)
    return ((np.arange(cutoff)[:, None] + k[None, :]) % 2).reshape(-1)


def parity_operator(N: int, cutoff: int | None, *, sparse: bool = False):
    r""":math:`\Pi = \exp[i\pi(a^\dagger a + J_z + j)] = (-1)^{n+k}`, diagonal on ``(cutoff, N + 1)``."""
    P = sp.diags((1.0 - 2.0 * parity_labels(N, cutoff)).astype(np.complex128), 0, format="csr")
    return P if sparse else P.toarray()


def parity_blocks(N: int, cutoff: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Hilbert-space indices of the even (Π = +1) and odd (Π = -1) sectors."""
    lab = parity_labels(N, cutoff)
    return np.flatnonzero(lab == 0), np.flatnonzero(lab == 1)


def parity_liouville_sectors(N: int, cutoff: int | None) -> tuple[np.ndarray, np.ndarray]:
    r"""Row-major ``vec(rho)`` indices of the parity-diagonal and parity-off-diagonal elements.

    ``vec(rho)[r * D + c] = rho[r, c]``; the first array holds the elements with equal parity of
    r and c (even-even and odd-odd), the second those with opposite parity. Without drive the
    Liouvillian is block diagonal in this split (see the module docstring), so a state of definite
    parity evolves in the first block alone: ``L[np.ix_(same, same)]``.
    """
    lab = parity_labels(N, cutoff)
    same = (lab[:, None] == lab[None, :]).reshape(-1)
    return np.flatnonzero(same), np.flatnonzero(~same)
