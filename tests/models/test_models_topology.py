"""Topologies, flip-flop and network Hamiltonians (vs explicit QuTiP tensors), U(1) symmetry."""

import numpy as np
import pytest
import qutip
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import qbattery as qb
from qbattery.errors import DimensionError, InvalidParameterError
from qbattery.models import (
    Topology,
    exchange_hamiltonian,
    excitation_number,
    flip_flop_hamiltonian,
    qubit_network_hamiltonian,
    site_operators,
)


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_edge_counts(n):
    assert Topology.star(n).n_edges == n - 1
    assert Topology.chain(n).n_edges == n - 1
    assert Topology.ring(n).n_edges == n
    assert Topology.complete(n).n_edges == n * (n - 1) // 2
    for t in (Topology.star(n), Topology.chain(n), Topology.ring(n), Topology.complete(n)):
        assert t.is_connected()
        A = t.adjacency()
        np.testing.assert_array_equal(A, A.T)
        assert A.sum() == 2 * t.n_edges
        assert all(i < j for i, j in t.edges) and list(t.edges) == sorted(t.edges)
        np.testing.assert_array_equal(t.adjacency(sparse=True).toarray(), A)


def test_small_and_named_topologies():
    assert Topology.chain(1).edges == () and Topology.chain(1).is_connected()
    assert Topology.star(4, center=2).edges == ((0, 2), (1, 2), (2, 3))
    assert Topology.star(4, center=2).neighbors(2) == (0, 1, 3)
    assert Topology.chain(4).neighbors(2) == (1, 3)
    assert Topology.ring(4).degree(0) == 2
    for alias, canon in [("central", "star"), ("Linear", "chain"), ("circular", "ring"),
                         ("symmetric", "complete"), ("star", "star")]:
        assert Topology.from_name(alias, 5) == getattr(Topology, canon)(5)
    assert Topology.from_name("central", 5, center=1) == Topology.star(5, center=1)
    with pytest.raises(InvalidParameterError, match=r"^name = "):
        Topology.from_name("hexagonal", 5)
    with pytest.raises(InvalidParameterError, match=r"^n = 2 .*chain"):
        Topology.ring(2)
    with pytest.raises(InvalidParameterError, match=r"^center = "):
        Topology.star(3, center=3)
    assert not Topology.from_edges(4, [(0, 1), (2, 3)]).is_connected()
    assert hash(Topology.chain(3)) == hash(Topology.from_edges(3, [(1, 2), (1, 0)], name="chain"))


@pytest.mark.parametrize("edges, why", [
    ([(0, 0)], "itself"),
    ([(0, 3)], "out of range"),
    ([(-1, 1)], "out of range"),
    ([(0, 1), (1, 0)], "twice"),
    ([(0, 1), (0, 1)], "twice"),
    ([(0, 1, 2)], "pairs"),
    ([(0, 1.5)], "out of range"),
    ([3], "pairs"),
])
def test_from_edges_validation(edges, why):
    with pytest.raises(InvalidParameterError, match=r"^edges = ") as info:
        Topology.from_edges(3, edges)
    assert info.value.name == "edges"
    assert why in str(info.value)


# ------------------------------------------------------------------ Hamiltonians vs QuTiP
SP = qutip.Qobj(np.array([[0, 0], [1, 0]]))  # qbattery sigma_+ = |e><g| with |e> = index 1
SM = SP.dag()
SZ = qutip.Qobj(np.diag([-1.0, 1.0]))
I2 = qutip.qeye(2)


def _site(op, i, n):
    return qutip.tensor([op if k == i else I2 for k in range(n)])


def _qutip_network(n, edges, omega0, J):
    H = sum(omega0 * _site(SZ, i, n) for i in range(n))
    for i, j in edges:
        H += J * (_site(SP, i, n) * _site(SM, j, n) + _site(SM, i, n) * _site(SP, j, n))
    return H.full()


@pytest.mark.parametrize("topo", [Topology.chain(3), Topology.star(3, center=1),
                                  Topology.star(3), Topology.ring(4)])
def test_network_hamiltonian_matches_qutip(topo):
    n = topo.n_sites
    H = qubit_network_hamiltonian(topo, 1.3, 0.7)
    np.testing.assert_allclose(H, _qutip_network(n, topo.edges, 1.3, 0.7), atol=1e-14)
    np.testing.assert_allclose(flip_flop_hamiltonian(topo, 0.7),
                               _qutip_network(n, topo.edges, 0.0, 0.7), atol=1e-14)
    Hs = qubit_network_hamiltonian(topo, 1.3, 0.7, sparse=True)
    assert sp.issparse(Hs)
    np.testing.assert_allclose(Hs.toarray(), H)


def test_network_energies_and_per_site_parameters():
    topo = Topology.chain(3)
    H = qubit_network_hamiltonian(topo, 2.0, 0.0)
    assert H[-1, -1] == 6.0 and H[0, 0] == -6.0  # |eee> and |ggg>: levels -+omega0 per qubit
    H2 = qubit_network_hamiltonian(topo, [1.0, 2.0, 3.0], [0.5, -0.5])
    ref = sum(w * qb.embed(qb.sigma_z(), i, (2,) * 3) for i, w in enumerate([1.0, 2.0, 3.0]))
    ops = [qb.embed(qb.sigma_minus(), i, (2,) * 3) for i in range(3)]
    ref = (ref + 0.5 * (ops[0].T @ ops[1] + ops[1].T @ ops[0])
           - 0.5 * (ops[1].T @ ops[2] + ops[2].T @ ops[1]))
    np.testing.assert_allclose(H2, ref, atol=1e-14)
    with pytest.raises(DimensionError, match=r"^J = "):
        flip_flop_hamiltonian(topo, [1.0, 2.0, 3.0])
    with pytest.raises(DimensionError, match=r"^omega0 = "):
        qubit_network_hamiltonian(topo, [1.0, 2.0], 1.0)
    with pytest.raises(InvalidParameterError, match=r"^J = "):
        flip_flop_hamiltonian(topo, np.nan)


def test_bosonic_exchange_hamiltonian():
    topo = Topology.chain(2)
    a = site_operators(qb.destroy(3), (3, 3), sparse=False)
    H = exchange_hamiltonian(topo, 0.4, a)
    np.testing.assert_allclose(H, 0.4 * (a[0].conj().T @ a[1] + a[1].conj().T @ a[0]))
    with pytest.raises(DimensionError, match=r"^ops = "):
        exchange_hamiltonian(topo, 0.4, a[:1])


def test_excitation_number():
    n = 4
    ref = sum(qb.embed(qb.sigma_plus() @ qb.sigma_minus(), i, (2,) * n) for i in range(n))
    np.testing.assert_allclose(excitation_number(n), ref)
    assert sp.issparse(excitation_number(n, sparse=True))


@given(name=st.sampled_from(["star", "chain", "ring", "complete"]), n=st.integers(3, 5),
       seed=st.integers(0, 2**31 - 1))
def test_network_hamiltonian_hermitian_and_conserves_excitations(name, n, seed):
    rng = np.random.default_rng(seed)
    topo = Topology.from_name(name, n)
    H = qubit_network_hamiltonian(topo, rng.normal(size=n), rng.normal(size=topo.n_edges), sparse=True)
    N = excitation_number(n, sparse=True)
    assert abs(H - H.conj().T).max() < 1e-14
    comm = H @ N - N @ H
    assert comm.nnz == 0 or abs(comm).max() < 1e-13
