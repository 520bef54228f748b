"""The interacting Dicke cavity battery: structure, conventions, parity and a QuTiP reference."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

from qbattery.dynamics import evolve
from qbattery.errors import InvalidParameterError
from qbattery.metrics import stored_energy
from qbattery.models.dicke_cavity import (
    dicke_cavity_battery,
    dicke_cavity_initial_state,
    dicke_spin_hamiltonian,
    parity_blocks,
    parity_liouville_sectors,
    parity_operator,
)
from qbattery.quantum.operators import embed, sigma_minus, sigma_plus, sigma_z

TIMES = np.linspace(0.0, 6.0, 25)


def _dense(x):
    return x.toarray() if sp.issparse(x) else np.asarray(x)


def _ket_to_rho(psi):
    return np.outer(psi, psi.conj())


def test_structure_and_battery_hamiltonian():
    sys = dicke_cavity_battery(3, 5, g=0.4, kappa=0.1, n_th=0.2, gamma=0.05)
    assert sys.dims == (5, 4)
    assert sys.battery == (1,)
    assert sys.truncated == (0,)
    assert sys.names == ("cavity", "spin")
    assert [c.label for c in sys.channels] == ["cavity_loss", "cavity_gain", "collective_decay"]
    assert [c.rate for c in sys.channels] == pytest.approx([0.1 * 1.2, 0.1 * 0.2, 0.05])
    # Eq. (11), spin convention, j = 3/2: omega_q m + (g/N)(15/4 - m^2 - 3/2)
    m = np.arange(4) - 1.5
    np.testing.assert_allclose(np.diag(_dense(sys.H_battery)).real,
                               m + (0.4 / 3) * (15 / 4 - m**2 - 1.5), atol=1e-14)
    # zero rates are omitted
    assert dicke_cavity_battery(2, 4).channels == ()
    with pytest.raises(InvalidParameterError, match="spin_convention"):
        dicke_cavity_battery(2, 4, spin_convention="qutip")
    with pytest.raises(InvalidParameterError, match="cutoff"):
        dicke_cavity_battery(2, None, kappa=0.5)


def test_microscopic_eq3_is_spin_form_with_doubled_g():
    """Eq. (3) on the symmetric subspace of N = 2 qubits equals the "spin" Eq. (11) with g -> 2g."""
    wq, g = 0.7, 0.3
    dims = (2, 2)
    sz = [embed(sigma_z(), i, dims) for i in range(2)]
    sp_ = [embed(sigma_plus(), i, dims) for i in range(2)]
    sm = [embed(sigma_minus(), i, dims) for i in range(2)]
    # sum_{i != j} (sx sx + sy sy) = 2 sum_{i != j} (s+ s- + s- s+)
    flip = 2 * (sp_[0] @ sm[1] + sm[0] @ sp_[1]) * 2
    H3 = wq / 2 * (sz[0] + sz[1]) + g / (2 * 2) * flip
    # Dicke states |j=1, m=-1,0,1> in the qubit basis (index = excitations)
    V = np.zeros((4, 3))
    V[0, 0] = 1.0
    V[1, 1] = V[2, 1] = 1 / np.sqrt(2)
    V[3, 2] = 1.0
    np.testing.assert_allclose(V.T @ H3 @ V, dicke_spin_hamiltonian(2, wq, 2 * g), atol=1e-14)


def test_pauli_convention_is_a_rescaling():
    wq, g, gc, w, gam, kap = 0.9, 0.6, 0.3, 0.2, 0.07, 0.15
    N, c = 3, 5
    pauli = dicke_cavity_battery(N, c, wq, 1.0, g, gc, kap, 0.0, gam, w, "pauli",
                                 truncation_tol=1.0)
    spin = dicke_cavity_battery(N, c, 2 * wq, 1.0, 4 * g, 2 * gc, kap, 0.0, 4 * gam, 2 * w,
                                "spin", truncation_tol=1.0)
    np.testing.assert_allclose(_dense(pauli.H_battery),
                               _dense(spin.H_battery) + 1.5 * g * np.eye(N + 1), atol=1e-13)
    np.testing.assert_allclose(_dense(pauli.H), _dense(spin.H) + 1.5 * g * np.eye(c * (N + 1)),
                               atol=1e-13)
    psi0 = dicke_cavity_initial_state(N, c, 1)
    rho0 = _ket_to_rho(psi0)
    tp = evolve(pauli, psi0, TIMES)
    ts = evolve(spin, psi0, TIMES)
    np.testing.assert_allclose(tp.states, ts.states, atol=1e-10)
    ref = pauli.battery_state(rho0)
    Ep = stored_energy(pauli.battery_state(tp.states), pauli.H_battery, ref)
    Es = stored_energy(spin.battery_state(ts.states), spin.H_battery, ref)
    np.testing.assert_allclose(Ep, Es, atol=1e-10)
    assert np.max(np.abs(Ep)) > 0.1


def test_parity_commutes_with_h_and_jumps_flip_it():
    N, c = 3, 6
    P = parity_operator(N, c)
    np.testing.assert_allclose(P @ P, np.eye(c * (N + 1)))
    even, odd = parity_blocks(N, c)
    assert len(even) + len(odd) == c * (N + 1)
    np.testing.assert_array_equal(np.diag(P).real[even], 1.0)
    np.testing.assert_array_equal(np.diag(P).real[odd], -1.0)
    sys = dicke_cavity_battery(N, c, g=-0.8, g_c=0.5, kappa=0.3, n_th=0.4, gamma=0.2)
    H = _dense(sys.H)
    assert np.max(np.abs(H @ P - P @ H)) < 1e-14
    for ch in sys.channels:  # a, a^dag and S_- map even <-> odd
        L = _dense(ch.L)
        np.testing.assert_allclose(P @ L @ P, -L, atol=1e-14)
        assert np.max(np.abs(L[np.ix_(even, even)])) == 0.0
        assert np.max(np.abs(L[np.ix_(odd, odd)])) == 0.0
    driven = dicke_cavity_battery(N, c, g=-0.8, drive=0.3)
    Hd = _dense(driven.H)
    assert np.max(np.abs(Hd @ P - P @ Hd)) > 0.1
    # the cavity-free model (Section III) has the same spin parity
    P0 = parity_operator(N, None)
    H0 = _dense(dicke_cavity_battery(N, None, g=0.5, gamma=0.1).H)
    assert np.max(np.abs(H0 @ P0 - P0 @ H0)) < 1e-14


def test_liouvillian_is_block_diagonal_in_parity_sectors():
    N, c = 2, 5
    same, opp = parity_liouville_sectors(N, c)
    D = c * (N + 1)
    assert len(same) + len(opp) == D * D
    sys = dicke_cavity_battery(N, c, g=0.5, kappa=0.3, n_th=0.5, gamma=0.2, truncation_tol=1.0)
    L = sys.liouvillian().tocsr()
    assert abs(L[np.ix_(same, opp)]).max() == 0.0
    assert abs(L[np.ix_(opp, same)]).max() == 0.0
    Ld = dicke_cavity_battery(N, c, g=0.5, kappa=0.3, drive=0.4,
                              truncation_tol=1.0).liouvillian().tocsr()
    assert abs(Ld[np.ix_(opp, same)]).max() > 0.1
    # a definite-parity state evolves in the parity-diagonal block alone
    rho0 = _ket_to_rho(dicke_cavity_initial_state(N, c))
    t = 2.5
    full = evolve(sys, rho0, [0.0, t]).final_state
    red = expm_multiply(t * L[np.ix_(same, same)].tocsc(), rho0.reshape(-1)[same])
    out = np.zeros(D * D, dtype=complex)
    out[same] = red
    np.testing.assert_allclose(out.reshape(D, D), full, atol=1e-10)


@pytest.mark.parametrize("g,kappa", [(0.0, 0.0), (1.0, 0.2), (-0.5, 0.1)])
def test_against_qutip_mesolve(g, kappa):
    qutip = pytest.importorskip("qutip")
    N, c, gc, wq, we = 2, 6, 0.5, 1.0, 1.0
    times = np.linspace(0.0, 8.0, 41)
    sys = dicke_cavity_battery(N, c, wq, we, g, gc, kappa, truncation_tol=5e-2)
    psi0 = dicke_cavity_initial_state(N, c)
    rho0 = _ket_to_rho(psi0)
    traj = evolve(sys, rho0, times)
    assert traj.stats.max_top_population < 5e-2
    E = stored_energy(sys.battery_state(traj.states), sys.H_battery, sys.battery_state(rho0))

    # Independent QuTiP model in QuTiP's own basis (jmat runs m = j..-j)
    j = N / 2
    Jx, Jy, Jz = (qutip.jmat(j, k) for k in "xyz")
    J2 = Jx * Jx + Jy * Jy + Jz * Jz
    HQ = wq * Jz + (g / N) * (J2 - Jz * Jz - (N / 2) * qutip.qeye(N + 1))
    a = qutip.tensor(qutip.destroy(c), qutip.qeye(N + 1))
    H = (qutip.tensor(qutip.qeye(c), HQ) + we * a.dag() * a
         + gc * we * qutip.tensor(qutip.destroy(c) + qutip.create(c), Jx))
    c_ops = [np.sqrt(kappa) * a] if kappa > 0 else []
    psi_q = qutip.tensor(qutip.basis(c, N), qutip.basis(N + 1, N))  # m = -j is QuTiP's last state
    HQ_full = qutip.tensor(qutip.qeye(c), HQ)
    res = qutip.mesolve(H, psi_q * psi_q.dag(), times, c_ops, e_ops=[HQ_full],
                        options={"atol": 1e-13, "rtol": 1e-11, "nsteps": 100000})
    E_q = np.asarray(res.expect[0]) - qutip.expect(HQ_full, psi_q)
    np.testing.assert_allclose(E, E_q, atol=1e-8)
    assert np.max(E) > 0.3

    # also the final state, after flipping QuTiP's spin ordering to qbattery's
    res_s = qutip.mesolve(H, psi_q * psi_q.dag(), [0.0, times[-1]], c_ops,
                          options={"atol": 1e-13, "rtol": 1e-11, "nsteps": 100000})
    perm = np.arange(c * (N + 1)).reshape(c, N + 1)[:, ::-1].reshape(-1)
    rho_q = res_s.states[-1].full()[np.ix_(perm, perm)]
    np.testing.assert_allclose(traj.final_state, rho_q, atol=1e-8)


def test_initial_state_and_identity_helpers():
    psi = dicke_cavity_initial_state(2, 4)
    assert psi.shape == (12,) and psi[2 * 3 + 0] == 1.0
    assert np.allclose(dicke_cavity_initial_state(3, None), np.eye(4)[0])
    with pytest.raises(InvalidParameterError, match="n_photons"):
        dicke_cavity_initial_state(4, 3)


def test_driven_cavity_free_model_section_iii():
    N = 4
    sys = dicke_cavity_battery(N, None, g=0.5, gamma=0.1, drive=0.8)
    assert sys.dims == (N + 1,) and sys.truncated == ()
    assert sys.metadata["g_c"] == 0.0
    rho0 = _ket_to_rho(dicke_cavity_initial_state(N, None))
    traj = evolve(sys, rho0, TIMES)
    E = stored_energy(sys.battery_state(traj.states), sys.H_battery, sys.battery_state(rho0))
    assert E[0] == 0.0 and np.max(E) > 0.5
