r"""Graphs of battery cells and the qubit-network Hamiltonians built on them.

A :class:`Topology` is a frozen, hashable undirected simple graph on sites ``0 .. n_sites-1``.
On it (hbar = 1, qubit :math:`\sigma_z = \mathrm{diag}(-1, 1)`, :math:`\sigma_+ = |e\rangle\langle g|`):

.. math::
    H_{\rm ff} = \sum_{(i,j)\in E} J_{ij}\,(\sigma_+^i\sigma_-^j + \sigma_-^i\sigma_+^j), \qquad
    H = \sum_i \omega_0\,\sigma_z^i + H_{\rm ff}.

Both conserve the excitation number :math:`N_{\rm exc} = \sum_i \sigma_+^i\sigma_-^i`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_operator, check_int, check_real
from ..errors import DimensionError, InvalidParameterError
from ..quantum.operators import embed, sigma_minus, sigma_z

__all__ = [
    "TOPOLOGY_ALIASES",
    "Topology",
    "excitation_number",
    "exchange_hamiltonian",
    "flip_flop_hamiltonian",
    "per_edge_couplings",
    "qubit_network_hamiltonian",
]

#: Accepted names of :meth:`Topology.from_name` (the self-discharge paper's names included).
TOPOLOGY_ALIASES: dict[str, str] = {
    "star": "star", "central": "star",
    "chain": "chain", "linear": "chain",
    "ring": "ring", "circular": "ring",
    "complete": "complete", "symmetric": "complete", "all_to_all": "complete",
}


@dataclass(frozen=True)
class Topology:
    """An undirected graph without self-loops or multiple edges.

    ``edges`` is normalised to a sorted tuple of ``(i, j)`` with ``i < j``; an edge given twice
    (in either orientation), a self-loop or a site outside ``range(n_sites)`` is an error.
    """

    n_sites: int
    edges: tuple[tuple[int, int], ...] = ()
    name: str = "custom"

    def __post_init__(self) -> None:
        n = check_int(self.n_sites, "n_sites", low=1)
        object.__setattr__(self, "n_sites", n)
        try:
            raw = [tuple(e) for e in self.edges]
        except TypeError as exc:
            raise InvalidParameterError("edges", self.edges, "a sequence of (i, j) site pairs") from exc
        seen: set[tuple[int, int]] = set()
        for e in raw:
            if len(e) != 2:
                raise InvalidParameterError("edges", self.edges, "(i, j) site pairs", f"got {e!r}")
            try:
                i, j = (check_int(s, "edges", low=0, high=n - 1) for s in e)
            except InvalidParameterError as exc:
                raise InvalidParameterError("edges", self.edges, f"sites in 0..{n - 1}",
                                            f"edge {e!r} is out of range") from exc
            if i == j:
                raise InvalidParameterError("edges", self.edges, "no self-loops",
                                            f"edge {e!r} joins site {i} to itself")
            key = (min(i, j), max(i, j))
            if key in seen:
                raise InvalidParameterError("edges", self.edges, "no duplicate edges",
                                            f"edge {key} appears twice")
            seen.add(key)
        object.__setattr__(self, "edges", tuple(sorted(seen)))
        object.__setattr__(self, "name", str(self.name))

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_edges(cls, n_sites: int, edges: Iterable[Sequence[int]], name: str = "custom") -> Topology:
        """A graph on ``n_sites`` sites with the given edges (validated, see the class)."""
        return cls(n_sites, tuple(edges), name)

    @classmethod
    def star(cls, n: int, center: int = 0) -> Topology:
        """Star (the self-discharge paper's "central"): ``center`` joined to every other site."""
        n = check_int(n, "n", low=1)
        c = check_int(center, "center", low=0, high=n - 1)
        return cls(n, tuple((min(c, i), max(c, i)) for i in range(n) if i != c), "star")

    @classmethod
    def chain(cls, n: int) -> Topology:
        """Open chain ("linear"): edges (i, i+1)."""
        n = check_int(n, "n", low=1)
        return cls(n, tuple((i, i + 1) for i in range(n - 1)), "chain")

    @classmethod
    def ring(cls, n: int) -> Topology:
        """Closed chain ("circular"): edges (i, i+1 mod n); needs n >= 3 (use chain(2) for 2 sites)."""
        n = check_int(n, "n", low=1)
        if n < 3:
            raise InvalidParameterError("n", n, "n >= 3 for a ring (a 2-site ring would repeat "
                                                 "the edge (0, 1); use Topology.chain(2))")
        return cls(n, (*((i, i + 1) for i in range(n - 1)), (0, n - 1)), "ring")

    @classmethod
    def complete(cls, n: int) -> Topology:
        """All-to-all graph ("symmetric"): every pair of sites, n(n-1)/2 edges."""
        n = check_int(n, "n", low=1)
        return cls(n, tuple((i, j) for i in range(n) for j in range(i + 1, n)), "complete")

    @classmethod
    def from_name(cls, name: str, n: int, **kwargs: Any) -> Topology:
        """Build by name: star/central, chain/linear, ring/circular, complete/symmetric/all_to_all.

        Extra keywords go to the constructor (``center=`` for a star).
        """
        key = TOPOLOGY_ALIASES.get(str(name).strip().lower())
        if key is None:
            raise InvalidParameterError("name", name, f"one of {sorted(TOPOLOGY_ALIASES)}")
        return getattr(cls, key)(n, **kwargs)

    # ---------------------------------------------------------------- graph queries
    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def adjacency(self, *, sparse: bool = False):
        """Symmetric 0/1 adjacency matrix (float64, n_sites x n_sites)."""
        n = self.n_sites
        if self.edges:
            i, j = np.array(self.edges).T
            rows, cols = np.concatenate([i, j]), np.concatenate([j, i])
        else:
            rows = cols = np.zeros(0, dtype=int)
        A = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n), dtype=np.float64)
        return A if sparse else A.toarray()

    def neighbors(self, i: int) -> tuple[int, ...]:
        """Sorted neighbours of site ``i``."""
        i = check_int(i, "i", low=0, high=self.n_sites - 1)
        return tuple(sorted({b for a, b in self.edges if a == i} | {a for a, b in self.edges if b == i}))

    def degree(self, i: int) -> int:
        """Number of neighbours of site ``i``."""
        return len(self.neighbors(i))

    def is_connected(self) -> bool:
        """True if every site can be reached from site 0 (a single site is connected)."""
        adj: list[set[int]] = [set() for _ in range(self.n_sites)]
        for a, b in self.edges:
            adj[a].add(b)
            adj[b].add(a)
        seen = {0}
        todo = deque([0])
        while todo:
            for b in adj[todo.popleft()] - seen:
                seen.add(b)
                todo.append(b)
        return len(seen) == self.n_sites

    def __repr__(self) -> str:
        return f"Topology({self.name!r}, n_sites={self.n_sites}, edges={list(self.edges)})"


# ------------------------------------------------------------------ Hamiltonians
def per_edge_couplings(J: Any, topology: Topology) -> np.ndarray:
    """One coupling per edge of ``topology`` (in the order of ``topology.edges``) from a scalar
    (the same on every edge) or a sequence; finite values only."""
    if np.ndim(J) == 0:
        return np.full(topology.n_edges, check_real(J, "J"))
    Js = np.asarray(J, dtype=np.float64)
    if Js.shape != (topology.n_edges,):
        raise DimensionError("J", J, f"a scalar or {topology.n_edges} couplings, one per edge "
                                     "in the order of topology.edges")
    if not np.all(np.isfinite(Js)):
        raise InvalidParameterError("J", J, "finite couplings")
    return Js


def _per_site(x: Any, n: int, name: str) -> np.ndarray:
    if np.ndim(x) == 0:
        return np.full(n, check_real(x, name))
    xs = np.asarray(x, dtype=np.float64)
    if xs.shape != (n,):
        raise DimensionError(name, x, f"a scalar or {n} values, one per site")
    if not np.all(np.isfinite(xs)):
        raise InvalidParameterError(name, x, "finite values")
    return xs


def _out(M, sparse: bool):
    M = sp.csr_matrix(M, dtype=np.complex128)
    return M if sparse else M.toarray()


def exchange_hamiltonian(topology: Topology, J: Any, ops: Sequence, *, sparse: bool = False):
    r""":math:`\sum_{(i,j)\in E} J_{ij}(L_i^\dagger L_j + L_j^\dagger L_i)` for embedded lowering ops.

    ``ops[i]`` is the lowering operator of site i in the full space (qubit :math:`\sigma_-`,
    boson :math:`a`, ...); ``J`` is a scalar or one real coupling per edge (order of
    ``topology.edges``).
    """
    if len(ops) != topology.n_sites:
        raise DimensionError("ops", ops, f"{topology.n_sites} operators, one per site")
    L = [sp.csr_matrix(as_operator(A, f"ops[{i}]")) for i, A in enumerate(ops)]
    D = L[0].shape[0]
    Js = per_edge_couplings(J, topology)
    H = sp.csr_matrix((D, D), dtype=np.complex128)
    for (i, j), Jij in zip(topology.edges, Js, strict=True):
        hop = L[i].conj().T @ L[j]
        H = H + Jij * (hop + hop.conj().T)
    return _out(H, sparse)


def _qubit_ops(n: int, op) -> list:
    return [embed(op, i, (2,) * n, sparse=True) for i in range(n)]


def flip_flop_hamiltonian(topology: Topology, J: Any, *, sparse: bool = False):
    r"""Flip-flop (XY, dipole-dipole) coupling of qubits on the edges of ``topology``.

    :math:`H = \sum_{(i,j)\in E} J_{ij}(\sigma_+^i\sigma_-^j + \sigma_-^i\sigma_+^j)` on
    ``topology.n_sites`` qubits (dimension :math:`2^n`, site 0 = slowest index). ``J`` is a scalar
    or one coupling per edge.
    """
    return exchange_hamiltonian(topology, J, _qubit_ops(topology.n_sites, sigma_minus()), sparse=sparse)


def qubit_network_hamiltonian(topology: Topology, omega0: Any, J: Any, *, sparse: bool = False):
    r"""The qubit-network Hamiltonian :math:`\sum_i \omega_0\sigma_z^i + H_{\rm ff}`.

    This is Eq. (1) of the fermionic-star paper with its :math:`\omega_0\sigma_z` convention:
    each qubit has levels :math:`\mp\omega_0`, i.e. a splitting of :math:`2\omega_0` (not
    :math:`\omega_0`). For a splitting :math:`\omega`, pass ``omega0 = omega / 2``. ``omega0``
    may be one value per site, ``J`` one value per edge.
    """
    n = topology.n_sites
    w = _per_site(omega0, n, "omega0")
    H = sp.csr_matrix(flip_flop_hamiltonian(topology, J, sparse=True))
    for wi, Z in zip(w, _qubit_ops(n, sigma_z()), strict=True):
        H = H + wi * Z
    return _out(H, sparse)


def excitation_number(n_qubits: int, *, sparse: bool = False):
    r""":math:`N_{\rm exc} = \sum_i \sigma_+^i\sigma_-^i` on n qubits: diagonal, entry = number of 1 bits.

    Commutes with :func:`flip_flop_hamiltonian` and :func:`qubit_network_hamiltonian` (U(1)
    symmetry): use it to block-diagonalise by excitation sector.
    """
    n = check_int(n_qubits, "n_qubits", low=1)
    idx = np.arange(2**n)
    counts = np.zeros(idx.size, dtype=np.float64)
    for b in range(n):
        counts += (idx >> b) & 1
    return _out(sp.diags(counts, 0, format="csr"), sparse)
