"""Executors: the same sweep gives bit-identical datasets on serial, process and dask."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import exp_helpers as h
import pytest
import xarray as xr

from qbattery.errors import InvalidParameterError
from qbattery.experiments.executors import (
    SerialExecutor,
    check_executor_args,
    executor_parallelism,
    make_executor,
)
from qbattery.experiments.provenance import strip_volatile
from qbattery.experiments.runner import run_spec
from qbattery.experiments.spec import ExperimentSpec
from qbattery.experiments.sweep import Grid, run_sweep
from qbattery.papers import demo

GRID = Grid(axes={"seed": [0, 1, 2, 3, 4, 5]})


def assert_bitwise(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(strip_volatile(a), strip_volatile(b))
    for name in a.variables:
        assert a[name].values.tobytes() == b[name].values.tobytes(), name


@pytest.fixture(scope="module")
def serial_result(tmp_path_factory):
    return run_sweep(h.linalg_point, GRID, store=tmp_path_factory.mktemp("serial"))


def test_serial_executor_basics():
    ex = SerialExecutor()
    assert ex.submit(pow, 2, 10).result() == 1024
    fut = ex.submit(int, "x")
    assert isinstance(fut.exception(), ValueError)
    ex.shutdown()
    with pytest.raises(RuntimeError):
        ex.submit(pow, 2, 2)
    assert executor_parallelism(SerialExecutor()) == 1


def test_process_pool_is_bitwise_identical(serial_result, tmp_path):
    res = run_sweep(h.linalg_point, GRID, executor="process", workers=2, store=tmp_path)
    assert res.ok and res.n_computed == len(GRID)
    assert_bitwise(serial_result.dataset, res.dataset)


def test_user_supplied_executor(serial_result, tmp_path):
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(h.linalg_point, GRID, executor=ex, store=tmp_path)
    assert_bitwise(serial_result.dataset, res.dataset)


def test_dask_local_cluster_is_bitwise_identical(serial_result, tmp_path):
    """A real LocalCluster (2 worker processes, 127.0.0.1, no dashboard): a plain sweep and a
    spec (models rebuilt by name in the workers) give the same bytes as the serial executor."""
    pytest.importorskip("distributed")
    spec = ExperimentSpec.from_dict({**demo.STEADY, "sweep": {"axes": {
        "Omega": [0.0, 0.5, 1.0, 2.0], "gamma": [0.5, 1.0]}}})
    spec_serial = run_spec(spec, store=tmp_path / "spec_serial", progress=False)
    with make_executor("dask", workers=2) as ex:
        client = ex._client
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        res = run_sweep(h.linalg_point, GRID, executor=ex, store=tmp_path / "plain")
        spec_dask = run_spec(spec, store=tmp_path / "spec_dask", executor=ex, progress=False)
    assert res.ok and res.n_computed == len(GRID)
    assert_bitwise(serial_result.dataset, res.dataset)
    assert spec_dask.sweep.ok and spec_dask.sweep.n_computed == 8
    assert_bitwise(spec_serial.dataset, spec_dask.dataset)


def test_dask_external_scheduler(serial_result, tmp_path):
    distributed = pytest.importorskip("distributed")
    # An in-process cluster: what matters here is connecting by address (--scheduler).
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        res = run_sweep(h.linalg_point, GRID, scheduler=cluster.scheduler_address,
                        store=tmp_path)
    assert_bitwise(serial_result.dataset, res.dataset)


def test_failures_are_recorded_on_the_process_pool(tmp_path):
    res = run_sweep(h.wave_failing, h.grid(), executor="process", workers=2, store=tmp_path)
    assert res.n_failed == 3 and res.n_computed == 9
    assert all(r["error_type"] == "ValueError" for r in res.failures)


def test_closures_are_refused_by_the_process_pool():
    with pytest.raises(InvalidParameterError, match="module-level"):
        run_sweep(lambda x: x, {"x": [1]}, executor="process", workers=1)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"kind": "threads"}, "executor"),
    ({"kind": "process", "workers": 0}, "workers"),
    ({"kind": "process", "workers": True}, "workers"),
    ({"kind": "process", "scheduler": "tcp://127.0.0.1:1"}, "scheduler"),
    ({"kind": "dask", "scheduler": " "}, "scheduler"),
])
def test_invalid_executor_arguments(kwargs, name):
    with pytest.raises(InvalidParameterError) as info:
        check_executor_args(**kwargs)
    assert info.value.name == name


def test_invalid_executor_writes_nothing(tmp_path):
    with pytest.raises(InvalidParameterError):
        run_sweep(h.wave, h.grid(), executor="nope", store=tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_make_executor_passes_through_user_executors():
    ex = SerialExecutor()
    with make_executor(ex) as got:
        assert got is ex
