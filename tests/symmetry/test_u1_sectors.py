"""U(1) sectors with interchangeable sites (qbattery.symmetry.u1): orbit counting, the reduced
generator against the full Liouvillian, steady states against the full solver, kernels, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from qbattery.dynamics import kernel_dimension, steady_state
from qbattery.errors import DegenerateSteadyStateError, InvalidParameterError
from qbattery.models import FermionicReservoir, Topology, qubit_network
from qbattery.quantum.operators import destroy, embed, sigma_minus, sigma_x
from qbattery.quantum.partial_trace import partial_trace
from qbattery.quantum.superoperators import liouvillian
from qbattery.symmetry.u1 import (
    LinearGenerator,
    ParametricSteadyState,
    U1Reduction,
    u1_steady_state,
)


def _rng_network(rng, N, topology="star", symmetric_leaves=False):
    top = Topology.from_name(topology, N) if N > 1 else Topology(1, ())
    if symmetric_leaves:
        leaf = FermionicReservoir(rng.uniform(0.3, 2), rng.uniform(-2, 4), rng.uniform(0.2, 2), 1.0)
        res = [FermionicReservoir(rng.uniform(0.3, 2), rng.uniform(-2, 4), rng.uniform(0.2, 2),
                                  1.0)] + [leaf] * (N - 1)
    else:
        res = [FermionicReservoir(rng.uniform(0.3, 2), rng.uniform(-2, 4), rng.uniform(0.2, 2), 1.0)
               for _ in range(N)]
    J = rng.uniform(0.1, 2.0)
    return qubit_network(top, rng.uniform(0.5, 10), J, res)


# ----------------------------------------------------------------------------- orbits
@pytest.mark.parametrize("N", range(1, 9))
def test_plain_u1_sector_has_binomial_dimension(N):
    red = U1Reduction((2,) * N)
    assert red.n == red.u1_dim == math.comb(2 * N, N)
    assert np.all(red.sizes == 1)
    assert red.trace_vector.sum() == 2**N


@pytest.mark.parametrize("N,expected", [(3, 12), (4, 20), (6, 42), (10, 110)])
def test_star_leaves_orbits(N, expected):
    red = U1Reduction((2,) * N, [tuple(range(1, N))])
    assert red.n == expected
    assert red.u1_dim == math.comb(2 * N, N)
    assert red.trace_vector @ red.trace_vector == pytest.approx(2.0**N)  # sum of diagonal orbit sizes


@pytest.mark.parametrize("k", [-2, -1, 1, 3])
def test_coherence_order_sector_sizes(k):
    N = 4
    red = U1Reduction((2,) * N, order=k)
    assert red.u1_dim == sum(math.comb(N, M) * math.comb(N, M - k) for M in range(N + 1)
                             if 0 <= M - k <= N)
    assert not np.any(red.trace_vector)


def test_orbit_index_labels_every_element_of_its_orbit():
    red = U1Reduction((2,) * 4, [(1, 2, 3)])
    a, b = red.sector_elements()
    r = red.orbit_index(a, b)
    assert np.all(r >= 0)
    assert np.array_equal(np.bincount(r, minlength=red.n), red.sizes.astype(int))
    assert np.all(red.orbit_index(red.rep_a, red.rep_b) == np.arange(red.n))
    assert red.orbit_index(0, 1) == -1  # different excitation numbers


def test_general_dimensions_boson_and_qubit():
    red = U1Reduction((4, 2))
    lab = np.add.outer(np.arange(4), np.arange(2)).reshape(-1)
    assert red.n == sum(int(np.sum(lab == M)) ** 2 for M in np.unique(lab))


# ----------------------------------------------------------------------------- generators
def _isometry(red):
    """Columns: the orthonormal orbit-sum basis vectors in row-major vec space."""
    a, b = red.sector_elements()
    r = red.orbit_index(a, b)
    D = red.D
    return sp.csr_matrix((1.0 / np.sqrt(red.sizes[r]), (a * D + b, r)), shape=(D * D, red.n))


@pytest.mark.parametrize("groups", [(), ((1, 2),), ((1, 2, 3),)])
def test_reduced_generator_is_the_restriction_of_the_full_liouvillian(groups):
    rng = np.random.default_rng(3)
    N = 4
    m = _rng_network(rng, N, "star", symmetric_leaves=True)
    if groups == ((1, 2),):
        m = _rng_network(rng, 3, "star", symmetric_leaves=True)
    red = U1Reduction(m.dims, groups)
    Lr = red.from_model(m).toarray()
    V = _isometry(red)
    Lfull = m.liouvillian()
    np.testing.assert_allclose(Lr, (V.T @ Lfull @ V).toarray(), atol=1e-12)
    # and the sector is invariant: L V = V (V^T L V)
    np.testing.assert_allclose((Lfull @ V).toarray(), (V @ sp.csr_matrix(Lr)).toarray(), atol=1e-12)


def test_boson_qubit_generator_matches_full():
    dims = (4, 2)
    a = embed(destroy(4), 0, dims)
    s = embed(sigma_minus(), 1, dims)
    H = 1.3 * a.conj().T @ a + 0.7 * s.conj().T @ s + 0.4 * (a.conj().T @ s + s.conj().T @ a)
    c_ops = [math.sqrt(0.5) * a, math.sqrt(0.2) * s.conj().T, math.sqrt(0.3) * s]
    red = U1Reduction(dims)
    V = _isometry(red)
    np.testing.assert_allclose(red.liouvillian(H, c_ops).toarray(),
                               (V.T @ liouvillian(H, c_ops) @ V).toarray(), atol=1e-12)
    ss = u1_steady_state(H, c_ops, dims=dims)
    full = steady_state(H, c_ops)
    np.testing.assert_allclose(ss.rho, full.rho, atol=1e-10)


# ----------------------------------------------------------------------------- steady states
@given(seed=st.integers(0, 2**31 - 1), N=st.integers(1, 4),
       topology=st.sampled_from(["star", "chain", "ring", "complete"]))
def test_u1_steady_state_equals_full_solver(seed, N, topology):
    if topology == "ring" and N < 3:
        topology = "chain"
    rng = np.random.default_rng(seed)
    m = _rng_network(rng, N, topology)
    full = steady_state(m)
    ss = u1_steady_state(m)
    assert ss.kernel_dim == 1 and full.kernel_dim == 1
    np.testing.assert_allclose(ss.rho, full.rho, atol=1e-10)
    assert ss.residual <= 1e-12 and ss.trace_error <= 1e-12


@pytest.mark.parametrize("N", [3, 4, 5, 6])
def test_symmetrised_steady_state_equals_full_solver(N):
    rng = np.random.default_rng(N)
    m = _rng_network(rng, N, "star", symmetric_leaves=True)
    full = steady_state(m, check_kernel=N <= 5)
    ss = u1_steady_state(m, interchangeable=[tuple(range(1, N))])
    np.testing.assert_allclose(ss.rho, full.rho, atol=1e-10)
    np.testing.assert_allclose(ss.reduced_state(0), partial_trace(full.rho, m.dims, 0),
                               atol=1e-10)
    # a reduced state of several free sites, and of an interchangeable site (through rho)
    np.testing.assert_allclose(ss.reduced_state([1]), partial_trace(full.rho, m.dims, 1),
                               atol=1e-10)


def test_reduced_state_of_several_free_sites():
    rng = np.random.default_rng(11)
    m = _rng_network(rng, 4, "chain")
    ss = u1_steady_state(m)
    np.testing.assert_allclose(ss.reduced_state([2, 0]),
                               partial_trace(ss.rho, m.dims, [2, 0]), atol=1e-13)


def test_degenerate_kernel_needs_rho0_and_projects_like_the_full_solver():
    # collective fermionic bath on a star: leaf singlet/triplet sectors -> kernel 2
    m = qubit_network(Topology.star(3), 10.0, 1.0, FermionicReservoir(1.0, 2.0, 0.7, 1.0),
                      mode="collective")
    assert kernel_dimension(m) == 2
    with pytest.raises(DegenerateSteadyStateError):
        u1_steady_state(m)
    for rho0 in ("ground", "maximally_mixed"):
        D = m.dim
        r0 = np.zeros((D, D)) if rho0 == "ground" else np.eye(D) / D
        if rho0 == "ground":
            r0[0, 0] = 1.0
        full = steady_state(m, rho0=r0)
        for groups in ((), [(1, 2)]):
            ss = u1_steady_state(m, rho0=rho0, interchangeable=groups)
            assert ss.kernel_dim == 2 and ss.method == "projection"
            np.testing.assert_allclose(ss.rho, full.rho, atol=1e-10)
        # an explicit matrix is symmetrised and projected the same way
        ss = u1_steady_state(m, rho0=r0, interchangeable=[(1, 2)])
        np.testing.assert_allclose(ss.rho, full.rho, atol=1e-10)


def test_coordinates_round_trip_for_invariant_states():
    red = U1Reduction((2,) * 3, [(1, 2)])
    rng = np.random.default_rng(0)
    m = _rng_network(rng, 3, "star", symmetric_leaves=True)
    rho = steady_state(m).rho
    np.testing.assert_allclose(red.to_dense(red.coordinates(rho)), rho, atol=1e-14)
    assert red.trace(red.coordinates(rho)) == pytest.approx(1.0)
    D = 8
    np.testing.assert_allclose(red.coordinates("maximally_mixed"),
                               red.coordinates(np.eye(D) / D), atol=1e-15)
    g = np.zeros((D, D))
    g[0, 0] = 1
    np.testing.assert_allclose(red.coordinates("ground"), red.coordinates(g), atol=1e-15)


# ----------------------------------------------------------------------------- parametric solver
def test_parametric_solver_dense_and_sparse_paths_agree_and_reuse_the_ordering():
    rng = np.random.default_rng(5)
    N = 4
    dims = (2,) * N
    red = U1Reduction(dims)
    top = Topology.chain(N)
    ops = [embed(sigma_minus(), i, dims, sparse=True) for i in range(N)]
    from qbattery.models import flip_flop_hamiltonian

    pieces = [red.hamiltonian(flip_flop_hamiltonian(top, 1.0, sparse=True))]
    for L in ops:
        pieces += [red.dissipator(L), red.dissipator(L.T.conj())]
    gen = LinearGenerator(pieces)
    dense = ParametricSteadyState(gen, red.trace_vector)
    sparse = ParametricSteadyState(gen, red.trace_vector, dense_max=0, check_kernel=False)
    for _ in range(4):
        c = np.concatenate([[rng.uniform(0.2, 2)], rng.uniform(0.05, 1.5, 2 * N)])
        L = sum(ck * P for ck, P in zip(c, pieces, strict=True))
        np.testing.assert_allclose(gen.assemble(c).toarray(), L.toarray(), atol=1e-14)
        np.testing.assert_allclose(gen.assemble_dense(c), L.toarray(), atol=1e-14)
        yd, rd, kd, md = dense.solve(c)
        ys, rs, ks, ms = sparse.solve(c)
        assert (md, kd, ms, ks) == ("dense", 1, "sparse", None)
        np.testing.assert_allclose(ys, yd, atol=1e-12)
        assert rd < 1e-12 and rs < 1e-12
    assert sparse._perm_c is not None


def test_parametric_solver_sparse_kernel_check():
    m = qubit_network(Topology.star(4), 10.0, 1.0, FermionicReservoir(1.0, 2.0, 0.7, 1.0),
                      mode="collective")
    red = U1Reduction(m.dims)  # n = 70, forced through the sparse (ARPACK) kernel count
    solver = ParametricSteadyState([red.from_model(m)], red.trace_vector, dense_max=0)
    y, _, kd, method = solver.solve([1.0], red.coordinates("ground"))
    assert kd == 9 and method == "projection"
    dense = ParametricSteadyState([red.from_model(m)], red.trace_vector)
    y2, _, kd2, _ = dense.solve([1.0], red.coordinates("ground"))
    assert kd2 == 9
    np.testing.assert_allclose(y, y2, atol=1e-9)


# ----------------------------------------------------------------------------- errors
def test_symmetry_violations_name_the_argument():
    m = qubit_network(Topology.chain(3), 10.0, 1.0, FermionicReservoir(1.0, 2.0, 0.7, 1.0))
    with pytest.raises(InvalidParameterError, match=r"^interchangeable = .*leave H invariant"):
        U1Reduction(m.dims, [(1, 2)]).from_model(m)
    res = [FermionicReservoir(1.0, 2.0, 0.7, 1.0), FermionicReservoir(1.0, 2.0, 0.7, 1.0),
           FermionicReservoir(1.0, 0.0, 0.7, 1.0)]
    m2 = qubit_network(Topology.star(3), 10.0, 1.0, res)
    with pytest.raises(InvalidParameterError, match=r"^interchangeable = .*channels"):
        U1Reduction(m2.dims, [(1, 2)]).from_model(m2)
    dims = (2, 2)
    X = embed(sigma_x(), 0, dims)
    with pytest.raises(InvalidParameterError, match=r"^H = "):
        U1Reduction(dims).liouvillian(X, [])
    with pytest.raises(InvalidParameterError, match=r"^c_ops\[0\] = "):
        U1Reduction(dims).liouvillian(np.zeros((4, 4)), [X])


@pytest.mark.parametrize("groups,match", [
    ([(1,)], "at least two"), ([(1, 2), (2, 3)], "disjoint"), ([(0, 7)], r"interchangeable\[0\]"),
    ("abc", "sequence of site groups"),
])
def test_bad_interchangeable_groups(groups, match):
    with pytest.raises(InvalidParameterError, match=match) as e:
        U1Reduction((2, 2, 2, 2), groups)
    assert str(e.value).startswith("interchangeable")


def test_unequal_dimensions_cannot_be_interchanged():
    with pytest.raises(InvalidParameterError, match="equal dimensions"):
        U1Reduction((2, 3), [(0, 1)])


def test_bad_rho0_and_shapes():
    red = U1Reduction((2, 2))
    with pytest.raises(InvalidParameterError, match=r"^rho0 = 'excited'"):
        red.coordinates("excited")
    with pytest.raises(InvalidParameterError, match=r"^y = "):
        red.to_dense(np.zeros(3))
    with pytest.raises(InvalidParameterError, match=r"^coeffs = "):
        LinearGenerator([sp.identity(4)]).assemble([1.0, 2.0])
    with pytest.raises(InvalidParameterError, match=r"^trace_vector = "):
        ParametricSteadyState([sp.identity(6)], np.zeros(6))
