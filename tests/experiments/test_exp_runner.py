"""Running specs: model -> solver -> metrics -> dataset, against closed forms, on any executor."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from qbattery.experiments.provenance import strip_volatile
from qbattery.experiments.registry import register_metric
from qbattery.experiments.runner import compute_point, evaluate_checks, run_spec
from qbattery.experiments.spec import ExperimentSpec, load_spec
from qbattery.papers import demo

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))


def _spec(**changes) -> ExperimentSpec:
    base = {"name": "r", "model": {"name": "driven_qubit", "params": {"Omega": 0.5}},
            "dynamics": {"kind": "evolve"}, "times": {"stop": 6.0, "num": 61},
            "metrics": ["energy", "ergotropy"]}
    base.update(changes)
    return ExperimentSpec.from_dict(base)


def test_rabi_closed_form_and_dataset_layout():
    spec = _spec()
    ds = compute_point(spec, {})
    t = np.linspace(0, 6, 61)
    np.testing.assert_allclose(ds["energy"].values, np.sin(0.5 * t) ** 2, atol=1e-7)
    np.testing.assert_allclose(ds["ergotropy"].values, ds["energy"].values, atol=1e-7)
    assert ds["energy"].attrs["units"] == "omega0" and ds["time"].attrs["units"] == "1/omega0"
    assert ds.attrs["dynamics_kind"] == "evolve"


def test_steady_state_point_and_closed_form():
    spec = _spec(dynamics={"kind": "steady_state", "options": {"tol": 1e-9}}, times=None)
    ds = compute_point(spec, {"gamma": 1.0})
    assert ds["energy"].dims == ()
    assert float(ds["energy"]) == pytest.approx(float(demo.steady_energy(1.0, 0.5, 1.0)), abs=1e-9)
    assert int(ds["steady_state_kernel_dim"]) == 1
    assert float(ds["steady_state_residual"]) < 1e-8


@pytest.mark.parametrize(("state", "e0"), [
    ("ground", 0.0),
    ("excited", 1.0),
    ("maximally_mixed", 0.5),
    ({"kind": "basis", "index": 1}, 1.0),
    ({"kind": "basis", "levels": [1]}, 1.0),
    ({"kind": "named", "name": "excited"}, 1.0),
])
def test_initial_states(state, e0):
    spec = _spec(initial_state=state, times={"stop": 1.0, "num": 3})
    ds = compute_point(spec, {})
    assert float(ds["energy"][0]) == pytest.approx(e0, abs=1e-12)


def test_gibbs_initial_state_and_decay():
    spec = _spec(initial_state={"kind": "gibbs", "beta": 0.0},
                 model={"name": "driven_qubit", "params": {"Omega": 0.0, "gamma": 1.0}})
    ds = compute_point(spec, {})
    t = ds["time"].values
    np.testing.assert_allclose(ds["energy"].values, 0.5 * np.exp(-t), atol=1e-7)


def test_power_metrics_and_user_metric():
    @register_metric("test_excited_population", quantity="dimensionless", replace=True)
    def pop(rho):
        return np.asarray(rho)[..., 1, 1].real

    spec = _spec(metrics=["energy", "average_power", "instantaneous_power",
                          "test_excited_population"])
    ds = compute_point(spec, {})
    t = ds["time"].values
    assert np.isnan(ds["average_power"].values[0])
    np.testing.assert_allclose(ds["average_power"].values[1:], np.sin(0.5 * t[1:]) ** 2 / t[1:],
                               atol=1e-6)
    np.testing.assert_allclose(ds["instantaneous_power"].values[5:-5],
                               0.5 * np.sin(t[5:-5]), atol=2e-3)
    assert ds["average_power"].attrs["units"] == "(omega0)/(1/omega0)"
    np.testing.assert_allclose(ds["test_excited_population"], ds["energy"], atol=1e-12)
    assert ds["test_excited_population"].attrs["units"] == "1"


def test_run_spec_files_checks_and_executor_independence(tmp_path):
    spec = ExperimentSpec.from_dict({
        **demo.CHARGING, "times": {"stop": 6.0, "num": 31},
        "sweep": {"axes": {"gamma": [0.0, 0.5, 1.0]}},
        "checks": [{"name": "E(pi)", "variable": "energy", "at": {"gamma": 0.0, "time": math.pi},
                    "expected": math.sin(0.5 * 3.2) ** 2, "atol": 1e-6}],
        "figures": [{"name": "f", "y": ["energy", "ergotropy"], "x": "time", "hue": "gamma"}]})
    serial = run_spec(spec, store=tmp_path / "a", progress=False)
    assert serial.ok, [str(c) for c in serial.checks]
    names = sorted(p.name for p in serial.files)
    assert names == ["checks.csv", "dataset.nc", "f.pdf", "f.png"]
    par = run_spec(spec, store=tmp_path / "b", executor="process", workers=2, progress=False)
    xr.testing.assert_identical(strip_volatile(serial.dataset), strip_volatile(par.dataset))
    assert serial.dataset["energy"].values.tobytes() == par.dataset["energy"].values.tobytes()
    assert [c.computed for c in evaluate_checks(spec, par.dataset)] == [
        c.computed for c in serial.checks]
    again = run_spec(spec, store=tmp_path / "a", progress=False)
    assert again.sweep.n_computed == 0 and again.sweep.n_reused == 3


def test_solver_method_and_options_reach_the_solver():
    spec = _spec(dynamics={"kind": "evolve", "method": "ode", "options": {"rtol": 1e-8}})
    ds = compute_point(spec, {})
    assert ds.attrs["solver_method"] == "ode" and ds.attrs["solver_option_rtol"] == 1e-8
    assert json.loads(ds.attrs["dynamics_options"]) == {"rtol": 1e-8}
    t = ds["time"].values
    np.testing.assert_allclose(ds["energy"].values, np.sin(0.5 * t) ** 2, atol=1e-6)
    assert float(ds["solver_max_trace_error"]) < 1e-6


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_run_and_pass_their_checks(path, tmp_path):
    res = run_spec(load_spec(path), store=tmp_path, progress=False)
    assert res.ok, [str(c) for c in res.checks] + list(res.errors)
    assert res.dataset.attrs["n_missing"] == 0
