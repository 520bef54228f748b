"""Passive states and ergotropy: closed forms, invariants, brute-force optimisation, degeneracy."""

import time

import numpy as np
import pytest
import scipy.optimize as so
from hypothesis import given
from hypothesis import strategies as st

from qbattery import metrics as m
from qbattery.quantum import gibbs_state, sigma_x, sigma_y, sigma_z
from strategies import (
    density_matrices,
    haar_unitary,
    hamiltonians,
    spectra,
    states_and_hamiltonians,
    unitaries,
)

TOL = 1e-10


def bloch_state(r):
    rx, ry, rz = r
    return 0.5 * (np.eye(2) + rx * sigma_x() + ry * sigma_y() + rz * sigma_z())


# ------------------------------------------------------------------ closed forms
@given(r=st.tuples(*[st.floats(-1, 1)] * 3).filter(lambda r: np.linalg.norm(r) <= 1.0),
       omega=st.floats(0.1, 10.0))
def test_qubit_closed_form(r, omega):
    # H = (omega/2) sigma_z with sigma_z = diag(-1, 1): E = (omega/2) r_z, eigenvalues (1 +- |r|)/2,
    # the passive state puts (1 + |r|)/2 on |g>: E_passive = -(omega/2)|r|, so W = (omega/2)(r_z + |r|).
    rho, H = bloch_state(r), 0.5 * omega * sigma_z()
    rn, rz = np.linalg.norm(r), r[2]
    assert m.energy(rho, H) == pytest.approx(0.5 * omega * rz, abs=TOL)
    assert m.passive_energy(rho, H) == pytest.approx(-0.5 * omega * rn, abs=TOL)
    assert m.ergotropy(rho, H) == pytest.approx(0.5 * omega * (rz + rn), abs=TOL)
    # dephasing keeps only r_z: W_i = (omega/2)(r_z + |r_z|), W_c = (omega/2)(|r| - |r_z|)
    assert m.ergotropy_incoherent(rho, H) == pytest.approx(0.5 * omega * (rz + abs(rz)), abs=TOL)
    assert m.ergotropy_coherent(rho, H) == pytest.approx(0.5 * omega * (rn - abs(rz)), abs=TOL)
    assert m.max_energy(H) == pytest.approx(omega)
    assert m.normalised_ergotropy(rho, H) == pytest.approx(0.5 * (rz + rn), abs=TOL)


def test_qubit_examples():
    H = sigma_z()
    e, g = np.diag([0.0, 1.0]), np.diag([1.0, 0.0])
    plus = 0.5 * np.ones((2, 2))
    assert m.ergotropy(e, H) == pytest.approx(2.0)
    assert m.ergotropy(g, H) == 0.0
    assert m.ergotropy(plus, H) == pytest.approx(1.0)
    assert m.ergotropy_incoherent(plus, H) == 0.0
    assert m.ergotropy_coherent(plus, H) == pytest.approx(1.0)
    assert m.ergotropy_fraction(plus, H) == pytest.approx(1.0)  # pure state: all of it
    assert m.ergotropy_fraction(g, H) == 0.0
    assert np.isnan(m.ergotropy_fraction(g, H, undefined=np.nan))
    assert m.ergotropy_fraction(np.eye(2) / 2, H) == 0.0
    np.testing.assert_allclose(m.passive_state(e, H), g, atol=1e-14)


@given(H=hamiltonians(), beta=st.floats(0.0, 20.0))
def test_gibbs_states_are_passive(H, beta):
    rho = gibbs_state(H, beta)
    assert abs(m.ergotropy(rho, H)) <= TOL * max(1.0, np.abs(H).max())
    assert abs(m.ergotropy_incoherent(rho, H)) <= TOL * max(1.0, np.abs(H).max())


@given(H=hamiltonians(), psi=st.integers(0, 2**32 - 1))
def test_pure_state_gives_energy_above_ground(H, psi):
    n = H.shape[0]
    v = haar_unitary(n, np.random.default_rng(psi))[:, 0]
    e0 = np.linalg.eigvalsh(H)[0]
    expected = float(np.vdot(v, H @ v).real) - e0
    assert m.ergotropy(v, H) == pytest.approx(expected, abs=1e-9)
    assert m.energy_above_ground(v, H) == pytest.approx(expected, abs=1e-9)


# ------------------------------------------------------------------ invariants
@given(pair=states_and_hamiltonians())
def test_ergotropy_bounds(pair):
    rho, H = pair
    w = m.ergotropy(rho, H)
    assert 0.0 <= w <= m.energy_above_ground(rho, H) + 1e-12
    assert w <= m.max_energy(H) + 1e-12
    assert 0.0 <= m.normalised_ergotropy(rho, H) <= 1.0 + 1e-12
    assert 0.0 <= m.ergotropy_fraction(rho, H) <= 1.0
    assert m.passive_energy(rho, H) >= np.linalg.eigvalsh(H)[0] - 1e-12


@given(pair=states_and_hamiltonians(), U=st.integers(0, 2**32 - 1))
def test_passive_energy_unitarily_invariant(pair, U):
    rho, H = pair
    u = haar_unitary(H.shape[0], np.random.default_rng(U))
    rot = u @ rho @ u.conj().T
    assert m.passive_energy(rot, H) == pytest.approx(m.passive_energy(rho, H), abs=1e-10)
    np.testing.assert_allclose(m.energy(m.passive_state(rot, H), H), m.passive_energy(rho, H), atol=1e-10)


@given(pair=states_and_hamiltonians())
def test_passive_state_is_passive(pair):
    rho, H = pair
    sigma = m.passive_state(rho, H)
    np.testing.assert_allclose(sigma, sigma.conj().T, atol=1e-13)
    np.testing.assert_allclose(np.linalg.eigvalsh(sigma), np.linalg.eigvalsh(rho), atol=1e-12)
    assert abs(m.ergotropy(sigma, H)) <= 1e-10
    assert m.energy(sigma, H) == pytest.approx(m.passive_energy(rho, H), abs=1e-10)
    assert m.ergotropy(rho, H) == pytest.approx(m.energy(rho, H) - m.energy(sigma, H), abs=1e-10)
    np.testing.assert_allclose(sigma @ H, H @ sigma, atol=1e-9)  # passive states commute with H


@given(pair=states_and_hamiltonians())
def test_incoherent_coherent_split(pair):
    rho, H = pair
    w, wi, wc = m.ergotropy(rho, H), m.ergotropy_incoherent(rho, H), m.ergotropy_coherent(rho, H)
    assert wi >= 0.0 and wc >= 0.0
    assert w == pytest.approx(wi + wc, abs=1e-10)
    assert wi == pytest.approx(m.ergotropy(m.dephase(rho, H), H), abs=1e-10)


@given(H=hamiltonians(), data=st.data())
def test_coherent_ergotropy_vanishes_for_incoherent_states(H, data):
    _, v = np.linalg.eigh(H)
    rho = data.draw(density_matrices(H.shape[0], basis=v))
    assert m.ergotropy_coherent(rho, H) <= 1e-10
    assert m.ergotropy_incoherent(rho, H) == pytest.approx(m.ergotropy(rho, H), abs=1e-10)


# ------------------------------------------------------------------ brute force
def _min_energy_over_unitaries(rho, H, starts=4, seed=0):
    n = H.shape[0]
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n, 1)

    def unitary(x):
        k = np.zeros((n, n), dtype=complex)
        k[np.diag_indices(n)] = x[:n]
        m_ = len(iu[0])
        k[iu] = x[n:n + m_] + 1j * x[n + m_:]
        k = k + np.triu(k, 1).conj().T
        w, v = np.linalg.eigh(k)  # exp(iK) of Hermitian K (scipy's expm is slow with threaded BLAS)
        return (v * np.exp(1j * w)) @ v.conj().T

    def f(x):
        u = unitary(x)
        return float(np.trace(u @ rho @ u.conj().T @ H).real)

    best = np.inf
    for _ in range(starts):
        res = so.minimize(f, rng.uniform(-np.pi, np.pi, n * n), method="BFGS",
                          options={"gtol": 1e-8, "maxiter": 500})
        best = min(best, res.fun)
    return best


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ergotropy_matches_brute_force_minimisation(n, seed):
    rng = np.random.default_rng(seed)
    u = haar_unitary(n, rng)
    p = rng.dirichlet(np.ones(n))
    rho = (u * p) @ u.conj().T
    v = haar_unitary(n, rng)
    H = (v * np.sort(rng.uniform(-2, 2, n))) @ v.conj().T
    emin = _min_energy_over_unitaries(rho, H, seed=seed)
    assert m.passive_energy(rho, H) == pytest.approx(emin, abs=1e-6)
    assert m.ergotropy(rho, H) == pytest.approx(m.energy(rho, H) - emin, abs=1e-6)


# ------------------------------------------------------------------ degenerate spectra
@given(e=spectra(degenerate=True), data=st.data())
def test_degenerate_eigenbasis_choice_does_not_matter(e, data):
    n = e.size
    rho = data.draw(density_matrices(n))
    u = data.draw(unitaries(n))
    # a unitary acting inside each degenerate eigenspace: same H, different eigenvectors
    w = np.zeros((n, n), dtype=complex)
    for level in np.unique(e):
        idx = np.flatnonzero(e == level)
        w[np.ix_(idx, idx)] = haar_unitary(idx.size, np.random.default_rng(idx.size + n))
    H1 = (u * e) @ u.conj().T
    u2 = u @ w
    H2 = (u2 * e) @ u2.conj().T
    for f in (m.passive_energy, m.ergotropy, m.ergotropy_incoherent, m.ergotropy_coherent):
        assert f(rho, H1) == pytest.approx(f(rho, H2), abs=1e-9)
    assert m.energy(m.passive_state(rho, H1), H1) == pytest.approx(
        m.energy(m.passive_state(rho, H2), H1), abs=1e-9)
    # energy-preserving rotations (commuting with H) leave the incoherent/coherent split unchanged
    rot = u2 @ u.conj().T
    rho2 = rot @ rho @ rot.conj().T
    assert m.ergotropy_incoherent(rho2, H1) == pytest.approx(m.ergotropy_incoherent(rho, H1), abs=1e-9)
    assert m.ergotropy_coherent(rho2, H1) == pytest.approx(m.ergotropy_coherent(rho, H1), abs=1e-9)


@given(e=spectra(degenerate=True), data=st.data())
def test_degenerate_level_permutation(e, data):
    n = e.size
    rho = data.draw(density_matrices(n))
    perm = np.random.default_rng(data.draw(st.integers(0, 1000))).permutation(n)
    P = np.eye(n)[perm]
    H = np.diag(e)
    for f in (m.passive_energy, m.ergotropy, m.ergotropy_incoherent):
        assert f(P @ rho @ P.T, P @ H @ P.T) == pytest.approx(f(rho, H), abs=1e-10)


def test_coherence_inside_degenerate_space_is_not_coherent_ergotropy():
    # H = diag(0, 1, 1): a superposition inside the degenerate level has no coherent ergotropy
    H = np.diag([0.0, 1.0, 1.0]).astype(complex)
    psi = np.array([0.0, 1.0, 1.0]) / np.sqrt(2)
    assert m.ergotropy(psi, H) == pytest.approx(1.0)
    assert m.ergotropy_incoherent(psi, H) == pytest.approx(1.0)
    assert m.ergotropy_coherent(psi, H) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("delta", [0.0, 1e-14, 1e-12, 1e-9, 1e-6, 1e-3])
def test_near_degenerate_levels(delta):
    # W is Lipschitz in H (|dW| <= 2 ||dH||), also across the degeneracy tolerance; the split into
    # W_i and W_c is not (a splitting of 1e-9 already dephases across the two levels).
    rng = np.random.default_rng(11)
    u, v = haar_unitary(4, rng), haar_unitary(4, rng)
    rho = (u * rng.dirichlet(np.ones(4))) @ u.conj().T
    e = np.array([0.0, 1.0, 1.0, 2.0])
    H0 = (v * e) @ v.conj().T
    Hd = (v * (e + np.array([0, 0, delta, 0]))) @ v.conj().T
    assert abs(m.ergotropy(rho, Hd) - m.ergotropy(rho, H0)) <= 2 * delta + 1e-12
    assert abs(m.passive_energy(rho, Hd) - m.passive_energy(rho, H0)) <= delta + 1e-12
    w, wi, wc = m.ergotropy(rho, Hd), m.ergotropy_incoherent(rho, Hd), m.ergotropy_coherent(rho, Hd)
    assert wi >= 0 and wc >= 0 and w == pytest.approx(wi + wc, abs=1e-12)
    if delta <= 1e-12:  # below ENERGY_RTOL * 2: treated as one eigenspace
        assert wi == pytest.approx(m.ergotropy_incoherent(rho, H0), abs=1e-11)


# ------------------------------------------------------------------ broadcasting, input types
def test_batch_matches_loop():
    rng = np.random.default_rng(7)
    n, T = 5, 12
    rhos = []
    for _ in range(T):
        u = haar_unitary(n, rng)
        rhos.append((u * rng.dirichlet(np.ones(n))) @ u.conj().T)
    rhos = np.array(rhos).reshape(3, 4, n, n)
    v = haar_unitary(n, rng)
    H = (v * np.array([0.0, 0.0, 1.0, 2.0, 2.0])) @ v.conj().T
    fns = [m.energy, m.energy_above_ground, m.passive_energy, m.ergotropy,
           m.ergotropy_incoherent, m.ergotropy_coherent, m.normalised_ergotropy, m.ergotropy_fraction]
    for f in fns:
        batch = f(rhos, H)
        assert batch.shape == (3, 4)
        loop = np.array([[f(rhos[i, j], H) for j in range(4)] for i in range(3)])
        np.testing.assert_allclose(batch, loop, atol=1e-12, err_msg=f.__name__)
    ps = m.passive_state(rhos, H)
    assert ps.shape == (3, 4, n, n)
    np.testing.assert_allclose(ps[1, 2], m.passive_state(rhos[1, 2], H), atol=1e-12)
    # a batch of Hamiltonians broadcasts too
    Hs = np.stack([H, 2 * H, 3 * H, 4 * H])
    np.testing.assert_allclose(m.ergotropy(rhos, Hs), m.ergotropy(rhos, H) * np.arange(1, 5), atol=1e-12)


def test_input_types_agree():
    import qutip
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    u = haar_unitary(4, rng)
    rho = (u * rng.dirichlet(np.ones(4))) @ u.conj().T
    H = np.diag([0.0, 1.0, 1.0, 2.0])
    ref = m.ergotropy(rho, H)
    assert isinstance(ref, float)
    assert m.ergotropy(rho, sp.csr_matrix(H)) == pytest.approx(ref, abs=1e-14)
    assert m.ergotropy(qutip.Qobj(rho), qutip.Qobj(H)) == pytest.approx(ref, abs=1e-14)
    batch = m.ergotropy([qutip.Qobj(rho)] * 3, H)
    np.testing.assert_allclose(batch, ref, atol=1e-14)


def test_trajectory_performance():
    rng = np.random.default_rng(0)
    n, T = 64, 1000
    a = rng.standard_normal((2, n, n)) + 1j * rng.standard_normal((2, n, n))
    ends = a @ a.conj().swapaxes(-1, -2)
    ends /= np.trace(ends, axis1=-2, axis2=-1).real[:, None, None]
    s = np.linspace(0, 1, T)[:, None, None]
    rho = (1 - s) * ends[0] + s * ends[1]  # a full-rank trajectory, cheap to build
    H = np.diag(np.arange(n, dtype=float))
    t0 = time.perf_counter()
    w = m.ergotropy(rho, H)
    elapsed = time.perf_counter() - t0
    assert w.shape == (T,) and np.all(w >= 0)
    # ~0.3 s with OPENBLAS_NUM_THREADS=1; multithreaded OpenBLAS on an oversubscribed machine
    # spends ~25x longer in thread hand-offs (8 s measured), hence the loose bound.
    assert elapsed < 30.0
