"""The shared hypothesis strategies (tests/strategies.py) produce what they promise."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from strategies import (
    density_matrices,
    hamiltonians,
    kets,
    probability_vectors,
    spectra,
    states_and_hamiltonians,
    subsystem_dims,
    two_qubit_states,
    unitaries,
)


def _is_state(rho, n):
    return (rho.shape == (n, n) and np.allclose(rho, rho.conj().T, atol=1e-14)
            and abs(np.trace(rho) - 1) < 1e-12 and np.linalg.eigvalsh(rho)[0] > -1e-12)


@given(n=st.integers(1, 6), data=st.data())
def test_density_matrices_rank(n, data):
    rank = data.draw(st.integers(1, n))
    rho = data.draw(density_matrices(n, rank=rank))
    assert _is_state(rho, n)
    assert np.sum(np.linalg.eigvalsh(rho) > 1e-9) == rank


@given(dims=subsystem_dims(), data=st.data())
def test_dims_parameter(dims, data):
    n = math.prod(dims)
    assert n <= 16
    assert _is_state(data.draw(density_matrices(dims=dims)), n)
    assert data.draw(hamiltonians(dims=dims)).shape == (n, n)
    assert data.draw(kets(dims=dims)).shape == (n,)


@given(rho=density_matrices(n=st.integers(3, 4), pure=True))
def test_pure_and_strategy_n(rho):
    assert rho.shape[0] in (3, 4)
    assert abs(np.trace(rho @ rho) - 1) < 1e-12


@given(e=spectra(degenerate=True))
def test_degenerate_spectra(e):
    assert np.all(np.diff(e) >= 0)
    assert len(np.unique(e)) < e.size


@given(e=spectra(degenerate=False, low=-1.0, high=1.0))
def test_nondegenerate_spectra(e):
    assert np.all(np.diff(e) >= 2e-3 / e.size)
    assert e[0] >= -1.0 and e[-1] <= 1.0


@given(H=hamiltonians(4, degenerate=True))
def test_hamiltonians_hermitian(H):
    np.testing.assert_array_equal(H, H.conj().T)
    e = np.linalg.eigvalsh(H)
    assert np.min(np.diff(e)) < 1e-9  # degenerate up to round-off


@given(u=unitaries(), psi=kets(5), p=probability_vectors(6))
def test_unitaries_kets_probabilities(u, psi, p):
    np.testing.assert_allclose(u @ u.conj().T, np.eye(u.shape[0]), atol=1e-12)
    assert abs(np.linalg.norm(psi) - 1) < 1e-12
    assert abs(p.sum() - 1) < 1e-12 and np.all(p >= 0)


@given(pair=states_and_hamiltonians(max_dim=4), rho2=two_qubit_states())
def test_pairs(pair, rho2):
    rho, H = pair
    assert rho.shape == H.shape
    assert _is_state(rho2, 4)
