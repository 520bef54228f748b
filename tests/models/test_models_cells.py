"""N-cell self-discharge model (models/cells.py) and connected-graph enumeration (models/graphs.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

from qbattery.errors import InvalidParameterError, NotCompletelyPositiveError
from qbattery.models import Topology, kossakowski_min_eigenvalue
from qbattery.models.cells import (
    as_topology,
    cell_battery,
    cell_liouvillian,
    cell_state,
    leakage_bound,
    leakage_kossakowski_matrix,
    product_state,
)
from qbattery.models.graphs import (
    CONNECTED_GRAPH_COUNTS,
    are_isomorphic,
    canonical_edges,
    connected_graphs,
    graph_name,
)
from qbattery.quantum.superoperators import unvec, vec

# ----------------------------------------------------------------------------- graphs


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_connected_graph_counts(n):
    graphs = connected_graphs(n)
    assert len(graphs) == CONNECTED_GRAPH_COUNTS[n]
    assert all(g.is_connected() and g.n_sites == n for g in graphs)
    canon = {canonical_edges(g) for g in graphs}
    assert len(canon) == len(graphs)  # pairwise non-isomorphic


def test_six_and_twentyone():
    assert len(connected_graphs(4)) == 6
    assert len(connected_graphs(5)) == 21
    names4 = [g.name for g in connected_graphs(4)]
    assert {"star", "chain", "ring", "complete"} <= set(names4)
    # ordered by number of edges: trees first, complete graph last
    m = [g.n_edges for g in connected_graphs(5)]
    assert m == sorted(m) and m[0] == 4 and m[-1] == 10


@pytest.mark.slow
def test_six_nodes_count():
    assert len(connected_graphs(6)) == 112


@given(st.integers(2, 5).flatmap(lambda n: st.tuples(
    st.just(n), st.permutations(range(n)),
    st.sets(st.sampled_from(list(itertools.combinations(range(n), 2))), min_size=1))))
def test_canonical_form_is_relabelling_invariant(args):
    n, perm, edges = args
    g = Topology.from_edges(n, sorted(edges))
    h = Topology.from_edges(n, [(perm[i], perm[j]) for i, j in g.edges])
    assert canonical_edges(g) == canonical_edges(h)
    assert are_isomorphic(g, h)


def test_graph_names_and_non_isomorphic():
    assert graph_name(Topology.chain(5)) == "chain"
    assert graph_name(Topology.from_edges(5, [(2, 0), (2, 1), (2, 3), (2, 4)])) == "star"
    assert graph_name(Topology.ring(5)) == "ring"
    assert not are_isomorphic(Topology.star(5), Topology.chain(5))
    with pytest.raises(InvalidParameterError, match=r"^n_sites = 7 is invalid"):
        connected_graphs(7)
    with pytest.raises(InvalidParameterError, match=r"^topology = "):
        canonical_edges("star")


# ----------------------------------------------------------------------------- PSD bounds
@pytest.mark.parametrize("name, lam", [
    ("central", -2.0), ("linear", -2 * math.cos(math.pi / 6)),
    ("circular", 2 * math.cos(4 * math.pi / 5)), ("symmetric", -1.0)])
def test_leakage_bound_per_geometry(name, lam):
    t = Topology.from_name(name, 5)
    assert leakage_bound(t, 1.0) == pytest.approx(1.0 / abs(lam), abs=1e-12)
    assert leakage_bound(name, 2.0, N=5) == pytest.approx(2.0 / abs(lam), abs=1e-12)
    b = leakage_bound(t, 1.0)
    assert kossakowski_min_eigenvalue(leakage_kossakowski_matrix(t, 1.0, b)) == pytest.approx(
        0.0, abs=1e-12)
    assert kossakowski_min_eigenvalue(leakage_kossakowski_matrix(t, 1.0, 1.01 * b)) < 0


def test_paper_value_star_on_the_boundary():
    m = cell_battery("central", 5, Gamma_d=0.5, J=2.0)  # accepted, G singular
    G = m.metadata["kossakowski"]
    assert np.linalg.eigvalsh(G)[0] == pytest.approx(0.0, abs=1e-14)
    relax = [c for c in m.channels if c.label.startswith("relax")]
    assert len(relax) == 4  # rank(G) = 4: one dark combination
    with pytest.raises(NotCompletelyPositiveError, match=r"^Gamma_d = 0.51 is invalid"):
        cell_battery("central", 5, Gamma_d=0.51)
    for g in ("linear", "circular", "symmetric"):
        cell_battery(g, 5, Gamma_d=0.5, J=2.0)
    assert leakage_bound("linear", N=1) == math.inf


def test_kossakowski_matrix_normalisation():
    G = leakage_kossakowski_matrix("linear", 1.0, 0.5, N=3)
    np.testing.assert_allclose(G, [[0.5, 0.25, 0], [0.25, 0.5, 0.25], [0, 0.25, 0.5]])


# ----------------------------------------------------------------------------- the model
def _L(model):
    return model.liouvillian().toarray()


def test_single_cell_rates():
    """'paper': populations and coherence both e^{-Gamma t/2}; amplitude damping: coherence
    e^{-Gamma t/4}; phase damping gamma_phi: coherence e^{-gamma_phi t}."""
    rho0 = np.array([[0.3, 0.2 + 0.1j], [0.2 - 0.1j, 0.7]])
    t, G = 0.7, 1.3
    for relaxation, kc in (("paper", G / 2), ("amplitude_damping", G / 4)):
        for gphi in (0.0, 0.4):
            m = cell_battery("linear", 1, Gamma=G, gamma_phi=gphi, relaxation=relaxation,
                             omega0=0.0)
            rho = unvec(sla.expm(_L(m) * t) @ vec(rho0))
            assert rho[1, 1] == pytest.approx(0.7 * math.exp(-G * t / 2), abs=1e-13)
            assert rho[1, 0] == pytest.approx(rho0[1, 0] * math.exp(-(kc + gphi) * t), abs=1e-13)


def test_model_structure():
    m = cell_battery("linear", 3, Gamma=1.0, Gamma_d=0.5, J=2.0, omega0=1.5)
    assert m.dims == (2, 2, 2) and m.battery is None
    n = np.diag(m.H_battery).real
    assert np.allclose(n, 1.5 * np.array([bin(i).count("1") for i in range(8)]))
    H_int = m.H - m.H_battery
    assert np.allclose(H_int, H_int.conj().T) and np.abs(H_int).max() == pytest.approx(2.0)
    assert m.metadata["edges"] == ((0, 1), (1, 2))
    sparse = cell_battery("linear", 3, Gamma_d=0.5, J=2.0, sparse=True)
    assert abs(sparse.liouvillian() - cell_battery("linear", 3, Gamma_d=0.5, J=2.0)
               .liouvillian()).max() < 1e-14


@pytest.mark.parametrize("topology, N", [("central", 5), ("circular", 4), ("linear", 1),
                                         ([(0, 1), (1, 2), (0, 2), (2, 3)], 4)])
def test_cell_liouvillian_equals_generic(topology, N):
    kw = {"Gamma": 1.2, "Gamma_d": 0.3, "J": 0.7, "omega0": 1.1, "gamma_phi": 0.2}
    L1 = cell_battery(topology, N, **kw).liouvillian()
    L2 = cell_liouvillian(topology, N, **kw)
    assert abs(L1 - L2).max() < 1e-14
    L3 = cell_liouvillian(topology, N, relaxation="amplitude_damping", **kw)
    L4 = cell_battery(topology, N, relaxation="amplitude_damping", **kw).liouvillian()
    assert abs(L3 - L4).max() < 1e-14


def test_per_edge_couplings():
    t = Topology.chain(3)
    m = cell_battery(t, J=[1.0, 2.0])
    L = cell_liouvillian(t, J=[1.0, 2.0])
    assert abs(m.liouvillian() - L).max() < 1e-14


def test_states():
    assert np.allclose(cell_state("classical"), np.diag([0.25, 0.75]))
    assert np.allclose(cell_state("quantum"), 0.5 * np.ones((2, 2)))
    rho = product_state("quantum", 3)
    assert rho.shape == (8, 8) and np.allclose(rho, np.ones((8, 8)) / 8)
    assert np.trace(product_state("classical", 4)) == pytest.approx(1.0)


def test_topology_inputs():
    assert as_topology("central", 1).n_sites == 1
    assert as_topology("circular", 2).edges == ((0, 1),)
    assert as_topology([(0, 1), (1, 2)], 3).edges == ((0, 1), (1, 2))
    assert as_topology(Topology.ring(4)).n_sites == 4


@pytest.mark.parametrize("call, name", [
    (lambda: cell_battery("linear", 2, Gamma=-1.0), "Gamma"),
    (lambda: cell_battery("linear", 2, Gamma_d=math.nan), "Gamma_d"),
    (lambda: cell_battery("linear", 2, gamma_phi=-0.1), "gamma_phi"),
    (lambda: cell_battery("linear", 2, relaxation="T1"), "relaxation"),
    (lambda: cell_battery("hexagonal", 3), "topology"),
    (lambda: cell_battery("linear"), "N"),
    (lambda: cell_battery(Topology.chain(3), N=4), "N"),
    (lambda: cell_battery(3.5, N=3), "topology"),
    (lambda: cell_battery("linear", 0), "N"),
    (lambda: cell_battery(Topology.chain(3), J=[1.0]), "J"),
    (lambda: cell_state("entangled"), "kind"),
    (lambda: cell_state("classical", p_excited=1.5), "p_excited"),
    (lambda: product_state(np.eye(3) / 3, 2), "cell"),
])
def test_bad_input_one_line_named(call, name):
    with pytest.raises(InvalidParameterError) as exc:
        call()
    msg = str(exc.value)
    assert msg.startswith(f"{name} = ") and "\n" not in msg
