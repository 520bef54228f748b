r"""Thermodynamics of recharging a battery by active equilibration (Barra, PRL 122, 210601 (2019)).

Setting (Barra 2019; Sec. V and Appendix of the interacting Dicke battery paper). A battery with
Hamiltonian :math:`H_Q` is coupled to a bath :math:`H_E` by a unitary U that conserves
:math:`H_0 + H_E`, :math:`[U, H_0 + H_E] = 0`, where :math:`H_0` is an operator on the battery with
:math:`[H_0, H_Q] = 0`. Repeated collisions drive the battery to the equilibrium state

.. math:: \omega = \omega_\beta(H_0) = e^{-\beta H_0}/Z_0,\qquad Z_0 = \mathrm{Tr}\,e^{-\beta H_0},

which is in general *active* with respect to :math:`H_Q` (e.g. :math:`H_0 = -H_Q`). Write the common
eigenbasis as :math:`|k\rangle` with :math:`H_Q|k\rangle = E_k|k\rangle`,
:math:`H_0|k\rangle = E^0_k|k\rangle` and :math:`\omega_k = e^{-\beta E^0_k}/Z_0`.

1. *Work extraction.* A cyclic unitary (a permutation of the :math:`|k\rangle`) takes
   :math:`\omega` to its passive state with respect to :math:`H_Q`,
   :math:`\sigma = \sum_k \omega_{p_k}|k\rangle\langle k|`, which puts the populations in decreasing
   order on the levels of :math:`H_Q` in increasing order. The work extracted is the ergotropy

   .. math:: \mathcal W = \mathrm{Tr}[H_Q(\omega - \sigma)] \ge 0.

2. *Recharging* :math:`\sigma \to \omega` by re-equilibration with the bath. Because
   :math:`H_0 + H_E` is conserved, the bath loses :math:`\mathrm{Tr}[H_0(\omega - \sigma)]`; this
   is the heat that flows *into* the battery, and the rest of the battery's energy change is the
   work done by the agent that switches the coupling on and off (paper Eqs. (28)-(29), (A5)-(A6)):

   .. math:: Q_R = \mathrm{Tr}[H_0(\omega - \sigma)] \le 0,\qquad
             W_R = \mathrm{Tr}[(H_Q - H_0)(\omega - \sigma)] \ge \mathcal W,

   so that :math:`\mathcal W = W_R + Q_R` (first law over the cycle, Eq. (30)). :math:`Q_R \le 0`
   because :math:`\omega` minimises :math:`\mathrm{Tr}(H_0\rho)` over the unitary orbit of
   :math:`\omega` (which contains :math:`\sigma`). The efficiency (Eq. (31)) is

   .. math:: \eta = \mathcal W / W_R = 1 - |Q_R|/W_R \in [0, 1].

Examples: :math:`H_0 = c H_Q` with c > 0 gives a passive :math:`\omega` and
:math:`\mathcal W = W_R = Q_R = 0`; :math:`H_0 = -c H_Q` gives :math:`Q_R = -c\mathcal W`,
:math:`W_R = (1 + c)\mathcal W` and :math:`\eta = 1/(1 + c)`, i.e. :math:`\eta = 1/2` for
:math:`H_0 = -H_Q` (Barra's protocol with :math:`[H_E - H_Q, V] = 0`). The paper's sentence "if
:math:`H_0 = H_Q` the efficiency is 1/2" contradicts its preceding sentence and the definitions;
it holds for :math:`H_0 = -H_Q`.

Degeneracies. The common eigenbasis is built by diagonalising :math:`H_0` and then :math:`H_Q` inside
each eigenspace of :math:`H_0` (levels closer than ``JOINT_DEGENERACY_RTOL`` times the spectral
radius of :math:`H_0` form one eigenspace). Inside a degenerate eigenspace of :math:`H_Q` the
passive state is not unique, and :math:`Q_R`, :math:`W_R` (not :math:`\mathcal W`) depend on the
choice. We take the passive state that also minimises :math:`\mathrm{Tr}(H_0\sigma)` (ties in
:math:`E_k` are ordered by increasing :math:`E^0_k`), i.e. the extraction unitary does not permute
levels it does not need to: this gives the largest efficiency and :math:`\sigma = \omega` whenever
:math:`\omega` is already passive (e.g. :math:`H_Q = 0`). Inside a joint eigenspace of both operators
the matrix ``passive`` depends on the basis chosen there; all energies do not.

Numerics: energies are computed with both spectra shifted to the centre of their bands (the
results are shift invariant because :math:`\mathrm{Tr}(\omega - \sigma) = 0`). Round-off results of
the wrong sign within ``ENERGY_RTOL`` (1e-10) times the relevant spectral radius are set to 0, so
:math:`\mathcal W = W_R + Q_R` holds to that accuracy. :math:`\eta` is 0/0 when
:math:`W_R` is within that tolerance of 0 (then :math:`\mathcal W = Q_R = 0` too); ``undefined``
(default 0, as in :func:`~qbattery.metrics.ergotropy_fraction`) is returned there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_real
from ..errors import DimensionError, InvalidParameterError
from ._validate import ENERGY_RTOL, as_hamiltonian

__all__ = [
    "COMMUTATOR_RTOL",
    "JOINT_DEGENERACY_RTOL",
    "RechargingThermodynamics",
    "recharging_thermodynamics",
]

#: Largest max|[H_Q, H_0]_ij| accepted, relative to the product of the spectral radii.
COMMUTATOR_RTOL = 1e-10
#: Levels of H_0 closer than this (relative to its spectral radius) share a block in which H_Q is
#: diagonalised; also the largest off-diagonal residual (relative) of H_Q and H_0 in the common basis.
JOINT_DEGENERACY_RTOL = 1e-8


@dataclass(frozen=True)
class RechargingThermodynamics:
    """Result of :func:`recharging_thermodynamics` (energies in the units of H_Q and H_0).

    Attributes
    ----------
    W : ergotropy of the equilibrium state, Tr[H_Q (omega - passive)] >= 0.
    W_R : work done by the agent in the recharging passive -> omega, Tr[(H_Q - H_0)(omega - passive)].
    Q_R : heat from the bath into the battery in the recharging, Tr[H_0 (omega - passive)] <= 0.
    eta : recharging efficiency W / W_R in [0, 1] (``undefined`` where W_R = 0).
    omega : equilibrium state exp(-beta H_0)/Z_0, shape (n, n).
    passive : passive state of omega with respect to H_Q, shape (n, n).
    """

    W: float
    W_R: float
    Q_R: float
    eta: float
    omega: np.ndarray
    passive: np.ndarray


def _hamiltonian(H: Any, name: str) -> np.ndarray:
    h = as_hamiltonian(H, name)
    if h.ndim != 2:
        raise DimensionError(name, h, "a single square matrix of shape (n, n)")
    return h


def _joint_eigenbasis(HQ: np.ndarray, H0: np.ndarray, s0: float) -> np.ndarray:
    """Unitary whose columns diagonalise H0 and, inside each eigenspace of H0, HQ."""
    e0, v0 = np.linalg.eigh(H0)
    n = e0.size
    starts = np.flatnonzero(np.r_[True, np.diff(e0) > JOINT_DEGENERACY_RTOL * s0])
    ends = np.r_[starts[1:], n]
    V = np.empty_like(v0)
    for a, b in zip(starts, ends, strict=True):
        block = v0[:, a:b]
        hq = block.conj().T @ HQ @ block
        _, u = np.linalg.eigh(0.5 * (hq + hq.conj().T))
        V[:, a:b] = block @ u
    return V


def _radius(e: np.ndarray) -> float:
    return float(max(abs(e[0]), abs(e[-1])))


def recharging_thermodynamics(H_Q, H_0, beta: float, *,
                              undefined: float = 0.0) -> RechargingThermodynamics:
    r"""Ergotropy of :math:`\omega_\beta(H_0)` with respect to H_Q and the work, heat and efficiency
    of recharging the battery from the passive state by re-equilibration (Barra, PRL 122, 210601
    (2019)); definitions in the module docstring:

    .. math:: \mathcal W = \mathrm{Tr}[H_Q(\omega-\sigma)],\quad
              Q_R = \mathrm{Tr}[H_0(\omega-\sigma)],\quad
              W_R = \mathrm{Tr}[(H_Q-H_0)(\omega-\sigma)],\quad \eta = \mathcal W/W_R.

    Parameters
    ----------
    H_Q : battery Hamiltonian (n, n) (array, SciPy sparse or ``qutip.Qobj``).
    H_0 : operator fixing the equilibrium state; must commute with H_Q
        (max|[H_Q, H_0]_ij| <= ``COMMUTATOR_RTOL`` times the product of their spectral radii).
    beta : inverse temperature of the bath, in [0, inf]; ``inf`` gives the (uniformly mixed)
        ground eigenspace of H_0, 0 the maximally mixed state (then everything vanishes).
    undefined : value of ``eta`` where W_R = 0 (0/0). Pass ``numpy.nan`` to mark such points.
    """
    HQ = _hamiltonian(H_Q, "H_Q")
    H0 = _hamiltonian(H_0, "H_0")
    if H0.shape != HQ.shape:
        raise DimensionError("H_0", H0, f"the shape {HQ.shape} of H_Q")
    beta = check_real(beta, "beta", low=0.0, allow_inf=True)

    sQ = _radius(np.linalg.eigvalsh(HQ))
    s0 = _radius(np.linalg.eigvalsh(H0))
    comm = float(np.max(np.abs(HQ @ H0 - H0 @ HQ)))
    if comm > COMMUTATOR_RTOL * sQ * s0:
        raise InvalidParameterError("H_0", H0, "an operator commuting with H_Q",
                                    f"max |[H_Q, H_0]| = {comm:.3g}")

    V = _joint_eigenbasis(HQ, H0, s0)
    hq = V.conj().T @ HQ @ V
    h0 = V.conj().T @ H0 @ V
    eQ, e0 = np.diag(hq).real.copy(), np.diag(h0).real.copy()
    res = max(float(np.max(np.abs(hq - np.diag(eQ)))) / max(sQ, 1e-300),
              float(np.max(np.abs(h0 - np.diag(e0)))) / max(s0, 1e-300))
    if res > JOINT_DEGENERACY_RTOL:
        raise InvalidParameterError("H_0", H0, "an operator with a numerically common eigenbasis "
                                    "with H_Q", f"relative off-diagonal residual = {res:.3g}")

    # Equilibrium populations omega_k = exp(-beta E0_k) / Z0 in the common basis.
    x = e0 - np.min(e0)
    if math.isinf(beta):
        p = (x <= JOINT_DEGENERACY_RTOL * s0).astype(np.float64)
    else:
        p = np.exp(-beta * x)
    p /= p.sum()

    # Passive populations: decreasing omega_k on increasing E_k; ties in E_k (within ENERGY_RTOL)
    # ordered by increasing E0_k, i.e. the passive state of lowest H_0 energy.
    by_q = np.argsort(eQ, kind="stable")
    label = np.empty(eQ.size, dtype=np.int64)
    label[by_q] = np.r_[0, np.cumsum(np.diff(eQ[by_q]) > ENERGY_RTOL * sQ)]
    slots = np.lexsort((e0, label))
    s = np.empty_like(p)
    s[slots] = np.sort(p)[::-1]

    d = p - s
    eQs = eQ - 0.5 * (eQ.min() + eQ.max())
    e0s = e0 - 0.5 * (e0.min() + e0.max())
    W = float(np.dot(eQs, d))
    Q_R = float(np.dot(e0s, d))
    W_R = float(np.dot(eQs - e0s, d))
    tolQ, tol0 = ENERGY_RTOL * sQ, ENERGY_RTOL * s0
    tolR = ENERGY_RTOL * max(sQ, s0)
    W = 0.0 if -tolQ <= W < 0.0 else W
    Q_R = 0.0 if 0.0 < Q_R <= tol0 else Q_R
    W_R = 0.0 if -tolR <= W_R < 0.0 else W_R
    eta = min(max(W / W_R, 0.0), 1.0) if W_R > tolR else float(undefined)

    Vh = V.conj().T
    omega = (V * p) @ Vh
    passive = (V * s) @ Vh
    return RechargingThermodynamics(
        W=W, W_R=W_R, Q_R=Q_R, eta=eta,
        omega=0.5 * (omega + omega.conj().T),
        passive=0.5 * (passive + passive.conj().T),
    )
