"""Cross-checks against QuTiP (mesolve at atol=1e-12, rtol=1e-10; steadystate, direct).

Random open systems: Hamiltonian and jump operators from complex Gaussian matrices (norms O(1)),
random mixed initial states, Hilbert-space dimensions 2..24. States agree to 1e-8 in trace
distance (QuTiP's adaptive integrator is the less accurate side at these tolerances).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbattery.dynamics import evolve, steady_state

qutip = pytest.importorskip("qutip")

try:  # the metrics package provides it; keep the test independent of its progress
    from qbattery.metrics.distance import trace_distance as _td

    def trace_distance(a, b) -> float:
        return float(_td(a, b))
except ImportError:  # pragma: no cover
    def trace_distance(a, b) -> float:
        return float(0.5 * np.sum(np.abs(np.linalg.eigvalsh(a - b))))

MESOLVE_OPTIONS = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**6, "normalize_output": False}
DIMS = [2, 3, 5, 8, 13, 24]


def _ginibre(rng, D):
    return (rng.standard_normal((D, D)) + 1j * rng.standard_normal((D, D))) / math.sqrt(2 * D)


def random_open_system(D: int, seed: int, n_jumps: int = 2):
    rng = np.random.default_rng(seed)
    A = _ginibre(rng, D)
    H = A + A.conj().T
    c_ops = [math.sqrt(rng.uniform(0.2, 1.0)) * _ginibre(rng, D) for _ in range(n_jumps)]
    G = _ginibre(rng, D)
    rho0 = G @ G.conj().T
    rho0 /= np.trace(rho0).real
    return H, c_ops, 0.5 * (rho0 + rho0.conj().T)


@pytest.mark.parametrize("method", ["propagator", "krylov", "ode"])
@pytest.mark.parametrize("D", DIMS)
def test_evolve_matches_qutip_mesolve(D, method):
    H, c_ops, rho0 = random_open_system(D, seed=100 + D)
    times = np.linspace(0.0, 3.0, 13)
    ref = qutip.mesolve(qutip.Qobj(H), qutip.Qobj(rho0), times, [qutip.Qobj(c) for c in c_ops],
                        options=MESOLVE_OPTIONS)
    traj = evolve(H, rho0, times, c_ops, method=method)
    dist = max(trace_distance(traj.states[k], ref.states[k].full()) for k in range(len(times)))
    assert dist <= 1e-8, f"D={D} method={method}: max trace distance {dist:.2e}"


def test_evolve_accepts_qobj_inputs_and_matches_expectations():
    H, c_ops, rho0 = random_open_system(4, seed=7)
    Hq, cq, rq = qutip.Qobj(H, dims=[[2, 2], [2, 2]]), [qutip.Qobj(c, dims=[[2, 2], [2, 2]]) for c in c_ops], \
        qutip.Qobj(rho0, dims=[[2, 2], [2, 2]])
    Oq = qutip.tensor(qutip.sigmax(), qutip.qeye(2))
    times = np.linspace(0.0, 2.0, 9)
    ref = qutip.mesolve(Hq, rq, times, cq, e_ops=[Oq], options=MESOLVE_OPTIONS)
    traj = evolve(Hq, rq, times, cq, e_ops={"x1": Oq})
    assert traj.dims == (2, 2)
    assert traj.expect["x1"].dtype == np.float64
    np.testing.assert_allclose(traj.expect["x1"], ref.expect[0], atol=1e-8, rtol=0)


@pytest.mark.parametrize("D", DIMS)
def test_steady_state_matches_qutip(D):
    H, c_ops, _ = random_open_system(D, seed=200 + D, n_jumps=3)
    ref = qutip.steadystate(qutip.Qobj(H), [qutip.Qobj(c) for c in c_ops]).full()
    ss = steady_state(H, c_ops)
    assert ss.kernel_dim == 1
    assert trace_distance(ss.rho, ref) <= 1e-8
    assert ss.residual <= 1e-12
    assert ss.trace_error <= 1e-12
    assert ss.min_eigenvalue >= -1e-12


def test_steady_state_of_driven_cavity_matches_qutip_with_sparse_inputs():
    N = 30
    a = qutip.destroy(N)
    H = 0.7 * a.dag() * a + 0.4 * (a + a.dag())
    c = [math.sqrt(0.25) * a, math.sqrt(0.05) * a.dag() * a]
    ref = qutip.steadystate(H, c).full()
    ss = steady_state(H, c)  # Qobj inputs are converted to CSR above 64 levels, dense here
    assert trace_distance(ss.rho, ref) <= 1e-8
