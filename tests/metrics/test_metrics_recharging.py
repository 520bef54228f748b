"""Recharging thermodynamics (Barra, PRL 122, 210601 (2019)): first law, signs, efficiency bounds,
closed forms, degeneracies and argument checks."""

import itertools
import math

import numpy as np
import pytest

from qbattery import metrics as m
from qbattery.errors import DimensionError, InvalidParameterError
from qbattery.metrics.recharging import RechargingThermodynamics, recharging_thermodynamics
from qbattery.quantum import gibbs_state, sigma_x, sigma_z
from strategies import haar_unitary

TOL = 1e-9


def random_pair(seed: int):
    """Random commuting (H_Q, H_0) = (V D_Q V^dag, V D_0 V^dag) with (often) degenerate spectra."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    V = haar_unitary(n, rng)
    # Few distinct levels so that both spectra (and their joint levels) are often degenerate.
    dq = rng.choice(rng.normal(size=int(rng.integers(1, n + 1))), size=n) * rng.uniform(0.1, 5.0)
    d0 = rng.choice(rng.normal(size=int(rng.integers(1, n + 1))), size=n) * rng.uniform(0.1, 5.0)
    beta = float(rng.choice([0.0, rng.uniform(0.01, 5.0), rng.uniform(0.01, 5.0), math.inf]))
    return V @ np.diag(dq) @ V.conj().T, V @ np.diag(d0) @ V.conj().T, dq, d0, beta


def brute_force(dq, d0, beta):
    """(W, Q_R) over all permutations: the passive states and, among them, the least H_0 energy."""
    x = d0 - d0.min()
    p = (x <= 1e-12).astype(float) if math.isinf(beta) else np.exp(-beta * x)
    p /= p.sum()
    best = None
    for perm in itertools.permutations(range(dq.size)):
        s = p[list(perm)]
        key = (round(float(dq @ s), 10), float(d0 @ s))
        best = key if best is None or key < best else best
    return float(dq @ p) - best[0], float(d0 @ p) - best[1]


@pytest.mark.parametrize("seed", range(60))
def test_first_law_signs_and_bounds_on_random_commuting_pairs(seed):
    HQ, H0, dq, d0, beta = random_pair(seed)
    r = recharging_thermodynamics(HQ, H0, beta, undefined=np.nan)
    assert isinstance(r, RechargingThermodynamics)
    assert r.W == pytest.approx(r.W_R + r.Q_R, abs=TOL)
    assert r.W >= 0.0
    assert r.Q_R <= 0.0
    assert r.W_R >= r.W - TOL
    if r.W_R > 1e-10 * max(np.abs(dq).max(), np.abs(d0).max()):
        assert 0.0 <= r.eta <= 1.0
        assert r.eta == pytest.approx(1.0 - abs(r.Q_R) / r.W_R, abs=1e-8)
    else:
        assert math.isnan(r.eta)
    # omega is the Gibbs state of H_0; the ergotropy agrees with qbattery.metrics.ergotropy.
    np.testing.assert_allclose(r.omega, gibbs_state(H0, beta), atol=1e-10)
    assert r.W == pytest.approx(m.ergotropy(r.omega, HQ), abs=TOL)
    # passive: same spectrum as omega, commutes with H_Q and H_0, has the passive energy.
    np.testing.assert_allclose(np.linalg.eigvalsh(r.passive), np.linalg.eigvalsh(r.omega), atol=1e-10)
    np.testing.assert_allclose(r.passive @ HQ, HQ @ r.passive, atol=1e-9)
    np.testing.assert_allclose(r.passive @ H0, H0 @ r.passive, atol=1e-9)
    assert np.trace(r.passive @ HQ).real == pytest.approx(m.passive_energy(r.omega, HQ), abs=TOL)
    # Definitions in terms of traces.
    d = r.omega - r.passive
    assert r.Q_R == pytest.approx(np.trace(H0 @ d).real, abs=TOL)
    assert r.W_R == pytest.approx(np.trace((HQ - H0) @ d).real, abs=TOL)
    # Basis independence (same numbers with the diagonal pair) and the degeneracy convention
    # (the passive state of least H_0 energy), by brute force over permutations.
    rd = recharging_thermodynamics(np.diag(dq), np.diag(d0), beta)
    assert (rd.W, rd.Q_R, rd.W_R) == pytest.approx((r.W, r.Q_R, r.W_R), abs=TOL)
    W_bf, Q_bf = brute_force(dq, d0, beta)
    assert (r.W, r.Q_R) == pytest.approx((W_bf, Q_bf), abs=1e-8)


@pytest.mark.parametrize("omega_q, omega_0, beta", [(1.0, 1.0, 1.0), (2.0, 0.5, 0.3), (0.7, 3.0, 2.0)])
def test_qubit_closed_form(omega_q, omega_0, beta):
    # H_Q = (w_q/2) s_z, H_0 = -(w_0/2) s_z: omega has p_e - p_g = tanh(beta w_0 / 2) =: t > 0,
    # the passive state swaps the populations: W = w_q t, Q_R = -w_0 t, W_R = (w_q + w_0) t.
    HQ, H0 = 0.5 * omega_q * sigma_z(), -0.5 * omega_0 * sigma_z()
    t = math.tanh(0.5 * beta * omega_0)
    r = recharging_thermodynamics(HQ, H0, beta)
    assert r.W == pytest.approx(omega_q * t, abs=1e-12)
    assert r.Q_R == pytest.approx(-omega_0 * t, abs=1e-12)
    assert r.W_R == pytest.approx((omega_q + omega_0) * t, abs=1e-12)
    assert r.eta == pytest.approx(omega_q / (omega_q + omega_0), abs=1e-12)
    pg, pe = 0.5 * (1 - t), 0.5 * (1 + t)
    np.testing.assert_allclose(r.omega, np.diag([pg, pe]), atol=1e-14)
    np.testing.assert_allclose(r.passive, np.diag([pe, pg]), atol=1e-14)


@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_inverted_bath_operator_gives_eta_one_over_one_plus_c(c):
    # H_0 = -c H_Q: Q_R = -c W, W_R = (1 + c) W, eta = 1/(1 + c) (1/2 for H_0 = -H_Q, Barra's case).
    rng = np.random.default_rng(7)
    V = haar_unitary(5, rng)
    HQ = V @ np.diag(rng.normal(size=5)) @ V.conj().T
    r = recharging_thermodynamics(HQ, -c * HQ, 0.8)
    assert r.W > 0.1
    assert r.Q_R == pytest.approx(-c * r.W, rel=1e-10)
    assert r.W_R == pytest.approx((1 + c) * r.W, rel=1e-10)
    assert r.eta == pytest.approx(1 / (1 + c), rel=1e-10)


def test_zero_temperature_inverted_bath():
    # beta = inf, H_0 = -H_Q: omega is the top level of H_Q, W = E_max - E_min, eta = 1/2.
    HQ = np.diag([0.0, 0.4, 1.0, 2.5])
    r = recharging_thermodynamics(HQ, -HQ, math.inf)
    assert r.W == pytest.approx(2.5, abs=1e-12)
    assert r.Q_R == pytest.approx(-2.5, abs=1e-12)
    assert r.eta == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(r.passive, np.diag([1.0, 0, 0, 0]), atol=1e-14)


@pytest.mark.parametrize("c", [1.0, 2.0, 3.0])
def test_h0_proportional_to_hq_is_passive(c):
    # H_0 = c H_Q (c > 0): omega is a Gibbs state of H_Q, passive, nothing is extracted or spent.
    sz = 0.5 * sigma_z()
    HQ = np.kron(sz, np.eye(2)) + np.kron(np.eye(2), sz)  # levels -1, 0, 0, 1
    r = recharging_thermodynamics(HQ, c * HQ, 1.3)
    assert (r.W, r.W_R, r.Q_R, r.eta) == (0.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(r.passive, r.omega, atol=1e-14)
    assert math.isnan(recharging_thermodynamics(HQ, c * HQ, 1.3, undefined=np.nan).eta)


def test_degenerate_battery_does_not_spend_work():
    # H_Q = 0: every state is passive; the convention keeps sigma = omega, so W_R = Q_R = 0.
    rng = np.random.default_rng(3)
    V = haar_unitary(4, rng)
    H0 = V @ np.diag([0.0, 1.0, 2.0, 3.0]) @ V.conj().T
    r = recharging_thermodynamics(np.zeros((4, 4)), H0, 1.0)
    assert (r.W, r.W_R, r.Q_R) == (0.0, 0.0, 0.0)
    np.testing.assert_allclose(r.passive, r.omega, atol=1e-12)


def test_infinite_temperature_is_maximally_mixed():
    HQ, H0 = np.diag([0.0, 1.0, 2.0]), np.diag([2.0, 1.0, 0.0])
    r = recharging_thermodynamics(HQ, H0, 0.0)
    np.testing.assert_allclose(r.omega, np.eye(3) / 3, atol=1e-15)
    assert (r.W, r.W_R, r.Q_R, r.eta) == (0.0, 0.0, 0.0, 0.0)


def test_degenerate_h0_with_hq_mixing_its_eigenspace():
    # H_0 degenerate on a 2d subspace in which H_Q is not diagonal in eigh's basis of H_0.
    H0 = np.diag([1.0, 1.0, 0.0])
    HQ = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.5]])
    beta = 2.0
    r = recharging_thermodynamics(HQ, H0, beta)
    # Common basis: |+> (E=1, E0=1), |-> (E=-1, E0=1), |2> (E=0.5, E0=0).
    z = 2 * math.exp(-beta) + 1
    p_hi, p_lo = 1 / z, math.exp(-beta) / z
    # passive: p_hi on |-> (E=-1), p_lo on |2> (E=0.5), p_lo on |+> (E=1)
    W = (1 * p_lo - 1 * p_lo + 0.5 * p_hi) - (-1 * p_hi + 0.5 * p_lo + 1 * p_lo)
    Q = (p_lo + p_lo) - (p_hi + p_lo)
    assert r.W == pytest.approx(W, abs=1e-12)
    assert r.Q_R == pytest.approx(Q, abs=1e-12)
    assert r.W_R == pytest.approx(W - Q, abs=1e-12)


def test_result_is_frozen():
    r = recharging_thermodynamics(sigma_z(), -sigma_z(), 1.0)
    with pytest.raises(AttributeError):
        r.W = 1.0


def test_non_commuting_rejected():
    with pytest.raises(InvalidParameterError, match=r"^H_0 = .*commuting with H_Q"):
        recharging_thermodynamics(sigma_z(), sigma_x(), 1.0)
    # Tiny non-commuting perturbations beyond round-off are rejected as well.
    with pytest.raises(InvalidParameterError, match=r"^H_0 = "):
        recharging_thermodynamics(sigma_z(), -sigma_z() + 1e-6 * sigma_x(), 1.0)
    # Round-off-level ones are accepted.
    r = recharging_thermodynamics(sigma_z(), -sigma_z() + 1e-14 * sigma_x(), 1.0)
    assert r.eta == pytest.approx(0.5, abs=1e-10)


@pytest.mark.parametrize("beta", [-1.0, math.nan, "1", None, True, 1j])
def test_bad_beta_rejected(beta):
    with pytest.raises(InvalidParameterError, match=r"^beta = "):
        recharging_thermodynamics(sigma_z(), -sigma_z(), beta)


def test_bad_hamiltonians_rejected():
    with pytest.raises(DimensionError, match=r"^H_0 = "):
        recharging_thermodynamics(sigma_z(), np.eye(3), 1.0)
    with pytest.raises(InvalidParameterError, match=r"^H_Q = "):
        recharging_thermodynamics(np.array([[0.0, 1.0], [0.0, 0.0]]), sigma_z(), 1.0)
    with pytest.raises(InvalidParameterError, match=r"^H_0 = "):
        recharging_thermodynamics(sigma_z(), np.array([[np.nan, 0], [0, 1.0]]), 1.0)
    with pytest.raises(DimensionError, match=r"^H_Q = "):
        recharging_thermodynamics(np.zeros((2, 2, 2)), sigma_z(), 1.0)
