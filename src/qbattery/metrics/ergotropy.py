r"""Passive states and ergotropy (Allahverdyan, Balian and Nieuwenhuizen, EPL 67, 565 (2004)),
and its incoherent/coherent split (Francica et al., PRL 125, 180603 (2020)).

With :math:`H = \sum_k \epsilon_k |\epsilon_k\rangle\langle\epsilon_k|`,
:math:`\epsilon_1 \le \dots \le \epsilon_n`, and the eigenvalues of rho sorted as
:math:`r_1 \ge \dots \ge r_n`, the passive state is
:math:`\sigma_\rho = \sum_k r_k |\epsilon_k\rangle\langle\epsilon_k|` and the ergotropy is

.. math:: \mathcal E(\rho) = \mathrm{Tr}(\rho H) - \min_U \mathrm{Tr}(U\rho U^\dagger H)
          = \mathrm{Tr}(\rho H) - \sum_k r_k \epsilon_k.

Numerics: rho and H are Hermitised; eigenvalues of rho are *not* clipped, because the bound
:math:`\sum_k r_k\epsilon_k \le \mathrm{Tr}(\rho H)` holds for any Hermitian rho and clipping would
make the two terms refer to different matrices. States whose lowest eigenvalue is below
``-STATE_POSITIVITY_ATOL`` (1e-6) are rejected. Round-off results in
:math:`[-10^{-10} s, 0)`, with s the spectral radius of H, are set to 0; anything below that is
left as computed (it would signal a bug, not round-off, and is not hidden).

Every function broadcasts over leading axes: ``rho`` (..., n, n), ``H`` (n, n) or (..., n, n).
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    ENERGY_RTOL,
    as_float,
    as_hamiltonian,
    as_states,
    check_positive,
    degenerate_mask,
    energy_scale,
    expectation,
    spectrum,
    to_eigenbasis,
)

__all__ = [
    "ergotropy",
    "ergotropy_coherent",
    "ergotropy_fraction",
    "ergotropy_incoherent",
    "normalised_ergotropy",
    "passive_energy",
    "passive_state",
]


class _Prepared:
    """rho, H and the spectrum of H shifted to the middle of its band (W is shift invariant)."""

    def __init__(self, rho, H, *, need_vectors: bool = False):
        self.H = as_hamiltonian(H)
        self.rho = as_states(rho, n=self.H.shape[-1])
        if need_vectors:
            self.e, self.v = spectrum(self.H)
        else:
            self.e, self.v = np.linalg.eigvalsh(self.H), None
        self.tol = ENERGY_RTOL * energy_scale(self.e)
        # Shifting by the band centre c reduces cancellation in Tr(rho H) - sum r e.
        self.c = 0.5 * (self.e[..., 0] + self.e[..., -1])
        self.es = self.e - self.c[..., None]
        n = self.H.shape[-1]
        self.Hs = self.H - self.c[..., None, None] * np.eye(n)
        self.r = np.linalg.eigvalsh(self.rho)  # ascending
        check_positive(self.r, "rho", rho)

    def energy_shifted(self):
        return expectation(self.rho, self.Hs)

    def passive_shifted(self, r_ascending):
        return np.sum(r_ascending[..., ::-1] * self.es, axis=-1)

    def clip(self, w):
        return np.where((w < 0) & (w >= -self.tol), 0.0, w)


def passive_state(rho, H) -> np.ndarray:
    r"""Passive state :math:`\sigma_\rho = \sum_k r_k^\downarrow |\epsilon_k^\uparrow\rangle\langle\epsilon_k^\uparrow|`.

    Eigenvalues of rho in decreasing order are placed on the eigenvectors of H in increasing energy
    order (``numpy.linalg.eigh`` of the Hermitised H). Within a degenerate eigenspace of H the passive
    state is unique only up to a unitary acting inside that eigenspace; this function returns the one
    diagonal in the eigenbasis given by ``eigh``. Its energy (:func:`passive_energy`) is unique.
    Returns an array of shape (..., n, n).
    """
    p = _Prepared(rho, H, need_vectors=True)
    v = p.v
    return (v * p.r[..., None, ::-1]) @ v.conj().swapaxes(-1, -2)


def passive_energy(rho, H) -> float | np.ndarray:
    r"""Energy of the passive state, :math:`\sum_k r_k^\downarrow \epsilon_k^\uparrow
    = \min_U \mathrm{Tr}(U\rho U^\dagger H)` (independent of any choice of degenerate eigenvectors)."""
    p = _Prepared(rho, H)
    return as_float(p.passive_shifted(p.r) + p.c * np.sum(p.r, axis=-1))


def ergotropy(rho, H) -> float | np.ndarray:
    r"""Ergotropy :math:`\mathcal E = \mathrm{Tr}(\rho H) - \sum_k r_k^\downarrow\epsilon_k^\uparrow \ge 0`,
    the maximal work extractable from rho by a cyclic unitary (Allahverdyan, Balian and
    Nieuwenhuizen, EPL 67, 565 (2004)). Round-off handling: see the module docstring."""
    p = _Prepared(rho, H)
    return as_float(p.clip(p.energy_shifted() - p.passive_shifted(p.r)))


def _incoherent(p: _Prepared) -> np.ndarray:
    # Eigenvalues of the dephased state Delta_H(rho): block diagonal of rho in the H eigenbasis.
    blocks = np.where(degenerate_mask(p.e), to_eigenbasis(p.rho, p.v), 0.0)
    rd = np.linalg.eigvalsh(blocks)
    return p.clip(p.energy_shifted() - p.passive_shifted(rd))


def ergotropy_incoherent(rho, H) -> float | np.ndarray:
    r"""Incoherent ergotropy :math:`\mathcal E_i(\rho) = \mathcal E(\Delta_H(\rho))` (Francica et al.,
    PRL 125, 180603 (2020)): the ergotropy of the state dephased in the energy eigenbasis, i.e. the
    work extractable by permuting populations without using coherences.

    :math:`\Delta_H(\rho) = \sum_k P_k \rho P_k` with :math:`P_k` the eigenprojectors of H onto its
    distinct levels (see :func:`qbattery.metrics.dephase`), which makes the result independent of the
    eigenbasis inside degenerate eigenspaces. Since :math:`\Delta_H` is unital, the spectrum of
    :math:`\Delta_H(\rho)` is majorised by that of rho and :math:`0 \le \mathcal E_i \le \mathcal E`.
    """
    p = _Prepared(rho, H, need_vectors=True)
    return as_float(_incoherent(p))


def ergotropy_coherent(rho, H) -> float | np.ndarray:
    r"""Coherent ergotropy :math:`\mathcal E_c = \mathcal E - \mathcal E_i \ge 0` (Francica et al.,
    PRL 125, 180603 (2020)); it vanishes for states block-diagonal in the eigenspaces of H."""
    p = _Prepared(rho, H, need_vectors=True)
    w = p.clip(p.energy_shifted() - p.passive_shifted(p.r))
    return as_float(p.clip(w - _incoherent(p)))


def normalised_ergotropy(rho, H) -> float | np.ndarray:
    r"""Ergotropy divided by the bandwidth :math:`E_{max} - E_{min}` of H (its largest possible
    value), so that the result is in [0, 1]. Returns 0 when H is proportional to the identity."""
    p = _Prepared(rho, H)
    w = p.clip(p.energy_shifted() - p.passive_shifted(p.r))
    band = p.e[..., -1] - p.e[..., 0]
    ok = band > p.tol
    return as_float(np.where(ok, w / np.where(ok, band, 1.0), 0.0))


def ergotropy_fraction(rho, H, *, undefined: float = 0.0) -> float | np.ndarray:
    r"""Fraction of the stored energy that is extractable,
    :math:`\xi = \mathcal E / \mathrm{Tr}[\rho(H - E_{min})] \in [0, 1]`.

    The energy is measured from the ground state (as in self-discharge and charging-efficiency
    studies). Where it is below ``ENERGY_RTOL`` (1e-10) times the spectral radius of H, the state is
    (numerically) in the ground eigenspace, the ratio is 0/0 and ``undefined`` is returned (default 0:
    an empty battery has nothing to extract; pass ``numpy.nan`` to mark those points instead).
    Elsewhere the ratio is clipped to [0, 1] against round-off.
    """
    p = _Prepared(rho, H)
    w = p.clip(p.energy_shifted() - p.passive_shifted(p.r))
    tr = np.trace(p.rho, axis1=-2, axis2=-1).real
    above = p.energy_shifted() - p.es[..., 0] * tr
    ok = above > p.tol
    xi = np.clip(w / np.where(ok, above, 1.0), 0.0, 1.0)
    return as_float(np.where(ok, xi, float(undefined)))
