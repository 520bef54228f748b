"""Entropy, coherence, concurrence and distances: bounds, closed forms and QuTiP cross-checks."""

import math

import numpy as np
import pytest
import qutip
from hypothesis import given
from hypothesis import strategies as st

from qbattery import metrics as m
from qbattery.quantum import partial_trace, tensor
from strategies import density_matrices, hamiltonians, kets, two_qubit_states


# ------------------------------------------------------------------ entropy
@given(rho=density_matrices())
def test_entropy_bounds(rho):
    n = rho.shape[0]
    s = m.von_neumann_entropy(rho)
    assert -1e-12 <= s <= math.log(n) + 1e-12
    assert m.von_neumann_entropy(rho, base=2) == pytest.approx(s / math.log(2), abs=1e-12)
    assert s == pytest.approx(qutip.entropy_vn(qutip.Qobj(rho)), abs=1e-9)


@given(psi=kets())
def test_entropy_of_pure_states_is_zero(psi):
    assert m.von_neumann_entropy(psi) == pytest.approx(0.0, abs=1e-12)


def test_entropy_closed_forms():
    assert m.von_neumann_entropy(np.eye(4) / 4) == pytest.approx(math.log(4))
    assert m.von_neumann_entropy(np.eye(4) / 4, base=2) == pytest.approx(2.0)
    np.testing.assert_allclose(m.von_neumann_entropy(np.stack([np.eye(2) / 2, np.diag([1.0, 0])])),
                               [math.log(2), 0.0], atol=1e-14)


# ------------------------------------------------------------------ coherence
@given(rho=density_matrices())
def test_l1_bounds(rho):
    n = rho.shape[0]
    c = m.l1_coherence(rho)
    assert -1e-12 <= c <= n - 1 + 1e-9
    assert m.l1_coherence(rho, normalised=True) == pytest.approx(c / (n - 1))
    assert m.l1_coherence(m.dephase(rho)) == 0.0


def test_l1_closed_forms():
    n = 5
    psi = np.ones(n) / np.sqrt(n)
    assert m.l1_coherence(psi) == pytest.approx(n - 1)
    assert m.l1_coherence(psi, normalised=True) == pytest.approx(1.0)
    assert m.l1_coherence(np.eye(n) / n) == 0.0
    # in the eigenbasis of sigma_x, |+> is incoherent
    plus = np.ones(2) / np.sqrt(2)
    sx = np.array([[0, 1], [1, 0]])
    assert m.l1_coherence(plus) == pytest.approx(1.0)
    assert m.l1_coherence(plus, sx) == pytest.approx(0.0, abs=1e-14)
    assert m.l1_coherence(np.ones((1, 1)), normalised=True) == 0.0


@given(H=hamiltonians(), data=st.data())
def test_dephase_properties(H, data):
    rho = data.draw(density_matrices(H.shape[0]))
    d = m.dephase(rho, H)
    np.testing.assert_allclose(d @ H, H @ d, atol=1e-9)
    np.testing.assert_allclose(m.dephase(d, H), d, atol=1e-12)
    assert np.trace(d).real == pytest.approx(1.0)
    assert m.energy(d, H) == pytest.approx(m.energy(rho, H), abs=1e-10)


# ------------------------------------------------------------------ concurrence
def _qutip_concurrence(rho):
    return qutip.concurrence(qutip.Qobj(rho, dims=[[2, 2], [2, 2]]))


@given(rho=two_qubit_states(rank=4))
def test_concurrence_matches_qutip_full_rank(rho):
    c = m.concurrence(rho)
    assert 0.0 <= c <= 1.0
    assert c == pytest.approx(_qutip_concurrence(rho), abs=1e-10)


@given(rho=two_qubit_states())
def test_concurrence_matches_qutip_any_rank(rho):
    # QuTiP takes square roots of the eigenvalues of the non-Hermitian rho rho~, which are only
    # accurate to ~1e-16 near zero, so for rank-deficient states it is off by ~1e-8 (ours uses
    # singular values of sqrt(rho) YY sqrt(rho)^*, exact to ~1e-15: see the pure-state test).
    c = m.concurrence(rho)
    assert 0.0 <= c <= 1.0
    assert c == pytest.approx(_qutip_concurrence(rho), abs=1e-7)


@given(psi=kets(4))
def test_pure_state_concurrence(psi):
    # pure states: C = 2|ad - bc| = sqrt(2 (1 - Tr rho_A^2))
    a, b, c, d = psi
    assert m.concurrence(psi) == pytest.approx(2 * abs(a * d - b * c), abs=1e-12)


def test_concurrence_closed_forms():
    bell = np.array([0, 1, 1, 0]) / np.sqrt(2)  # (|ge> + |eg>)/sqrt 2
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    assert m.concurrence(bell) == pytest.approx(1.0)
    assert m.concurrence(phi) == pytest.approx(1.0)
    prod = tensor(np.array([0.6, 0.8]), np.array([1, 1j]) / np.sqrt(2))
    assert m.concurrence(prod) == pytest.approx(0.0, abs=1e-12)
    assert m.concurrence(np.eye(4) / 4) == 0.0
    # Werner state p|Bell><Bell| + (1-p) I/4: C = max(0, (3p - 1)/2)
    p = np.linspace(0, 1, 11)
    w = p[:, None, None] * np.outer(bell, bell) + (1 - p)[:, None, None] * np.eye(4) / 4
    np.testing.assert_allclose(m.concurrence(w), np.maximum(0, (3 * p - 1) / 2), atol=1e-12)


def test_average_concurrence_w_state():
    # N-qubit W state (one excitation): every pair has C = 2/N
    for N in (2, 3, 4):
        assert m.average_concurrence(_w_state(N), N) == pytest.approx(2.0 / N, abs=1e-12)
    ghz = np.zeros(8)
    ghz[[0, 7]] = 1 / np.sqrt(2)
    assert m.average_concurrence(ghz, 3) == pytest.approx(0.0, abs=1e-12)
    w3 = _w_state(3)
    batch = np.stack([np.outer(w3, w3), np.outer(ghz, ghz)])
    np.testing.assert_allclose(m.average_concurrence(batch, 3, pairs=[(0, 1), (1, 2)]),
                               [2 / 3, 0.0], atol=1e-12)
    red = partial_trace(np.outer(w3, w3), [2, 2, 2], keep=[0, 2])
    assert m.concurrence(red) == pytest.approx(2 / 3)


def _w_state(N):
    v = np.zeros(2**N)
    v[[2**k for k in range(N)]] = 1 / np.sqrt(N)
    return v


# ------------------------------------------------------------------ distances
@given(rho=density_matrices(4), sigma=density_matrices(4))
def test_distances_bounds_and_qutip(rho, sigma):
    d = m.trace_distance(rho, sigma)
    assert 0.0 <= d <= 1.0 + 1e-12
    assert d == pytest.approx(0.5 * np.linalg.norm(rho - sigma, "nuc"), abs=1e-12)
    # qutip.tracedist takes square roots of eigenvalues of (rho - sigma)^2: ~1e-8 near zero
    assert d == pytest.approx(qutip.tracedist(qutip.Qobj(rho), qutip.Qobj(sigma)), abs=1e-7)
    assert m.trace_distance(rho, rho) == pytest.approx(0.0, abs=1e-12)
    f = m.fidelity(rho, sigma)
    assert 0.0 <= f <= 1.0
    assert f == pytest.approx(qutip.fidelity(qutip.Qobj(rho), qutip.Qobj(sigma)) ** 2, abs=1e-7)
    # Fuchs-van de Graaf: 1 - sqrt(F) <= D <= sqrt(1 - F)
    assert 1 - math.sqrt(f) - 1e-7 <= d <= math.sqrt(max(0.0, 1 - f)) + 1e-7


def test_distance_closed_forms_and_broadcasting():
    g, e = np.array([1.0, 0]), np.array([0, 1.0])
    plus = np.array([1.0, 1.0]) / np.sqrt(2)
    assert m.trace_distance(g, e) == pytest.approx(1.0)
    assert m.fidelity(g, plus) == pytest.approx(0.5)
    batch = np.stack([np.outer(g, g), np.outer(e, e), np.outer(plus, plus)])
    np.testing.assert_allclose(m.trace_distance(batch, np.outer(g, g)),
                               [0.0, 1.0, np.sqrt(0.5)], atol=1e-12)
