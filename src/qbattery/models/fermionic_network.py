r"""N-qubit networks charged by fermionic (particle-exchanging) reservoirs: the star battery.

Kamin, Salimi and Arjmandi, "Steady-state charging of quantum batteries via dissipative
ancillas" (the fermionic-star paper). N qubits on a graph (hbar = 1, qubit
:math:`\sigma_z = \mathrm{diag}(-1, 1)`, :math:`\sigma_+ = |e\rangle\langle g|`),

.. math::
    H_S = \sum_i \omega_0\sigma_z^i + J\sum_{(i,j)\in E}(\sigma_+^i\sigma_-^j + \sigma_-^i\sigma_+^j)
    \qquad\text{(Eq. 1; each qubit has splitting } 2\omega_0\text{)},

with the battery a chosen site (default 0: the centre of the star) whose reduced state is taken
by partial trace, :math:`H_B = \omega_0\sigma_z`, :math:`E_{\max} = 2\omega_0`. The reservoirs
(core convention :math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2`):

* ``setting="equilibrium"`` (Eqs. 5-6): one common reservoir,
  :math:`\gamma(1-n)\mathcal D[J_-] + \gamma n\,\mathcal D[J_+]`, :math:`J_\pm = \sum_i\sigma_\pm^i`
  (the paper's double sum over i, j is this collective dissipator);
* ``setting="non_equilibrium"`` (Eqs. 7-8): one reservoir per qubit,
  :math:`\sum_i\gamma(1-n_i)\mathcal D[\sigma_-^i] + \gamma n_i\mathcal D[\sigma_+^i]`, with
  :math:`\mu_i = \mu` for the battery and :math:`\mu + \Delta\mu` for every other qubit, all at
  temperature T (or any ``mu_sites``, ``T_sites``).

**Symbols.** ``omega0``: qubit frequency in :math:`\omega_0\sigma_z` (the paper's 10);
``omega``: the reservoir frequency at which the Fermi function
:math:`n = 1/(e^{(\omega-\mu)/T} + 1)` is evaluated (the paper's 1); ``mu``, ``delta_mu``, ``T``:
chemical potentials and temperature; ``gamma``: reservoir rate; ``J``: coupling. The paper
evaluates n at :math:`\omega = 1` while the qubits have splitting :math:`2\omega_0 = 20`: that is
the preset (``occupation_at="omega"``). ``occupation_at="transition"`` evaluates n at the qubit
transition frequency :math:`2\omega_0` (the physically consistent choice for a reservoir resonant
with the qubits; then ``omega`` is unused).

**Symmetry and speed.** H conserves the excitation number and every jump changes it by one, so
the steady state is found in the U(1) sector (:mod:`qbattery.symmetry.u1`). For homogeneous
:math:`\omega_0` the term :math:`\omega_0\sum_i\sigma_z^i` vanishes there, so the steady state
does not depend on :math:`\omega_0` at all (only energies scale with it). When the sites other
than the battery are interchangeable (a star centred on the battery, or a complete graph, with
equal reservoirs on those sites), :class:`FermionicNetworkSolver` also averages over their
permutations: 110 unknowns for N = 10 instead of :math:`4^{10}`.

**Steady states (derived here).** With :math:`r = n/(1-n)`, the grand-canonical state
:math:`\rho\propto r^{N_{\rm exc}}` (every qubit at excited population n, no correlations)
commutes with H, and satisfies detailed balance for both :math:`\gamma(1-n)\mathcal D[L] +
\gamma n\,\mathcal D[L^\dagger]` with :math:`L = J_-` or :math:`L = \sigma_-^i`, since
:math:`L\,r^{N} = r\,r^{N}L`. Hence

* equilibrium: every :math:`P_k r^{N}` is stationary, with :math:`P_k` the projector on a sector
  of a strong symmetry (an operator commuting with H and :math:`J_\pm`: a graph automorphism,
  or the total spin of equivalent sites). The kernel is degenerate as soon as the graph has one
  (star: permutations of the leaves; chain: the reflection), so the steady state depends on the
  initial state. From all qubits in :math:`|g\rangle` the centre of a star with N >= 3 ends at
  excited population n(omega), :math:`\mathcal W/E_{\max} = \max(0,
  \tanh((\mu-\omega)/2T))` for every J (the leaves' maximal-spin sector factorises); at N = 3
  from every initial state, at N = 4 not (a dark sector leaves the centre at 1/2);
* non-equilibrium with all :math:`\mu_i` equal: the unique steady state is :math:`r^{N}/Z`,
  again :math:`p_e = n`; a single qubit relaxes to :math:`p_e = n` in both settings.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from .._checks import check_int, check_real
from ..errors import DimensionError, InvalidParameterError
from ..experiments.registry import Param, register_model
from ..quantum.operators import sigma_minus, sigma_z
from .networks import qubit_network
from .open_system import OpenSystem
from .reservoirs import FermionicReservoir, fermi_dirac, site_operators
from .topology import Topology, flip_flop_hamiltonian

__all__ = [
    "OCCUPATION_AT",
    "SETTINGS",
    "TOPOLOGIES",
    "FermionicNetworkSolver",
    "NetworkSteadyState",
    "cached_solver",
    "fermionic_network",
    "network_topology",
    "reservoir_occupations",
]

#: The two reservoir settings of the paper.
SETTINGS = ("equilibrium", "non_equilibrium")
#: Where the Fermi function is evaluated: the reservoir frequency ``omega`` (the paper) or the
#: qubit transition frequency ``2 omega0``.
OCCUPATION_AT = ("omega", "transition")
#: Topologies by name (the battery is the centre of the star; site 0 of a chain is an end).
TOPOLOGIES = ("star", "chain", "ring", "complete")


# ------------------------------------------------------------------------------ inputs
def _check_choice(x: Any, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(x, str) or x not in allowed:
        raise InvalidParameterError(name, x, "one of " + ", ".join(repr(a) for a in allowed))
    return x


def network_topology(N: int, topology: str | Topology = "star", battery: int = 0) -> Topology:
    """The graph of the network: ``"star"`` centred on the battery (Fig. 1), ``"chain"`` (Eq. 1:
    edges (i, i+1); the battery at site ``battery``, by default the end qubit 1 of the paper),
    ``"ring"``, ``"complete"``, or a :class:`~qbattery.models.Topology` with N sites."""
    N = check_int(N, "N", low=1)
    battery = check_int(battery, "battery", low=0, high=N - 1)
    if isinstance(topology, Topology):
        if topology.n_sites != N:
            raise DimensionError("topology", topology, f"a topology with N = {N} sites")
        return topology
    topology = _check_choice(topology, "topology", TOPOLOGIES)
    if N == 1:
        return Topology(1, (), topology)
    if topology == "star":
        return Topology.star(N, center=battery)
    if topology == "ring" and N < 3:
        return Topology(N, Topology.chain(N).edges, "ring")
    return Topology.from_name(topology, N)


def _occupation_frequency(occupation_at: str, omega: float, omega0: float) -> float:
    return omega if occupation_at == "omega" else 2.0 * omega0


def reservoir_occupations(N: int, *, setting: str = "non_equilibrium", mu: float = 0.0,
                          delta_mu: float = 0.0, T: float = 1.0, omega: float = 1.0,
                          omega0: float = 10.0, battery: int = 0, occupation_at: str = "omega",
                          mu_sites: Sequence[float] | None = None,
                          T_sites: Sequence[float] | None = None) -> np.ndarray:
    r"""Fermi-Dirac occupations :math:`n_i` of the reservoir(s), one per qubit (shape (N,)).

    Equilibrium: one reservoir, all :math:`n_i = n(\omega; \mu, T)` (``delta_mu`` must be 0).
    Non-equilibrium: :math:`\mu_{\rm battery} = \mu`, :math:`\mu_i = \mu + \Delta\mu` otherwise,
    :math:`T_i = T`; ``mu_sites``/``T_sites`` (length N) override them.
    """
    N = check_int(N, "N", low=1)
    setting = _check_choice(setting, "setting", SETTINGS)
    occupation_at = _check_choice(occupation_at, "occupation_at", OCCUPATION_AT)
    mu = check_real(mu, "mu")
    delta_mu = check_real(delta_mu, "delta_mu")
    T = check_real(T, "T", low=0.0)
    x = _occupation_frequency(occupation_at, check_real(omega, "omega"),
                              check_real(omega0, "omega0", low=0.0, low_open=True))
    battery = check_int(battery, "battery", low=0, high=N - 1)
    if setting == "equilibrium":
        if delta_mu != 0.0:
            raise InvalidParameterError("delta_mu", delta_mu, "0 in the equilibrium setting (one "
                                        "common reservoir)")
        if mu_sites is not None or T_sites is not None:
            raise InvalidParameterError("mu_sites" if mu_sites is not None else "T_sites",
                                        mu_sites if mu_sites is not None else T_sites,
                                        "None in the equilibrium setting (one common reservoir)")
        return np.full(N, fermi_dirac(x, mu, T))
    mus = np.full(N, mu + delta_mu)
    mus[battery] = mu
    Ts = np.full(N, T)
    if mu_sites is not None:
        mus = _site_values(mu_sites, N, "mu_sites", low=None)
    if T_sites is not None:
        Ts = _site_values(T_sites, N, "T_sites", low=0.0)
    return np.asarray(fermi_dirac(x, mus, Ts), dtype=np.float64).reshape(N)


def _site_values(x: Any, N: int, name: str, low: float | None) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, x, f"{N} real numbers, one per qubit") from exc
    if a.shape != (N,):
        raise DimensionError(name, x, f"{N} values, one per qubit")
    if not np.all(np.isfinite(a)) or (low is not None and np.any(a < low)):
        raise InvalidParameterError(name, x, f"{N} finite values" + (f" >= {low:g}" if low is not None
                                                                     else ""))
    return a


def _fermi_pair(x: float, mu: float, T: float) -> tuple[float, float]:
    """(n, 1 - n) of the Fermi function, each computed directly (no cancellation as n -> 1)."""
    if T > 0:
        z = (x - mu) / T
        return float(expit(-z)), float(expit(z))
    if x == mu:
        return 0.5, 0.5
    return (1.0, 0.0) if x < mu else (0.0, 1.0)


# ------------------------------------------------------------------------------ model
_PARAMS = {
    "N": Param(3, kind="int", low=1, high=14, doc="number of qubits (battery + N-1 ancillas)"),
    "topology": Param("star", kind="str", choices=TOPOLOGIES,
                      doc="graph: star centred on the battery (Fig. 1) or chain (Eq. 1), ring, complete"),
    "setting": Param("equilibrium", kind="str", choices=SETTINGS,
                     doc="one collective reservoir (Eqs. 5-6) or one reservoir per qubit (Eqs. 7-8)"),
    "mu": Param(0.0, unit="omega", doc="chemical potential (of the battery's reservoir when "
                                       "non-equilibrium)"),
    "delta_mu": Param(0.0, unit="omega", doc="mu_i - mu of the ancillas' reservoirs (non-equilibrium)"),
    "T": Param(1.0, unit="omega", low=0.0, doc="temperature of every reservoir (k_B = 1)"),
    "omega0": Param(10.0, unit="omega", low=0.0, low_open=True,
                    doc="qubit frequency in omega0 sigma_z (splitting 2 omega0)"),
    "omega": Param(1.0, unit="omega", doc="reservoir frequency at which n(omega) is evaluated"),
    "gamma": Param(1.0, unit="omega", low=0.0, doc="reservoir rate gamma"),
    "J": Param(1.0, unit="omega", doc="flip-flop coupling"),
    "battery": Param(0, kind="int", low=0, doc="battery site (centre of the star)"),
    "occupation_at": Param("omega", kind="str", choices=OCCUPATION_AT,
                           doc="Fermi function at omega (paper) or at the transition 2 omega0"),
}


def _ground(N: int = 3):
    D = 2 ** int(N)
    rho = np.zeros((D, D), dtype=np.complex128)
    rho[0, 0] = 1.0
    return rho


@register_model(
    "star_network", params=_PARAMS, units={"energy": "omega", "time": "1/omega"},
    states={"all_ground": _ground},
    description=("N-qubit network (star centred on the battery, or chain) with fermionic "
                 "reservoirs, collective (equilibrium) or one per qubit (non-equilibrium)"),
    citation=("F. H. Kamin, S. Salimi and M. B. Arjmandi, Steady-state charging of quantum "
              "batteries via dissipative ancillas"),
)
def fermionic_network(N: int = 3, topology: str = "star", setting: str = "equilibrium",
                      mu: float = 0.0, delta_mu: float = 0.0, T: float = 1.0,
                      omega0: float = 10.0, omega: float = 1.0, gamma: float = 1.0,
                      J: float = 1.0, battery: int = 0, occupation_at: str = "omega",
                      mu_sites: Sequence[float] | None = None,
                      T_sites: Sequence[float] | None = None) -> OpenSystem:
    r"""The network of the fermionic-star paper as an :class:`~qbattery.models.OpenSystem`.

    Registered as ``"star_network"``: Eq. (1) on ``network_topology(N, topology, battery)``, with
    Eqs. (5-6) (``setting="equilibrium"``: collective :math:`\gamma(1-n)\mathcal D[J_-] +
    \gamma n\mathcal D[J_+]`) or Eqs. (7-8) (one reservoir per qubit). Battery: site
    ``battery``, :math:`H_B = \omega_0\sigma_z`. Parameters as in the module docs. The full
    Liouvillian has dimension :math:`4^N`: use :class:`FermionicNetworkSolver` for sweeps and
    large N.
    """
    N = check_int(N, "N", low=1, high=14)
    top = network_topology(N, topology, battery)
    setting = _check_choice(setting, "setting", SETTINGS)
    gamma = check_real(gamma, "gamma", low=0.0)
    occupation_at = _check_choice(occupation_at, "occupation_at", OCCUPATION_AT)
    reservoir_occupations(N, setting=setting, mu=mu, delta_mu=delta_mu, T=T, omega=omega,
                          omega0=omega0, battery=battery, occupation_at=occupation_at,
                          mu_sites=mu_sites, T_sites=T_sites)  # validates
    x = _occupation_frequency(occupation_at, float(omega), float(omega0))
    sparse = N > 6
    if setting == "equilibrium":
        res: Any = FermionicReservoir(gamma, mu, T, x)
        mode = "collective"
    else:
        mus = np.full(N, float(mu) + float(delta_mu))
        mus[battery] = mu
        Ts = np.full(N, float(T))
        if mu_sites is not None:
            mus = np.asarray(mu_sites, dtype=np.float64)
        if T_sites is not None:
            Ts = np.asarray(T_sites, dtype=np.float64)
        res = [FermionicReservoir(gamma, float(m), float(t), x) for m, t in zip(mus, Ts, strict=True)]
        mode = "local"
    model = qubit_network(top, omega0, J, res, mode=mode, battery=battery, sparse=sparse)
    model.metadata.update({"model": "star_network", "setting": setting, "occupation_at":
                           occupation_at, "N": N})
    return model


# ------------------------------------------------------------------------------ fast solver
@dataclass(frozen=True, eq=False)
class NetworkSteadyState:
    """The battery in the steady state of the network, with the solver's checks.

    ``battery_state`` is the (2, 2) reduced state; ``ergotropy_norm`` = W / (2 omega0);
    ``kernel_dim`` is that of the generator solved (U(1), symmetrised), ``kernel_dim_u1`` of
    the U(1) sector and ``kernel_dim_full`` of the full 4^N Liouvillian (-1: not computed).
    """

    battery_state: np.ndarray
    p_excited: float
    energy: float
    ergotropy: float
    ergotropy_norm: float
    kernel_dim: int
    kernel_dim_u1: int
    kernel_dim_full: int
    residual: float
    method: str
    occupations: np.ndarray
    y: np.ndarray
    wall_time: float = 0.0

    def __repr__(self) -> str:
        return (f"NetworkSteadyState(p_excited={self.p_excited:.6g}, "
                f"ergotropy_norm={self.ergotropy_norm:.6g}, kernel_dim={self.kernel_dim}, "
                f"kernel_dim_u1={self.kernel_dim_u1}, kernel_dim_full={self.kernel_dim_full}, "
                f"residual={self.residual:.1e}, method={self.method})")


class FermionicNetworkSolver:
    """Fast steady states of :func:`fermionic_network` over parameter sweeps.

    The structure (N, topology, setting, battery) is fixed at construction; the generator is
    precomputed in the U(1) sector (symmetrised over the interchangeable non-battery sites when
    ``symmetry="auto"`` finds them) as a linear combination of pieces,

    .. math:: \\mathcal L = \\omega_0\\mathcal L_z + J\\mathcal L_J
              + \\sum_G \\gamma(1-n_G)\\mathcal L^-_G + \\gamma n_G\\mathcal L^+_G,

    with G the sites (or groups of interchangeable sites, or the collective operator) sharing a
    reservoir, so each point costs an assembly and one small factorisation.

    Parameters
    ----------
    N, topology, setting, battery
        As :func:`fermionic_network`.
    symmetry
        ``"auto"`` (U(1) plus permutations of the non-battery sites when H and the reservoir
        layout allow it), ``"u1"`` (U(1) only).
    full_kernel_max, u1_kernel_max
        Also count (dense SVD) the kernel of the U(1) sector and of the full :math:`4^N`
        Liouvillian when the U(1) sector dimension :math:`\binom{2N}{N}` is at most this
        (default 256: N <= 5); -1 in the results otherwise. The full Liouvillian is block
        diagonal in the coherence order k = N_a - N_b, so its kernel is counted block by block
        (orders -k and k have equal kernels): for N = 4, blocks of 70, 56, 28, 8, 1 instead of
        one of 256.
    tol, kernel_tol
        Residual and kernel tolerances (relative, as :func:`qbattery.dynamics.steady_state`).
    """

    def __init__(self, N: int = 3, topology: str | Topology = "star",
                 setting: str = "non_equilibrium", battery: int = 0, *, symmetry: str = "auto",
                 full_kernel_max: int = 256, u1_kernel_max: int = 256, tol: float = 1e-10,
                 kernel_tol: float = 1e-10) -> None:
        from ..symmetry.u1 import LinearGenerator, ParametricSteadyState, U1Reduction

        self.N = check_int(N, "N", low=1, high=30)
        self.battery = check_int(battery, "battery", low=0, high=self.N - 1)
        self.topology = network_topology(self.N, topology, self.battery)
        self.setting = _check_choice(setting, "setting", SETTINGS)
        self.symmetry = _check_choice(symmetry, "symmetry", ("auto", "u1"))
        self.full_kernel_max = check_int(full_kernel_max, "full_kernel_max", low=0)
        self.u1_kernel_max = check_int(u1_kernel_max, "u1_kernel_max", low=0)
        self.kernel_tol = check_real(kernel_tol, "kernel_tol", low=0.0, low_open=True)
        N = self.N
        dims = (2,) * N
        others = tuple(i for i in range(N) if i != self.battery)
        groups: tuple[tuple[int, ...], ...] = ()
        if self.symmetry == "auto" and len(others) >= 2 and self._others_interchangeable(others):
            groups = (others,)
        self.interchangeable = groups
        self.reduction = U1Reduction(dims, groups)
        self._ops = site_operators(sigma_minus(), dims, sparse=True)
        self._Hz = sum(site_operators(sigma_z(), dims, sparse=True)).tocsr()
        self._HJ = sp.csr_matrix(flip_flop_hamiltonian(self.topology, 1.0, sparse=True))
        self._site_groups = self._reservoir_groups(groups)
        pieces, self.piece_names = self._pieces(self.reduction)
        self.solver = ParametricSteadyState(pieces, self.reduction.trace_vector, tol=tol,
                                            kernel_tol=kernel_tol)
        # extra kernel counts: the U(1) sector (order 0) and every coherence order k of the full
        # Liouvillian, which is block diagonal in k (sum of the blocks' kernels = full kernel)
        u1_dim = self.reduction.u1_dim
        self._u1 = None
        if groups and u1_dim <= self.u1_kernel_max:
            self._u1 = LinearGenerator(self._pieces(U1Reduction(dims))[0])
        self._orders: list[LinearGenerator] = []
        if u1_dim <= self.full_kernel_max:
            self._orders = [LinearGenerator(self._pieces(U1Reduction(dims, order=k))[0])
                            for k in range(1, N + 1)]
        self._y0: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------- structure
    def _others_interchangeable(self, others: tuple[int, ...]) -> bool:
        A = self.topology.adjacency()
        b = self.battery
        if len({A[i, b] for i in others}) != 1:
            return False
        sub = A[np.ix_(others, others)]
        off = sub[~np.eye(len(others), dtype=bool)]
        return bool(off.size == 0 or np.all(off == off[0]))

    def _reservoir_groups(self, groups) -> list[tuple[int, ...]]:
        if self.setting == "equilibrium":
            return [tuple(range(self.N))]
        in_group = {s for g in groups for s in g}
        return [(i,) for i in range(self.N) if i not in in_group] + [tuple(g) for g in groups]

    def _dissipator_ops(self, group: tuple[int, ...]):
        if self.setting == "equilibrium":
            Jm = sum(self._ops[i] for i in group).tocsr()
            return [Jm], [Jm.T.conj().tocsr()]
        return ([self._ops[i] for i in group], [self._ops[i].T.conj().tocsr() for i in group])

    def _pieces(self, red):
        pieces = [red.hamiltonian(self._Hz), red.hamiltonian(self._HJ)]
        names = ["omega0", "J"]
        for g in self._site_groups:
            lower, raise_ = self._dissipator_ops(g)
            pieces += [red.dissipator(lower), red.dissipator(raise_)]
            names += [f"loss{list(g)}", f"gain{list(g)}"]
        return pieces, tuple(names)

    def __repr__(self) -> str:
        return (f"FermionicNetworkSolver(N={self.N}, topology={self.topology.name!r}, "
                f"setting={self.setting!r}, battery={self.battery}, "
                f"interchangeable={list(self.interchangeable)}, reduced_dim={self.reduction.n}, "
                f"u1_dim={self.reduction.u1_dim})")

    # ---------------------------------------------------------------- points
    def coefficients(self, *, mu: float = 0.0, delta_mu: float = 0.0, T: float = 1.0,
                     J: float = 1.0, gamma: float = 1.0, omega: float = 1.0,
                     omega0: float = 10.0, occupation_at: str = "omega",
                     mu_sites: Sequence[float] | None = None,
                     T_sites: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(coefficients of the pieces, occupations n_i)`` at one parameter point."""
        mu = check_real(mu, "mu")
        delta_mu = check_real(delta_mu, "delta_mu")
        T = check_real(T, "T", low=0.0)
        J = check_real(J, "J")
        gamma = check_real(gamma, "gamma", low=0.0)
        omega0 = check_real(omega0, "omega0", low=0.0, low_open=True)
        x = _occupation_frequency(_check_choice(occupation_at, "occupation_at", OCCUPATION_AT),
                                  check_real(omega, "omega"), omega0)
        N = self.N
        if self.setting == "equilibrium" or (mu_sites is None and T_sites is None):
            if self.setting == "equilibrium" and delta_mu != 0.0:
                raise InvalidParameterError("delta_mu", delta_mu, "0 in the equilibrium setting "
                                            "(one common reservoir)")
            if self.setting == "equilibrium" and (mu_sites is not None or T_sites is not None):
                raise InvalidParameterError("mu_sites" if mu_sites is not None else "T_sites",
                                            mu_sites if mu_sites is not None else T_sites,
                                            "None in the equilibrium setting (one common reservoir)")
            nb, hb = _fermi_pair(x, mu, T)
            no, ho = _fermi_pair(x, mu + delta_mu, T)
            n = np.full(N, no)
            h = np.full(N, ho)
            n[self.battery], h[self.battery] = nb, hb
        else:
            mus = np.full(N, mu + delta_mu)
            mus[self.battery] = mu
            Ts = np.full(N, T)
            if mu_sites is not None:
                mus = _site_values(mu_sites, N, "mu_sites", low=None)
            if T_sites is not None:
                Ts = _site_values(T_sites, N, "T_sites", low=0.0)
            pairs = np.array([_fermi_pair(x, m, t) for m, t in zip(mus, Ts, strict=True)])
            n, h = pairs[:, 0], pairs[:, 1]
        c = [omega0, J]
        for g in self._site_groups:
            if len(g) > 1 and np.ptp(n[list(g)]) > 0:
                raise InvalidParameterError(
                    "mu_sites", mu_sites, "equal reservoirs on the interchangeable sites "
                    f"{list(g)} (or construct the solver with symmetry='u1')")
            c += [gamma * h[g[0]], gamma * n[g[0]]]
        return np.asarray(c), n

    def _rho0(self, rho0: Any) -> np.ndarray:
        if isinstance(rho0, str):
            if rho0 not in self._y0:
                self._y0[rho0] = self.reduction.coordinates(rho0)
            return self._y0[rho0]
        return self.reduction.coordinates(rho0)

    def _kernel_count(self, gen, coeffs, *, at_least_one: bool = True) -> int:
        from ..symmetry.u1 import kernel_count_dense

        L = gen.assemble_dense(coeffs)
        if at_least_one:
            return kernel_count_dense(L, self.kernel_tol)
        # coherence orders k != 0 hold no state: a kernel there is a stationary coherence
        s = np.linalg.svd(L, compute_uv=False)
        return int(np.sum(s <= self.kernel_tol * max(s[0], 1e-300))) if s.size else 0

    def _kernel_counts(self, coeffs, kd: int) -> tuple[int, int]:
        """(U(1) sector, full Liouvillian) kernel dimensions; -1 where not computed."""
        if self.interchangeable:
            k_u1 = self._kernel_count(self._u1, coeffs) if self._u1 is not None else -1
        else:
            k_u1 = kd
        if not self._orders or k_u1 < 0:
            return k_u1, -1
        # the full kernel is k_u1 + 2 * sum_{k > 0} (order -k mirrors order k by Hermiticity)
        extra = sum(self._kernel_count(g, coeffs, at_least_one=False) for g in self._orders)
        return k_u1, k_u1 + 2 * extra

    def _raw(self, rho0: Any, params: dict[str, Any], kernels: bool = True):
        coeffs, n = self.coefficients(**params)
        y, residual, kd, method = self.solver.solve(coeffs, self._rho0(rho0))
        rho_b = self.reduction.reduced_state(y, self.battery)
        rho_b = 0.5 * (rho_b + rho_b.conj().T)
        kd = int(kd if kd is not None else -1)
        k_u1, k_full = self._kernel_counts(coeffs, kd) if kernels else (-1, -1)
        return (rho_b, kd, k_u1, k_full, residual, method, n, y)

    def solve(self, *, rho0: Any = "ground", kernels: bool = True,
              **params: Any) -> NetworkSteadyState:
        """Steady state at one point; ``params`` as :meth:`coefficients`. ``rho0`` (``"ground"``:
        every qubit in |g>, the default; ``"maximally_mixed"``; or a 2^N x 2^N matrix) selects
        the steady state when the kernel is degenerate (equilibrium)."""
        from ..metrics import ergotropy

        t0 = time.perf_counter()
        rho_b, kd, k_u1, k_full, residual, method, n, y = self._raw(rho0, params, kernels)
        omega0 = float(params.get("omega0", 10.0))
        p = float(rho_b[1, 1].real)
        W = float(ergotropy(rho_b, _battery_hamiltonian(omega0)))
        return NetworkSteadyState(
            battery_state=rho_b, p_excited=p, energy=omega0 * (2.0 * p - 1.0), ergotropy=W,
            ergotropy_norm=W / (2.0 * omega0), kernel_dim=kd, kernel_dim_u1=k_u1,
            kernel_dim_full=k_full, residual=residual, method=method, occupations=n, y=y,
            wall_time=time.perf_counter() - t0)

    def sweep(self, *, rho0: Any = "ground", kernels: bool = True, **params: Any):
        """Cartesian sweep: every parameter given as a 1-d sequence becomes a dimension (in the
        order given), scalars are fixed. Returns an ``xarray.Dataset`` with ``ergotropy_norm``
        (W / 2 omega0), ``ergotropy``, ``energy``, ``p_excited``, ``kernel_dim``,
        ``kernel_dim_u1``, ``kernel_dim_full`` and ``residual``."""
        import xarray as xr

        from ..metrics import ergotropy

        axes = {k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in params.items()
                if not isinstance(v, str) and np.ndim(v) == 1 and k not in ("mu_sites", "T_sites")}
        fixed = {k: v for k, v in params.items() if k not in axes}
        shape = tuple(a.size for a in axes.values())
        rhos = np.empty((*shape, 2, 2), dtype=np.complex128)
        w0 = np.empty(shape)
        res = np.empty(shape)
        kern = np.empty((3, *shape), dtype=np.int64)
        for idx in np.ndindex(*shape):
            point = {**fixed, **{k: float(a[i]) for (k, a), i in zip(axes.items(), idx, strict=True)}}
            rho_b, kd, k_u1, k_full, residual, _, _, _ = self._raw(rho0, point, kernels)
            rhos[idx] = rho_b
            w0[idx] = float(point.get("omega0", 10.0))
            res[idx] = residual
            kern[(slice(None), *idx)] = (kd, k_u1, k_full)
        sz = np.diag([-1.0, 1.0]).astype(np.complex128)
        p = rhos[..., 1, 1].real
        # W is linear in H: W(rho, omega0 sigma_z) = omega0 W(rho, sigma_z), one batched call
        W = w0 * np.asarray(ergotropy(rhos, sz)) if shape else w0 * ergotropy(rhos, sz)
        dims = tuple(axes)
        unit = "omega"
        data = {
            "ergotropy_norm": (dims, W / (2.0 * w0), {"units": "1", "long_name":
                               "W / W_max of the battery (W_max = 2 omega0)"}),
            "ergotropy": (dims, W, {"units": unit, "long_name": "ergotropy W"}),
            "energy": (dims, w0 * (2.0 * p - 1.0), {"units": unit, "long_name":
                       "battery energy Tr(rho_B omega0 sigma_z)"}),
            "p_excited": (dims, p, {"units": "1", "long_name":
                          "excited population of the battery"}),
            "residual": (dims, res, {"units": unit, "long_name":
                         "||L rho||_2 of the steady state"}),
            "kernel_dim": (dims, kern[0], {"long_name":
                           "kernel dimension of the generator solved (U(1) sector"
                           + (", symmetrised)" if self.interchangeable else ")")}),
            "kernel_dim_u1": (dims, kern[1], {"long_name":
                              "kernel dimension in the U(1) sector (-1: not computed)"}),
            "kernel_dim_full": (dims, kern[2], {"long_name":
                                "kernel dimension of the full 4^N Liouvillian (-1: not computed)"}),
        }
        coords = {k: (k, a, {"units": unit}) for k, a in axes.items()}
        attrs = {"N": self.N, "topology": self.topology.name, "setting": self.setting,
                 "battery": self.battery, "interchangeable": str(list(self.interchangeable)),
                 "reduced_dim": self.reduction.n, "u1_dim": self.reduction.u1_dim,
                 "rho0": rho0 if isinstance(rho0, str) else "matrix",
                 **{k: v for k, v in fixed.items() if isinstance(v, (int, float, str))}}
        return xr.Dataset(data, coords=coords, attrs=attrs)


def _battery_hamiltonian(omega0: float) -> np.ndarray:
    return omega0 * np.diag([-1.0, 1.0]).astype(np.complex128)


@functools.lru_cache(maxsize=64)
def cached_solver(N: int, topology: str = "star", setting: str = "non_equilibrium",
                  battery: int = 0, symmetry: str = "auto",
                  full_kernel_max: int = 256, u1_kernel_max: int = 256) -> FermionicNetworkSolver:
    """A shared :class:`FermionicNetworkSolver` per structure (sweeps over many curves)."""
    return FermionicNetworkSolver(N, topology, setting, battery, symmetry=symmetry,
                                  full_kernel_max=full_kernel_max, u1_kernel_max=u1_kernel_max)

