"""Multi-level atoms in a cavity: operator algebra, the three-level battery (Eqs. 18-24) vs QuTiP,
conservation laws, closed forms, d = 4 levels and input validation."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery.dynamics import evolve
from qbattery.errors import InvalidParameterError, TruncationWarning
from qbattery.metrics import stored_energy
from qbattery.models import (
    AtomsInCavity,
    Topology,
    three_level_battery_hamiltonian,
    three_level_cavity_battery,
    three_level_initial_state,
)
from qbattery.quantum.operators import destroy, embed, transition

G, M, E = 0, 1, 2
# distinct values everywhere, so that a swapped term or a wrong factor is caught
PARAMS = dict(g=0.7, g_cav=1.3, omega_a=0.9, omega_b=0.6, delta_p=1.0, delta_m=0.8,
              delta_e=1.1, delta_cav=0.5, kappa=0.4, gamma_e=0.15, gamma_m=0.05)


def _dense(x):
    return x.toarray() if sp.issparse(x) else np.asarray(x)


def _comm(A, B):
    return _dense(A @ B - B @ A)


def _qutip_model(qutip, n_atoms, cutoff, p, pairs):
    """Eqs. (19)-(23) written directly in QuTiP (basis(3, 0) = g, 1 = m, 2 = e)."""
    I3, Ic = qutip.qeye(3), qutip.qeye(cutoff)

    def sig(i, j, k, cav=True):
        ops = [I3] * n_atoms
        ops[i] = qutip.basis(3, j) * qutip.basis(3, k).dag()
        return qutip.tensor([Ic, *ops]) if cav else qutip.tensor(ops)

    HQ = 0
    for i in range(n_atoms):
        HQ += p["delta_e"] * sig(i, E, E, False) + p["delta_m"] * sig(i, M, M, False)
    for i, j in pairs:
        for u, lo in ((M, G), (M, E)):  # sigma_mg^i sigma_gm^j and sigma_me^i sigma_em^j
            t = sig(i, u, lo, False) * sig(j, lo, u, False)
            HQ += p["g"] * (t + t.dag())
    a = qutip.tensor([qutip.destroy(cutoff)] + [I3] * n_atoms)
    H = qutip.tensor(Ic, HQ) + p["delta_cav"] * a.dag() * a
    for i in range(n_atoms):
        H += p["g_cav"] * (a * sig(i, M, G) + a.dag() * sig(i, G, M))
        H += p["omega_a"] * (sig(i, M, G) + sig(i, G, M))
        H += p["omega_b"] * (sig(i, M, E) + sig(i, E, M))
    # paper convention kappa (2 a rho a^dag - ...) = QuTiP collapse sqrt(2 kappa) a
    c_ops = [np.sqrt(2 * p["kappa"]) * a]
    for i in range(n_atoms):
        c_ops.append(np.sqrt(2 * p["gamma_e"]) * sig(i, M, E))
        c_ops.append(np.sqrt(2 * p["gamma_m"]) * sig(i, G, M))
    return H, HQ, c_ops


# ---------------------------------------------------------------------------- the builder
def test_structure_and_operator_algebra():
    sys = AtomsInCavity(2, ("g", "m", "e"), cutoff=3)
    assert sys.dims == (3, 3, 3) and sys.dim == 27
    assert sys.atom_sites == (1, 2) and sys.names == ("cavity", "atom0", "atom1")
    assert sys.n_levels == 3 and sys.has_cavity
    assert AtomsInCavity(3).dims == (3, 3, 3) and AtomsInCavity(3).atom_sites == (0, 1, 2)
    # sigma_jk sigma_kl = sigma_jl, sigma_jk sigma_k'l = 0 (k != k'), on every atom
    for i in range(2):
        for j, k, k2, lv in itertools.product(range(3), repeat=4):
            prod = sys.sigma(i, j, k) @ sys.sigma(i, k2, lv)
            expected = sys.sigma(i, j, lv) if k == k2 else np.zeros((27, 27))
            np.testing.assert_array_equal(prod, expected)
        # completeness and names == indices
        np.testing.assert_array_equal(sum(sys.projector(i, lv) for lv in "gme"), np.eye(27))
        np.testing.assert_array_equal(sys.sigma(i, "m", "g"), sys.sigma(i, 1, 0))
    # operators on different atoms commute; sigma_mg raises g -> m on the right atom
    assert np.max(np.abs(_comm(sys.sigma(0, "m", "g"), sys.sigma(1, "g", "m")))) == 0.0
    np.testing.assert_array_equal(sys.sigma(1, "m", "g"),
                                  embed(transition(3, M, G), 2, (3, 3, 3)))
    np.testing.assert_array_equal(sys.a, embed(destroy(3), 0, (3, 3, 3)))
    np.testing.assert_array_equal(sys.a_dag, sys.a.conj().T)
    np.testing.assert_array_equal(sys.photon_number, sys.a_dag @ sys.a)
    np.testing.assert_array_equal(sys.collective("e", "e"),
                                  sys.projector(0, "e") + sys.projector(1, "e"))
    # dense by default (the library's convention), CSR with sparse=True, same matrices
    sps = AtomsInCavity(2, cutoff=3, sparse=True)
    assert isinstance(sys.sigma(0, "e", "m"), np.ndarray) and sp.issparse(sps.sigma(0, "e", "m"))
    np.testing.assert_array_equal(sps.sigma(0, "e", "m").toarray(), sys.sigma(0, "e", "m"))
    np.testing.assert_array_equal(sps.exchange("m", "g", 0.3).toarray(),
                                  sys.exchange("m", "g", 0.3))
    # the atoms-only space and embedding back
    only = sys.atoms_only()
    assert only.dims == (3, 3) and not only.has_cavity
    np.testing.assert_array_equal(sys.embed_atoms(only.sigma(0, "e", "g")), sys.sigma(0, "e", "g"))
    # product states: index = n * 9 + 3 * l0 + l1
    psi = sys.product_state(["m", "e"], n_photons=2)
    assert psi[2 * 9 + 3 * M + E] == 1.0 and np.sum(np.abs(psi)) == 1.0
    np.testing.assert_allclose(psi.conj() @ sys.projector(1, "e") @ psi, 1.0)


def test_hamiltonian_terms_are_hermitian_and_match_definitions():
    sys = AtomsInCavity(3, cutoff=3)
    terms = [sys.level_energies({"m": 0.3, "e": -0.7}), sys.level_energies([0.1, 0.2, 0.3]),
             sys.exchange("m", "g", [0.1, 0.2, 0.3]), sys.exchange("e", "m", 0.4, "chain"),
             sys.cavity_coupling("m", "g", [0.5, 0.6, 0.7]), sys.cavity_energy(0.8),
             sys.drive("e", "m", 0.9), sys.drive("m", "g", [1.0, 1.1, 1.2])]
    for T in terms:
        np.testing.assert_array_equal(T, T.conj().T)
    s = sys.sigma
    np.testing.assert_allclose(terms[2], sum(
        gij * (s(i, M, G) @ s(j, G, M) + s(i, G, M) @ s(j, M, G))
        for (i, j), gij in zip([(0, 1), (0, 2), (1, 2)], [0.1, 0.2, 0.3], strict=True)),
        atol=1e-15)
    np.testing.assert_allclose(terms[4], sum(
        gi * (sys.a @ s(i, M, G) + sys.a_dag @ s(i, G, M)) for i, gi in enumerate([0.5, 0.6, 0.7])),
        atol=1e-15)
    np.testing.assert_allclose(terms[0], sum(0.3 * s(i, M, M) - 0.7 * s(i, E, E)
                                             for i in range(3)), atol=1e-15)
    # pairs: "all" = complete graph, "chain" = nearest neighbours, explicit lists and Topology
    assert sys.coupled_pairs("all") == ((0, 1), (0, 2), (1, 2))
    assert sys.coupled_pairs("chain") == ((0, 1), (1, 2))
    assert sys.coupled_pairs([(2, 1), (0, 1)]) == ((0, 1), (1, 2))
    assert sys.coupled_pairs(Topology.star(3, center=2)) == ((0, 2), (1, 2))
    assert AtomsInCavity(2).coupled_pairs("all") == AtomsInCavity(2).coupled_pairs("chain")
    assert AtomsInCavity(1).coupled_pairs("all") == ()


def test_channels_and_open_system():
    sys = AtomsInCavity(2, cutoff=4, sparse=True)
    chans = sys.decay("e", "m", 0.3)
    assert [c.label for c in chans] == ["decay_em_0", "decay_em_1"]
    assert all(c.rate == 0.3 for c in chans)
    np.testing.assert_array_equal(chans[1].L.toarray(), sys.sigma(1, "m", "e").toarray())
    assert sys.decay("m", "g", 0.0) == ()
    loss = sys.cavity_loss(0.2)
    assert loss.label == "cavity_loss" and loss.rate == 0.2
    HQ = sys.atoms_only().level_energies({"e": 1.0})
    model = sys.open_system(sys.embed_atoms(HQ), [loss, *chans], H_battery=HQ)
    assert model.dims == (4, 3, 3) and model.battery == (1, 2) and model.truncated == (0,)
    assert model.names == ("cavity", "atom0", "atom1")
    free = AtomsInCavity(2).open_system(HQ.toarray(), H_battery=HQ)
    assert free.truncated == () and free.battery == (0, 1)


# ---------------------------------------------------------------------------- the paper's model
def test_preset_structure_and_conventions():
    sys = three_level_cavity_battery()
    assert sys.dims == (10, 3, 3) and sys.dim == 90
    assert sys.battery == (1, 2) and sys.truncated == (0,)
    assert [c.label for c in sys.channels] == ["cavity_loss", "decay_em_0", "decay_em_1",
                                               "decay_mg_0", "decay_mg_1"]
    # paper defaults kappa = 0.5, gamma_e = 0.1, gamma_m = 0.01 in the 2x convention
    assert [c.rate for c in sys.channels] == pytest.approx([1.0, 0.2, 0.2, 0.02, 0.02])
    core = three_level_cavity_battery(rate_convention="core")
    assert [c.rate for c in core.channels] == pytest.approx([0.5, 0.1, 0.1, 0.01, 0.01])
    np.testing.assert_array_equal(core.H.toarray(), sys.H.toarray())
    # the detunings default to delta_p
    a = three_level_cavity_battery(delta_p=0.7)
    b = three_level_cavity_battery(delta_p=0.1, delta_m=0.7, delta_e=0.7, delta_cav=0.7)
    np.testing.assert_array_equal(a.H.toarray(), b.H.toarray())
    assert a.metadata["delta_m"] == a.metadata["delta_e"] == a.metadata["delta_cav"] == 0.7
    # H_battery is Eq. (19) on the atoms' space; H is Hermitian
    np.testing.assert_array_equal(_dense(sys.H_battery), three_level_battery_hamiltonian(2))
    for Hm in (_dense(sys.H), _dense(sys.H_battery)):
        np.testing.assert_allclose(Hm, Hm.conj().T, atol=0)
    # two atoms: "all" and "chain" are the same (the paper's single pair)
    np.testing.assert_array_equal(three_level_cavity_battery(pairs="chain").H.toarray(),
                                  sys.H.toarray())
    three = [three_level_battery_hamiltonian(3, pairs=p) for p in ("all", "chain")]
    assert np.max(np.abs(three[0] - three[1])) > 0.5
    # zero rates are omitted; cavity-free model
    assert three_level_cavity_battery(kappa=0, gamma_e=0, gamma_m=0).channels == ()
    free = three_level_cavity_battery(3, cutoff=None, kappa=0.0)
    assert free.dims == (3, 3, 3) and free.truncated == () and free.metadata["g_cav"] == 0.0


@pytest.mark.parametrize("n_atoms,pairs", [(2, "all"), (3, "all"), (3, "chain")])
def test_preset_hamiltonian_and_liouvillian_vs_qutip(n_atoms, pairs):
    qutip = pytest.importorskip("qutip")
    cutoff = 10 if n_atoms == 2 else 3
    sys = three_level_cavity_battery(n_atoms, cutoff=cutoff, pairs=pairs, **PARAMS)
    edges = sys.metadata["pairs"]
    assert len(edges) == (3 if (n_atoms, pairs) == (3, "all") else n_atoms - 1)
    H, HQ, c_ops = _qutip_model(qutip, n_atoms, cutoff, PARAMS, edges)
    np.testing.assert_allclose(_dense(sys.H), H.full(), atol=1e-12)
    np.testing.assert_allclose(_dense(sys.H_battery), HQ.full(), atol=1e-12)
    D = sys.dim
    # QuTiP stacks columns; qbattery vectorises row-major: permute both indices
    Lq = sp.csr_matrix(qutip.liouvillian(H, c_ops).to("csr").data_as("csr_matrix"))
    perm = _row_major_index(D)
    Lq = Lq[perm, :][:, perm]
    diff = sys.liouvillian() - Lq
    assert (abs(diff).max() if diff.nnz else 0.0) < 1e-12


def _row_major_index(D):
    """perm[r * D + c] = c * D + r: QuTiP's column-stacked index of rho[r, c]."""
    return np.arange(D * D).reshape(D, D).T.reshape(-1)


def test_stored_energy_vs_qutip_mesolve():
    qutip = pytest.importorskip("qutip")
    cutoff, n_ph = 6, 2
    times = np.linspace(0.0, 6.0, 31)
    sys = three_level_cavity_battery(2, cutoff=cutoff, truncation_tol=1e-2, **PARAMS)
    rho0 = three_level_initial_state(2, cutoff, n_ph)
    traj = evolve(sys, rho0, times)
    Et = stored_energy(sys.battery_state(traj.states), sys.H_battery, sys.battery_state(rho0))
    # Eq. (10) on the full space with I_cav x H_Q gives the same numbers
    HQ_full = AtomsInCavity(2, cutoff=cutoff).embed_atoms(sys.H_battery)
    E_full = np.einsum("tij,ji->t", traj.states, HQ_full).real - np.trace(rho0 @ HQ_full).real
    np.testing.assert_allclose(Et, E_full, atol=1e-12)
    assert Et[0] == 0.0 and np.max(np.abs(Et)) > 0.3

    H, HQ, c_ops = _qutip_model(qutip, 2, cutoff, PARAMS, [(0, 1)])
    HQf = qutip.tensor(qutip.qeye(cutoff), HQ)
    psi = qutip.tensor(qutip.basis(cutoff, n_ph), qutip.basis(3, G), qutip.basis(3, G))
    res = qutip.mesolve(H, psi * psi.dag(), times, c_ops, e_ops=[HQf],
                        options={"atol": 1e-13, "rtol": 1e-11, "nsteps": 100000})
    Eq = np.asarray(res.expect[0]) - qutip.expect(HQf, psi)
    np.testing.assert_allclose(Et, Eq, atol=1e-7)


# ---------------------------------------------------------------------------- invariants
def test_conservation_laws_of_the_rwa_hamiltonian():
    base = dict(PARAMS, kappa=0.0, gamma_e=0.0, gamma_m=0.0)
    space = AtomsInCavity(2, cutoff=5, sparse=True)
    Nexc = space.excitation_number()  # a^dag a + sum_i (sigma_mm + 2 sigma_ee)
    np.testing.assert_array_equal(
        Nexc.toarray(), (space.photon_number + space.collective("m", "m")
                         + 2 * space.collective("e", "e")).toarray())
    Ne = space.collective("e", "e")
    H0 = three_level_cavity_battery(2, cutoff=5, **dict(base, omega_a=0.0, omega_b=0.0)).H
    Ha = three_level_cavity_battery(2, cutoff=5, **dict(base, omega_b=0.0)).H
    Hb = three_level_cavity_battery(2, cutoff=5, **dict(base, omega_a=0.0)).H
    assert np.max(np.abs(_comm(H0, Nexc))) < 1e-14  # exact also in the truncated Fock space
    assert np.max(np.abs(_comm(H0, Ne))) < 1e-14
    assert np.max(np.abs(_comm(Ha, Ne))) < 1e-14    # the pump alone never reaches e
    assert np.max(np.abs(_comm(Ha, Nexc))) > 0.1
    assert np.max(np.abs(_comm(Hb, Ne))) > 0.1
    # along an evolution: <N_exc> = 2 photons stays 2 while the energy flows
    sys = three_level_cavity_battery(2, cutoff=5, **dict(base, omega_a=0.0, omega_b=0.0))
    rho0 = three_level_initial_state(2, 5, 2)
    traj = evolve(sys, rho0, np.linspace(0.0, 5.0, 11),
                  e_ops={"N": Nexc, "n": space.photon_number})
    np.testing.assert_allclose(traj.expect["N"], 2.0, atol=1e-10)
    assert np.min(traj.expect["n"]) < 1.5


def test_excitation_loss_rates_follow_the_paper_convention():
    """With Omega = 0: d<N_exc>/dt = -2 kappa <n> - 2 gamma_e <N_e> - 2 gamma_m <N_m> for any rho."""
    p = dict(PARAMS, omega_a=0.0, omega_b=0.0)
    sys = three_level_cavity_battery(2, cutoff=4, **p)
    space = AtomsInCavity(2, cutoff=4)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(36, 36)) + 1j * rng.normal(size=(36, 36))
    rho = X @ X.conj().T
    rho /= np.trace(rho)
    drho = (sys.liouvillian() @ rho.reshape(-1)).reshape(36, 36)
    lhs = np.trace(space.excitation_number() @ drho).real
    rhs = -2 * (p["kappa"] * np.trace(space.photon_number @ rho)
                + p["gamma_e"] * np.trace(space.collective("e", "e") @ rho)
                + p["gamma_m"] * np.trace(space.collective("m", "m") @ rho)).real
    assert lhs == pytest.approx(rhs, abs=1e-12)


def test_closed_forms_single_atom():
    t = np.linspace(0.0, 8.0, 17)
    # Rabi oscillation g <-> m, detuning Delta: P_m = 4 W^2/(D^2 + 4 W^2) sin^2(sqrt(D^2 + 4W^2) t/2)
    W, Dm = 0.6, 0.9
    sys = three_level_cavity_battery(1, cutoff=None, omega_a=W, omega_b=0.0, delta_m=Dm,
                                     kappa=0.0, gamma_e=0.0, gamma_m=0.0)
    space = AtomsInCavity(1)
    traj = evolve(sys, three_level_initial_state(1, None, 0), t,
                  e_ops={"m": space.projector(0, "m")})
    Rw = np.sqrt(Dm**2 + 4 * W**2)
    np.testing.assert_allclose(traj.expect["m"], 4 * W**2 / Rw**2 * np.sin(Rw * t / 2) ** 2,
                               atol=1e-9)
    # cascade e -> m -> g with the paper's rates: P_e = exp(-2 ge t),
    # P_m = ge/(gm - ge) (exp(-2 ge t) - exp(-2 gm t))
    ge, gm = 0.2, 0.05
    for conv, f in (("paper", 2.0), ("core", 1.0)):
        sys = three_level_cavity_battery(1, cutoff=None, omega_a=0.0, omega_b=0.0, kappa=0.0,
                                         gamma_e=ge, gamma_m=gm, rate_convention=conv)
        psi = space.product_state("e")
        traj = evolve(sys, np.outer(psi, psi), t, e_ops={"e": space.projector(0, "e"),
                                                         "m": space.projector(0, "m")})
        np.testing.assert_allclose(traj.expect["e"], np.exp(-f * ge * t), atol=1e-9)
        np.testing.assert_allclose(traj.expect["m"], ge / (gm - ge)
                                   * (np.exp(-f * ge * t) - np.exp(-f * gm * t)), atol=1e-9)


def test_four_level_atoms():
    """N atoms of d = 4 levels: a ladder g-m-e-f with exchange, cavity and decay on each step."""
    sys = AtomsInCavity(3, ("g", "m", "e", "f"), cutoff=3, sparse=True)
    assert sys.dims == (3, 4, 4, 4) and sys.dim == 192
    steps = [("m", "g"), ("e", "m"), ("f", "e")]
    only = sys.atoms_only()
    HQ = only.level_energies([0.0, 1.0, 2.1, 2.9]) + sum(
        only.exchange(u, lo, 0.3 * (k + 1), "ring") for k, (u, lo) in enumerate(steps))
    H = sys.embed_atoms(HQ) + sys.cavity_energy(1.0) + sum(
        sys.cavity_coupling(u, lo, 0.5) for u, lo in steps)
    assert np.max(np.abs(_dense(H - H.conj().T))) == 0.0
    assert np.max(np.abs(_comm(H, sys.excitation_number()))) < 1e-14
    chans = [sys.cavity_loss(0.2)] + [c for u, lo in steps for c in sys.decay(u, lo, 0.05)]
    model = sys.open_system(H, chans, H_battery=HQ, truncation_tol=1.0)  # cutoff 3: a toy
    assert model.battery == (1, 2, 3) and len(model.channels) == 10
    psi = sys.product_state(["f", "g", "e"], n_photons=1)
    traj = evolve(model, psi, [0.0, 1.0, 2.0], method="krylov")
    assert traj.stats.max_trace_error < 1e-10
    rho_b = model.battery_state(traj.states)
    assert rho_b.shape == (3, 64, 64)
    # the same works with levels given as a number and indices for names
    num = AtomsInCavity(2, 4, cutoff=2)
    assert num.levels == ("0", "1", "2", "3")
    np.testing.assert_array_equal(num.sigma(1, 3, 2), num.sigma(1, "3", "2"))


# ---------------------------------------------------------------------------- initial state
def test_initial_state_and_truncation():
    rho = three_level_initial_state(2, 10, 2)
    assert rho.shape == (90, 90) and np.trace(rho) == 1.0 and rho[2 * 9, 2 * 9] == 1.0
    np.testing.assert_array_equal(rho, rho.conj().T)
    free = three_level_initial_state(3, None, 0)
    assert free.shape == (27, 27) and free[0, 0] == 1.0
    with pytest.raises(InvalidParameterError, match="n_photons") as exc:
        three_level_initial_state(2, 3, 3)
    assert exc.value.name == "n_photons"
    with pytest.raises(InvalidParameterError, match="n_photons"):
        three_level_initial_state(2, None, 1)
    # a state on the top kept Fock level is reported by the solver
    sys = three_level_cavity_battery(2, cutoff=3, kappa=0.5)
    with pytest.warns(TruncationWarning):
        evolve(sys, three_level_initial_state(2, 3, 2), [0.0, 0.5])
    assert sys.truncation_tol == 1e-10
    assert three_level_cavity_battery(truncation_tol=1e-6).truncation_tol == 1e-6


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,name", [
    (dict(n_atoms=0), "n_atoms"),
    (dict(n_atoms=2, levels=("g", "g")), "levels"),
    (dict(n_atoms=2, levels=1), "levels"),
    (dict(n_atoms=2, levels="gme"), "levels"),
    (dict(n_atoms=2, levels=("g", "")), "levels"),
    (dict(n_atoms=2, cutoff=1), "cutoff"),
    (dict(n_atoms=2, cutoff=2.5), "cutoff"),
    (dict(n_atoms=2, sparse="yes"), "sparse"),
])
def test_builder_rejects_bad_arguments(kwargs, name):
    with pytest.raises(InvalidParameterError) as exc:
        AtomsInCavity(**kwargs)
    assert exc.value.name == name


def test_methods_reject_bad_arguments():
    sys = AtomsInCavity(2, cutoff=3)
    cases = [
        (lambda: sys.sigma(2, "m", "g"), "atom"),
        (lambda: sys.sigma(0, "x", "g"), "j"),
        (lambda: sys.sigma(0, "m", 3), "k"),
        (lambda: sys.drive("m", "m", 1.0), "lower"),
        (lambda: sys.exchange("q", "g"), "upper"),
        (lambda: sys.exchange("m", "g", [1.0, 2.0]), "g"),
        (lambda: sys.cavity_coupling("m", "g", [1.0]), "g_cav"),
        (lambda: sys.drive("m", "g", float("nan")), "rabi"),
        (lambda: sys.decay("e", "m", -0.1), "rate"),
        (lambda: sys.cavity_loss(-1.0), "kappa"),
        (lambda: sys.level_energies({"x": 1.0}), "energies"),
        (lambda: sys.level_energies([1.0, 2.0]), "energies"),
        (lambda: sys.coupled_pairs("mesh"), "pairs"),
        (lambda: sys.coupled_pairs([(0, 0)]), "pairs"),
        (lambda: sys.coupled_pairs([(0, 2)]), "pairs"),
        (lambda: sys.coupled_pairs(Topology.chain(3)), "pairs"),
        (lambda: sys.coupled_pairs(3), "pairs"),
        (lambda: sys.product_state("g", 3), "n_photons"),
        (lambda: sys.product_state(["g"], 0), "atom_levels"),
        (lambda: sys.embed_atoms(np.eye(4)), "op"),
        (lambda: AtomsInCavity(2).a, "cutoff"),
        (lambda: AtomsInCavity(2).cavity_coupling("m", "g"), "cutoff"),
    ]
    for call, name in cases:
        with pytest.raises(InvalidParameterError) as exc:
            call()
        assert exc.value.name == name, (name, exc.value)


@pytest.mark.parametrize("kwargs,name", [
    (dict(n_atoms=0), "n_atoms"),
    (dict(kappa=-0.1), "kappa"),
    (dict(gamma_e=float("inf")), "gamma_e"),
    (dict(gamma_m=-1), "gamma_m"),
    (dict(g="1"), "g"),
    (dict(g_cav=None), "g_cav"),
    (dict(omega_a=np.nan), "omega_a"),
    (dict(omega_b=[1.0]), "omega_b"),
    (dict(delta_p=None), "delta_p"),
    (dict(delta_m="x"), "delta_m"),
    (dict(delta_e=np.inf), "delta_e"),
    (dict(delta_cav=1j), "delta_cav"),
    (dict(cutoff=1), "cutoff"),
    (dict(cutoff=None), "cutoff"),  # kappa = 0.5 needs a cavity
    (dict(pairs="mesh"), "pairs"),
    (dict(rate_convention="qutip"), "rate_convention"),
    (dict(truncation_tol=-1.0), "truncation_tol"),
])
def test_preset_rejects_bad_arguments(kwargs, name):
    n = kwargs.pop("n_atoms", 2)
    with pytest.raises(InvalidParameterError) as exc:
        three_level_cavity_battery(n, **kwargs)
    assert exc.value.name == name
