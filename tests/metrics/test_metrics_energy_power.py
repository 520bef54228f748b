"""Energy, stored energy and power: closed forms, broadcasting and the generator route."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbattery import metrics as m
from qbattery.quantum import liouvillian, sigma_minus, sigma_x, sigma_z
from strategies import states_and_hamiltonians


@given(pair=states_and_hamiltonians())
def test_energy_identities(pair):
    rho, H = pair
    e = np.linalg.eigvalsh(H)
    E = m.energy(rho, H)
    assert E == pytest.approx(float(np.trace(rho @ H).real), abs=1e-12)
    assert m.energy_above_ground(rho, H) == pytest.approx(E - e[0], abs=1e-12)
    assert m.energy_above_ground(rho, H) >= -1e-12
    assert m.max_energy(H) == pytest.approx(e[-1] - e[0], abs=1e-12)
    assert m.stored_energy(rho, H, rho) == pytest.approx(0.0, abs=1e-12)


def test_stored_energy_broadcasts_against_reference():
    H = 0.5 * sigma_z()
    g, e = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    p = np.linspace(0, 1, 5)
    rhos = (1 - p)[:, None, None] * g + p[:, None, None] * e
    np.testing.assert_allclose(m.stored_energy(rhos, H, g), p, atol=1e-14)
    np.testing.assert_allclose(m.energy(rhos, H), p - 0.5, atol=1e-14)


def _rabi(times, omega=1.0):
    # Resonant drive H = (omega/2) sigma_x from |g>: p_e(t) = sin^2(omega t / 2), E_B(t) = p_e(t)
    # for the battery Hamiltonian H_B = diag(0, 1).
    return np.sin(0.5 * omega * times) ** 2


def test_average_and_instantaneous_power_closed_form():
    t = np.linspace(0.0, 3.0, 301)
    E = _rabi(t)
    P = m.average_power(E, t)
    assert np.isnan(P[0])
    np.testing.assert_allclose(P[1:], E[1:] / t[1:], rtol=1e-12)
    dE = 0.5 * np.sin(t)  # d/dt sin^2(t/2)
    Pi = m.instantaneous_power(E, t)
    h = t[1] - t[0]
    assert np.max(np.abs(Pi - dE)) < 0.5 * h**2  # second order, including the ends
    pmax, tstar = m.max_average_power(E, t)
    k = np.nanargmax(P)
    assert pmax == P[k] and tstar == t[k]
    # non-uniform grid keeps second order
    tn = np.sort(np.concatenate([[0.0, 3.0], np.random.default_rng(0).uniform(0, 3, 400)]))
    assert np.max(np.abs(m.instantaneous_power(_rabi(tn), tn) - 0.5 * np.sin(tn))) < 1e-2


def test_power_axis_and_batches():
    t = np.linspace(0.1, 2.0, 50)
    E = np.stack([_rabi(t, w) for w in (0.5, 1.0, 2.0)])  # (3, T)
    P = m.average_power(E, t)
    np.testing.assert_allclose(P[1], m.average_power(E[1], t), equal_nan=True)
    np.testing.assert_allclose(m.average_power(E.T, t, axis=0), P.T, equal_nan=True)
    np.testing.assert_allclose(m.instantaneous_power(E.T, t, axis=0), m.instantaneous_power(E, t).T)
    pmax, tstar = m.max_average_power(E, t)
    assert pmax.shape == (3,) and tstar.shape == (3,)
    assert m.instantaneous_power([0.0, 1.0], [0.0, 2.0]) == pytest.approx([0.5, 0.5])


def test_power_from_generator_all_forms():
    gamma, omega = 0.3, 1.0
    HB = 0.5 * omega * sigma_z()
    H = HB + 0.4 * sigma_x()
    L = liouvillian(H, [np.sqrt(gamma) * sigma_minus()])
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 2, 2)) + 1j * rng.standard_normal((6, 2, 2))
    rho = a @ a.conj().swapaxes(-1, -2)
    rho /= np.trace(rho, axis1=-2, axis2=-1).real[:, None, None]

    def gen(r):
        c = np.sqrt(gamma) * sigma_minus()
        return (-1j * (H @ r - r @ H) + c @ r @ c.conj().T
                - 0.5 * (c.conj().T @ c @ r + r @ c.conj().T @ c))

    drho = np.stack([gen(r) for r in rho])
    ref = np.einsum("tij,ji->t", drho, HB).real
    np.testing.assert_allclose(m.power_from_generator(rho, HB, drho), ref, atol=1e-13)
    np.testing.assert_allclose(m.power_from_generator(rho, HB, gen), ref, atol=1e-13)
    np.testing.assert_allclose(m.power_from_generator(rho, HB, L), ref, atol=1e-13)
    np.testing.assert_allclose(m.power_from_generator(rho, HB, L.toarray()), ref, atol=1e-13)
    assert isinstance(m.power_from_generator(rho[0], HB, L), float)


def test_power_from_qutip_superoperator():
    qutip = pytest.importorskip("qutip")
    rng = np.random.default_rng(2)
    n = 3
    h = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    h = h + h.conj().T
    c = rng.standard_normal((n, n))
    a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    rho = a @ a.conj().T
    rho /= np.trace(rho).real
    Lq = qutip.liouvillian(qutip.Qobj(h), [qutip.Qobj(c)])
    drho = (Lq * qutip.operator_to_vector(qutip.Qobj(rho)))
    drho = qutip.vector_to_operator(drho).full()
    HB = np.diag([0.0, 1.0, 2.0])
    ref = float(np.trace(HB @ drho).real)
    assert m.power_from_generator(rho, HB, Lq) == pytest.approx(ref, abs=1e-12)
    assert m.power_from_generator(rho, HB, L_ := liouvillian(h, [c])) == pytest.approx(ref, abs=1e-12)
    assert L_.shape == (9, 9)


@given(T=st.integers(2, 30))
def test_constant_energy_has_zero_power(T):
    t = np.cumsum(np.full(T, 0.1))
    E = np.full(T, 2.5)
    assert np.all(m.average_power(E, t)[1:] == 0.0)
    np.testing.assert_allclose(m.instantaneous_power(E, t), 0.0, atol=1e-12)
