"""Coherence-order sectors of U(1)-covariant Lindbladians, and bosonic truncation control.

Every sector evolution is compared with the full Liouvillian (qbattery.dynamics.evolve) to 1e-10;
covariance is detected from the operators or from the Liouvillian; errors name the argument.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from qbattery.dynamics import evolve
from qbattery.errors import DimensionError, InvalidParameterError, SolverError, TruncationWarning
from qbattery.metrics import ergotropy
from qbattery.models.boson import (
    CutoffChoice,
    auto_cutoff,
    diagonal_ergotropy,
    gain_loss_boson,
    top_level_population,
)
from qbattery.models.open_system import Channel, OpenSystem
from qbattery.quantum.operators import destroy, embed, number, sigma_minus, sigma_x, sigma_z
from qbattery.quantum.superoperators import liouvillian
from qbattery.symmetry import (
    CoherenceSectors,
    SectorTrajectory,
    check_covariance,
    coherence_orders,
    covariance_violation,
    evolve_sectors,
    excitation_labels,
    operator_order,
    present_orders,
    sector_block,
    sector_indices,
)

ATOL = 1e-10
TIMES = np.linspace(0.0, 2.0, 9)


def _boson(cutoff=12, gain=0.7, loss=1.1, omega=1.3):
    b = destroy(cutoff)
    return omega * number(cutoff), [math.sqrt(loss) * b, math.sqrt(gain) * b.conj().T]


def _coherent_state(cutoff=12):
    """A valid state with coherence orders 0, +-1, +-2 (a mixture of two kets)."""
    v1 = np.zeros(cutoff, complex)
    v1[[0, 1, 2]] = [0.6, 0.5j, 0.3]
    v2 = np.zeros(cutoff, complex)
    v2[[1, 3]] = [0.8, 0.6]
    v1 /= np.linalg.norm(v1)
    v2 /= np.linalg.norm(v2)
    return 0.7 * np.outer(v1, v1.conj()) + 0.3 * np.outer(v2, v2.conj())


def _qubits_boson():
    """Two qubits and a boson (dims 2, 2, 4), excitation-conserving H, mixed-order jumps."""
    dims = (2, 2, 4)
    sm = [embed(sigma_minus(), i, dims) for i in range(2)]
    a = embed(destroy(4), 2, dims)
    H = (sum(0.5 * (1.0 + 0.1 * i) * embed(sigma_z(), i, dims) for i in range(2))
         + a.conj().T @ a + 0.3 * (a.conj().T @ sm[0] + a @ sm[0].conj().T)
         + 0.2 * (sm[0].conj().T @ sm[1] + sm[1].conj().T @ sm[0]))
    c_ops = [0.3 * a, 0.2 * sm[1], 0.1 * sm[0].conj().T, 0.25 * (sm[0].conj().T @ sm[0])]
    return dims, H, c_ops


def _random_state(D, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
    r = X @ X.conj().T
    return r / np.trace(r)


# ----------------------------------------------------------------------------- labels, orders
def test_excitation_labels_are_sums_of_indices():
    lab = excitation_labels((2, 3))
    np.testing.assert_array_equal(lab, [0, 1, 2, 1, 2, 3])
    np.testing.assert_array_equal(excitation_labels(4), [0, 1, 2, 3])
    np.testing.assert_array_equal(excitation_labels((2, 2), per_site=[[0, 2], [0, 1]]), [0, 1, 2, 3])
    orders = coherence_orders([0, 1, 2])
    np.testing.assert_array_equal(orders, [[0, -1, -2], [1, 0, -1], [2, 1, 0]])
    np.testing.assert_array_equal(sector_indices([0, 1, 2], 1), [3, 7])


def test_operator_order_and_present_orders():
    lab = np.arange(6)
    b = destroy(6)
    assert operator_order(b, lab) == -1
    assert operator_order(b.conj().T, lab) == 1
    assert operator_order(number(6), lab) == 0
    assert operator_order(b + b.conj().T, lab) is None
    assert operator_order(np.zeros((6, 6)), lab) == 0
    assert present_orders(_coherent_state(6), lab) == (-2, -1, 0, 1, 2)
    assert present_orders(np.diag([0.5, 0.5, 0, 0, 0, 0]), lab) == (0,)


def test_covariance_of_liouvillians():
    H, c_ops = _boson(8)
    lab = np.arange(8)
    L = liouvillian(H, c_ops)
    assert covariance_violation(L, lab) == 0.0
    check_covariance(L, lab)
    x = destroy(8) + destroy(8).conj().T
    L_bad = liouvillian(H + 0.2 * x, c_ops)
    assert covariance_violation(L_bad, lab) > 1e-3
    with pytest.raises(InvalidParameterError, match=r"^L = "):
        check_covariance(L_bad, lab)
    idx = sector_indices(lab, 1)
    B = sector_block(L, lab, 1)
    np.testing.assert_allclose(B.toarray(), L.toarray()[np.ix_(idx, idx)])


# ----------------------------------------------------------------------------- against evolve
def test_single_mode_all_orders_match_full_liouvillian():
    H, c_ops = _boson()
    rho0 = _coherent_state()
    ref = evolve(H, rho0, TIMES, c_ops)
    traj = evolve_sectors(H, rho0, TIMES, c_ops)
    assert isinstance(traj, SectorTrajectory)
    assert traj.orders == (-2, -1, 0, 1, 2)
    np.testing.assert_allclose(traj.states, ref.states, atol=ATOL)
    np.testing.assert_allclose(traj.final_state, ref.final_state, atol=ATOL)
    np.testing.assert_allclose(traj.populations, np.diagonal(ref.states, axis1=1, axis2=2).real,
                               atol=ATOL)
    assert traj.stats.max_trace_error < 1e-12
    assert traj.stats.max_hermiticity_error < 1e-12


@pytest.mark.parametrize("method", ["eigh", "propagator", "krylov", "ode"])
def test_methods_agree_for_balanced_gain_loss(method):
    H, c_ops = _boson(gain=0.9, loss=0.9)
    rho0 = _coherent_state()
    ref = evolve(H, rho0, TIMES, c_ops)
    opts = {"rtol": 1e-12, "atol": 1e-14} if method == "ode" else {}
    traj = evolve_sectors(H, rho0, TIMES, c_ops, method=method, **opts)
    np.testing.assert_allclose(traj.states, ref.states, atol=1e-9 if method == "ode" else ATOL)


def test_balanced_blocks_use_the_eigendecomposition_and_unbalanced_do_not():
    H, c_ops = _boson(gain=1.0, loss=1.0)
    s = CoherenceSectors(H, c_ops)
    assert [s.block_method(k) for k in (0, 1, 2)] == ["eigh"] * 3
    H2, c2 = _boson(gain=0.3, loss=1.0)
    s2 = CoherenceSectors(H2, c2)
    assert s2.block_method(0) != "eigh"
    with pytest.raises(InvalidParameterError, match=r"^method = "):
        CoherenceSectors(H2, c2, method="eigh").run(np.diag([1.0] + [0.0] * 11), TIMES)


def test_multisite_model_with_labels_matches_full_liouvillian():
    dims, H, c_ops = _qubits_boson()
    D = math.prod(dims)
    rho0 = _random_state(D, 3)
    ref = evolve(H, rho0, TIMES, c_ops)
    s = CoherenceSectors(H, c_ops, labels=excitation_labels(dims))
    traj = s.run(rho0, TIMES)
    np.testing.assert_allclose(traj.states, ref.states, atol=ATOL)
    # the blocks reassemble the full Liouvillian
    diff = s.liouvillian() - liouvillian(H, c_ops)
    assert abs(diff).max() < 1e-13


def test_open_system_uses_its_dims_as_labels():
    dims, H, c_ops = _qubits_boson()
    model = OpenSystem(H, channels=[Channel(c, 1.0, f"c{i}") for i, c in enumerate(c_ops)],
                       dims=dims)
    rho0 = _random_state(math.prod(dims), 5)
    traj = evolve_sectors(model, rho0, TIMES)
    np.testing.assert_allclose(traj.states, evolve(model, rho0, TIMES).states, atol=ATOL)


def test_inhomogeneous_but_covariant_operators_are_accepted():
    H, _ = _boson(8)
    b = destroy(8)
    c_ops = [b + b.conj().T, b - b.conj().T]  # D[.] + D[.] = 2 D[b] + 2 D[b^dag]
    s = CoherenceSectors(H, c_ops)
    assert not s.homogeneous
    rho0 = _coherent_state(8)
    np.testing.assert_allclose(s.run(rho0, TIMES).states, evolve(H, rho0, TIMES, c_ops).states,
                               atol=ATOL)


@given(gain=st.floats(0.0, 2.0), loss=st.floats(0.0, 2.0), omega=st.floats(-2.0, 2.0),
       seed=st.integers(0, 1000))
def test_property_random_covariant_models(gain, loss, omega, seed):
    H, c_ops = _boson(7, gain=gain, loss=loss, omega=omega)
    c_ops.append(0.4 * number(7))  # dephasing: order 0
    rho0 = _random_state(7, seed)
    ref = evolve(H, rho0, TIMES[:4], c_ops)
    traj = evolve_sectors(H, rho0, TIMES[:4], c_ops)
    np.testing.assert_allclose(traj.states, ref.states, atol=ATOL)


# ----------------------------------------------------------------------------- features
def test_orders_zero_gives_dephased_dynamics():
    H, c_ops = _boson()
    rho0 = _coherent_state()
    full = evolve(H, rho0, TIMES, c_ops)
    pops = evolve_sectors(H, rho0, TIMES, c_ops, orders=[0], store_states=True)
    assert pops.orders == (0,)
    np.testing.assert_allclose(pops.populations, np.diagonal(full.states, axis1=1, axis2=2).real,
                               atol=ATOL)
    off = pops.states - np.array([np.diag(np.diag(r)) for r in pops.states])
    assert np.max(np.abs(off)) == 0.0


def test_e_ops_and_state_access_without_storing_states():
    H, c_ops = _boson()
    rho0 = _coherent_state()
    b = destroy(12)

    def purity(t, rho):
        assert not rho.flags.writeable
        return float(np.trace(rho @ rho).real)

    e_ops = {"n": number(12), "b": sp.csr_matrix(b), "purity": purity}
    ref = evolve(H, rho0, TIMES, c_ops, e_ops=e_ops)
    traj = evolve_sectors(H, rho0, TIMES, c_ops, e_ops=e_ops)
    assert traj.states is None
    assert traj.expect["n"].dtype == np.float64 and traj.expect["b"].dtype == np.complex128
    for k in e_ops:
        np.testing.assert_allclose(traj.expect[k], ref.expect[k], atol=ATOL)
    full = evolve(H, rho0, TIMES, c_ops)
    np.testing.assert_allclose(traj.state(3), full.states[3], atol=ATOL)
    np.testing.assert_allclose(traj.all_states(), full.states, atol=ATOL)
    with pytest.raises(ValueError):
        traj.sectors[0][0, 0] = 1.0
    ds = traj.to_xarray()
    assert "n" in ds and "b_imag" in ds


def test_standard_metrics_work_on_sector_states():
    H, c_ops = _boson(10, gain=1.0, loss=1.0, omega=1.0)
    rho0 = _coherent_state(10)
    traj = evolve_sectors(H, rho0, TIMES, c_ops)
    ref = evolve(H, rho0, TIMES, c_ops)
    np.testing.assert_allclose(ergotropy(traj.states, H), ergotropy(ref.states, H), atol=ATOL)


def test_truncation_is_reported_and_warned():
    model = gain_loss_boson(6, 1.0)
    rho0 = np.diag([1.0, 0, 0, 0, 0, 0])
    with pytest.warns(TruncationWarning, match="top Fock level"):
        traj = evolve_sectors(model, rho0, [0.0, 2.0])
    assert traj.stats.max_top_population > 1e-3
    assert traj.stats.truncation_tol == 1e-10
    ok = evolve_sectors(gain_loss_boson(60, 1.0), np.diag([1.0] + [0.0] * 59), [0.0, 0.5])
    assert ok.stats.max_top_population < 1e-10


# ----------------------------------------------------------------------------- errors
def test_bad_inputs_name_the_argument():
    H, c_ops = _boson(6)
    with pytest.raises(DimensionError, match=r"^labels = "):
        CoherenceSectors(H, c_ops, labels=[0, 1, 2])
    with pytest.raises(InvalidParameterError, match=r"^H = "):
        CoherenceSectors(H + 0.1 * sigma_x_on(6), c_ops)
    with pytest.raises(InvalidParameterError, match=r"^c_ops = "):
        CoherenceSectors(gain_loss_boson(6), c_ops)
    with pytest.raises(InvalidParameterError, match=r"^times = "):
        evolve_sectors(H, np.diag([1.0] + [0.0] * 5), [1.0, 0.5], c_ops)
    with pytest.raises(InvalidParameterError, match=r"^rho0 = "):
        evolve_sectors(H, np.diag([2.0] + [0.0] * 5), [0.0, 1.0], c_ops)
    with pytest.raises(InvalidParameterError, match=r"^k = "):
        CoherenceSectors(H, c_ops).block(9)
    with pytest.raises(InvalidParameterError, match=r"^rtol = "):
        CoherenceSectors(H, c_ops, method="ode", rtol=-1.0)
    with pytest.raises(InvalidParameterError, match=r"^rtol = "):
        CoherenceSectors(H, c_ops, method="auto", rtol=1e-8)
    with pytest.raises(InvalidParameterError, match=r"^labels = "):
        CoherenceSectors(H, c_ops, labels=[0, 0.5, 1, 2, 3, 4])


def sigma_x_on(cutoff):
    b = destroy(cutoff)
    return b + b.conj().T


# ----------------------------------------------------------------------------- boson helpers
def test_gain_loss_boson_model():
    m = gain_loss_boson(10, 0.5, 0.2, omega=2.0)
    assert m.truncated == (0,) and m.truncation_tol == 1e-10
    b = destroy(10)
    L = liouvillian(2.0 * number(10), [math.sqrt(0.5) * b.conj().T, math.sqrt(0.2) * b])
    assert abs(m.liouvillian() - L).max() < 1e-14
    assert gain_loss_boson(10, 0.5).channels[1].rate == 0.5  # balanced by default


def test_top_level_population_and_diagonal_ergotropy():
    rho = np.diag([0.5, 0.3, 0.2])
    assert top_level_population(rho) == pytest.approx(0.2)
    assert top_level_population(np.diag(rho)) == pytest.approx(0.2)
    two = np.kron(np.diag([0.9, 0.1]), np.diag([0.6, 0.3, 0.1]))
    assert top_level_population(two, (2, 3), truncated=(1,)) == pytest.approx(0.1)
    assert top_level_population(two, (2, 3), truncated=(0, 1)) == pytest.approx(0.1)
    np.testing.assert_allclose(top_level_population(np.stack([rho, rho])), [0.2, 0.2])
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(8), size=5)
    e = 0.7 * np.arange(8)
    np.testing.assert_allclose(diagonal_ergotropy(p, e),
                               ergotropy(np.array([np.diag(q) for q in p]), np.diag(e)),
                               atol=1e-13)
    assert diagonal_ergotropy([0.2, 0.8], [0.0, 1.0]) == pytest.approx(0.6)
    with pytest.raises(InvalidParameterError, match=r"^populations = "):
        diagonal_ergotropy([0.5, 0.5], [0.0, 1.0, 2.0])


def test_auto_cutoff_meets_the_tolerance_and_is_nearly_minimal():
    def make(c):
        return gain_loss_boson(c, 1.0)

    choice = auto_cutoff(make, [1.0], 3.0, tol=1e-10)
    assert isinstance(choice, CutoffChoice) and int(choice) == choice.cutoff
    assert choice.top_population <= 1e-10
    # a few levels fewer would fail (resolution 2 %)
    smaller = max(2, choice.cutoff - max(1, int(0.02 * choice.cutoff)) - 1)
    with pytest.warns(TruncationWarning):
        evolve_sectors(make(smaller), np.diag([1.0] + [0.0] * (smaller - 1)),
                       np.linspace(0, 3.0, 9), orders=[0], store_states=False)
    # a callable initial state and a looser tolerance give a smaller cutoff
    loose = auto_cutoff(make, lambda c: np.diag([0.0, 1.0] + [0.0] * (c - 2)), 3.0, tol=1e-6)
    assert loose.cutoff < choice.cutoff + 10


def test_auto_cutoff_errors():
    with pytest.raises(SolverError, match="max_cutoff"):
        auto_cutoff(lambda c: gain_loss_boson(c), [1.0], 20.0, max_cutoff=40)
    with pytest.raises(InvalidParameterError, match=r"^t_final = "):
        auto_cutoff(lambda c: gain_loss_boson(c), [1.0], -1.0)
    with pytest.raises(InvalidParameterError, match=r"^model = "):
        auto_cutoff(lambda c: OpenSystem(number(c)), [1.0], 1.0)
    with pytest.raises(InvalidParameterError, match=r"^tol = "):
        auto_cutoff(lambda c: gain_loss_boson(c), [1.0], 1.0, tol=0.0)


def test_qubit_model_covariance():
    # qubit model (single site): amplitude damping is covariant, a sigma_x drive is not
    H = 0.5 * sigma_z()
    traj = evolve_sectors(H, np.array([[0.5, 0.5], [0.5, 0.5]]), TIMES, [0.3 * sigma_minus()])
    ref = evolve(H, np.array([[0.5, 0.5], [0.5, 0.5]]), TIMES, [0.3 * sigma_minus()])
    np.testing.assert_allclose(traj.states, ref.states, atol=ATOL)
    with pytest.raises(InvalidParameterError, match=r"^H = "):
        evolve_sectors(H + sigma_x(), np.eye(2) / 2, TIMES, [0.3 * sigma_minus()])
