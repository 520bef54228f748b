"""Open-circuit protocol: exact propagation, diagnostics, root-found lifetimes, QuTiP cross-check."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

from qbattery.dynamics import evolve
from qbattery.errors import InvalidParameterError
from qbattery.metrics import average_concurrence, ergotropy, ergotropy_fraction, l1_coherence
from qbattery.models import Channel, OpenSystem
from qbattery.models.cells import cell_battery, cell_liouvillian, product_state
from qbattery.protocols import (
    DIAGNOSTICS,
    OpenCircuit,
    coherence_orders,
    expm_action,
    open_circuit,
)
from qbattery.quantum.operators import sigma_minus, sigma_x, sigma_z

HALF_CL = 2 * math.log(6 / 5)
HALF_Q = 2 * math.log(2 * (1 + math.sqrt(6)) / 5)
TAU_C = 2 * math.log(2)


def _p(t):
    return np.exp(-0.5 * t)


def eq9a(t):
    p = _p(t)
    return np.where(1.5 * p > 1, 3 * p - 2, 0.0)


def eq9b(t):
    p = _p(t)
    return p - 1 + np.sqrt(2 * p * p - 2 * p + 1)


def eq8(t):
    p = _p(t)
    return np.where(2 * p > 1, 2 * p - 1, 0.0), p


@pytest.fixture(scope="module")
def cell():
    return OpenCircuit(cell_battery("linear", 1))


# ----------------------------------------------------------------------------- closed forms
def test_single_cell_closed_forms(cell):
    t = np.linspace(0, 8, 401)
    cl = cell.run(product_state("classical", 1), t)
    q = cell.run(product_state("quantum", 1), t)
    full = cell.run(product_state("full", 1), t)
    # ergotropy in units of E_max/2 = omega0/2
    assert np.max(np.abs(cl.ergotropy / 0.5 - eq9a(t))) < 1e-10
    assert np.max(np.abs(q.ergotropy / 0.5 - eq9b(t))) < 1e-10
    E, U = eq8(t)
    assert np.max(np.abs(full.ergotropy - E)) < 1e-10
    assert np.max(np.abs(full.energy - U)) < 1e-10
    assert cl.xi[0] == pytest.approx(2 / 3, abs=1e-14) and q.xi[0] == pytest.approx(1, abs=1e-14)
    assert np.allclose(cl.xi, np.where(cl.energy > 0, cl.ergotropy / cl.energy, 0))


@pytest.mark.parametrize("num", [401, 11, 4])
def test_printed_half_lives_by_root_finding(cell, num):
    """Root finding, not the grid: even a 3-step grid gives the printed numbers to 1e-10."""
    t = np.linspace(0, 6, num)
    cl = cell.run(product_state("classical", 1), t)
    q = cell.run(product_state("quantum", 1), t)
    assert cl.half_life() == pytest.approx(HALF_CL, abs=1e-10)
    assert q.half_life() == pytest.approx(HALF_Q, abs=1e-10)
    assert round(cl.half_life(), 2) == 0.36 and abs(q.half_life() - 0.65) < 0.01
    assert cl.death_time() == pytest.approx(2 * math.log(1.5), abs=1e-10)
    assert math.isnan(q.death_time())


def test_crossing_and_decay_times(cell):
    t = np.linspace(0, 6, 7)
    full = cell.run(product_state("full", 1), t)
    assert full.crossing_time(sigma_z()) == pytest.approx(TAU_C, abs=1e-10)
    assert full.death_time() == pytest.approx(TAU_C, abs=1e-10)
    assert full.decay_time("energy") == pytest.approx(2.0, abs=1e-10)
    # the half-life of the full charge: 2 e^{-x} - 1 = 1/2
    assert full.half_life() == pytest.approx(2 * math.log(4 / 3), abs=1e-10)
    # 1/e time of the quantum ergotropy is a root of eq9b = 1/e
    q = cell.run(product_state("quantum", 1), t)
    td = q.decay_time()
    assert eq9b(td) == pytest.approx(math.exp(-1), abs=1e-12)
    # not crossed within the grid -> NaN
    short = cell.run(product_state("quantum", 1), np.linspace(0, 0.5, 6))
    assert math.isnan(short.half_life())
    assert short.value_at("ergotropy", 0.33) == pytest.approx(0.5 * eq9b(0.33), abs=1e-13)


def test_amplitude_damping_alone_misses_the_printed_quantum_half_life():
    oc = OpenCircuit(cell_battery("linear", 1, relaxation="amplitude_damping"))
    t = np.linspace(0, 6, 61)
    q = oc.run(product_state("quantum", 1), t)
    assert q.half_life() == pytest.approx(2 * math.log(8 / 5), abs=1e-10)
    assert oc.run(product_state("classical", 1), t).half_life() == pytest.approx(HALF_CL, abs=1e-10)


def test_phase_damping_eq10():
    oc = OpenCircuit(cell_battery("linear", 1, Gamma=0.0, gamma_phi=1.0))
    t = np.linspace(0, 6, 61)
    q = oc.run(product_state("quantum", 1), t)
    cl = oc.run(product_state("classical", 1), t)
    assert np.max(np.abs(q.ergotropy - 0.5 * np.exp(-t))) < 1e-12
    assert np.max(np.abs(cl.ergotropy - 0.5)) < 1e-13
    assert q.half_life() == pytest.approx(math.log(2), abs=1e-10)
    assert math.isnan(cl.half_life())


# ----------------------------------------------------------------------------- numerics
def test_expm_action_matches_expm():
    rng = np.random.default_rng(3)
    m = cell_battery("circular", 3, Gamma_d=0.4, J=1.3, gamma_phi=0.2)
    L = m.liouvillian()
    v = rng.normal(size=64) + 1j * rng.normal(size=64)
    for s in (1e-3, 0.1, 0.77, 3.0):
        out, nmv = expm_action(L, v, s)
        ref = sla.expm(L.toarray() * s) @ v
        assert np.max(np.abs(out - ref)) < 1e-13 * np.max(np.abs(v)) * max(1, s)
        assert nmv > 0
    V = np.stack([v, 2 * v], axis=1)
    out, _ = expm_action(L, V, 0.3)
    assert np.allclose(out[:, 1], 2 * out[:, 0], atol=1e-14)


def test_against_library_evolve_and_methods():
    m = cell_battery("central", 4, Gamma_d=0.5, J=2.0)
    t = np.linspace(0, 3, 61)
    rho0 = product_state("quantum", 4)
    ref = evolve(m, rho0, t, method="propagator", store_states=True)
    for method in ("dense", "taylor", "auto"):
        tr = open_circuit(m, rho0, t, method=method, store_states=True)
        assert np.max(np.abs(tr.states - ref.states)) < 1e-12, method
    tr = open_circuit(m, rho0, t)
    # exact re-evolution between grid points
    rho = tr.state_at(1.2345)
    rho_ref = evolve(m, rho0, [0.0, 1.2345], method="propagator").final_state
    assert np.max(np.abs(rho - rho_ref)) < 1e-12
    # diagnostics equal the metrics
    st = ref.states
    H = m.H_battery
    assert np.max(np.abs(tr.ergotropy - ergotropy(st, H))) < 1e-12
    assert np.max(np.abs(tr.xi - ergotropy_fraction(st, H))) < 1e-12
    assert np.max(np.abs(tr.coherence_l1 - l1_coherence(st, normalised=True))) < 1e-12
    assert np.max(np.abs(tr.concurrence_avg - average_concurrence(
        st, 4, [(0, 1), (0, 2), (0, 3)]))) < 1e-10
    assert tr.pairs == ((0, 1), (0, 2), (0, 3))


def test_coherence_sectors_used():
    m = cell_battery("linear", 5, Gamma_d=0.5, J=2.0)
    oc = OpenCircuit(m, liouvillian=cell_liouvillian("linear", 5, Gamma_d=0.5, J=2.0))
    assert oc.orders is not None
    t = np.linspace(0, 1, 11)
    cl = oc.run(product_state("classical", 5), t)
    q = oc.run(product_state("quantum", 5), t)
    assert cl.stats["active_dim"] == 252 and cl.stats["n_sectors"] == 1
    assert q.stats["active_dim"] == 1024 and q.stats["n_sectors"] == 11
    # a diagonal state stays in sector 0: the coherences between different excitation numbers
    # vanish, those inside an excitation subspace (created by J and the leakage) do not
    rho = cl.final_state
    n = np.array([bin(i).count("1") for i in range(32)])
    assert np.max(np.abs(rho[n[:, None] != n[None, :]])) == 0.0
    assert np.max(np.abs(rho[(n[:, None] == n[None, :]) & ~np.eye(32, dtype=bool)])) > 1e-4


def test_non_covariant_model_propagates_everything():
    # sigma_x jumps break the U(1) symmetry: no sector reduction, still exact
    m = OpenSystem(0.5 * sigma_z(), (Channel(sigma_x(), 0.3, "x"), Channel(sigma_minus(), 0.2)),
                   H_battery=np.diag([0.0, 1.0]))
    assert coherence_orders(sp.csr_matrix(m.liouvillian()), m.dims) is None
    t = np.linspace(0, 4, 41)
    rho0 = np.diag([0.0, 1.0])
    tr = open_circuit(m, rho0, t, store_states=True)
    ref = evolve(m, rho0, t, method="propagator", store_states=True)
    assert np.max(np.abs(tr.states - ref.states)) < 1e-12
    assert tr.stats["active_dim"] == 4


def test_checkpoints_when_states_do_not_fit():
    m = cell_battery("linear", 3, Gamma_d=0.5, J=2.0)
    t = np.linspace(0, 3, 301)
    oc = OpenCircuit(m)
    a = oc.run(product_state("quantum", 3), t, max_stored_bytes=4096)
    b = oc.run(product_state("quantum", 3), t)
    assert a.states is None and b.states is not None
    assert a.stats["n_checkpoints"] < len(t)
    assert a.half_life() == pytest.approx(b.half_life(), abs=1e-12)
    assert np.max(np.abs(a.state_at(2.2222) - b.state_at(2.2222))) < 1e-13


def test_charging_stage():
    """Charge |g> with a resonant pi pulse (no dissipation), then open the circuit."""
    m = cell_battery("linear", 1, Gamma=1.0, omega0=0.0)
    Omega = 3.0
    tr = open_circuit(m.with_hamiltonian(0.0 * sigma_z()), product_state("empty", 1),
                      np.linspace(0, 4, 41), charger=Omega * sigma_x(),
                      charge_time=math.pi / (2 * Omega))
    assert abs(tr.initial_state[1, 1]) > 0.8  # charged (with relaxation during the pulse)
    with pytest.raises(InvalidParameterError, match=r"^charge_time = None"):
        open_circuit(m, product_state("empty", 1), [0, 1], charger=sigma_x())


def test_quantity_callables_and_export(cell):
    t = np.linspace(0, 6, 61)
    q = cell.run(product_state("quantum", 1), t)
    pop = q.crossing_time(lambda rho: rho[1, 1].real, 0.25)  # rho_ee = p/2 = 1/4 at 2 ln 2
    assert pop == pytest.approx(TAU_C, abs=1e-10)
    ds = q.to_xarray("gamma_t", time_scale=1.0)
    assert set(DIAGNOSTICS) <= set(ds.data_vars) and ds["gamma_t"].size == 61
    assert "DischargeTrajectory" in repr(q)
    assert not q.ergotropy.flags.writeable


def test_xi_root_matches_closed_form(cell):
    from scipy.optimize import brentq

    q = cell.run(product_state("quantum", 1), np.linspace(0, 6, 13))

    def xi(t):  # E / U with E = (p - 1 + sqrt(2p^2 - 2p + 1))/2, U = p/2
        p = math.exp(-t / 2)
        return (p - 1 + math.sqrt(2 * p * p - 2 * p + 1)) / p

    t_ref = brentq(lambda t: xi(t) - 0.5, 0.0, 6.0, xtol=1e-15)
    assert q.crossing_time("xi", 0.5) == pytest.approx(t_ref, abs=1e-10)
    assert q.lifetime("xi", 0.5) == pytest.approx(t_ref, abs=1e-10)
    assert q.value_at("energy", 1.0) == pytest.approx(0.5 * math.exp(-0.5), abs=1e-14)
    assert q.value_at("coherence_l1", 1.0) == pytest.approx(math.exp(-0.5), abs=1e-14)


def test_battery_subsystem():
    """Diagnostics of a battery qubit coupled to an ancilla: reduced state and its H_B."""
    from qbattery.quantum.operators import embed

    dims = (2, 2)
    H = embed(sigma_z(), 0, dims) + 0.7 * (embed(sigma_x(), 0, dims) @ embed(sigma_x(), 1, dims))
    m = OpenSystem(H, (Channel(embed(sigma_minus(), 1, dims), 0.4, "anc"),), dims=dims,
                   battery=0, H_battery=np.diag([0.0, 1.0]))
    rho0 = np.kron(product_state("quantum", 1), np.diag([1.0, 0.0]))
    t = np.linspace(0, 3, 31)
    tr = open_circuit(m, rho0, t)
    ref = evolve(m, rho0, t, method="propagator", store_states=True)
    red = m.battery_state(ref.states)
    assert np.max(np.abs(tr.ergotropy - ergotropy(red, m.H_battery))) < 1e-12
    assert tr.pairs == () and np.all(np.isnan(tr.concurrence_avg))


# ----------------------------------------------------------------------------- QuTiP
def test_qutip_mesolve_cross_check_n3():
    qutip = pytest.importorskip("qutip")
    m = cell_battery("linear", 3, Gamma=1.0, Gamma_d=0.5, J=2.0)
    t = np.linspace(0, 4, 81)
    rho0 = product_state("quantum", 3)
    tr = open_circuit(m, rho0, t)
    dims = [[2, 2, 2], [2, 2, 2]]
    res = qutip.mesolve(qutip.Qobj(m.H, dims=dims), qutip.Qobj(rho0, dims=dims), t,
                        [qutip.Qobj(c, dims=dims) for c in m.c_ops],
                        options={"atol": 1e-12, "rtol": 1e-10, "store_states": True})
    states = np.array([s.full() for s in res.states])
    assert np.max(np.abs(tr.energy - np.trace(states @ m.H_battery, axis1=1, axis2=2).real)) < 1e-8
    assert np.max(np.abs(tr.ergotropy - ergotropy(states, m.H_battery))) < 1e-8
    assert np.max(np.abs(tr.coherence_l1 - l1_coherence(states, normalised=True))) < 1e-8
    c01 = np.array([qutip.concurrence(s.ptrace([0, 1])) for s in res.states])
    c12 = np.array([qutip.concurrence(s.ptrace([1, 2])) for s in res.states])
    assert np.max(np.abs(tr.concurrence_avg - 0.5 * (c01 + c12))) < 1e-7


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, name", [
    (lambda oc: OpenCircuit("model"), "model"),
    (lambda oc: OpenCircuit(oc.model, method="rk4"), "method"),
    (lambda oc: OpenCircuit(oc.model, diagnostics=("power",)), "diagnostics"),
    (lambda oc: OpenCircuit(oc.model, pairs=[(0, 0)]), "pairs"),
    (lambda oc: OpenCircuit(oc.model, liouvillian=np.eye(3)), "liouvillian"),
    (lambda oc: oc.run(product_state("quantum", 1), [0.0, 1.0, 0.5]), "times"),
    (lambda oc: oc.run(np.eye(4) / 4, [0.0, 1.0]), "rho0"),
    (lambda oc: oc.run(product_state("quantum", 1), [0.0, 1.0]).lifetime(fraction=1.5),
     "fraction"),
    (lambda oc: oc.run(product_state("quantum", 1), [0.0, 1.0]).half_life("power"), "quantity"),
    (lambda oc: oc.run(product_state("quantum", 1), [1.0, 2.0]).state_at(0.5), "t"),
])
def test_bad_input_one_line_named(cell, call, name):
    with pytest.raises(InvalidParameterError) as exc:
        call(cell)
    msg = str(exc.value)
    assert msg.startswith(f"{name} = ") and "\n" not in msg
