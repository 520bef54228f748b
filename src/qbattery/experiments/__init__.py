"""Experiments: declarative specs, sweeps on any executor, a resumable result store, reports.

Names are loaded lazily (PEP 562), so ``import qbattery.experiments`` stays cheap: pydantic,
xarray and matplotlib are imported only by the functions that need them. See
``docs/experiments.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    # specs
    "ExperimentSpec": "spec",
    "SpecError": "spec",
    "load_spec": "spec",
    "parse_spec": "spec",
    # registries
    "Param": "registry",
    "register_model": "registry",
    "register_metric": "registry",
    "get_model": "registry",
    "model_names": "registry",
    "metric_names": "registry",
    "paper_names": "registry",
    "get_paper": "registry",
    "load_plugins": "registry",
    # sweeps, executors, store
    "Grid": "sweep",
    "SweepResult": "sweep",
    "run_sweep": "sweep",
    "load_sweep": "sweep",
    "make_executor": "executors",
    "SerialExecutor": "executors",
    "Store": "store",
    "read_netcdf": "store",
    # running specs, papers, reports
    "RunResult": "runner",
    "run_spec": "runner",
    "compute_point": "runner",
    "register_solver": "runner",
    "reproduce": "reproduce",
    "ReproduceResult": "reproduce",
    "write_report": "report",
    # checks and provenance
    "Check": "checks",
    "compare": "checks",
    "at_most": "checks",
    "at_least": "checks",
    "holds": "checks",
    "provenance": "provenance",
    "strip_volatile": "provenance",
    "NUMERICS_VERSION": "hashing",
}

__all__ = [
    "Check",
    "ExperimentSpec",
    "Grid",
    "NUMERICS_VERSION",
    "Param",
    "ReproduceResult",
    "RunResult",
    "SerialExecutor",
    "SpecError",
    "Store",
    "SweepResult",
    "at_least",
    "at_most",
    "compare",
    "compute_point",
    "get_model",
    "get_paper",
    "holds",
    "load_plugins",
    "load_spec",
    "load_sweep",
    "make_executor",
    "metric_names",
    "model_names",
    "paper_names",
    "parse_spec",
    "provenance",
    "read_netcdf",
    "register_metric",
    "register_model",
    "register_solver",
    "reproduce",
    "run_spec",
    "run_sweep",
    "strip_volatile",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qbattery.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from .checks import Check, at_least, at_most, compare, holds
    from .executors import SerialExecutor, make_executor
    from .hashing import NUMERICS_VERSION
    from .provenance import provenance, strip_volatile
    from .registry import (
        Param,
        get_model,
        get_paper,
        load_plugins,
        metric_names,
        model_names,
        paper_names,
        register_metric,
        register_model,
    )
    from .report import write_report
    from .reproduce import ReproduceResult, reproduce
    from .runner import RunResult, compute_point, register_solver, run_spec
    from .spec import ExperimentSpec, SpecError, load_spec, parse_spec
    from .store import Store, read_netcdf
    from .sweep import Grid, SweepResult, load_sweep, run_sweep
