"""Importable helpers for the experiments tests (point functions and models for workers).

Process-pool, dask and subprocess workers import this module by name, so everything here is
module-level (no closures).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import xarray as xr

from qbattery.experiments.registry import Param, register_model
from qbattery.models.open_system import Channel, OpenSystem
from qbattery.quantum.operators import projector, sigma_minus, sigma_x

TIMES = np.linspace(0.0, 1.0, 11)


def wave(a, b, scale=1.0):
    """A deterministic point function with a time axis (float arithmetic only)."""
    y = scale * np.sin(a * TIMES + b) * np.exp(-0.1 * b * TIMES)
    return xr.Dataset({"y": ("time", y, {"units": "arb."}), "peak": ((), float(np.max(y)))},
                      coords={"time": ("time", TIMES, {"units": "s"})},
                      attrs={"kind": "wave"})


def wave_failing(a, b, scale=1.0):
    """Like wave, but raises for a == 2."""
    if a == 2:
        raise ValueError(f"a = {a} is not allowed here")
    return wave(a, b, scale)


def slow_wave(a, b, scale=1.0):
    """Like wave, with a short sleep so that a sweep can be killed mid-way."""
    time.sleep(float(os.environ.get("QB_TEST_SLEEP", "0.15")))
    return wave(a, b, scale)


def scalar_point(x):
    return x * x


def dict_point(x):
    return {"double": 2 * x, "series": ("k", np.arange(3) * x)}


def linalg_point(seed, n=24):
    """Eigenvalues of a random Hermitian matrix: exercises LAPACK (bitwise across executors)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = a + a.conj().T
    w = np.linalg.eigvalsh(h)
    e = np.exp(-1j * h * 0.1)
    return xr.Dataset({"eig": ("k", w), "trace": ((), float(np.trace(e @ e).real))})


@register_model(
    "test_failing_qubit",
    params={"Omega": Param(0.5, unit="omega0", low=0.0), "gamma": Param(0.0, unit="omega0",
                                                                         low=0.0)},
    units={"energy": "omega0", "time": "1/omega0"},
)
def failing_qubit(Omega=0.5, gamma=0.0):
    """A driven damped qubit whose builder fails for gamma == 0.5 (to test failed points)."""
    if gamma == 0.5:
        raise RuntimeError("simulated failure for gamma = 0.5")
    return OpenSystem(Omega * sigma_x(), channels=(Channel(sigma_minus(), gamma, "decay"),),
                      H_battery=projector(2, 1))


def run_wave_sweep(store: str, sleep: str = "0.15") -> None:
    """Entry point of the SIGKILL test subprocess: a slow sweep into ``store``."""
    os.environ["QB_TEST_SLEEP"] = sleep
    from qbattery.experiments.sweep import run_sweep

    run_sweep(slow_wave, grid(), store=store, name="killable", progress=False)


def grid():
    from qbattery.experiments.sweep import Grid

    return Grid(axes={"a": [1, 2, 3, 4], "b": [0.0, 0.5, 1.0]}, cases=None)


if __name__ == "__main__":  # python exp_helpers.py STORE [SLEEP]
    # Import by module name so that functions are keyed as exp_helpers.*, not __main__.*.
    import exp_helpers

    exp_helpers.run_wave_sweep(sys.argv[1], *(sys.argv[2:3]))
