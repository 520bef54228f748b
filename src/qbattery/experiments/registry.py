"""Registries by name: model builders, metrics and papers.

A spec says ``model = "star_network"`` and gives parameters; the registry knows the builder, its
parameters (default, unit, allowed range) and its named initial states. Paper modules and users
add entries with :func:`register_model`::

    @register_model("driven_qubit", params={"Omega": Param(1.0, unit="omega0", low=0)})
    def driven_qubit(Omega, gamma=0.0):
        return OpenSystem(...)

Workers of the process and dask executors rebuild models by name: they call
:func:`load_plugins`, which imports every module of :mod:`qbattery.papers` and
:mod:`qbattery.models` plus the entry points of group ``qbattery.plugins``, and the module that
defined the builder. Register your models at import time of an importable module.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import math
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidParameterError

__all__ = [
    "REQUIRED",
    "MetricEntry",
    "ModelEntry",
    "Param",
    "get_metric",
    "get_model",
    "get_paper",
    "load_plugins",
    "metric_names",
    "model_names",
    "paper_names",
    "plugin_errors",
    "register_metric",
    "register_model",
    "register_paper",
    "unregister_model",
    "unregister_paper",
]

log = logging.getLogger(__name__)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Marker of a parameter without a default.
REQUIRED: Any = _Required()

_KINDS = {"float": float, "int": int, "bool": bool, "str": str}


@dataclass(frozen=True)
class Param:
    """A model parameter: default, unit, allowed range, type.

    ``kind`` is ``"float"`` (ints accepted and converted), ``"int"``, ``"bool"`` or ``"str"``;
    ``low``/``high`` are inclusive bounds (``low_open=True`` excludes ``low``); ``choices`` lists
    the allowed values of a string parameter.
    """

    default: Any = REQUIRED
    unit: str = ""
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    choices: tuple = ()
    doc: str = ""
    low_open: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidParameterError("kind", self.kind, f"one of {', '.join(_KINDS)}")
        if self.default is not REQUIRED:
            self.validate(self.default)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def allowed(self) -> str:
        """What the parameter accepts, in words."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        text = {"float": "a finite number", "int": "an integer", "bool": "true or false",
                "str": "a string"}[self.kind]
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            bounds.append(f"<= {self.high:g}")
        return text + (" " + " and ".join(bounds) if bounds else "")

    def validate(self, value: Any) -> Any:
        """The value converted to this parameter's kind; ``ValueError`` (what is allowed) if not."""
        v = value
        if self.kind == "bool":
            ok = isinstance(v, bool)
        elif self.kind == "str":
            ok = isinstance(v, str)
        elif self.kind == "int":
            ok = isinstance(v, int) and not isinstance(v, bool)
        else:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
            if ok:
                v = float(v)
                ok = math.isfinite(v)
        if ok and self.kind in ("int", "float"):
            if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
                ok = False
            if self.high is not None and v > self.high:
                ok = False
        if ok and self.choices and v not in self.choices:
            ok = False
        if not ok:
            raise ValueError(f"expected {self.allowed()}, got {value!r}")
        return v


def _accepts(fn: Callable[..., Any]) -> tuple[set[str], bool]:
    sig = inspect.signature(fn)
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def _call_with(fn: Callable[..., Any], values: Mapping[str, Any]) -> Any:
    names, var_kw = _accepts(fn)
    return fn(**(dict(values) if var_kw else {k: v for k, v in values.items() if k in names}))


def _infer_params(fn: Callable[..., Any]) -> dict[str, Param]:
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
        if p.default is not inspect.Parameter.empty:
            d = p.default
            kind = ("bool" if isinstance(d, bool) else "int" if isinstance(d, int)
                    else "str" if isinstance(d, str) else "float")
            out[p.name] = Param(default=d, kind=kind)
        else:
            kind = ann if ann in _KINDS else "float"
            out[p.name] = Param(kind=kind)
    return out


@dataclass(frozen=True, eq=False)
class ModelEntry:
    """A registered model builder: ``builder(**params) -> OpenSystem``."""

    name: str
    builder: Callable[..., Any]
    params: Mapping[str, Param]
    states: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    citation: str = ""

    @property
    def module(self) -> str:
        return getattr(self.builder, "__module__", "") or ""

    def resolve_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults filled in and every value checked; ``KeyError``/``ValueError`` name the key."""
        out = {}
        for k in given:
            if k not in self.params:
                raise KeyError(k)
        for k, p in self.params.items():
            if k in given:
                out[k] = p.validate(given[k])
            elif p.required:
                raise LookupError(k)
            else:
                out[k] = p.validate(p.default)
        return out

    def build(self, params: Mapping[str, Any]):
        """Call the builder with the parameters its signature accepts."""
        return _call_with(self.builder, params)

    def state(self, name: str, params: Mapping[str, Any]):
        return _call_with(self.states[name], params)


_MODELS: dict[str, ModelEntry] = {}


def _same_function(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    """The same definition imported twice (a module reloaded, or run as ``__main__``)."""
    if a is b:
        return True
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    return (getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
            and code_a is not None and code_b is not None
            and code_a.co_filename == code_b.co_filename)


def register_model(name: str | None = None, *, params: Mapping[str, Param] | None = None,
                   states: Mapping[str, Callable[..., Any]] | None = None,
                   units: Mapping[str, str] | None = None, description: str | None = None,
                   citation: str = "", replace: bool = False):
    """Decorator registering a model builder under ``name`` (default: the function name).

    Parameters
    ----------
    params
        The parameters a spec may set (``Param`` with default, unit, range). Default: inferred
        from the builder's signature (keyword defaults; no unit, no range).
    states
        Named initial states, ``name -> f(**params) -> rho`` (the function receives the model
        parameters its signature names), usable as ``initial_state = "name"`` in a spec.
    units
        Units of the model's quantities, e.g. ``{"energy": "omega0", "time": "1/omega0"}``.
    description, citation
        Shown by ``qbattery list`` and in reports (default description: the docstring's first line).
    replace
        Allow re-registering an existing name (otherwise an error, to catch clashes).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        key = name or fn.__name__
        if not key or not isinstance(key, str):
            raise InvalidParameterError("name", key, "a non-empty model name")
        if key in _MODELS and not replace and not _same_function(_MODELS[key].builder, fn):
            raise InvalidParameterError("name", key, "a model name not registered yet "
                                        f"(already used by {_MODELS[key].module})")
        ps = dict(params) if params is not None else _infer_params(fn)
        accepted, var_kw = _accepts(fn)
        state_accepts = [_accepts(f) for f in (states or {}).values()]
        for pname in ps:
            if not (var_kw or pname in accepted
                    or any(v or pname in a for a, v in state_accepts)):
                raise InvalidParameterError(f"params.{pname}", pname,
                                            f"a parameter of {fn.__name__} or of its states")
        for pname in accepted:
            sig_p = inspect.signature(fn).parameters[pname]
            if sig_p.default is inspect.Parameter.empty and pname not in ps:
                raise InvalidParameterError(f"params.{pname}", None,
                                            f"a Param for the required argument {pname!r}")
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        _MODELS[key] = ModelEntry(
            name=key, builder=fn, params=ps, states=dict(states or {}), units=dict(units or {}),
            description=description if description is not None else (doc[0] if doc else ""),
            citation=citation)
        return fn

    return deco


def unregister_model(name: str) -> None:
    """Remove a model (mainly for tests)."""
    _MODELS.pop(name, None)


def get_model(name: str, *, module: str | None = None) -> ModelEntry:
    """The entry of a registered model; loads plugins (and ``module``) if it is not known yet."""
    if name not in _MODELS and module:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            log.warning("could not import %s for model %s: %s", module, name, exc)
    if name not in _MODELS:
        load_plugins()
    if name not in _MODELS:
        known = ", ".join(sorted(_MODELS)) or "none registered"
        raise InvalidParameterError("model", name, f"a registered model ({known})")
    return _MODELS[name]


def model_names() -> list[str]:
    load_plugins()
    return sorted(_MODELS)


# ---------------------------------------------------------------------- metrics
@dataclass(frozen=True, eq=False)
class MetricEntry:
    """A battery figure of merit ``fn(rho, H, ...)`` -> one number per state.

    ``quantity`` selects the unit in datasets: ``"energy"`` (the spec's energy unit),
    ``"dimensionless"`` or ``"entropy"`` (nats). The function receives the arguments its signature
    names among ``rho`` (battery states, (..., n, n)), ``H`` (battery Hamiltonian), ``rho_ref``
    (initial battery state) and ``times``.
    """

    name: str
    fn: Callable[..., Any]
    quantity: str = "energy"
    doc: str = ""

    def __call__(self, rho, H, *, rho_ref=None, times=None):
        return _call_with(self.fn, {"rho": rho, "H": H, "rho_ref": rho_ref, "times": times})

    @property
    def needs_times(self) -> bool:
        """Whether the metric needs the time axis (so cannot apply to a steady state)."""
        names, _ = _accepts(self.fn)
        return "times" in names


_METRICS: dict[str, MetricEntry] = {}

#: Metrics of :mod:`qbattery.metrics` known by name, with their quantity (resolved lazily).
BUILTIN_METRICS = {
    "energy": "energy",
    "energy_above_ground": "energy",
    "stored_energy": "energy",
    "passive_energy": "energy",
    "ergotropy": "energy",
    "ergotropy_incoherent": "energy",
    "ergotropy_coherent": "energy",
    "normalised_ergotropy": "dimensionless",
    "ergotropy_fraction": "dimensionless",
    "von_neumann_entropy": "entropy",
    "l1_coherence": "dimensionless",
    "purity": "dimensionless",
    "average_power": "power",
    "instantaneous_power": "power",
}


def register_metric(name: str | None = None, *, quantity: str = "energy", replace: bool = False):
    """Decorator registering a metric ``fn(rho, H, ...)`` under ``name``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        key = name or fn.__name__
        if key in _METRICS and not replace and _METRICS[key].fn is not fn:
            raise InvalidParameterError("name", key, "a metric name not registered yet")
        _METRICS[key] = MetricEntry(key, fn, quantity, (inspect.getdoc(fn) or "").split("\n")[0])
        return fn

    return deco


def _purity(rho):
    import numpy as np

    rho = np.asarray(rho)
    return np.einsum("...ij,...ji->...", rho, rho).real


def _average_power(rho, H, times):
    """Average charging power [E(t) - E(t0)]/(t - t0) of the battery energy (NaN at t0)."""
    from ..metrics import average_power, energy

    return average_power(energy(rho, H), times)


def _instantaneous_power(rho, H, times):
    """Instantaneous power dE/dt of the battery energy (finite differences, second order)."""
    from ..metrics import energy, instantaneous_power

    return instantaneous_power(energy(rho, H), times)


def _find_builtin_metric(name: str) -> Callable[..., Any] | None:
    derived = {"purity": _purity, "average_power": _average_power,
               "instantaneous_power": _instantaneous_power}
    if name in derived:
        return derived[name]
    try:
        pkg = importlib.import_module("qbattery.metrics")
    except ImportError:  # pragma: no cover
        return None
    fn = getattr(pkg, name, None)
    if callable(fn):
        return fn
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("_"):
            continue
        try:
            m = importlib.import_module(f"qbattery.metrics.{mod.name}")
        except ImportError as exc:  # a broken optional metrics module: skip it, say so in the log
            log.info("could not import qbattery.metrics.%s: %s", mod.name, exc)
            continue
        if name in getattr(m, "__all__", ()):
            return getattr(m, name)
    return None


def get_metric(name: str) -> MetricEntry:
    """A metric by name (registered, or one of :data:`BUILTIN_METRICS`)."""
    if name in _METRICS:
        return _METRICS[name]
    if name in BUILTIN_METRICS:
        fn = _find_builtin_metric(name)
        if fn is not None:
            entry = MetricEntry(name, fn, BUILTIN_METRICS[name],
                                (inspect.getdoc(fn) or "").split("\n")[0])
            _METRICS[name] = entry
            return entry
        raise InvalidParameterError("metric", name, "a metric available in this installation")
    load_plugins()
    if name in _METRICS:
        return _METRICS[name]
    raise InvalidParameterError("metric", name, f"one of {', '.join(metric_names())}")


def metric_names() -> list[str]:
    return sorted(set(_METRICS) | set(BUILTIN_METRICS))


# ---------------------------------------------------------------------- papers
_PAPERS: dict[str, Any] = {}


def register_paper(paper: Any, *, replace: bool = False) -> Any:
    """Register a :class:`~qbattery.papers.base.Paper` (returns it)."""
    name = getattr(paper, "name", None)
    if not isinstance(name, str) or not name:
        raise InvalidParameterError("paper", paper, "an object with a non-empty name")
    if name in _PAPERS and not replace and _PAPERS[name] is not paper:
        old = _PAPERS[name]
        if getattr(old, "module", None) != getattr(paper, "module", None):
            raise InvalidParameterError("paper", name, "a paper name not registered yet")
    _PAPERS[name] = paper
    return paper


def unregister_paper(name: str) -> None:
    _PAPERS.pop(name, None)


def get_paper(name: str) -> Any:
    if name not in _PAPERS:
        load_plugins()
    if name not in _PAPERS:
        known = ", ".join(sorted(_PAPERS)) or "none registered"
        raise InvalidParameterError("paper", name, f"a registered paper ({known})")
    return _PAPERS[name]


def paper_names() -> list[str]:
    load_plugins()
    return sorted(_PAPERS)


# ---------------------------------------------------------------------- plugins
_LOADED = False
_PLUGIN_ERRORS: dict[str, str] = {}


def _import_package_modules(pkg_name: str) -> None:
    try:
        pkg = importlib.import_module(pkg_name)
    except Exception as exc:
        _PLUGIN_ERRORS[pkg_name] = f"{type(exc).__name__}: {exc}"
        return
    for mod in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
        if mod.name.startswith("_") or mod.name in ("base",):
            continue
        full = f"{pkg_name}.{mod.name}"
        try:
            importlib.import_module(full)
        except Exception as exc:
            _PLUGIN_ERRORS[full] = f"{type(exc).__name__}: {exc}"
            log.info("could not import %s: %s: %s", full, type(exc).__name__, exc)


def load_plugins(*, force: bool = False) -> None:
    """Import the modules that register models and papers (once per process).

    Every module of :mod:`qbattery.models` and :mod:`qbattery.papers` (except private ones), and
    the entry points of group ``qbattery.plugins`` of installed distributions. Modules that fail
    to import are skipped with a warning (see :func:`plugin_errors`).
    """
    global _LOADED
    if _LOADED and not force:
        return
    _LOADED = True
    _import_package_modules("qbattery.models")
    _import_package_modules("qbattery.papers")
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="qbattery.plugins"):
            try:
                ep.load()
            except Exception as exc:
                _PLUGIN_ERRORS[ep.name] = f"{type(exc).__name__}: {exc}"
                log.info("could not load plugin %s: %s", ep.name, exc)
    except Exception as exc:  # pragma: no cover - broken metadata
        log.info("could not read the qbattery.plugins entry points: %s", exc)


def plugin_errors() -> dict[str, str]:
    """Modules that failed to import in :func:`load_plugins` (name -> error)."""
    return dict(_PLUGIN_ERRORS)
