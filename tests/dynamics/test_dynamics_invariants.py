"""Hypothesis invariants of evolutions of random Lindblad models.

At every output time: |tr rho - 1| <= 1e-12, max|rho - rho^dag| <= 1e-12, lowest eigenvalue
>= -1e-9 (all methods; the ODE method integrates in the Hermitian subspace), and the solver's
own statistics agree with what is observed. Also: the Liouvillian of a random model has a
one-dimensional kernel and its steady state is a fixed point of the evolution.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from qbattery.dynamics import LindbladSolver, evolve, steady_state
from strategies import SEEDS, density_matrices, hamiltonians


@st.composite
def open_models(draw, max_dim: int = 5):
    """(H, c_ops, rho0) with D in [2, max_dim], 0..3 jump operators of rates in [0, 2]."""
    D = draw(st.integers(2, max_dim))
    H = draw(hamiltonians(D, low=-2.0, high=2.0))
    rho0 = draw(density_matrices(D))
    rng = np.random.default_rng(draw(SEEDS))
    n_jumps = draw(st.integers(0, 3))
    rates = draw(st.lists(st.floats(0.0, 2.0), min_size=n_jumps, max_size=n_jumps))
    c_ops = []
    for r in rates:
        G = (rng.standard_normal((D, D)) + 1j * rng.standard_normal((D, D))) / math.sqrt(2 * D)
        c_ops.append(math.sqrt(r) * G)
    return H, c_ops, rho0


@given(model=open_models(), method=st.sampled_from(["propagator", "krylov", "ode"]),
       t_end=st.floats(0.1, 5.0))
def test_trace_hermiticity_positivity_preserved(model, method, t_end):
    H, c_ops, rho0 = model
    traj = evolve(H, rho0, np.linspace(0.0, t_end, 9), c_ops, method=method)
    rhos = traj.states
    trace_err = np.abs(np.trace(rhos, axis1=1, axis2=2) - 1.0)
    herm_err = np.abs(rhos - rhos.conj().swapaxes(1, 2)).max(axis=(1, 2))
    lowest = np.linalg.eigvalsh(0.5 * (rhos + rhos.conj().swapaxes(1, 2)))[:, 0]
    assert trace_err.max() <= 1e-12
    assert herm_err.max() <= 1e-12
    assert lowest.min() >= -1e-9
    assert abs(traj.stats.max_trace_error - trace_err.max()) <= 1e-15
    assert abs(traj.stats.max_hermiticity_error - herm_err.max()) <= 1e-15


@given(model=open_models(max_dim=4))
def test_expectations_equal_trace_with_stored_states(model):
    H, c_ops, rho0 = model
    D = H.shape[0]
    times = np.linspace(0.0, 1.0, 5)
    traj = evolve(H, rho0, times, c_ops, e_ops={"H": H, "c": c_ops[0] if c_ops else np.eye(D)},
                  store_states=True)
    ref_H = np.einsum("ij,tji->t", H, traj.states)
    np.testing.assert_allclose(traj.expect["H"], ref_H.real, atol=1e-13, rtol=0)
    assert traj.expect["H"].dtype == np.float64


@given(model=open_models(max_dim=4))
def test_steady_state_is_a_fixed_point(model):
    H, c_ops, _ = model
    c_ops = [*c_ops, 0.5 * np.triu(np.ones_like(H), 1)]  # a ladder: a unique steady state
    ss = steady_state(H, c_ops)
    assert ss.kernel_dim == 1
    assert ss.trace_error <= 1e-12
    assert ss.min_eigenvalue >= -1e-9
    traj = LindbladSolver(H, c_ops, method="propagator").run(ss.rho, [0.0, 3.0])
    assert np.abs(traj.final_state - ss.rho).max() <= 1e-10
