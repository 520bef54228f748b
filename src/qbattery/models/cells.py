r"""N-cell two-level batteries with relaxation, dephasing and intercell leakage on a graph.

The self-discharge model (Eqs. 4-5 and 11-13 of the self-discharge paper, ``docs/papers/
self_discharge.md``), hbar = 1, qubit :math:`|0\rangle = |g\rangle`, :math:`|1\rangle = |e\rangle`:

.. math::
    H = \omega_0\sum_n\sigma_+^n\sigma_-^n + J\sum_{(n,m)\in E}(\sigma_+^n\sigma_-^m + h.c.),
    \qquad H_B = H_0 = \omega_0\sum_n\sigma_+^n\sigma_-^n,

.. math::
    \dot\rho = -i[H, \rho] + \sum_{nm} G_{nm}\Big(\sigma_-^m\rho\sigma_+^n
        - \tfrac12\{\sigma_+^n\sigma_-^m, \rho\}\Big)
        + \sum_n \frac{\gamma_z}{2}\mathcal D[\sigma_z^n]\rho,
    \qquad G = \tfrac12(\Gamma\,I + \Gamma_d\,\mathrm{Adj}),

with :math:`\gamma_z = \gamma_\phi + \Gamma/4` for ``relaxation="paper"`` and
:math:`\gamma_z = \gamma_\phi` for ``relaxation="amplitude_damping"``.

Normalisation (chosen so that the printed single-cell numbers are reproduced, see the paper
page): a cell alone relaxes with populations *and* coherences decaying as
:math:`e^{-\Gamma t/2}` (Eq. 7): amplitude damping :math:`(\Gamma/2)\mathcal D[\sigma_-]`
(population crossing :math:`\tau_c = 2\ln 2/\Gamma`) plus :math:`(\Gamma/8)\mathcal D[\sigma_z]`,
which brings the coherence rate from :math:`\Gamma/4` to :math:`\Gamma/2` (the quantum half-life
:math:`2\ln[2(1+\sqrt6)/5]/\Gamma`). ``relaxation="amplitude_damping"`` drops that term.
Phase damping (Eq. 10) with rate :math:`\gamma_\phi`: coherences decay as
:math:`e^{-\gamma_\phi t}`, populations are untouched.

The leakage cross terms are written in the normalisation of the relaxation term
(:math:`\Gamma_d/2` where the relaxation has :math:`\Gamma/2`), so G is positive semidefinite
(the generator completely positive) iff :math:`\Gamma_d \le \Gamma/|\lambda_{\min}(\mathrm{Adj})|`
(:func:`leakage_bound`): N = 5 star :math:`\Gamma/2` (the paper's :math:`\Gamma_d = \Gamma/2`
sits on the boundary), chain :math:`\Gamma/\sqrt3`, ring :math:`\Gamma/1.618`, complete
:math:`\Gamma`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import check_int, check_rate, check_real
from ..errors import InvalidParameterError, NotCompletelyPositiveError
from ..quantum.operators import sigma_minus, sigma_z
from ..quantum.superoperators import dissipator, hamiltonian_superop
from .dissipators import kossakowski_channels, kossakowski_superop, max_psd_coupling
from .open_system import Channel, OpenSystem
from .reservoirs import site_operators
from .topology import TOPOLOGY_ALIASES, Topology, excitation_number, per_edge_couplings

__all__ = [
    "RELAXATION_MODELS",
    "as_topology",
    "cell_battery",
    "cell_liouvillian",
    "cell_state",
    "leakage_bound",
    "leakage_kossakowski_matrix",
    "product_state",
]

#: ``relaxation`` choices of :func:`cell_battery`: extra dephasing rate gamma_z per unit Gamma.
RELAXATION_MODELS = {"paper": 0.25, "amplitude_damping": 0.0}


def as_topology(topology: Any, N: int | None = None) -> Topology:
    """A :class:`Topology` from a Topology, a name (``"central"``, ``"linear"``, ``"circular"``,
    ``"symmetric"`` or their aliases, with ``N``) or an edge list (with ``N``)."""
    if isinstance(topology, Topology):
        if N is not None and check_int(N, "N", low=1) != topology.n_sites:
            raise InvalidParameterError("N", N, f"{topology.n_sites} (the topology's size) or None")
        return topology
    if N is None:
        raise InvalidParameterError("N", None, "the number of cells when the topology is given "
                                    "by name or by edges")
    n = check_int(N, "N", low=1)
    if isinstance(topology, str):
        key = topology.strip().lower()
        if key not in TOPOLOGY_ALIASES:
            raise InvalidParameterError("topology", topology,
                                        f"a geometry name, one of {sorted(TOPOLOGY_ALIASES)}")
        if n == 1:  # one cell: every geometry is the single site
            return Topology.chain(1)
        if n == 2 and topology.strip().lower() in ("ring", "circular"):
            return Topology.chain(2)
        return Topology.from_name(topology, n)
    if isinstance(topology, Sequence):
        return Topology.from_edges(n, topology)
    raise InvalidParameterError("topology", topology,
                                "a Topology, a geometry name or a list of (i, j) edges")


def leakage_bound(topology: Any, Gamma: Any = 1.0, N: int | None = None) -> float:
    r"""Largest leakage rate :math:`\Gamma_d` for which the model is completely positive.

    :math:`G = (\Gamma I + \Gamma_d\mathrm{Adj})/2 \succeq 0 \iff \Gamma_d \le
    \Gamma/|\lambda_{\min}(\mathrm{Adj})|` (``inf`` for a graph without edges), computed with
    :func:`~qbattery.models.dissipators.max_psd_coupling`.
    """
    t = as_topology(topology, N)
    g = check_rate(Gamma, "Gamma")
    if t.n_edges == 0:
        return float("inf")
    return float(max_psd_coupling(g, t.adjacency()))


def leakage_kossakowski_matrix(topology: Any, Gamma: Any, Gamma_d: Any,
                               N: int | None = None) -> np.ndarray:
    r"""Kossakowski matrix :math:`G = (\Gamma I + \Gamma_d\,\mathrm{Adj})/2` on the cells' :math:`\sigma_-`
    (core rates: relaxation :math:`(\Gamma/2)\mathcal D[\sigma_-]`, cross terms :math:`\Gamma_d/2`
    for each orientation of an edge). Not checked here; :func:`cell_battery` checks it."""
    t = as_topology(topology, N)
    g = check_rate(Gamma, "Gamma")
    gd = check_rate(Gamma_d, "Gamma_d")
    return 0.5 * (g * np.eye(t.n_sites) + gd * t.adjacency())


def cell_battery(topology: Any, N: int | None = None, *, Gamma: Any = 1.0, Gamma_d: Any = 0.0,
                 J: Any = 0.0, omega0: Any = 1.0, gamma_phi: Any = 0.0,
                 relaxation: str = "paper", sparse: bool = False) -> OpenSystem:
    r"""The N-cell self-discharge model as an :class:`~qbattery.models.OpenSystem` (no charger).

    Parameters
    ----------
    topology
        A :class:`Topology`, a geometry name (``"central"``/``"star"``, ``"linear"``/``"chain"``,
        ``"circular"``/``"ring"``, ``"symmetric"``/``"complete"``; with ``N``) or an edge list
        (with ``N``). One cell (``N = 1``) has no edges whatever the name.
    Gamma
        Relaxation rate :math:`\Gamma` (populations decay as :math:`e^{-\Gamma t/2}`).
    Gamma_d
        Intercell leakage rate :math:`\Gamma_d` (Eqs. 12-13); must not exceed
        :func:`leakage_bound` (else :class:`~qbattery.errors.NotCompletelyPositiveError`).
    J
        Flip-flop coupling on every edge (scalar or one value per edge).
    omega0
        Cell splitting: :math:`H_0 = \omega_0\sum_n\sigma_+^n\sigma_-^n` (ground energy 0).
    gamma_phi
        Phase-damping rate (Eq. 10): coherences of each cell decay as :math:`e^{-\gamma_\phi t}`.
    relaxation
        ``"paper"`` (coherences relax with the populations, :math:`e^{-\Gamma t/2}`; reproduces
        the printed half-lives) or ``"amplitude_damping"`` (bare :math:`(\Gamma/2)\mathcal D[\sigma_-]`:
        coherences decay as :math:`e^{-\Gamma t/4}`).
    sparse
        Store H and the jump operators as SciPy CSR.

    The battery is the whole register (``battery=None``) with ``H_battery`` = :math:`H_0`: energy
    and ergotropy ignore the interaction energy, as in the paper.
    """
    t, g, gd, gphi, w, gz = _parameters(topology, N, Gamma, Gamma_d, gamma_phi, omega0, relaxation)
    n = t.n_sites
    dims = (2,) * n
    sm, sz, num = _site_ops(n)
    Js = per_edge_couplings(J, t) if t.n_edges else np.zeros(0)
    H = w * num
    for (i, j), Jij in zip(t.edges, Js, strict=True):
        H = H + Jij * _hop(n, i, j)
    H0 = w * num
    G = leakage_kossakowski_matrix(t, g, gd)
    channels: list[Channel] = []
    if g > 0 or gd > 0:
        channels.extend(kossakowski_channels(G, list(sm), label="relax"))
    if gz > 0:
        channels.extend(Channel(Z, 0.5 * gz, f"dephase[{i}]") for i, Z in enumerate(sz))
    if not sparse:
        H, H0 = H.toarray(), H0.toarray()
        channels = [Channel(c.L.toarray() if sp.issparse(c.L) else c.L, c.rate, c.label)
                    for c in channels]
    return OpenSystem(
        H, tuple(channels), dims=dims, battery=None, H_battery=H0,
        names=tuple(f"cell{i}" for i in range(n)),
        metadata={"model": "cell_battery", "topology": t.name, "edges": t.edges, "N": n,
                  "Gamma": g, "Gamma_d": gd, "J": Js.tolist(), "omega0": w, "gamma_phi": gphi,
                  "relaxation": relaxation, "kossakowski": G},
    )


def _parameters(topology: Any, N: Any, Gamma: Any, Gamma_d: Any, gamma_phi: Any, omega0: Any,
                relaxation: str) -> tuple[Topology, float, float, float, float, float]:
    t = as_topology(topology, N)
    g = check_rate(Gamma, "Gamma")
    gd = check_rate(Gamma_d, "Gamma_d")
    gphi = check_rate(gamma_phi, "gamma_phi")
    w = check_real(omega0, "omega0")
    if relaxation not in RELAXATION_MODELS:
        raise InvalidParameterError("relaxation", relaxation, f"one of {sorted(RELAXATION_MODELS)}")
    if gd > 0 and t.n_edges:
        bound = leakage_bound(t, g)
        if gd > bound * (1.0 + 1e-12):
            raise NotCompletelyPositiveError(
                "Gamma_d", gd, f"Gamma_d <= Gamma/|lambda_min(Adj)| = {bound:.6g} for this "
                f"{t.name} graph (a larger leakage makes the generator not completely positive)")
    return t, g, gd, gphi, w, gphi + RELAXATION_MODELS[relaxation] * g


# ------------------------------------------------------------------ cached building blocks
@functools.lru_cache(maxsize=16)
def _site_ops(n: int) -> tuple[tuple[sp.csr_matrix, ...], tuple[sp.csr_matrix, ...], sp.csr_matrix]:
    dims = (2,) * n
    sm = tuple(sp.csr_matrix(A) for A in site_operators(sigma_minus(), dims, sparse=True))
    sz = tuple(sp.csr_matrix(A) for A in site_operators(sigma_z(), dims, sparse=True))
    return sm, sz, sp.csr_matrix(excitation_number(n, sparse=True))


@functools.lru_cache(maxsize=512)
def _hop(n: int, i: int, j: int) -> sp.csr_matrix:
    sm = _site_ops(n)[0]
    h = sm[i].conj().T @ sm[j]
    return (h + h.conj().T).tocsr()


@functools.lru_cache(maxsize=16)
def _local_superops(n: int) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    sm, sz, num = _site_ops(n)
    relax = sum((dissipator(A) for A in sm[1:]), dissipator(sm[0])).tocsr()
    deph = sum((dissipator(Z) for Z in sz[1:]), dissipator(sz[0])).tocsr()
    return hamiltonian_superop(num), relax, deph


@functools.lru_cache(maxsize=512)
def _edge_superops(n: int, i: int, j: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    sm = _site_ops(n)[0]
    cross = kossakowski_superop(np.array([[0.0, 1.0], [1.0, 0.0]]), [sm[i], sm[j]])
    return hamiltonian_superop(_hop(n, i, j)), sp.csr_matrix(cross)


def cell_liouvillian(topology: Any, N: int | None = None, *, Gamma: Any = 1.0,
                     Gamma_d: Any = 0.0, J: Any = 0.0, omega0: Any = 1.0, gamma_phi: Any = 0.0,
                     relaxation: str = "paper") -> sp.csr_matrix:
    r"""The generator of :func:`cell_battery` (row-major, sparse CSR), assembled from cached
    per-site and per-edge superoperators:

    .. math::
        \mathcal L = \omega_0\mathcal H_0 + \tfrac\Gamma2\sum_n\mathcal D[\sigma_-^n]
        + \tfrac{\gamma_z}2\sum_n\mathcal D[\sigma_z^n]
        + \sum_{(n,m)\in E}\big(J_{nm}\mathcal H_{nm} + \tfrac{\Gamma_d}2\mathcal C_{nm}\big),

    with :math:`\mathcal C_{nm}` the two cross terms of the edge. Equal to
    ``cell_battery(...).liouvillian()`` to round-off, and much cheaper when many graphs on the
    same number of cells are solved (the blocks are built once per N and per edge). Same
    parameters and checks as :func:`cell_battery`.
    """
    t, g, gd, _, w, gz = _parameters(topology, N, Gamma, Gamma_d, gamma_phi, omega0, relaxation)
    n = t.n_sites
    hs, relax, deph = _local_superops(n)
    L = w * hs + (0.5 * g) * relax + (0.5 * gz) * deph
    if t.n_edges:
        Js = per_edge_couplings(J, t)
        for (i, j), Jij in zip(t.edges, Js, strict=True):
            hop, cross = _edge_superops(n, i, j)
            L = L + Jij * hop + (0.5 * gd) * cross
    return sp.csr_matrix(L)


def cell_state(kind: str, *, p_excited: float = 0.75) -> np.ndarray:
    r"""One cell's state: ``"classical"`` :math:`p|e\rangle\langle e| + (1-p)|g\rangle\langle g|`
    (default p = 3/4: ergotropy :math:`\omega_0/2`), ``"quantum"`` :math:`|+\rangle\langle+|`,
    :math:`|+\rangle = (|e\rangle + |g\rangle)/\sqrt2` (ergotropy :math:`\omega_0/2`), ``"full"``
    :math:`|e\rangle\langle e|` or ``"empty"`` :math:`|g\rangle\langle g|`."""
    if kind == "classical":
        p = check_real(p_excited, "p_excited", low=0.0, high=1.0)
        return np.diag([1.0 - p, p]).astype(np.complex128)
    if kind == "quantum":
        return np.full((2, 2), 0.5, dtype=np.complex128)
    if kind == "full":
        return np.diag([0.0, 1.0]).astype(np.complex128)
    if kind == "empty":
        return np.diag([1.0, 0.0]).astype(np.complex128)
    raise InvalidParameterError("kind", kind, "one of 'classical', 'quantum', 'full', 'empty'")


def product_state(cell: Any, N: int) -> np.ndarray:
    """The N-cell product :math:`\\rho^{\\otimes N}` of one cell's state (a name for
    :func:`cell_state` or a 2 x 2 density matrix)."""
    n = check_int(N, "N", low=1)
    rho = cell_state(cell) if isinstance(cell, str) else np.asarray(cell, dtype=np.complex128)
    if rho.shape != (2, 2):
        raise InvalidParameterError("cell", rho, "a cell-state name or a 2 x 2 density matrix")
    out = rho
    for _ in range(n - 1):
        out = np.kron(out, rho)
    return out
