"""Collision models: exact maps, their Markovian limit and its order, qubits and bosons, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

from qbattery.dynamics import Trajectory, evolve
from qbattery.dynamics.collision import (
    Bath,
    CollisionModel,
    collide,
    coupling_for_rate,
    exchange_bath,
    markovian_rates,
)
from qbattery.errors import DimensionError, InvalidParameterError, TruncationWarning
from qbattery.models.boson import gain_loss_boson
from qbattery.models.open_system import Channel, OpenSystem
from qbattery.quantum.operators import (
    destroy,
    number,
    sigma_minus,
    sigma_plus,
    sigma_x,
    sigma_z,
)
from qbattery.quantum.states import fock_dm


def _gain_loss(cutoff, tau, gamma=1.0, omega=1.0, representation="auto"):
    b = destroy(cutoff)
    g = coupling_for_rate(gamma, tau)
    baths = [exchange_bath(b, g, "excited", omega=omega), exchange_bath(b, g, "ground", omega=omega)]
    return CollisionModel(omega * number(cutoff), baths, tau, truncated=(0,),
                          representation=representation)


def _fit_order(taus, errors):
    return float(np.polyfit(np.log(taus), np.log(errors), 1)[0])


# ----------------------------------------------------------------------------- rates
def test_rate_mapping_and_its_inverse():
    assert markovian_rates(2.0, 0.25) == pytest.approx(1.0)
    assert coupling_for_rate(1.0, 0.25) == pytest.approx(2.0)
    taus = np.array([0.1, 0.01])
    np.testing.assert_allclose(markovian_rates(coupling_for_rate(0.7, taus), taus), 0.7)
    with pytest.raises(InvalidParameterError, match=r"^tau = "):
        markovian_rates(1.0, 0.0)
    with pytest.raises(InvalidParameterError, match=r"^gamma = "):
        coupling_for_rate(-1.0, 0.1)


def test_markovian_limit_is_the_gain_loss_lindbladian():
    cm = _gain_loss(10, 0.05, gamma=0.8)
    lim = cm.markovian_limit()
    assert sorted(c.label for c in lim.channels) == ["gain[0<-1]", "loss[0<-1]"]
    diff = lim.liouvillian() - gain_loss_boson(10, 0.8).liouvillian()
    assert abs(diff).max() < 1e-12
    assert lim.truncated == (0,)


# ----------------------------------------------------------------------------- the map
def test_map_is_cptp_and_representations_agree():
    cm = _gain_loss(8, 0.1)
    K = cm.kraus_operators()
    assert len(K) == 4  # two pure ancillas: 4 Kraus operators <nu|U|e, g>
    np.testing.assert_allclose(sum(k.conj().T @ k for k in K), np.eye(8), atol=1e-13)
    # Choi matrix (row-major: J = sum_ij |i><j| (x) Phi(|i><j|)) is positive semidefinite
    S = cm.superoperator().toarray()
    J = S.reshape(8, 8, 8, 8).transpose(0, 2, 1, 3).reshape(64, 64)
    assert np.min(np.linalg.eigvalsh(0.5 * (J + J.conj().T))) > -1e-12
    cm_k = _gain_loss(8, 0.1, representation="kraus")
    cm_s = _gain_loss(8, 0.1, representation="superoperator")
    assert cm_k.representation == "kraus" and cm_s.representation == "superoperator"
    rho = 0.5 * fock_dm(8, 1) + 0.5 * fock_dm(8, 2)
    rho[1, 2] = rho[2, 1] = 0.2
    np.testing.assert_allclose(cm_k.apply(rho, 5), cm_s.apply(rho, 5), atol=1e-14)
    assert np.trace(cm_s.apply(rho, 5)).real == pytest.approx(1.0, abs=1e-13)


def test_block_unitary_equals_dense_exponential():
    cm = _gain_loss(6, 0.3)
    assert cm.conserves_excitations and cm.n_blocks > 1
    b = destroy(6)
    g = coupling_for_rate(1.0, 0.3)
    I2 = np.eye(2)
    kron = np.kron
    H = (kron(kron(number(6), I2), I2) + kron(kron(np.eye(6), 0.5 * sigma_z()), I2)
         + kron(kron(np.eye(6), I2), 0.5 * sigma_z())
         + g * (kron(kron(b.conj().T, sigma_minus()), I2) + kron(kron(b, sigma_plus()), I2))
         + g * (kron(kron(b.conj().T, I2), sigma_minus()) + kron(kron(b, I2), sigma_plus())))
    np.testing.assert_allclose(cm.unitary.toarray(), sla.expm(-0.3j * H), atol=1e-12)


def test_single_collision_rabi_probabilities():
    # |n> (x) |e> -> cos(g tau sqrt(n+1))|n, e> - i sin(...)|n+1, g>
    D, tau, g, n = 8, 0.2, 1.7, 3
    bath = exchange_bath(destroy(D), g, "excited", omega=1.0)
    out = CollisionModel(number(D), bath, tau).apply(fock_dm(D, n))
    s2 = math.sin(g * tau * math.sqrt(n + 1)) ** 2
    np.testing.assert_allclose(np.diag(out).real[[n, n + 1]], [1 - s2, s2], atol=1e-14)


@pytest.mark.filterwarnings("ignore::qbattery.errors.TruncationWarning")
def test_run_returns_a_trajectory_with_times_and_e_ops():
    cm = _gain_loss(20, 0.05)
    traj = cm.run(fock_dm(20, 1), 40, every=10, e_ops={"n": number(20), "b": destroy(20),
                                                      "tr": lambda t, r: np.trace(r).real})
    assert isinstance(traj, Trajectory)
    np.testing.assert_allclose(traj.times, [0.0, 0.5, 1.0, 1.5, 2.0])
    assert traj.states is None and traj.final_state.shape == (20, 20)
    assert traj.expect["n"].dtype == np.float64 and traj.expect["b"].dtype == np.complex128
    np.testing.assert_allclose(traj.expect["tr"], 1.0, atol=1e-13)
    assert traj.stats.method == "collision" and traj.stats.n_steps == 40
    assert traj.stats.max_top_population is not None
    full = cm.run(fock_dm(20, 1), 40, every=10)
    np.testing.assert_allclose(full.states[-1], traj.final_state, atol=1e-15)
    one = collide(number(20), fock_dm(20, 1), 40, 0.05, cm.baths, every=10, truncated=(0,))
    np.testing.assert_allclose(one.states, full.states, atol=1e-15)


# ----------------------------------------------------------------------------- convergence
@pytest.mark.filterwarnings("ignore::qbattery.errors.TruncationWarning")
def test_gain_loss_collisions_converge_to_lindblad_at_first_order():
    # both models use the same truncated b, so truncation does not enter the comparison
    D, T = 16, 1.0
    taus = [0.1, 0.05, 0.025, 0.0125]
    rho0 = fock_dm(D, 1)
    errs = []
    for tau in taus:
        cm = _gain_loss(D, tau)
        n = int(round(T / tau))
        traj = cm.run(rho0, n, every=n)
        ref = evolve(gain_loss_boson(D, 1.0), rho0, traj.times)
        diff = traj.final_state - ref.final_state
        errs.append(0.5 * np.sum(np.abs(np.linalg.eigvalsh(diff))))
    order = _fit_order(taus, errs)
    assert 0.9 < order < 1.1, (order, errs)
    assert errs[-1] < 0.01


def test_qubit_amplitude_damping_limit_and_order():
    # qubit battery, ground-state ancillas: gamma D[sigma_-], excited population exp(-gamma t)
    gamma, T = 0.6, 2.0
    taus = [0.2, 0.1, 0.05]
    errs = []
    for tau in taus:
        bath = exchange_bath(sigma_minus(), coupling_for_rate(gamma, tau), "ground", omega=1.0)
        cm = CollisionModel(0.5 * sigma_z(), bath, tau)
        n = int(round(T / tau))
        pe = cm.run(np.diag([0.0, 1.0]), n, every=n).final_state[1, 1].real
        errs.append(abs(pe - math.exp(-gamma * T)))
    assert 0.8 < _fit_order(taus, errs) < 1.2


def test_qubit_homogenisation_to_the_ancilla_state():
    eta = np.diag([0.3, 0.7]).astype(complex)
    bath = exchange_bath(sigma_minus(), 1.0, eta, omega=1.0)
    traj = collide(0.5 * sigma_z(), np.diag([1.0, 0.0]), 300, 0.3, bath, every=300)
    np.testing.assert_allclose(traj.final_state, eta, atol=1e-8)


def test_generic_limit_with_coherent_ancillas_has_third_order_local_error():
    # sigma_x coupling (not excitation conserving), ancillas in |+> (first moment != 0, state not
    # stationary under H_A): one collision equals exp(tau L_tau) up to O(tau^3) at fixed g.
    g, errs = 0.8, []
    taus = [0.08, 0.04, 0.02]
    plus = 0.5 * np.ones((2, 2), dtype=complex)
    for tau in taus:
        bath = Bath(plus, coupling=((g * sigma_x(), sigma_x()), (0.3 * g * sigma_z(), sigma_z())),
                    H=0.9 * sigma_z(), label="coh")
        cm = CollisionModel(0.5 * sigma_z() + 0.2 * sigma_x(), bath, tau)
        assert not cm.conserves_excitations
        L = cm.markovian_limit().liouvillian().toarray()
        errs.append(np.max(np.abs(cm.superoperator().toarray() - sla.expm(tau * L))))
    assert 2.8 < _fit_order(taus, errs) < 3.2, errs


def test_truncation_warning_from_collisions():
    cm = _gain_loss(5, 0.1)
    with pytest.warns(TruncationWarning, match="top Fock level"):
        traj = cm.run(fock_dm(5, 1), 20)
    assert traj.stats.max_top_population > 1e-10


# ----------------------------------------------------------------------------- errors
def test_bad_inputs_name_the_argument():
    b = destroy(4)
    bath = exchange_bath(b, 1.0, "excited")
    with pytest.raises(InvalidParameterError, match=r"^tau = "):
        CollisionModel(number(4), bath, 0.0)
    with pytest.raises(InvalidParameterError, match=r"^tau = "):
        CollisionModel(number(4), bath, -0.1)
    cm = CollisionModel(number(4), bath, 0.1)
    with pytest.raises(InvalidParameterError, match=r"^n_collisions = "):
        cm.run(fock_dm(4, 0), 0)
    with pytest.raises(InvalidParameterError, match=r"^every = "):
        cm.run(fock_dm(4, 0), 10, every=3)
    with pytest.raises(InvalidParameterError, match=r"^rho0 = "):
        cm.run(np.diag([0.5, 0.6, 0.0, 0.0]), 3)
    with pytest.raises(InvalidParameterError, match=r"^state = "):
        exchange_bath(b, 1.0, "bogus")
    with pytest.raises(InvalidParameterError, match=r"^state \(gain\) = "):
        Bath(np.diag([1.0, 1.0]), coupling=((b, sigma_minus()),), label="gain")
    with pytest.raises(InvalidParameterError, match=r"^coupling \(x\) = "):
        Bath(np.diag([1.0, 0.0]), coupling=((b, sigma_minus()),), label="x")  # not Hermitian
    with pytest.raises(DimensionError, match=r"^baths\[0\] = "):
        CollisionModel(number(5), bath, 0.1)
    with pytest.raises(InvalidParameterError, match=r"^baths = "):
        CollisionModel(number(4), [], 0.1)
    with pytest.raises(InvalidParameterError, match=r"^representation = "):
        CollisionModel(number(4), bath, 0.1, representation="dense")
    with pytest.raises(InvalidParameterError, match=r"^H_S = "):
        CollisionModel(OpenSystem(number(4), channels=[Channel(b, 1.0, "x")]), bath, 0.1)
    with pytest.raises(InvalidParameterError, match=r"^H_S = "):
        CollisionModel(np.array([[0, 1], [0, 0]]), exchange_bath(sigma_minus(), 1.0), 0.1)
    with pytest.raises(InvalidParameterError, match=r"^n = "):
        cm.apply(fock_dm(4, 0), -1)
