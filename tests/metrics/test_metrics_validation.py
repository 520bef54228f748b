"""Bad input raises InvalidParameterError/DimensionError naming the argument; round-off is tolerated."""

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery import metrics as m
from qbattery.errors import DimensionError, InvalidParameterError

RHO = np.diag([0.25, 0.75]).astype(complex)
H = np.diag([0.0, 1.0])
STATE_FUNCS = [m.energy, m.energy_above_ground, m.passive_state, m.passive_energy, m.ergotropy,
               m.ergotropy_incoherent, m.ergotropy_coherent, m.normalised_ergotropy,
               m.ergotropy_fraction, m.l1_coherence, m.dephase]


def _raises(exc, name, fn, *args, **kw):
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    msg = str(info.value)
    assert msg.startswith(f"{name} = "), msg
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("f", STATE_FUNCS)
def test_bad_hamiltonian(f):
    _raises(InvalidParameterError, "H", f, RHO, np.array([[0.0, 1.0], [0.0, 1.0]]))  # non-Hermitian
    _raises(DimensionError, "H", f, RHO, np.zeros((2, 3)))
    _raises(InvalidParameterError, "H", f, RHO, np.array([[np.nan, 0], [0, 1]]))
    _raises(InvalidParameterError, "H", f, RHO, "not a matrix")


@pytest.mark.parametrize("f", STATE_FUNCS)
def test_bad_state(f):
    _raises(DimensionError, "rho", f, np.eye(3) / 3, H)  # mismatched with H
    _raises(DimensionError, "rho", f, np.ones((2, 3)) / 2, H)  # non-square
    _raises(InvalidParameterError, "rho", f, np.array([[np.nan, 0], [0, 1]]), H)
    _raises(InvalidParameterError, "rho", f, np.array([[0.5, 0.5], [0.0, 0.5]]), H)  # non-Hermitian
    _raises(InvalidParameterError, "rho", f, np.eye(2), H)  # trace 2
    _raises(InvalidParameterError, "rho", f, np.array([1.0, 1.0]), H)  # unnormalised ket


def test_dimension_error_message_shape():
    msg = _raises(DimensionError, "H", m.ergotropy, RHO, np.zeros((2, 3)))
    assert "shape=(2, 3)" in msg and "is invalid: expected" in msg


@pytest.mark.parametrize("f", [m.passive_state, m.passive_energy, m.ergotropy, m.ergotropy_incoherent,
                               m.ergotropy_fraction, m.von_neumann_entropy, m.concurrence])
def test_non_positive_states_rejected(f):
    bad2 = np.diag([1.2, -0.2]).astype(complex)
    bad4 = np.diag([1.2, -0.2, 0, 0]).astype(complex)
    args = (bad4,) if f is m.concurrence else (bad2,) if f is m.von_neumann_entropy else (bad2, H)
    msg = _raises(InvalidParameterError, "rho", f, *args)
    assert "lowest eigenvalue" in msg


def test_round_off_is_tolerated():
    eps = 1e-9
    rho = np.array([[0.5 + eps, 0.5], [0.5 + 1e-9j, 0.5 - 2 * eps]])  # slightly non-Hermitian/positive
    w = m.ergotropy(rho, H)
    assert w >= 0.0
    assert m.ergotropy_coherent(rho, H) >= 0.0
    assert m.von_neumann_entropy(rho) >= 0.0
    # a state at the ground level: exactly zero ergotropy and fraction
    assert m.ergotropy(np.diag([1.0, 0.0]), 1e6 * np.eye(2) + H) == 0.0


def test_other_bad_arguments():
    _raises(DimensionError, "rho", m.concurrence, np.eye(2) / 2)
    _raises(InvalidParameterError, "n_qubits", m.average_concurrence, np.eye(4) / 4, 1)
    _raises(DimensionError, "rho", m.average_concurrence, np.eye(4) / 4, 3)
    _raises(InvalidParameterError, "pairs", m.average_concurrence, np.eye(8) / 8, 3, pairs=[(0, 0)])
    _raises(InvalidParameterError, "pairs", m.average_concurrence, np.eye(8) / 8, 3, pairs=[(0, 3)])
    _raises(InvalidParameterError, "pairs", m.average_concurrence, np.eye(8) / 8, 3, pairs=[])
    _raises(InvalidParameterError, "base", m.von_neumann_entropy, RHO, base=1.0)
    _raises(InvalidParameterError, "base", m.von_neumann_entropy, RHO, base=-2.0)
    _raises(DimensionError, "sigma", m.trace_distance, RHO, np.eye(3) / 3)
    _raises(DimensionError, "rho_ref", m.stored_energy, RHO, H, np.eye(3) / 3)
    _raises(InvalidParameterError, "H", m.max_energy, np.array([[0, 1j], [1j, 0]]))


def test_power_bad_arguments():
    t = np.linspace(0, 1, 5)
    _raises(InvalidParameterError, "times", m.average_power, np.zeros(5), t[::-1])
    _raises(InvalidParameterError, "times", m.instantaneous_power, np.zeros(5), [0, 1, 1, 2, 3])
    _raises(InvalidParameterError, "times", m.instantaneous_power, np.zeros(1), [0.0])
    _raises(InvalidParameterError, "times", m.average_power, np.zeros(2), [0.0, np.nan])
    _raises(DimensionError, "energies", m.average_power, np.zeros(4), t)
    _raises(DimensionError, "energies", m.average_power, np.zeros((5, 3)), t)  # wrong axis
    _raises(InvalidParameterError, "energies", m.average_power, np.full(5, np.nan), t)
    _raises(InvalidParameterError, "energies", m.average_power, np.ones(5) * 1j, t)
    _raises(InvalidParameterError, "axis", m.average_power, np.zeros(5), t, axis=3)
    _raises(DimensionError, "drho_dt", m.power_from_generator, RHO, H, np.zeros((3, 3)))
    _raises(DimensionError, "drho_dt", m.power_from_generator, RHO, H, sp.identity(9))
    _raises(DimensionError, "drho_dt", m.power_from_generator, RHO, H, lambda r: np.zeros(3))
    _raises(InvalidParameterError, "drho_dt", m.power_from_generator, RHO, H, np.full((2, 2), np.inf))
