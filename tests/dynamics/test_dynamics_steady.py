"""Steady states: degenerate kernels (collective decay), projection from rho0, kernel counting
(dense SVD and sparse shift-invert paths), solver reuse, truncation and failure reporting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbattery.dynamics import (
    SteadyStateSolver,
    evolve,
    kernel_dimension,
    liouvillian_spectrum,
    steady_state,
)
from qbattery.dynamics import steady as steady_mod
from qbattery.errors import (
    DegenerateSteadyStateError,
    InvalidParameterError,
    SolverError,
    TruncationWarning,
)
from qbattery.models.open_system import OpenSystem
from qbattery.quantum.operators import destroy, embed, number, sigma_minus, sigma_z
from qbattery.quantum.states import basis
from qbattery.quantum.superoperators import liouvillian


def collective_decay(N: int, omega: float = 1.0, gamma: float = 1.0):
    """N qubits, H = omega J_z, one collective jump sqrt(gamma) J_-."""
    dims = [2] * N
    J = sum(embed(sigma_minus(), i, dims) for i in range(N))
    H = 0.5 * omega * sum(embed(sigma_z(), i, dims) for i in range(N))
    return H, [math.sqrt(gamma) * J]


def dicke_kernel_dim(N: int) -> int:
    """sum over j of (multiplicity of j)^2: the lowest state of each multiplet and the coherences
    between multiplets of equal j (equal m = -j, hence equal energy under omega J_z)."""
    total = 0
    for twoj in range(N % 2, N + 1, 2):
        k = (N - twoj) // 2
        mult = math.comb(N, k) - (math.comb(N, k - 1) if k >= 1 else 0)
        total += mult ** 2
    return total


def product(bits: str) -> np.ndarray:
    idx = int(bits.replace("e", "1").replace("g", "0"), 2)
    v = basis(2 ** len(bits), idx)
    return np.outer(v, v.conj())


def test_two_qubit_collective_decay_is_degenerate():
    H, c = collective_decay(2)
    assert kernel_dimension(liouvillian(H, c)) == 2  # |gg> and the dark singlet
    with pytest.raises(DegenerateSteadyStateError, match="dimension 2") as info:
        steady_state(H, c)
    assert info.value.kernel_dim == 2
    assert "rho0" in str(info.value)


def test_two_qubit_degenerate_steady_state_from_rho0_matches_long_time_evolution():
    H, c = collective_decay(2)
    rho0 = product("eg")
    ss = steady_state(H, c, rho0=rho0)
    assert ss.kernel_dim == 2
    assert ss.method == "projection"
    late = evolve(H, rho0, [0.0, 60.0], c, method="propagator").final_state
    assert np.abs(ss.rho - late).max() <= 1e-8
    # |eg> = (|T0> + |S>)/sqrt2: half decays to |gg>, half stays in the singlet
    S = np.array([0, 1, -1, 0]) / math.sqrt(2)
    expected = 0.5 * product("gg") + 0.5 * np.outer(S, S)
    assert np.abs(ss.rho - expected).max() <= 1e-12
    assert ss.residual <= 1e-12 and ss.trace_error <= 1e-12


def test_degenerate_without_hamiltonian_keeps_dark_coherences():
    H, c = collective_decay(2, omega=0.0)  # |gg> and |S> degenerate: their coherences are stationary
    assert kernel_dimension(liouvillian(H, c)) == 4
    psi = np.array([1, 1, -1, 0]) / math.sqrt(3)  # (|gg> + sqrt2 |S>)/sqrt3
    rho0 = np.outer(psi, psi)
    ss = steady_state(H, c, rho0=rho0)
    assert ss.kernel_dim == 4
    assert np.abs(ss.rho - rho0).max() <= 1e-12


@pytest.mark.parametrize("N", [2, 3, 4])
def test_kernel_dimension_of_collective_decay_dense_path(N):
    H, c = collective_decay(N)
    assert kernel_dimension(liouvillian(H, c)) == dicke_kernel_dim(N)


def test_sparse_kernel_path_and_projection_match_evolution():
    N = 5  # Liouville dimension 1024 > SVD_MAX_DIM: shift-invert eigs
    H, c = collective_decay(N)
    L = liouvillian(H, c)
    assert L.shape[0] > steady_mod.SVD_MAX_DIM
    assert kernel_dimension(L) == dicke_kernel_dim(N) == 42
    rho0 = product("eegeg")
    ss = SteadyStateSolver().solve_liouvillian(L, rho0)
    assert ss.kernel_dim == 42
    late = evolve(H, rho0, [0.0, 80.0], c, method="krylov").final_state
    assert np.abs(ss.rho - late).max() <= 1e-8


def test_sparse_and_dense_kernel_counts_agree(monkeypatch):
    H, c = collective_decay(3)
    L = liouvillian(H, c)
    dense = kernel_dimension(L)
    monkeypatch.setattr(steady_mod, "SVD_MAX_DIM", 0)
    assert kernel_dimension(L) == dense == 5


def test_unique_steady_state_ignores_rho0_but_validates_it():
    a = destroy(12)
    H, c = number(12) + 0.3 * (a + a.conj().T), [math.sqrt(0.5) * a]
    ref = steady_state(H, c)
    with_rho0 = steady_state(H, c, rho0=basis(12, 3))
    assert with_rho0.method == "direct" and with_rho0.kernel_dim == 1
    np.testing.assert_allclose(with_rho0.rho, ref.rho, atol=1e-14)
    with pytest.raises(InvalidParameterError, match=r"^rho0"):
        steady_state(H, c, rho0=2 * np.eye(12) / 12)


def test_solver_reuse_with_prebuilt_liouvillians():
    a = destroy(15)
    solver = SteadyStateSolver(check_kernel=False)
    for F in (0.1, 0.3, 0.5):
        H = number(15) + F * (a + a.conj().T)
        L = liouvillian(H, [math.sqrt(0.4) * a])
        ss = solver.solve_liouvillian(L, dims=(15,))
        assert ss.kernel_dim is None
        alpha = -F / (1.0 - 0.2j)
        assert abs(np.trace(a @ ss.rho) - alpha) <= 1e-10
        np.testing.assert_allclose(ss.rho, steady_state(H, [math.sqrt(0.4) * a]).rho, atol=1e-14)


def test_open_system_input_and_truncation_warning():
    a = destroy(6)
    model = OpenSystem(H=number(6) + 2.0 * (a + a.conj().T), channels=[(a, 0.2, "loss")],
                       truncated=(0,))
    with pytest.warns(TruncationWarning, match="truncation_tol"):
        ss = steady_state(model)
    assert ss.max_top_population > 1e-3
    with pytest.raises(InvalidParameterError, match=r"^c_ops"):
        steady_state(model, [a])


def test_liouvillian_spectrum_of_amplitude_damping():
    omega, gamma = 1.3, 0.7
    model = OpenSystem(H=0.5 * omega * sigma_z(), channels=[(sigma_minus(), gamma)])
    ev = liouvillian_spectrum(model)
    expected = np.array([0, -gamma / 2 + 1j * omega, -gamma / 2 - 1j * omega, -gamma])
    assert abs(ev[0]) <= 1e-14
    np.testing.assert_allclose(np.sort_complex(ev), np.sort_complex(expected), atol=1e-12)
    assert kernel_dimension(model) == 1


def test_residual_check_raises_solver_error():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5))
    H, c = A + A.conj().T, [destroy(5) + 0.3 * A]  # generic: the residual is ~1e-16, not 0
    with pytest.raises(SolverError, match="residual"):
        steady_state(H, c, tol=1e-300)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"method": "svd"}, "method"),
    ({"tol": -1.0}, "tol"),
    ({"kernel_tol": 0.0}, "kernel_tol"),
    ({"check_kernel": "yes"}, "check_kernel"),
    ({"permc_spec": "AMD"}, "permc_spec"),
])
def test_bad_steady_state_options(kwargs, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}"):
        steady_state(sigma_z(), [sigma_minus()], **kwargs)
