"""Reservoirs: occupations, rates, steady states from the Liouvillian kernel, local vs collective."""

import math
import warnings

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from hypothesis import given
from hypothesis import strategies as st

import qbattery as qb
from qbattery.errors import InvalidParameterError
from qbattery.models import (
    BosonicThermalReservoir,
    Dephasing,
    FermionicReservoir,
    Gain,
    GainLossReservoir,
    Loss,
    Pumping,
    bose_einstein,
    fermi_dirac,
    site_operators,
)
from qbattery.quantum.superoperators import apply_dissipator


def _liouvillian(H, channels):
    return qb.liouvillian(H, [c.c_op for c in channels]).toarray()


def _kernel(Lv):
    return sla.null_space(Lv, rcond=1e-10)


def _steady(H, channels):
    K = _kernel(_liouvillian(H, channels))
    assert K.shape[1] == 1
    n = H.shape[0]
    rho = K[:, 0].reshape(n, n)
    return rho / np.trace(rho)


def _steady_sparse(H, channels):
    """Unique steady state: replace one row of L by the trace condition and solve (sparse LU)."""
    n = H.shape[0]
    Lv = qb.liouvillian(H, [c.c_op for c in channels]).tolil()
    Lv[0, :] = 0
    Lv[0, np.arange(n) * (n + 1)] = 1.0
    b = np.zeros(n * n, dtype=complex)
    b[0] = 1.0
    return spla.spsolve(Lv.tocsc(), b).reshape(n, n)


# ------------------------------------------------------------------ occupations
def test_fermi_dirac_values_and_limits():
    assert fermi_dirac(1.0, 0.0, 1.0) == pytest.approx(1 / (math.e + 1))
    assert fermi_dirac(2.0, 2.0, 0.7) == 0.5
    assert fermi_dirac(0.5, 1.0, 0.0) == 1.0
    assert fermi_dirac(1.5, 1.0, 0.0) == 0.0
    assert fermi_dirac(1.0, 1.0, 0.0) == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fermi_dirac(1e4, 0.0, 1e-3) == 0.0
        assert fermi_dirac(-1e4, 0.0, 1e-3) == 1.0
        assert fermi_dirac(0.0, 800.0, 1.0) == 1.0
        assert fermi_dirac(800.0, 0.0, 1.0) == pytest.approx(math.exp(-800.0), rel=1e-10)
    out = fermi_dirac(np.array([0.0, 1.0, 2.0]), 1.0, np.array([[0.0], [1.0]]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[0], [1.0, 0.5, 0.0])
    assert isinstance(fermi_dirac(1.0, 0.0, 1.0), float)


@given(x=st.floats(-50, 50), mu=st.floats(-5, 5), T=st.floats(0.01, 10))
def test_fermi_dirac_particle_hole_symmetry(x, mu, T):
    n1, n2 = fermi_dirac(mu + x, mu, T), fermi_dirac(mu - x, mu, T)
    assert 0.0 <= n1 <= 1.0
    assert n1 + n2 == pytest.approx(1.0, abs=1e-12)


def test_bose_einstein_values_and_limits():
    assert bose_einstein(1.0, 1.0) == pytest.approx(1 / (math.e - 1))
    assert bose_einstein(1.0, 0.0) == 0.0
    assert bose_einstein(1e-6, 1.0) == pytest.approx(1e6 - 0.5, rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bose_einstein(1e4, 1e-2) == 0.0
    np.testing.assert_allclose(bose_einstein(np.array([1.0, 2.0]), 1.0),
                               1 / np.expm1([1.0, 2.0]))


@pytest.mark.parametrize("call, name", [
    (lambda: fermi_dirac(1.0, 0.0, -1.0), "T"),
    (lambda: fermi_dirac(np.nan, 0.0, 1.0), "omega"),
    (lambda: fermi_dirac(1.0, np.inf, 1.0), "mu"),
    (lambda: fermi_dirac(1.0, 0.0, np.array([1.0, -1.0])), "T"),
    (lambda: bose_einstein(0.0, 1.0), "omega"),
    (lambda: bose_einstein(-1.0, 1.0), "omega"),
    (lambda: bose_einstein(1.0, -0.1), "T"),
])
def test_occupation_validation(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} = ") as info:
        call()
    assert info.value.name == name


# ------------------------------------------------------------------ qubit + fermionic bath
@pytest.mark.parametrize("mu, T", [(0.0, 1.0), (3.0, 0.5), (1.0, 0.0), (-2.0, 2.0), (1.5, 0.0)])
def test_qubit_relaxes_to_fermi_occupation(mu, T):
    res = FermionicReservoir(gamma=0.7, mu=mu, T=T, omega=1.0)
    H = 5.0 * qb.sigma_z()
    rho = _steady(H, res.channels(qb.sigma_minus()))
    n = fermi_dirac(1.0, mu, T)
    assert rho[1, 1].real == pytest.approx(n, abs=1e-12)
    assert abs(rho[0, 1]) < 1e-12
    # rate equation: d p_e / dt = gamma n p_g - gamma (1 - n) p_e  ->  p_e = n
    assert res.gain_rate + res.loss_rate == pytest.approx(0.7)
    assert res.gain_rate / 0.7 == pytest.approx(n)


def test_fermionic_hole_rate_accurate_deep_in_the_fermi_sea():
    res = FermionicReservoir(gamma=2.0, mu=60.0, T=1.0, omega=10.0)
    assert res.occupation == 1.0
    assert res.loss_rate == pytest.approx(2.0 * math.exp(-50.0), rel=1e-10)


def test_fermionic_zero_temperature_drops_zero_rate_channel():
    full = FermionicReservoir(1.0, mu=2.0, T=0.0, omega=1.0).channels([qb.sigma_minus()])
    assert [c.label for c in full] == ["fermionic:gain[0]"]
    np.testing.assert_array_equal(full[0].L, qb.sigma_plus())


# ------------------------------------------------------------------ boson + thermal bath
@pytest.mark.parametrize("n_th", [0.0, 0.3, 1.2])
def test_boson_thermal_steady_state_detailed_balance(n_th):
    cutoff = 25
    res = BosonicThermalReservoir(gamma=0.5, n_th=n_th)
    H = qb.number(cutoff)
    rho = _steady_sparse(H, res.channels(qb.destroy(cutoff)))
    # Truncated birth-death chain: detailed balance gives exactly the truncated geometric law.
    x = n_th / (n_th + 1)
    p = x ** np.arange(cutoff)
    np.testing.assert_allclose(np.diag(rho).real, p / p.sum(), atol=1e-12)
    assert np.max(np.abs(rho - np.diag(np.diag(rho)))) < 1e-12
    if n_th:
        assert np.sum(np.arange(cutoff) * np.diag(rho).real) == pytest.approx(n_th, rel=1e-3)


def test_boson_thermal_from_temperature():
    res = BosonicThermalReservoir(gamma=1.0, T=2.0, omega=1.0)
    assert res.n_th == pytest.approx(bose_einstein(1.0, 2.0))
    assert res.loss_rate == pytest.approx(res.n_th + 1.0)
    assert res.gain_rate == pytest.approx(res.n_th)
    assert BosonicThermalReservoir(1.0, T=0.0, omega=3.0).n_th == 0.0
    zero_T = BosonicThermalReservoir(0.2)
    assert zero_T.n_th == 0.0
    assert [c.label for c in zero_T.channels([qb.destroy(4)])] == ["thermal:loss[0]"]


@pytest.mark.parametrize("make, name", [
    (lambda: BosonicThermalReservoir(-0.1), "gamma"),
    (lambda: BosonicThermalReservoir(float("nan")), "gamma"),
    (lambda: BosonicThermalReservoir(1.0, n_th=-1.0), "n_th"),
    (lambda: BosonicThermalReservoir(1.0, n_th=0.5, T=1.0, omega=1.0), "n_th"),
    (lambda: BosonicThermalReservoir(1.0, n_th=0.5, T=1.0), "n_th"),
    (lambda: BosonicThermalReservoir(1.0, T=1.0), "omega"),
    (lambda: BosonicThermalReservoir(1.0, omega=1.0), "T"),
    (lambda: BosonicThermalReservoir(1.0, T=-1.0, omega=1.0), "T"),
    (lambda: BosonicThermalReservoir(1.0, T=1.0, omega=0.0), "omega"),
    (lambda: FermionicReservoir(1.0, mu=0.0, T=-0.5, omega=1.0), "T"),
    (lambda: FermionicReservoir(1.0, mu=float("nan"), T=0.5, omega=1.0), "mu"),
    (lambda: FermionicReservoir(-1.0, mu=0.0, T=0.5, omega=1.0), "gamma"),
    (lambda: Loss(float("inf")), "gamma"),
    (lambda: Gain(-1), "gamma"),
    (lambda: Pumping("1"), "gamma"),
    (lambda: GainLossReservoir(1.0, -2.0), "gamma_loss"),
    (lambda: Dephasing(1.0, operator="x"), "operator"),
])
def test_invalid_reservoir_parameters(make, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} = ") as info:
        make()
    assert info.value.name == name


# ------------------------------------------------------------------ local vs collective
def test_collective_decay_has_dark_singlet_local_does_not():
    ops = site_operators(qb.sigma_minus(), (2, 2), sparse=False)
    H = np.zeros((4, 4))
    loc = Loss(1.0).channels(ops, "local")
    col = Loss(1.0).channels(ops, "collective")
    assert [c.label for c in loc] == ["loss[0]", "loss[1]"]
    assert [c.label for c in col] == ["loss"]
    np.testing.assert_allclose(col[0].L, ops[0] + ops[1])
    assert _kernel(_liouvillian(H, loc)).shape[1] == 1
    # steady states: span{|gg>, |S>} -> 4-dimensional kernel (populations and coherences)
    assert _kernel(_liouvillian(H, col)).shape[1] == 4
    singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    rho_s = np.outer(singlet, singlet)
    np.testing.assert_allclose(apply_dissipator(col[0].L, rho_s), 0, atol=1e-15)


def test_collective_pumping_is_J_plus_and_mapping_labels():
    ops = site_operators(qb.sigma_minus(), (2, 2, 2))
    (pump,) = Pumping(0.3).channels(ops, "collective")
    Jp = sum(o.T.conj() for o in ops)
    np.testing.assert_allclose(pump.L.toarray(), Jp.toarray())
    assert pump.label == "pump" and pump.rate == 0.3
    chans = GainLossReservoir(0.5).channels({"charger": ops[0], "battery": ops[2]}, label="bath")
    assert [c.label for c in chans] == ["bath:gain[charger]", "bath:gain[battery]",
                                        "bath:loss[charger]", "bath:loss[battery]"]
    assert all(c.rate == 0.5 for c in chans)


def test_channels_argument_errors():
    with pytest.raises(InvalidParameterError, match=r"^mode = "):
        Loss(1.0).channels(qb.sigma_minus(), "global")
    with pytest.raises(InvalidParameterError, match=r"^ops = "):
        Loss(1.0).channels([])
    with pytest.raises(InvalidParameterError, match=r"^ops\[1\] = "):
        Loss(1.0).channels([qb.sigma_minus(), qb.destroy(3)])
    mixed = Loss(1.0).channels([qb.sigma_minus(), sp.csr_matrix(qb.sigma_minus())], "collective")
    np.testing.assert_allclose(mixed[0].L.toarray(), 2 * qb.sigma_minus())


# ------------------------------------------------------------------ dephasing
def test_dephasing_rates():
    rho = np.full((2, 2), 0.5, dtype=complex)  # |+><+|
    (c,) = Dephasing(0.4).channels(qb.sigma_minus())
    np.testing.assert_allclose(c.L, qb.sigma_z())
    drho = apply_dissipator(c.L, rho, c.rate)
    assert drho[1, 0] == pytest.approx(-2 * 0.4 * rho[1, 0])  # coherence decays at 2 gamma
    np.testing.assert_allclose(np.diag(drho), 0)
    (cn,) = Dephasing(0.4, operator="number").channels(qb.sigma_minus())
    np.testing.assert_allclose(cn.L, qb.sigma_plus() @ qb.sigma_minus())
    np.testing.assert_allclose(apply_dissipator(cn.L, rho, 4 * 0.4), drho, atol=1e-15)


def test_collective_dephasing_is_total_sigma_z():
    ops = site_operators(qb.sigma_minus(), (2, 2))
    (c,) = Dephasing(1.0).channels(ops, "collective")
    Z = sum(qb.embed(qb.sigma_z(), i, (2, 2)) for i in range(2))
    np.testing.assert_allclose(c.L.toarray(), Z)


def test_reservoirs_are_frozen_and_hashable():
    r = FermionicReservoir(1.0, mu=1.0, T=0.5, omega=1.0)
    assert r == FermionicReservoir(1, 1, 0.5, 1)
    assert hash(r) == hash(FermionicReservoir(1, 1, 0.5, 1))
    with pytest.raises(AttributeError):
        r.mu = 2.0
