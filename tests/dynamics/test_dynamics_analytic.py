"""Every analytic system (tests/systems.py) through every method, against the exact solution.

Tolerances (absolute, on expectation values of O(1)): AnalyticSystem.atol (1e-10) for the exact
methods (propagator, krylov), AnalyticSystem.atol_ode (1e-8) for the ODE method at its default
rtol=1e-10, atol=1e-12; steady states to 1e-10 in trace distance.
"""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.dynamics import LindbladSolver, evolve, steady_state
from systems import SYSTEMS

METHODS = ["propagator", "krylov", "ode"]


def trace_distance(a, b) -> float:
    return float(0.5 * np.sum(np.abs(np.linalg.eigvalsh(a - b))))


def _tol(system, method: str) -> float:
    return system.atol_ode if method == "ode" else system.atol


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_expectations_match_exact_solution(system, method):
    traj = evolve(system.H, system.rho0, system.times, system.c_ops, system.e_ops, method=method)
    exact = system.exact(system.times)
    assert traj.states is None  # e_ops given -> states dropped, as QuTiP
    for name, ref in exact.items():
        got = traj.expect[name]
        assert got.shape == system.times.shape
        assert np.iscomplexobj(got) == np.iscomplexobj(ref)
        np.testing.assert_allclose(got, ref, rtol=0, atol=_tol(system, method), err_msg=name)
    assert traj.stats.method == method
    assert traj.stats.max_trace_error <= 1e-12
    assert traj.stats.max_hermiticity_error <= 1e-12


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_steady_state_matches_exact(system):
    ss = steady_state(system.H, system.c_ops)
    assert ss.kernel_dim == 1
    assert trace_distance(ss.rho, system.steady) <= 1e-10
    assert ss.trace_error <= 1e-12
    assert ss.residual <= 1e-12


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_long_time_evolution_reaches_steady_state(system):
    # the slowest systems relax at rate ~0.15: t = 400 leaves exp(-60)
    traj = evolve(system.H, system.rho0, [0.0, 400.0], system.c_ops, method="propagator")
    assert trace_distance(traj.final_state, system.steady) <= 1e-10


@pytest.mark.parametrize("method", METHODS)
def test_nonuniform_grid_equals_uniform(method):
    s = SYSTEMS[4]  # driven cavity
    t_uniform = np.linspace(0.0, 10.0, 41)
    t_mixed = np.concatenate([[0.0, 0.1, 0.35], np.linspace(1.0, 5.0, 9), [7.3, 10.0]])
    ref = s.exact(t_mixed)
    traj = evolve(s.H, s.rho0, t_mixed, s.c_ops, s.e_ops, method=method)
    np.testing.assert_allclose(traj.expect["a"], ref["a"], atol=_tol(s, method), rtol=0)
    traj_u = evolve(s.H, s.rho0, t_uniform, s.c_ops, s.e_ops, method=method)
    np.testing.assert_allclose(traj_u.expect["n"], s.exact(t_uniform)["n"], atol=_tol(s, method),
                               rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_evolution_starts_at_first_time(method):
    s = SYSTEMS[0]
    t = np.linspace(2.0, 5.0, 7)  # rho(2) = rho0: the exact solution is shifted by 2
    traj = evolve(s.H, s.rho0, t, s.c_ops, s.e_ops, method=method)
    np.testing.assert_allclose(traj.expect["pe"], s.exact(t - 2.0)["pe"], atol=_tol(s, method), rtol=0)
    assert traj.times[0] == 2.0


def test_single_time_returns_initial_state():
    s = SYSTEMS[1]
    traj = evolve(s.H, s.rho0, [0.5], s.c_ops)
    assert traj.states.shape == (1, 2, 2)
    np.testing.assert_array_equal(traj.final_state, s.rho0)


@pytest.mark.parametrize("solver", ["RK45", "BDF"])
def test_other_ode_solvers(solver):
    s = SYSTEMS[1]
    traj = evolve(s.H, s.rho0, s.times, s.c_ops, s.e_ops, method="ode", solver=solver,
                  rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(traj.expect["pe"], s.exact(s.times)["pe"], atol=1e-7, rtol=0)
    assert traj.stats.options["solver"] == solver


def test_solver_reuses_propagator_between_runs():
    s = SYSTEMS[4]
    solver = LindbladSolver(s.H, s.c_ops, method="propagator")
    first = solver.run(s.rho0, s.times, s.e_ops)
    second = solver.run(s.rho0, s.times, s.e_ops)
    assert first.stats.n_expm == 1
    assert second.stats.n_expm == 0
    np.testing.assert_array_equal(first.expect["n"], second.expect["n"])
