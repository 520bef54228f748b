"""API of evolve / LindbladSolver / Trajectory: e_ops forms, storage, immutability, xarray export,
method selection and options, truncation monitoring, and one-line errors naming the argument."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery.dynamics import (
    ODE,
    Auto,
    Krylov,
    LindbladSolver,
    Propagator,
    SolverStats,
    Trajectory,
    evolve,
    make_method,
)
from qbattery.dynamics.methods import grid_runs
from qbattery.errors import DimensionError, InvalidParameterError, TruncationWarning
from qbattery.models.open_system import OpenSystem
from qbattery.quantum.operators import create, destroy, number, sigma_minus, sigma_x, sigma_z
from qbattery.quantum.states import fock_dm
from qbattery.quantum.superoperators import liouvillian

OMEGA, GAMMA = 1.0, 0.5
H_Q = 0.5 * OMEGA * sigma_z()
C_Q = [math.sqrt(GAMMA) * sigma_minus()]
RHO_Q = np.array([[0.4, 0.3 - 0.1j], [0.3 + 0.1j, 0.6]])
TIMES = np.linspace(0.0, 2.0, 11)


# ----------------------------------------------------------------------------- e_ops
def test_e_ops_forms_and_dtypes():
    def purity(t, rho):
        return np.trace(rho @ rho).real

    def coherence(t, rho):
        return rho[1, 0]

    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops={
        "z": sigma_z(), "x_sparse": sp.csr_matrix(sigma_x()), "sm": sigma_minus(),
        "purity": purity, "coh": coherence})
    assert list(traj.expect) == ["z", "x_sparse", "sm", "purity", "coh"]
    assert traj.expect["z"].dtype == np.float64
    assert traj.expect["x_sparse"].dtype == np.float64
    assert traj.expect["sm"].dtype == np.complex128
    assert traj.expect["purity"].dtype == np.float64
    assert traj.expect["coh"].dtype == np.complex128
    np.testing.assert_allclose(traj.expect["coh"], traj.expect["sm"], atol=1e-15)
    pe = 0.6 * np.exp(-GAMMA * TIMES)
    np.testing.assert_allclose(traj.expect["z"], 2 * pe - 1, atol=1e-12)


def test_e_ops_list_and_single_operator_use_integer_keys():
    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops=[sigma_z(), sigma_x()])
    assert list(traj.expect) == [0, 1]
    single = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops=sigma_z())
    np.testing.assert_array_equal(single.expect[0], traj.expect[0])
    assert traj.e_data is traj.expect


def test_callable_receives_time_and_read_only_state():
    seen = []

    def f(t, rho):
        seen.append(t)
        assert rho.shape == (2, 2) and not rho.flags.writeable
        return 1.0

    evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops={"f": f})
    np.testing.assert_array_equal(seen, TIMES)


def test_store_states_defaults_and_override():
    assert evolve(H_Q, RHO_Q, TIMES, C_Q).states.shape == (11, 2, 2)
    with_e = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops=[sigma_z()])
    assert with_e.states is None
    forced = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops=[sigma_z()], store_states=True)
    assert forced.states.shape == (11, 2, 2)
    np.testing.assert_array_equal(forced.final_state, forced.states[-1])
    np.testing.assert_allclose(with_e.final_state, forced.states[-1], atol=0)
    none = evolve(H_Q, RHO_Q, TIMES, C_Q, store_states=False)
    assert none.states is None and none.final_state.shape == (2, 2)


def test_c_ops_forms():
    stack = evolve(H_Q, RHO_Q, TIMES, np.stack(C_Q))
    single = evolve(H_Q, RHO_Q, TIMES, C_Q[0])
    listed = evolve(H_Q, RHO_Q, TIMES, C_Q)
    np.testing.assert_array_equal(stack.states, listed.states)
    np.testing.assert_array_equal(single.states, listed.states)
    closed = evolve(H_Q, RHO_Q, TIMES)  # no dissipation: purity conserved
    purity = np.einsum("tij,tji->t", closed.states, closed.states).real
    np.testing.assert_allclose(purity, purity[0], atol=1e-14)


def test_ket_and_sparse_inputs():
    psi = np.array([0.6, 0.8j])
    dense = evolve(H_Q, psi, TIMES, C_Q)
    sparse = evolve(sp.csr_matrix(H_Q), np.outer(psi, psi.conj()), TIMES,
                    [sp.csr_matrix(c) for c in C_Q])
    np.testing.assert_allclose(dense.states, sparse.states, atol=1e-15)


# ----------------------------------------------------------------------------- results
def test_trajectory_is_immutable_and_summarised():
    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops={"z": sigma_z()}, store_states=True)
    with pytest.raises(ValueError, match="read-only"):
        traj.times[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        traj.expect["z"][0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        traj.states[0, 0, 0] = 1.0
    with pytest.raises(TypeError):
        traj.expect["w"] = np.zeros(11)
    with pytest.raises(dataclasses.FrozenInstanceError):
        traj.times = TIMES
    text = repr(traj)
    assert "nt=11" in text and "D=2" in text and "method=propagator (auto)" in text and "wall=" in text
    assert "\n" not in text


def test_stats_are_a_mapping_with_method_and_tolerances():
    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, method="ode", rtol=1e-9)
    stats = traj.stats
    assert isinstance(stats, SolverStats)
    assert stats["method"] == "ode" and stats.options["rtol"] == 1e-9
    assert dict(stats)["liouville_dim"] == 4
    assert stats.n_matvec > 0 and stats.n_steps > 0 and stats.wall_time > 0
    assert stats.max_top_population is None
    assert stats.to_dict()["options"]["solver"] == "DOP853"


def test_to_xarray_splits_complex_and_keeps_netcdf_safe_attrs(tmp_path):
    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, e_ops={"z": sigma_z(), "sm": sigma_minus(), 2: sigma_x()},
                  store_states=True)
    ds = traj.to_xarray()
    assert set(ds.data_vars) == {"z", "sm", "sm_imag", "e2", "rho_real", "rho_imag"}
    np.testing.assert_array_equal(ds["t"].values, TIMES)
    np.testing.assert_array_equal(ds["sm"].values, traj.expect["sm"].real)
    np.testing.assert_array_equal(ds["sm_imag"].values, traj.expect["sm"].imag)
    assert ds["rho_real"].dims == ("t", "row", "col")
    np.testing.assert_array_equal(ds["rho_real"].values + 1j * ds["rho_imag"].values, traj.states)
    assert ds.attrs["method"] == "propagator"
    assert all(isinstance(v, (str, int, float)) for v in ds.attrs.values())
    assert traj.to_xarray(time_name="time")["z"].dims == ("time",)
    pytest.importorskip("netCDF4")
    path = tmp_path / "traj.nc"
    ds.to_netcdf(path)
    import xarray as xr

    with xr.open_dataset(path) as back:
        np.testing.assert_array_equal(back["z"].values, ds["z"].values)
        assert back.attrs["method"] == "propagator"


# ----------------------------------------------------------------------------- methods
def test_make_method_and_options():
    assert make_method("ode", rtol=1e-8) == ODE(rtol=1e-8)
    assert make_method(ODE(), atol=1e-10).atol == 1e-10
    assert isinstance(make_method(), Auto)
    assert make_method("KRYLOV") == Krylov()
    with pytest.raises(InvalidParameterError, match=r"^tol .*option of method 'krylov'"):
        make_method("krylov", tol=1e-3)
    with pytest.raises(InvalidParameterError, match=r"^solver"):
        ODE(solver="LSODA")
    with pytest.raises(InvalidParameterError, match=r"^rtol"):
        ODE(rtol=0.0)


def test_auto_picks_dense_for_small_and_krylov_for_large():
    assert isinstance(Auto().resolve(4, TIMES), Propagator)
    assert isinstance(Auto().resolve(441, TIMES), Krylov)  # 441^3 > 3e5 * 11
    assert isinstance(Auto().resolve(441, np.linspace(0, 1, 400)), Propagator)
    assert isinstance(Auto().resolve(2048, np.linspace(0, 1, 10**6)), Krylov)  # > dense_max
    many_steps = np.cumsum(np.arange(1, 40) * 0.01)
    assert isinstance(Auto().resolve(16, many_steps), Propagator)
    assert isinstance(Auto().resolve(256, many_steps), Krylov)
    assert isinstance(Auto(dense_ratio=1e8).resolve(441, TIMES), Propagator)
    a = destroy(21)  # n = 441
    traj = evolve(number(21), fock_dm(21, 1), TIMES, [0.5 * a], e_ops=[number(21)])
    assert traj.stats.method == "krylov" and traj.stats.auto


def test_auto_stays_dense_when_the_solver_has_the_propagator():
    a = destroy(21)
    solver = LindbladSolver(number(21), [0.5 * a])
    assert isinstance(solver.resolved_method(TIMES), Krylov)
    forced = LindbladSolver(number(21), [0.5 * a], method="propagator")
    forced.run(fock_dm(21, 1), TIMES)
    solver._cache.update(forced._cache)  # same model: share the propagator
    assert isinstance(solver.resolved_method(TIMES), Propagator)
    assert solver.run(fock_dm(21, 1), TIMES).stats.n_expm == 0


def test_method_instance_with_options_in_evolve():
    traj = evolve(H_Q, RHO_Q, TIMES, C_Q, method=ODE(), atol=1e-11)
    assert traj.stats.options["atol"] == 1e-11 and not traj.stats.auto


def test_propagator_refuses_huge_liouvillians():
    with pytest.raises(InvalidParameterError, match=r"^method"):
        evolve(number(10), fock_dm(10, 0), TIMES, method=Propagator(max_dim=50))


def test_grid_runs_split_uniform_stretches():
    t = np.concatenate([np.linspace(0, 1, 11), [1.5, 2.5], np.linspace(3, 4, 3)])
    runs = grid_runs(t)
    assert [(a, b) for a, b, _ in runs] == [(0, 10), (10, 11), (11, 12), (12, 15)]  # 2.5 -> 4 by 0.5
    assert np.isclose(runs[0][2], 0.1) and np.isclose(runs[-1][2], 0.5)


def test_from_liouvillian_matches_evolve():
    L = liouvillian(H_Q, C_Q)
    solver = LindbladSolver.from_liouvillian(L, method="ode")
    a = solver.run(RHO_Q, TIMES)
    b = evolve(H_Q, RHO_Q, TIMES, C_Q, method="ode")
    np.testing.assert_allclose(a.states, b.states, atol=1e-14)
    with pytest.raises(DimensionError, match=r"^L"):
        LindbladSolver.from_liouvillian(np.eye(3))
    assert "LindbladSolver(D=2" in repr(solver)


# ----------------------------------------------------------------------------- OpenSystem
def test_open_system_truncation_warning_and_stats():
    N = 4
    a, ad = destroy(N), create(N)
    model = OpenSystem(H=number(N), channels=[(ad, 0.5, "pump"), (a, 0.1, "loss")],
                       truncated=(0,))
    with pytest.warns(TruncationWarning, match="truncated subsystem"):
        traj = evolve(model, fock_dm(N, 0), np.linspace(0, 10, 21), e_ops={"n": number(N)})
    assert traj.stats.max_top_population > model.truncation_tol
    assert traj.stats.truncation_tol == model.truncation_tol
    # a short run stays below the tolerance: no warning (pytest turns it into an error)
    quiet = OpenSystem(H=number(12), channels=[(destroy(12), 0.3)], truncated=(0,))
    ok = evolve(quiet, fock_dm(12, 2), TIMES, e_ops={"n": number(12)})
    assert ok.stats.max_top_population == 0.0


def test_open_system_subsystem_truncation_uses_dims():
    a = np.kron(np.eye(2), destroy(3))
    model = OpenSystem(H=np.kron(sigma_z(), np.eye(3)), channels=[(a.conj().T, 1.0)],
                       dims=(2, 3), truncated=(1,), truncation_tol=1.0)
    traj = evolve(model, np.kron(fock_dm(2, 1), fock_dm(3, 0)), TIMES)
    assert traj.dims == (2, 3)
    top = traj.states.reshape(-1, 2, 3, 2, 3).diagonal(axis1=1, axis2=3).diagonal(axis1=1, axis2=2)
    assert np.isclose(traj.stats.max_top_population, top[..., 2].real.sum(axis=-1).max(), atol=1e-15)


# ----------------------------------------------------------------------------- bad inputs
BAD = [
    ("non-Hermitian H", dict(H=np.array([[0, 1], [0, 0]])), "H", InvalidParameterError),
    ("non-square H", dict(H=np.zeros((2, 3))), "H", DimensionError),
    ("NaN in H", dict(H=np.array([[np.nan, 0], [0, 1]])), "H", InvalidParameterError),
    ("c_op dims", dict(c_ops=[np.eye(3)]), "c_ops[0]", DimensionError),
    ("c_ops type", dict(c_ops=5), "c_ops", InvalidParameterError),
    ("rho0 trace", dict(rho0=np.eye(2)), "rho0", InvalidParameterError),
    ("rho0 not positive", dict(rho0=np.array([[1.5, 0], [0, -0.5]])), "rho0", InvalidParameterError),
    ("rho0 dims", dict(rho0=np.eye(3) / 3), "rho0", DimensionError),
    ("unsorted times", dict(times=[0.0, 2.0, 1.0]), "times", InvalidParameterError),
    ("empty times", dict(times=[]), "times", InvalidParameterError),
    ("NaN times", dict(times=[0.0, np.nan]), "times", InvalidParameterError),
    ("unknown method", dict(method="rk4"), "method", InvalidParameterError),
    ("unknown option", dict(method="ode", foo=1), "foo", InvalidParameterError),
    ("e_ops dims", dict(e_ops={"x": np.eye(3)}), "e_ops['x']", DimensionError),
    ("e_ops type", dict(e_ops="z"), "e_ops", InvalidParameterError),
    ("e_ops callable", dict(e_ops={"f": lambda t, rho: "a"}), "e_ops['f']", InvalidParameterError),
    ("store_states", dict(store_states="yes"), "store_states", InvalidParameterError),
]


@pytest.mark.parametrize(("case", "kwargs", "name", "exc"), BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_raise_naming_the_argument(case, kwargs, name, exc):
    args = dict(H=H_Q, rho0=RHO_Q, times=TIMES, c_ops=C_Q)
    args.update(kwargs)
    with pytest.raises(exc) as info:
        evolve(**args)
    msg = str(info.value)
    assert msg.startswith(f"{name} ="), msg
    assert "\n" not in msg


def test_open_system_with_c_ops_is_rejected():
    model = OpenSystem(H=H_Q, channels=C_Q)
    with pytest.raises(InvalidParameterError, match=r"^c_ops"):
        evolve(model, RHO_Q, TIMES, c_ops=C_Q)


def test_trajectory_type():
    assert isinstance(evolve(H_Q, RHO_Q, TIMES, C_Q), Trajectory)
