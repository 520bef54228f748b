"""Specs: TOML round trips, frozen/hashable objects, stable hashes, one-line errors with lines."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbattery.experiments.registry import Param, get_model, register_model, unregister_model
from qbattery.experiments.spec import (
    ExperimentSpec,
    SpecError,
    load_spec,
    locate_line,
    parse_spec,
)
from qbattery.papers import demo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))

BASE = """\
name = "t"
metrics = ["energy", "ergotropy"]

[model]
name = "driven_qubit"

[model.params]
Omega = 0.5

[dynamics]
kind = "evolve"

[times]
stop = 2.0
num = 5

[sweep.axes]
gamma = [0.0, 0.5]
"""


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_round_trip(path):
    spec = load_spec(path)
    text = spec.to_toml()
    again = parse_spec(text)
    assert again == spec and again.hash == spec.hash
    assert again.to_toml() == text
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("spec_dict", [demo.CHARGING, demo.STEADY], ids=["charging", "steady"])
def test_python_specs_round_trip_through_toml(spec_dict):
    spec = ExperimentSpec.from_dict(spec_dict)
    assert parse_spec(spec.to_toml()) == spec


def test_spec_is_frozen_and_hashable():
    spec = parse_spec(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"  # type: ignore[misc]
    assert len({spec, parse_spec(BASE)}) == 1
    assert spec.model.param_dict() == {"Omega": 0.5, "delta": 0.0, "omega0": 1.0}
    assert spec.model.unit_of("gamma") == "omega0"
    assert spec.grid().dims == ("gamma",)
    np.testing.assert_array_equal(spec.times.array(), np.linspace(0, 2, 5))


def test_hash_ignores_key_order_and_int_float_spelling():
    reordered = """\
[times]
num = 5
stop = 2

[sweep.axes]
gamma = [0, 0.5]

[dynamics]
kind = "evolve"

[model.params]
Omega = 0.5

[model]
name = "driven_qubit"
"""
    # TOML forbids re-opening [model] after [model.params]; write it the legal way round
    reordered = reordered.replace('[model.params]\nOmega = 0.5\n\n[model]\nname = "driven_qubit"\n',
                                  '[model]\nparams = { Omega = 0.5 }\nname = "driven_qubit"\n')
    reordered = 'metrics = ["energy", "ergotropy"]\nname = "t"\n' + reordered
    assert parse_spec(reordered).hash == parse_spec(BASE).hash


def test_hash_is_stable_across_processes(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE)
    code = ("import sys; from qbattery.experiments.spec import load_spec; "
            "print(load_spec(sys.argv[1]).hash)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "7"})
    assert out.stdout.strip() == load_spec(path).hash


NUMERIC_CHANGES = [
    {"model": {"params": {"Omega": 0.6}}},
    {"model": {"params": {"delta": 1e-12}}},
    {"sweep": {"axes": {"gamma": [0.0, 0.25]}}},
    {"sweep": {"axes": {"gamma": [0.5, 0.0]}}},
    {"times": {"num": 6}},
    {"times": {"stop": 2.5}},
    {"metrics": ["energy"]},
    {"metrics": ["ergotropy", "energy"]},
    {"initial_state": "maximally_mixed"},
    {"dynamics": {"method": "other"}},
    {"units": {"energy": "GHz"}},
]


@pytest.mark.parametrize("change", NUMERIC_CHANGES, ids=[str(c) for c in NUMERIC_CHANGES])
def test_hash_changes_with_every_numerics_field(change, monkeypatch):
    from qbattery.experiments import runner

    monkeypatch.setattr(runner, "_make_method", lambda kind, method, options: method)
    spec = parse_spec(BASE)
    assert spec.updated(change).hash != spec.hash


@pytest.mark.parametrize("change", [
    {"name": "renamed"},
    {"description": "words"},
    {"checks": [{"name": "c", "variable": "energy", "expected": 0.0,
                 "at": {"gamma": 0.0, "time": 0.0}, "atol": 1e-9}]},
    {"figures": [{"name": "f", "y": "energy", "x": "time", "hue": "gamma"}]},
])
def test_hash_ignores_descriptive_fields(change):
    spec = parse_spec(BASE)
    assert spec.updated(change).hash == spec.hash


def test_hash_changes_with_numerics_version(monkeypatch):
    from qbattery.experiments import hashing
    from qbattery.experiments import spec as spec_mod

    h0 = parse_spec(BASE).hash
    monkeypatch.setattr(hashing, "NUMERICS_VERSION", "999")
    monkeypatch.setattr(spec_mod, "digest",
                        lambda obj: hashing.digest(obj, numerics_version=hashing.NUMERICS_VERSION))
    assert parse_spec(BASE).hash != h0


def test_user_registered_model_with_inferred_parameters():
    from qbattery.models.open_system import OpenSystem
    from qbattery.quantum.operators import sigma_z

    @register_model("test_user_qubit")
    def user_qubit(w=1.0, n: int = 2, label="x"):
        return OpenSystem(0.5 * w * sigma_z())

    try:
        entry = get_model("test_user_qubit")
        assert entry.params["n"].kind == "int" and entry.params["label"].kind == "str"
        d = {"name": "u", "model": {"name": "test_user_qubit", "params": {"w": 2}},
             "dynamics": {"kind": "steady_state"}, "metrics": ["energy"],
             "sweep": {"axes": {"n": {"start": 1, "stop": 3, "num": 3}}}}
        spec = ExperimentSpec.from_dict(d)
        assert spec.model.param_dict()["w"] == 2.0
        assert spec.grid().coords["n"] == (1, 2, 3)
        d2 = {**d, "model": {"name": "test_user_qubit", "params": {"n": 1.5}}, "sweep": {}}
        with pytest.raises(SpecError, match=r"model\.params\.n: expected an integer"):
            ExperimentSpec.from_dict(d2)
        d3 = {**d, "sweep": {"axes": {"n": {"start": 1, "stop": 2, "num": 3}}}}
        with pytest.raises(SpecError, match=r"sweep\.axes\.n: the range gives non-integer"):
            ExperimentSpec.from_dict(d3)
    finally:
        unregister_model("test_user_qubit")


def test_register_model_rejects_clashes_and_undeclared_required_arguments():
    from qbattery.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        register_model("driven_qubit")(lambda: None)
    with pytest.raises(InvalidParameterError, match="required argument"):
        register_model("test_bad", params={"a": Param(1.0)})(lambda a, b: None)
    with pytest.raises(InvalidParameterError, match=r"params\.c"):
        register_model("test_bad2", params={"c": Param(1.0)})(lambda a=1: None)


def test_spec_error_is_one_line_with_the_line_of_the_key():
    text = BASE.replace("Omega = 0.5", "Omega = -0.5")
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("spec error: model.params.Omega (line 8): expected a finite number >= 0")


@pytest.mark.parametrize(("text", "loc", "line"), [
    ('a = 1\n[b]\nc = 2\n[[d]]\ne = 3\n[[d]]\ne = 4\n', ("d", 1, "e"), 7),
    ('a = 1\n[b]\nc = { x = 1, y = 2 }\n', ("b", "c", "y"), 3),
    ('a = 1\n[b]\nc = 2\n', ("b", "zz"), 2),
    ('a = 1\n[b.c]\n# comment = 1\nd = 2  # x = 3\n', ("b", "c", "d"), 4),
    ('x = [1,\n 2]\ny = [{a = 1}, {a = 2}]\n', ("y", 1, "a"), 3),
    ('"quoted key" = 1\n', ("quoted key",), 1),
])
def test_locate_line(text, loc, line):
    assert locate_line(text, loc) == line


finite = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(gammas=st.lists(finite, min_size=1, max_size=4, unique=True), omega=finite,
       num=st.integers(1, 50), stop=st.floats(1e-3, 1e3))
def test_round_trip_and_hash_property(gammas, omega, num, stop):
    gammas = [g + 0.0 for g in gammas]
    if len({g for g in gammas}) != len(gammas):
        return
    d = {"name": "p", "model": {"name": "driven_qubit", "params": {"Omega": omega}},
         "dynamics": {"kind": "evolve"}, "times": {"stop": stop, "num": num},
         "metrics": ["energy"], "sweep": {"axes": {"gamma": gammas}}}
    spec = ExperimentSpec.from_dict(d)
    again = parse_spec(spec.to_toml())
    assert again == spec and again.hash == spec.hash
    assert ExperimentSpec.from_dict(json.loads(spec.to_json())).hash == spec.hash
