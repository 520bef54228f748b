r"""Connected graphs on a few nodes, up to isomorphism (brute-force canonical forms).

A graph on n labelled nodes is a subset of the :math:`m = n(n-1)/2` possible edges, i.e. an
m-bit mask (bit e set when edge e of the lexicographic list (0,1), (0,2), ..., (n-2,n-1) is
present). Its **canonical form** is the smallest mask over the :math:`n!` relabellings of the
nodes; two graphs are isomorphic iff their canonical forms agree. For n <= 6 every one of the
:math:`2^m` masks is relabelled by every permutation at once with NumPy bit operations
(n = 6: 32768 masks x 720 permutations, about a second), which is exact and needs no graph
library.

Counts of connected graphs up to isomorphism (OEIS A001349): 1, 1, 2, 6, 21, 112 for
n = 1, ..., 6.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

from .._checks import check_int
from ..errors import InvalidParameterError
from .topology import Topology

__all__ = [
    "CONNECTED_GRAPH_COUNTS",
    "MAX_GRAPH_NODES",
    "are_isomorphic",
    "canonical_edges",
    "connected_graphs",
    "graph_name",
]

#: Largest number of nodes :func:`connected_graphs` enumerates (brute force over n! relabellings).
MAX_GRAPH_NODES = 6

#: Number of connected graphs on n unlabelled nodes (OEIS A001349).
CONNECTED_GRAPH_COUNTS = {1: 1, 2: 1, 3: 2, 4: 6, 5: 21, 6: 112}


def _edge_list(n: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(n), 2))


@functools.lru_cache(maxsize=8)
def _perm_tables(n: int) -> np.ndarray:
    """(n!, m) table: edge e goes to edge table[p, e] under permutation p."""
    edges = _edge_list(n)
    index = {e: k for k, e in enumerate(edges)}
    rows = []
    for perm in itertools.permutations(range(n)):
        rows.append([index[tuple(sorted((perm[a], perm[b])))] for a, b in edges])
    return np.array(rows, dtype=np.int64).reshape(-1, len(edges))


def _canonical_masks(masks: np.ndarray, n: int) -> np.ndarray:
    """Canonical (minimal over relabellings) form of every mask in ``masks`` (int64 array)."""
    table = _perm_tables(n)
    m = table.shape[1]
    best = masks.copy()
    bits = [(masks >> e) & 1 for e in range(m)]
    for row in table:
        relabelled = np.zeros_like(masks)
        for e in range(m):
            relabelled |= bits[e] << row[e]
        np.minimum(best, relabelled, out=best)
    return best


def _mask_of(topology: Topology) -> int:
    index = {e: k for k, e in enumerate(_edge_list(topology.n_sites))}
    mask = 0
    for e in topology.edges:
        mask |= 1 << index[e]
    return mask


def _edges_of(mask: int, n: int) -> tuple[tuple[int, int], ...]:
    return tuple(e for k, e in enumerate(_edge_list(n)) if (mask >> k) & 1)


def _check_small(topology: Topology, name: str) -> Topology:
    if not isinstance(topology, Topology):
        raise InvalidParameterError(name, topology, "a qbattery.models.Topology")
    if topology.n_sites > MAX_GRAPH_NODES:
        raise InvalidParameterError(name, topology,
                                    f"at most {MAX_GRAPH_NODES} sites (brute-force canonical form)")
    return topology


def canonical_edges(topology: Topology) -> tuple[tuple[int, int], ...]:
    """Edges of the canonical relabelling of ``topology`` (equal for isomorphic graphs).

    The canonical form is the relabelling whose edge bit-mask (edges in lexicographic order) is
    smallest. ``topology`` may have at most :data:`MAX_GRAPH_NODES` sites.
    """
    t = _check_small(topology, "topology")
    n = t.n_sites
    if n < 2:
        return ()
    best = int(_canonical_masks(np.array([_mask_of(t)], dtype=np.int64), n)[0])
    return _edges_of(best, n)


def are_isomorphic(a: Topology, b: Topology) -> bool:
    """True if the graphs ``a`` and ``b`` are the same up to a relabelling of the sites."""
    _check_small(a, "a")
    _check_small(b, "b")
    return a.n_sites == b.n_sites and canonical_edges(a) == canonical_edges(b)


@functools.lru_cache(maxsize=8)
def _connected(n: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    m = n * (n - 1) // 2
    if m == 0:
        return ((),)
    masks = np.arange(1 << m, dtype=np.int64)
    # A connected graph has at least n - 1 edges: drop sparser masks before the expensive part.
    popcount = sum((masks >> e) & 1 for e in range(m))
    masks = masks[popcount >= n - 1]
    canon = np.unique(_canonical_masks(masks, n))
    out = []
    for mask in canon.tolist():
        edges = _edges_of(int(mask), n)
        if Topology.from_edges(n, edges).is_connected():
            out.append(edges)
    # Fewest edges first, then by canonical mask (deterministic order).
    return tuple(sorted(out, key=lambda e: (len(e), e)))


@functools.lru_cache(maxsize=8)
def _named_graphs(n: int) -> tuple[Topology, ...]:
    out = []
    seen_m: dict[int, int] = {}
    for edges in _connected(n):
        k = seen_m.get(len(edges), 0)
        seen_m[len(edges)] = k + 1
        t = Topology.from_edges(n, edges, name=f"g{n}_{len(edges)}_{k}")
        named = _named(t)
        out.append(Topology.from_edges(n, edges, name=named) if named else t)
    return tuple(out)


def connected_graphs(n_sites: int) -> tuple[Topology, ...]:
    """All connected graphs on ``n_sites`` nodes, one per isomorphism class.

    Returned as :class:`~qbattery.models.Topology` objects in canonical labelling, sorted by
    number of edges (trees first, the complete graph last); each is named by
    :func:`graph_name` (``"star"``, ``"chain"``, ``"ring"``, ``"complete"`` or
    ``"g<n>_<m>_<k>"``, the k-th graph with m edges). ``n_sites`` is 1..6; there are 1, 1, 2, 6,
    21 and 112 of them (:data:`CONNECTED_GRAPH_COUNTS`).
    """
    return _named_graphs(check_int(n_sites, "n_sites", low=1, high=MAX_GRAPH_NODES))


def _named(t: Topology) -> str | None:
    n = t.n_sites
    candidates: Sequence[str] = ("star", "chain", "ring", "complete") if n >= 3 else ("chain",)
    for name in candidates:
        ref = Topology.from_name(name, n)
        if ref.n_edges == t.n_edges and canonical_edges(ref) == canonical_edges(t):
            return name
    return None


def graph_name(topology: Topology) -> str:
    """``"star"``, ``"chain"``, ``"ring"`` or ``"complete"`` if ``topology`` is isomorphic to
    one of them (for n <= 3 several names fit: star is preferred to chain, ring to complete),
    else ``topology.name``."""
    t = _check_small(topology, "topology")
    return _named(t) or t.name
