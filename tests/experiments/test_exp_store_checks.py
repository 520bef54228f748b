"""Store primitives, hashing, checks and provenance."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from qbattery.experiments.checks import (
    CHECK_COLUMNS,
    Check,
    at_least,
    at_most,
    compare,
    holds,
    read_checks_csv,
    write_checks_csv,
)
from qbattery.experiments.hashing import canonical, canonical_json, digest
from qbattery.experiments.provenance import VOLATILE_ATTRS, provenance, strip_volatile
from qbattery.experiments.store import (
    Store,
    atomic_write_netcdf,
    atomic_write_text,
    netcdf_safe,
    read_netcdf,
)


# ---------------------------------------------------------------------- hashing
def test_canonical_normalises():
    assert canonical({"b": (1, np.float64(-0.0)), "a": np.int64(3)}) == {"b": [1, 0.0], "a": 3}
    assert canonical_json({"b": 1, "a": 2}) == canonical_json({"a": 2, "b": 1}) == '{"a":2,"b":1}'
    assert canonical_json(0.1) == "0.1" and canonical_json(1e-300) == "1e-300"
    assert json.loads(canonical_json(1 / 3)) == 1 / 3  # exact round trip
    with pytest.raises(ValueError):
        canonical(float("nan"))
    with pytest.raises(TypeError):
        canonical(object())


def test_digest_is_stable_across_processes_and_versions():
    obj = {"x": [0.1, 2, "s"], "y": {"z": True}}
    code = ("from qbattery.experiments.hashing import digest; "
            "print(digest({'y': {'z': True}, 'x': [0.1, 2, 's']}))")
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, check=True).stdout.strip()
    assert other == digest(obj)
    assert digest(obj, numerics_version="2") != digest(obj)


# ---------------------------------------------------------------------- store
def test_atomic_writes_leave_no_temporary_files(tmp_path):
    atomic_write_text(tmp_path / "a" / "x.txt", "hello")
    ds = xr.Dataset({"v": ("t", np.arange(3.0))}, attrs={"flag": True, "nested": {"a": 1},
                                                          "none": None})
    atomic_write_netcdf(tmp_path / "a" / "d.nc", ds)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["d.nc", "x.txt"]
    back = read_netcdf(tmp_path / "a" / "d.nc")
    assert back.attrs["flag"] == 1 and json.loads(back.attrs["nested"]) == {"a": 1}
    xr.testing.assert_identical(back, netcdf_safe(ds))


def test_failed_write_leaves_nothing(tmp_path):
    bad = xr.Dataset({"v": ("t", np.array([object()], dtype=object))})
    with pytest.raises(Exception):  # noqa: B017 - whatever netCDF raises
        atomic_write_netcdf(tmp_path / "bad.nc", bad)
    assert list(tmp_path.iterdir()) == []


def test_complex_variables_round_trip(tmp_path):
    ds = xr.Dataset({"z": (("t", "k"), np.array([[1 + 2j, -3j], [0.5, 1j]]), {"units": "u"})},
                    coords={"t": [0.0, 1.0], "c": 2})
    atomic_write_netcdf(tmp_path / "z.nc", ds)
    back = read_netcdf(tmp_path / "z.nc")
    xr.testing.assert_identical(back, ds)
    assert back["z"].dtype == np.complex128


def test_store_entry_layout_and_stale_tmp_cleanup(tmp_path):
    st = Store(tmp_path / "results")
    e = st.entry("my spec/1", "ab" * 32)
    assert e.path.name == "my_spec_1-abababababab"
    assert not e.path.exists()  # nothing on disk until prepared
    e.prepare({"spec.toml": "name = 'x'\n"})
    assert (e.path / "spec.toml").read_text() == "name = 'x'\n"
    old = e.points_dir / ".p.nc.123.abc.tmp"
    young = e.points_dir / ".q.nc.123.abd.tmp"
    old.write_text("partial")
    young.write_text("partial")
    past = time.time() - 7200
    os.utime(old, (past, past))
    assert e.clean_stale_tmp() == 1
    assert not old.exists() and young.exists()
    assert e.stored_keys() == set()
    assert st.entries() == [e.path]
    with pytest.raises(ValueError):
        st.entry("x", "not-hex")


def test_unreadable_point_is_treated_as_missing(tmp_path):
    e = Store(tmp_path).entry("s", "0" * 64)
    e.prepare()
    e.point_path("k").write_bytes(b"garbage")
    assert e.read_point("k") is None


def test_failure_records_are_json(tmp_path):
    e = Store(tmp_path).entry("s", "0" * 64)
    e.write_failure("k", {"key": "k", "error_type": "ValueError", "point": {"a": 1}})
    assert e.failures()[0]["point"] == {"a": 1}
    e.clear_failure("k")
    assert e.failures() == []


# ---------------------------------------------------------------------- checks
def test_compare_and_bounds():
    c = compare("E", 1.0005, 1.0, rtol=1e-3)
    assert c.passed and math.isclose(c.tolerance, 1e-3)
    assert not compare("E", 1.1, 1.0, rtol=1e-3).passed
    assert not compare("E", float("nan"), 1.0, atol=1.0).passed
    assert compare("E", np.array([2.0]), 2, atol=0).passed
    assert at_most("W", 0.4, 0.5).passed and not at_most("W", 0.6, 0.5).passed
    assert at_least("W", 0.6, 0.5).passed and at_least("W", 0.49, 0.5, atol=0.02).passed
    h = holds("monotonic", True, expected="monotonic")
    assert h.passed and math.isnan(h.tolerance)
    with pytest.raises(ValueError):
        compare("E", [1.0, 2.0], 1.0)
    with pytest.raises(ValueError):
        compare("E", 1.0, 1.0, rtol=-1)
    assert "PASS" in str(c)


def test_checks_csv_round_trip(tmp_path):
    checks = [compare("a, with comma", 0.1 + 0.2, 0.3, atol=1e-12, source='Eq. (3) "x"'),
              at_most("b", 0.4, 0.5, source="Fig. 2"), holds("c", False, expected="yes")]
    path = write_checks_csv(tmp_path / "p" / "checks.csv", checks)
    header = path.read_text().splitlines()[0]
    assert header == ",".join(CHECK_COLUMNS) + ",kind,note"
    back = read_checks_csv(path)
    assert [c.check for c in back] == [c.check for c in checks]
    assert back[0].computed == 0.1 + 0.2  # exact
    assert [c.passed for c in back] == [True, True, False]
    assert isinstance(back[1], Check) and back[1].expected == "<= 0.5"


# ---------------------------------------------------------------------- provenance
def test_provenance_attrs():
    p = provenance(spec_hash="abc")
    for key in ("qbattery_version", "numpy_version", "scipy_version", "qutip_version",
                "git_commit", "numerics_version", "created"):
        assert key in p
    assert p["spec_hash"] == "abc"
    ds = xr.Dataset(attrs=p)
    assert not set(VOLATILE_ATTRS) & set(strip_volatile(ds).attrs)
