"""Sweeps: grids, merging, failed points, resumable store, SIGKILL and concurrent sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import exp_helpers as h
import numpy as np
import pytest
import xarray as xr

from qbattery.errors import InvalidParameterError
from qbattery.experiments.provenance import strip_volatile
from qbattery.experiments.sweep import Grid, merge_points, point_key, run_sweep

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


def assert_same(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(strip_volatile(a), strip_volatile(b))
    for name in a.variables:
        assert a[name].values.tobytes() == b[name].values.tobytes(), name


# ---------------------------------------------------------------------- grids
def test_grid_points_dims_and_order():
    g = Grid(axes={"a": [1, 2], "b": [0.5, 1.5, 2.5]}, cases=[{"c": 1.0, "d": "x"},
                                                             {"c": 2.0, "d": "y"}])
    assert g.dims == ("c", "d", "a", "b")
    assert g.shape == (2, 2, 2, 3)
    assert len(g) == 12
    pts = g.points()
    assert pts[0] == {"c": 1.0, "d": "x", "a": 1, "b": 0.5}
    assert pts[1] == {"c": 1.0, "d": "x", "a": 1, "b": 1.5}  # last axis fastest
    assert pts[-1] == {"c": 2.0, "d": "y", "a": 2, "b": 2.5}
    assert g.index(pts[-1]) == (1, 1, 1, 2)
    assert len({point_key(p) for p in pts}) == 12


def test_grid_normalises_numpy_and_keeps_types_apart():
    g = Grid(axes={"x": np.array([1.0, 2.0]), "n": [np.int64(1), 2], "flag": [True, False]})
    assert all(type(v) is float for v in g.coords["x"])
    assert point_key({"n": 1}) != point_key({"n": 1.0}) != point_key({"n": True})


@pytest.mark.parametrize("kwargs", [
    {"axes": {"a": [1, 1]}},
    {"axes": {"a": []}},
    {"axes": {"a": "abc"}},
    {"axes": {"a": [float("nan")]}},
    {"axes": {"a": [[1, 2]]}},
    {"cases": [{"a": 1}, {"b": 2}]},
    {"cases": [{"a": 1}, {"a": 1}]},
    {"axes": {"a": [1]}, "cases": [{"a": 2}]},
    {"cases": [{}]},
])
def test_grid_rejects(kwargs):
    with pytest.raises(InvalidParameterError):
        Grid(**kwargs)


# ---------------------------------------------------------------------- in-memory sweeps
def test_run_sweep_in_memory_matches_direct_calls():
    res = run_sweep(h.wave, {"a": [1, 2, 3], "b": [0.0, 0.5]}, constants={"scale": 2.0},
                    coord_attrs={"a": {"units": "1/s"}})
    ds = res.dataset
    assert res.ok and res.n_computed == 6 and res.n_reused == 0 and res.entry is None
    assert ds["y"].dims == ("a", "b", "time")
    np.testing.assert_array_equal(ds["y"].sel(a=2, b=0.5).values, h.wave(2, 0.5, 2.0)["y"].values)
    assert ds["a"].attrs["units"] == "1/s"
    assert ds["time"].attrs["units"] == "s" and ds["y"].attrs["units"] == "arb."
    assert ds.attrs["kind"] == "wave" and ds.attrs["n_points"] == 6
    assert "qbattery_version" in ds.attrs and "created" in ds.attrs
    assert "point" not in ds.attrs and "wall_time_s" not in ds.attrs


def test_cases_fill_uncovered_cells_with_nan():
    g = Grid(axes={"b": [0.0, 1.0]}, cases=[{"a": 1, "scale": 1.0}, {"a": 3, "scale": 2.0}])
    ds = run_sweep(h.wave, g).dataset
    assert ds["y"].dims == ("a", "scale", "b", "time")
    assert np.isnan(ds["y"].sel(a=1, scale=2.0)).all()
    np.testing.assert_array_equal(ds["y"].sel(a=3, scale=2.0, b=1.0), h.wave(3, 1.0, 2.0)["y"])


def test_scalar_and_mapping_results():
    ds = run_sweep(h.scalar_point, {"x": [1, 2, 3]}).dataset
    assert ds["result"].values.tolist() == [1, 4, 9]
    ds = run_sweep(h.dict_point, {"x": [1.0, 2.0]}).dataset
    assert ds["series"].dims == ("x", "k")


def test_inconsistent_point_results_are_an_error():
    def bad(x):
        return {"v": x} if x < 2 else {"w": x}

    with pytest.raises(ValueError, match="returned variables"):
        run_sweep(bad, {"x": [1, 2]})


def test_constants_may_not_shadow_axes():
    with pytest.raises(InvalidParameterError, match="constants"):
        run_sweep(h.wave, {"a": [1], "b": [0.0]}, constants={"a": 1})


# ---------------------------------------------------------------------- failures and store
def test_failed_point_is_recorded_and_others_complete(tmp_path):
    res = run_sweep(h.wave_failing, h.grid(), store=tmp_path)
    assert res.n_failed == 3 and res.n_computed == 9
    assert {r["point"]["a"] for r in res.failures} == {2}
    rec = res.failures[0]
    assert rec["error_type"] == "ValueError" and "not allowed" in rec["message"]
    assert "Traceback" in rec["traceback"]
    files = sorted(res.entry.failed_dir.glob("*.json"))
    assert len(files) == 3
    stored = json.loads(files[0].read_text())
    assert stored["error_type"] == "ValueError" and stored["point"]["a"] == 2
    ds = res.dataset
    assert np.isnan(ds["y"].sel(a=2)).all() and not np.isnan(ds["y"].sel(a=3)).any()
    assert ds.attrs["n_missing"] == 3
    # a rerun retries only the failed points (still failing), reusing the others
    again = run_sweep(h.wave_failing, h.grid(), store=tmp_path)
    assert again.n_reused == 9 and again.n_failed == 3 and again.n_computed == 0


def test_rerun_computes_only_missing_points(tmp_path):
    first = run_sweep(h.wave, h.grid(), store=tmp_path)
    assert first.n_computed == 12
    removed = sorted(first.entry.points_dir.glob("*.nc"))[:5]
    for p in removed:
        p.unlink()
    second = run_sweep(h.wave, h.grid(), store=tmp_path)
    assert second.n_computed == 5 and second.n_reused == 7
    assert_same(first.dataset, second.dataset)
    third = run_sweep(h.wave, h.grid(), store=tmp_path)
    assert third.n_computed == 0
    assert_same(first.dataset, third.dataset)


def test_store_key_depends_on_function_grid_and_constants(tmp_path):
    a = run_sweep(h.wave, h.grid(), store=tmp_path).entry
    b = run_sweep(h.wave, h.grid(), store=tmp_path, constants={"scale": 2.0}).entry
    c = run_sweep(h.wave, Grid(axes={"a": [1, 2], "b": [0.0]}), store=tmp_path).entry
    d = run_sweep(h.slow_wave, Grid(axes={"a": [1], "b": [0.0]}), store=tmp_path).entry
    assert len({a.path, b.path, c.path, d.path}) == 4
    assert (a.path / "sweep.json").is_file() and (a.path / "manifest.json").is_file()


def test_store_holds_no_pickle(tmp_path):
    res = run_sweep(h.wave_failing, h.grid(), store=tmp_path)
    for p in res.entry.path.rglob("*"):
        if p.is_file():
            assert p.suffix in (".nc", ".json", ".toml"), p
            assert not p.read_bytes().startswith(b"\x80"), p  # pickle protocol header


def _wait_for_points(points_dir: Path, n: int, proc: subprocess.Popen, timeout: float = 60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if points_dir.is_dir() and len(list(points_dir.glob("*.nc"))) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"sweep subprocess exited early with {proc.returncode}")
        time.sleep(0.02)
    raise AssertionError("timed out waiting for stored points")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(SRC), env.get("PYTHONPATH", "")])
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_sweep_resumes_to_identical_dataset(tmp_path):
    killed_store = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(HERE / "exp_helpers.py"), str(killed_store)],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    def points_dirs():
        return list(killed_store.glob("killable-*/points"))

    try:
        t0 = time.monotonic()
        while not points_dirs() and time.monotonic() - t0 < 60:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.02)
        _wait_for_points(points_dirs()[0], 4, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    pdir = points_dirs()[0]
    n_before = len(list(pdir.glob("*.nc")))
    assert 4 <= n_before < 12, n_before
    resumed = run_sweep(h.slow_wave, h.grid(), store=killed_store, name="killable")
    assert resumed.n_reused == n_before and resumed.n_computed == 12 - n_before
    assert resumed.ok and len(list(pdir.glob("*.nc"))) == 12
    fresh = run_sweep(h.slow_wave, h.grid(), store=tmp_path / "fresh", name="killable")
    assert_same(resumed.dataset, fresh.dataset)
    # a killed writer may leave at most a hidden temporary file, never a partial point
    for p in pdir.iterdir():
        assert p.name.endswith(".nc") or p.name.startswith("."), p


def test_two_concurrent_sweeps_on_one_store(tmp_path, monkeypatch):
    monkeypatch.setenv("QB_TEST_SLEEP", "0.02")
    results = []
    errors = []

    def go():
        try:
            results.append(run_sweep(h.slow_wave, h.grid(), store=tmp_path, progress=False))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    a, b = results
    assert a.ok and b.ok
    assert a.n_computed + b.n_computed >= 12  # each point computed at least once
    assert_same(a.dataset, b.dataset)
    entry = a.entry
    assert len(list(entry.points_dir.glob("*.nc"))) == 12
    assert not list(entry.path.rglob(".*.tmp"))
    reference = run_sweep(h.slow_wave, h.grid(), progress=False)
    xr.testing.assert_equal(a.dataset.drop_attrs(), reference.dataset.drop_attrs())


def test_two_concurrent_sweep_processes_on_one_store(tmp_path):
    procs = [subprocess.Popen([sys.executable, str(HERE / "exp_helpers.py"), str(tmp_path),
                               "0.02"], env=_env(), stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    res = run_sweep(h.slow_wave, h.grid(), store=tmp_path, name="killable")
    assert res.n_computed == 0 and res.n_reused == 12
    reference = run_sweep(h.slow_wave, h.grid(), name="killable")
    xr.testing.assert_equal(res.dataset.drop_attrs(), reference.dataset.drop_attrs())


def test_merge_points_with_nothing_done():
    ds = merge_points(h.grid(), {})
    assert dict(ds.sizes) == {"a": 4, "b": 3} and not ds.data_vars
