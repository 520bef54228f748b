"""The fermionic-star network model and its fast steady-state solver
(qbattery.models.fermionic_network): construction, closed forms, the full solver and QuTiP."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from qbattery.dynamics import steady_state
from qbattery.errors import DegenerateSteadyStateError, InvalidParameterError
from qbattery.experiments.registry import get_model
from qbattery.metrics import normalised_ergotropy
from qbattery.models import fermi_dirac
from qbattery.models.fermionic_network import (
    FermionicNetworkSolver,
    fermionic_network,
    network_topology,
    reservoir_occupations,
)
from qbattery.quantum.partial_trace import partial_trace


def _ground(D):
    g = np.zeros((D, D), dtype=complex)
    g[0, 0] = 1.0
    return g


# ----------------------------------------------------------------------------- construction
def test_registered_model_and_parameters():
    entry = get_model("star_network")
    assert {"N", "topology", "setting", "mu", "delta_mu", "T", "omega0", "omega", "gamma", "J",
            "battery", "occupation_at"} <= set(entry.params)
    m = entry.build(entry.resolve_params({}))
    assert m.dims == (2, 2, 2) and m.battery == (0,)
    np.testing.assert_allclose(m.H_battery, np.diag([-10.0, 10.0]))


def test_channels_in_both_settings():
    n = fermi_dirac(1.0, 2.0, 0.5)
    eq = fermionic_network(3, "star", "equilibrium", mu=2.0, T=0.5)
    assert sorted(c.rate for c in eq.channels) == pytest.approx(sorted([1 - n, n]))
    Jm = eq.channels[0].L if eq.channels[0].rate == pytest.approx(1 - n) else eq.channels[1].L
    assert np.count_nonzero(np.asarray(Jm)) == 3 * 4  # sum of three sigma_-
    ne = fermionic_network(3, "star", "non_equilibrium", mu=0.5, delta_mu=1.5, T=0.5)
    assert len(ne.channels) == 6
    n1, n2 = fermi_dirac(1.0, 0.5, 0.5), fermi_dirac(1.0, 2.0, 0.5)
    rates = sorted(c.rate for c in ne.channels)
    assert rates == pytest.approx(sorted([1 - n1, n1] + [1 - n2, n2] * 2))


def test_topologies():
    assert network_topology(4, "star").edges == ((0, 1), (0, 2), (0, 3))
    assert network_topology(4, "star", battery=2).edges == ((0, 2), (1, 2), (2, 3))
    assert network_topology(3, "chain").edges == ((0, 1), (1, 2))
    assert network_topology(1, "star").edges == ()
    assert network_topology(4, "complete").n_edges == 6


def test_occupations():
    n = reservoir_occupations(3, setting="non_equilibrium", mu=0.0, delta_mu=2.0, T=1.0)
    np.testing.assert_allclose(n, [fermi_dirac(1, 0, 1), fermi_dirac(1, 2, 1), fermi_dirac(1, 2, 1)])
    n = reservoir_occupations(3, setting="equilibrium", mu=3.0, T=1.0)
    np.testing.assert_allclose(n, fermi_dirac(1, 3, 1))
    n = reservoir_occupations(2, setting="equilibrium", mu=21.0, T=1.0, occupation_at="transition")
    np.testing.assert_allclose(n, fermi_dirac(20.0, 21.0, 1.0))


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("setting", ["equilibrium", "non_equilibrium"])
@pytest.mark.parametrize("mu,T", [(-1.0, 0.4), (0.7, 1.0), (2.5, 0.3), (1.0, 0.0), (4.0, 3.0)])
def test_single_qubit_relaxes_to_the_bath_occupation(setting, mu, T):
    r = FermionicNetworkSolver(1, "star", setting).solve(mu=mu, T=T)
    n = fermi_dirac(1.0, mu, T)
    assert r.p_excited == pytest.approx(n, abs=1e-12)
    assert r.ergotropy_norm == pytest.approx(max(0.0, 2 * n - 1), abs=1e-12)
    m = fermionic_network(1, "star", setting, mu=mu, T=T)
    assert steady_state(m).rho[1, 1].real == pytest.approx(n, abs=1e-12)


@pytest.mark.parametrize("N", [2, 3, 4, 5])
def test_equilibrium_star_centre_sits_at_n_from_the_ground_state(N):
    s = FermionicNetworkSolver(N, "star", "equilibrium")
    for mu, T, J in [(0.3, 1.0, 1.0), (2.0, 0.5, 0.3), (6.0, 2.0, 3.0)]:
        r = s.solve(mu=mu, T=T, J=J)
        n = fermi_dirac(1.0, mu, T)
        if N == 2:  # centre + one leaf: the triplet sector, p = r(r + 1/2)/(1 + r + r^2)
            rr = n / (1 - n)
            n = rr * (rr + 0.5) / (1 + rr + rr * rr)
        assert r.p_excited == pytest.approx(n, abs=1e-10)


def test_equal_local_baths_give_the_grand_canonical_state():
    for top in ("star", "chain", "ring"):
        r = FermionicNetworkSolver(4, top, "non_equilibrium").solve(mu=2.3, delta_mu=0.0, T=0.8,
                                                                   J=1.7)
        assert r.p_excited == pytest.approx(fermi_dirac(1.0, 2.3, 0.8), abs=1e-10)
        assert r.kernel_dim == r.kernel_dim_full == 1


# ----------------------------------------------------------------------------- against full solvers
@pytest.mark.parametrize("setting", ["equilibrium", "non_equilibrium"])
@pytest.mark.parametrize("topology", ["star", "chain"])
def test_solver_matches_the_full_liouvillian(setting, topology):
    rng = np.random.default_rng(len(setting) * 7 + len(topology))
    s = FermionicNetworkSolver(3, topology, setting)
    for _ in range(5):
        p = {"mu": rng.uniform(-1, 5), "T": rng.uniform(0.1, 3), "J": rng.uniform(0.1, 3),
             "gamma": rng.uniform(0.2, 2), "omega0": rng.uniform(1, 10)}
        if setting == "non_equilibrium":
            p["delta_mu"] = rng.uniform(-2, 6)
        for rho0 in ("ground", "maximally_mixed"):
            r = s.solve(rho0=rho0, **p)
            m = fermionic_network(3, topology, setting, **p)
            D = m.dim
            r0 = _ground(D) if rho0 == "ground" else np.eye(D) / D
            full = steady_state(m, rho0=r0)
            rb = partial_trace(full.rho, m.dims, 0)
            np.testing.assert_allclose(r.battery_state, rb, atol=1e-10)
            assert r.ergotropy_norm == pytest.approx(normalised_ergotropy(rb, m.H_battery),
                                                     abs=1e-10)
            assert r.kernel_dim_full == full.kernel_dim
            np.testing.assert_allclose(s.reduction.to_dense(r.y), full.rho, atol=1e-10)


def test_qutip_steadystate_cross_check_n3():
    qutip = pytest.importorskip("qutip")
    for topology in ("star", "chain"):
        p = {"mu": 0.5, "delta_mu": 2.5, "T": 0.8, "J": 1.3}
        m = fermionic_network(3, topology, "non_equilibrium", **p)
        dims = [list(m.dims), list(m.dims)]
        H = qutip.Qobj(np.asarray(m.H), dims=dims)
        c = [qutip.Qobj(np.asarray(op), dims=dims) for op in m.c_ops]
        rho_q = qutip.steadystate(H, c).full()
        r = FermionicNetworkSolver(3, topology, "non_equilibrium").solve(**p)
        rho = FermionicNetworkSolver(3, topology, "non_equilibrium").reduction.to_dense(r.y)
        np.testing.assert_allclose(rho, rho_q, atol=1e-9)


def test_symmetrised_and_plain_u1_agree_at_n6():
    p = {"mu": 0.0, "delta_mu": 3.0, "T": 1.0, "J": 0.8}
    a = FermionicNetworkSolver(6, "star", "non_equilibrium").solve(**p)
    b = FermionicNetworkSolver(6, "star", "non_equilibrium", symmetry="u1").solve(**p)
    assert a.p_excited == pytest.approx(b.p_excited, abs=1e-10)
    assert (a.kernel_dim, b.kernel_dim) == (1, 1)


def test_n10_non_equilibrium_is_fast():
    t0 = time.perf_counter()
    s = FermionicNetworkSolver(10, "star", "non_equilibrium")
    r = s.solve(mu=0.0, delta_mu=2.0, T=1.0)
    assert time.perf_counter() - t0 < 10.0
    assert s.reduction.n == 110 and s.reduction.u1_dim == 184756
    assert r.kernel_dim == 1 and r.residual < 1e-12
    assert 0.0 < r.ergotropy_norm < 1.0


# ----------------------------------------------------------------------------- kernels
def test_kernel_dimensions_reported():
    eq = FermionicNetworkSolver(3, "star", "equilibrium").solve(mu=2.0, T=1.0)
    assert (eq.kernel_dim, eq.kernel_dim_u1, eq.kernel_dim_full, eq.method) == (2, 2, 2,
                                                                                 "projection")
    eq4 = FermionicNetworkSolver(4, "star", "equilibrium").solve(mu=2.0, T=1.0)
    assert (eq4.kernel_dim, eq4.kernel_dim_u1, eq4.kernel_dim_full) == (3, 9, 9)
    ne = FermionicNetworkSolver(3, "chain", "non_equilibrium").solve(mu=2.0, delta_mu=1.0)
    assert (ne.kernel_dim, ne.kernel_dim_u1, ne.kernel_dim_full) == (1, 1, 1)
    big = FermionicNetworkSolver(6, "star", "non_equilibrium").solve(mu=2.0, delta_mu=1.0)
    assert (big.kernel_dim, big.kernel_dim_u1, big.kernel_dim_full) == (1, -1, -1)


def test_rho0_dependence_in_equilibrium():
    s = FermionicNetworkSolver(3, "chain", "equilibrium")
    g = s.solve(mu=5.0, T=0.2)
    m = s.solve(mu=5.0, T=0.2, rho0="maximally_mixed")
    assert g.ergotropy_norm == pytest.approx(1.0, abs=1e-8)
    assert m.p_excited == pytest.approx(0.75 * g.p_excited + 0.125, abs=1e-10)
    with pytest.raises(DegenerateSteadyStateError):
        s.solver.solve(s.coefficients(mu=5.0, T=0.2)[0])


def test_sweep_dataset():
    s = FermionicNetworkSolver(3, "star", "equilibrium")
    t0 = time.perf_counter()
    ds = s.sweep(mu=np.linspace(0, 10, 101), T=[0.5, 1.0])
    elapsed = time.perf_counter() - t0
    assert ds["ergotropy_norm"].dims == ("mu", "T")
    for v in ("energy", "kernel_dim", "kernel_dim_u1", "kernel_dim_full", "residual"):
        assert v in ds
    mu, T = np.meshgrid(ds["mu"].values, ds["T"].values, indexing="ij")
    np.testing.assert_allclose(ds["ergotropy_norm"], np.maximum(0, np.tanh((mu - 1) / (2 * T))),
                               atol=1e-10)
    np.testing.assert_allclose(ds["energy"], 10 * np.tanh((mu - 1) / (2 * T)), atol=1e-9)
    assert elapsed < 5.0  # ~0.3 s unloaded for 202 points


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs,name", [
    ({"setting": "thermal"}, "setting"), ({"topology": "tree"}, "topology"), ({"N": 0}, "N"),
    ({"setting": "equilibrium", "delta_mu": 1.0}, "delta_mu"), ({"T": -1.0}, "T"),
    ({"occupation_at": "omega0"}, "occupation_at"), ({"gamma": -0.1}, "gamma"),
    ({"battery": 3}, "battery"), ({"mu_sites": [0.0, 1.0]}, "mu_sites"),
])
def test_bad_model_inputs_name_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameterError) as e:
        fermionic_network(**{"N": 3, "setting": "non_equilibrium", **kwargs})
    msg = str(e.value)
    assert msg.startswith(f"{name} = ") and "\n" not in msg


def test_bad_solver_inputs_name_the_parameter():
    s = FermionicNetworkSolver(3, "star", "non_equilibrium")
    with pytest.raises(InvalidParameterError, match=r"^mu_sites = "):
        s.solve(mu_sites=[0.0, 1.0, 2.0])  # breaks the leaf symmetry of this solver
    with pytest.raises(InvalidParameterError, match=r"^T = "):
        s.solve(T=math.nan)
    with pytest.raises(InvalidParameterError, match=r"^symmetry = "):
        FermionicNetworkSolver(3, symmetry="dicke")
    u1 = FermionicNetworkSolver(3, "star", "non_equilibrium", symmetry="u1")
    r = u1.solve(mu_sites=[0.0, 1.0, 2.0], T_sites=[1.0, 0.5, 2.0])
    m = fermionic_network(3, "star", "non_equilibrium", mu_sites=[0.0, 1.0, 2.0],
                          T_sites=[1.0, 0.5, 2.0])
    np.testing.assert_allclose(r.battery_state, partial_trace(steady_state(m).rho, m.dims, 0),
                               atol=1e-10)
