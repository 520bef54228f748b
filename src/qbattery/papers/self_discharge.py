r"""Self-discharge of single- and N-cell two-level quantum batteries (paper ``self_discharge``).

The paper (title and authors are missing from the supplied text; by its content it is A. C.
Santos, "Quantum advantage of two-level batteries in the self-discharging process", Phys. Rev.
E 103, 042118 (2021)) leaves a charged battery in open circuit -- no charger, no load -- and
follows how its energy U, ergotropy :math:`\mathcal E` and efficiency :math:`\xi = \mathcal E/U`
decay, for one cell and for N cells on a graph (:mod:`qbattery.models.cells`,
:mod:`qbattery.protocols.open_circuit`). Units: :math:`\Gamma = 1`, :math:`\omega_0 = 1`; times
are :math:`\Gamma t` (coordinate ``gamma_t``).

Normalisation (the anchor is the printed numbers; Eqs. 5, 7 and 12 are partly lost). With the
populations decaying as :math:`e^{-\Gamma t/2}` and the coherence as :math:`e^{-\kappa t}`, a cell
has :math:`\rho_{ee} = p\,\rho_{ee}(0)`, :math:`p = e^{-\Gamma t/2}`, and

.. math::
    \mathcal E = \frac{\omega_0}{2}\Big(2\rho_{ee} - 1 + \sqrt{(2\rho_{ee}-1)^2 + 4|\rho_{eg}|^2}\Big).

* Full charge (Eq. 8): :math:`\mathcal E = \Theta(\tau_c - t)(2p - 1)E_{\max}`,
  :math:`U = pE_{\max}`; :math:`\rho_{ee} = \rho_{gg}` at :math:`\tau_c = 2\ln 2/\Gamma` (printed)
  and U decays with :math:`\tau_d = 2/\Gamma` (printed): the population rate is :math:`\Gamma/2`,
  i.e. :math:`(\Gamma/2)\mathcal D[\sigma_-]`.
* Classical :math:`\rho_{cl} = \frac34|e\rangle\langle e| + \frac14|g\rangle\langle g|` (Eq. 9a):
  :math:`\mathcal E/\mathcal E_{1/2} = \Theta(\tau - t)(3p - 2)`, :math:`\tau = 2\ln(3/2)/\Gamma`;
  half-life at :math:`p = 5/6`: :math:`\Gamma\tau_{1/2} = 2\ln(6/5) \approx 0.365` (printed 0.36).
* Quantum :math:`|+\rangle` (Eq. 9b): with :math:`|\rho_{eg}| = \frac12 p^{k}`,
  :math:`\mathcal E/\mathcal E_{1/2} = p - 1 + \sqrt{(1-p)^2 + p^{2k}}`. The printed half-life
  :math:`2\ln[2(1+\sqrt6)/5] \approx 0.644` solves :math:`p^2 + p - 5/4 = 0`, which is the case
  k = 1 only: the coherence decays like the populations, :math:`e^{-\Gamma t/2}` (Eq. 7 as
  printed, :math:`\mathcal E_q/\mathcal E_{1/2} = p - 1 + \sqrt{2p^2 - 2p + 1}`). Bare amplitude
  damping has k = 1/2 and would give :math:`2\ln(8/5) \approx 0.940`. We therefore take
  :math:`\mathcal R_{\rm rel} = (\Gamma/2)\mathcal D[\sigma_-] + (\Gamma/8)\mathcal D[\sigma_z]`
  (:math:`T_2 = T_1`; ``relaxation="paper"`` of :func:`~qbattery.models.cells.cell_battery`).
* Leakage (Eqs. 12-13) in the same normalisation as the relaxation:
  :math:`G = (\Gamma I + \Gamma_d\,\mathrm{Adj})/2` on the :math:`\sigma_-^n`. Completely
  positive iff :math:`\Gamma_d \le \Gamma/|\lambda_{\min}(\mathrm{Adj})|`; the paper's
  :math:`\Gamma_d = \Gamma/2` is allowed for the four geometries of Fig. 4 (the star exactly on
  the boundary). With the cross terms twice as large (:math:`G_{nm} = \Gamma_d`) the star, chain
  and ring at :math:`\Gamma_d = \Gamma/2` would not be completely positive.
* Phase damping (Eq. 10): :math:`(\gamma/2)\mathcal D[\sigma_z]`, coherence :math:`e^{-\gamma t}`:
  :math:`\mathcal E_q/\mathcal E_{1/2} = e^{-\gamma t}`, :math:`\mathcal E_{cl}` constant.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..experiments.checks import Check, at_least, at_most, compare, holds
from ..experiments.registry import Param, register_model
from ..experiments.sweep import Grid
from ..models.cells import (
    RELAXATION_MODELS,
    as_topology,
    cell_battery,
    cell_liouvillian,
    leakage_bound,
    product_state,
)
from ..models.graphs import CONNECTED_GRAPH_COUNTS, connected_graphs
from ..plotting.figure import FigureSpec
from ..protocols.open_circuit import OpenCircuit
from ..quantum.operators import sigma_z
from .base import Paper, PaperFigure, register

__all__ = [
    "DEATH_CLASSICAL",
    "GEOMETRIES",
    "HALF_LIFE_CLASSICAL",
    "HALF_LIFE_QUANTUM",
    "PAPER",
    "STATES",
    "TAU_C",
    "TAU_D",
    "eq8_energy",
    "eq8_ergotropy",
    "eq9_classical",
    "eq9_quantum",
    "eq10_quantum",
    "full_charge_point",
    "network_point",
    "phase_damping_point",
    "scan_point",
    "self_discharge_cells",
    "single_cell_point",
]

# ------------------------------------------------------------------ the paper's numbers
#: Gamma tau_1/2 of the classical state (printed 2 ln(6/5) ~ 0.36).
HALF_LIFE_CLASSICAL = 2.0 * math.log(6.0 / 5.0)
#: Gamma tau_1/2 of |+> (printed 2 ln[2(1 + sqrt 6)/5] ~ 0.65; the exact value is 0.6439).
HALF_LIFE_QUANTUM = 2.0 * math.log(2.0 * (1.0 + math.sqrt(6.0)) / 5.0)
#: Gamma tau_c, the population crossing of the full charge (printed 2 ln 2).
TAU_C = 2.0 * math.log(2.0)
#: Gamma tau_d, the characteristic decay time of Eq. 8 (printed 2/Gamma).
TAU_D = 2.0
#: Gamma tau at which the classical ergotropy dies (Eq. 9a: 2 ln(3/2)).
DEATH_CLASSICAL = 2.0 * math.log(1.5)

STATES = ("classical", "quantum")
GEOMETRIES = ("central", "linear", "circular", "symmetric")
#: Parameters of Figs. 3-5 (units of Gamma).
J_PAPER = 2.0
GAMMA_D_PAPER = 0.5
N_PAPER = 5

_SRC_EQ8 = "Eq. (8) (closed form, derived)"
_SRC_EQ9 = "Eq. (9) (closed form, derived)"
_SRC_FIG2 = "Fig. 2a caption"
_SRC_TEXT = "Sec. II A text"


# ------------------------------------------------------------------ closed forms
def eq8_ergotropy(gamma_t: Any) -> np.ndarray:
    r"""Eq. (8): ergotropy of the full charge in units of :math:`E_{\max}`,
    :math:`\Theta(\tau_c - t)(2e^{-\Gamma t/2} - 1)`."""
    p = np.exp(-0.5 * np.asarray(gamma_t, dtype=float))
    return np.where(2.0 * p > 1.0, 2.0 * p - 1.0, 0.0)


def eq8_energy(gamma_t: Any) -> np.ndarray:
    r"""Eq. (8): energy of the full charge in units of :math:`E_{\max}`, :math:`e^{-\Gamma t/2}`."""
    return np.exp(-0.5 * np.asarray(gamma_t, dtype=float))


def eq9_classical(gamma_t: Any) -> np.ndarray:
    r"""Eq. (9a) in units of :math:`\mathcal E_{1/2} = E_{\max}/2`:
    :math:`\Theta(\tau - t)(3e^{-\Gamma t/2} - 2)`."""
    p = np.exp(-0.5 * np.asarray(gamma_t, dtype=float))
    return np.where(1.5 * p > 1.0, 3.0 * p - 2.0, 0.0)


def eq9_quantum(gamma_t: Any) -> np.ndarray:
    r"""Eq. (9b) in units of :math:`E_{\max}/2`: :math:`p - 1 + \sqrt{2p^2 - 2p + 1}`,
    :math:`p = e^{-\Gamma t/2}` (populations and coherence both decay as p)."""
    p = np.exp(-0.5 * np.asarray(gamma_t, dtype=float))
    return p - 1.0 + np.sqrt(2.0 * p * p - 2.0 * p + 1.0)


def eq10_quantum(gamma_t: Any) -> np.ndarray:
    r"""Ergotropy of Eq. (10) (|+> under phase damping) in units of :math:`E_{\max}/2`:
    :math:`e^{-\gamma t}`."""
    return np.exp(-np.asarray(gamma_t, dtype=float))


# ------------------------------------------------------------------ a registered model
@register_model(
    "self_discharge_cells",
    params={
        "geometry": Param("linear", kind="str", doc="central, linear, circular or symmetric "
                          "(or star, chain, ring, complete)"),
        "N": Param(1, kind="int", low=1, high=10, doc="number of cells"),
        "Gamma": Param(1.0, unit="Gamma", low=0.0, doc="relaxation rate (populations e^{-Gamma t/2})"),
        "Gamma_d": Param(0.0, unit="Gamma", low=0.0, doc="intercell leakage rate (Eqs. 12-13)"),
        "J": Param(0.0, unit="Gamma", doc="flip-flop coupling on the edges"),
        "omega0": Param(1.0, unit="Gamma", low=0.0, low_open=True, doc="cell splitting"),
        "gamma_phi": Param(0.0, unit="Gamma", low=0.0, doc="phase damping rate (Eq. 10)"),
        "relaxation": Param("paper", kind="str", choices=tuple(RELAXATION_MODELS),
                            doc="'paper' (T2 = T1, reproduces the printed half-lives) or "
                                "'amplitude_damping'"),
    },
    states={"classical": lambda N: product_state("classical", N),
            "quantum": lambda N: product_state("quantum", N),
            "full": lambda N: product_state("full", N)},
    units={"energy": "omega0", "time": "1/Gamma"},
    description="N two-level cells on a graph, open circuit: relaxation, dephasing, leakage",
)
def self_discharge_cells(geometry: str = "linear", N: int = 1, Gamma: float = 1.0,
                         Gamma_d: float = 0.0, J: float = 0.0, omega0: float = 1.0,
                         gamma_phi: float = 0.0, relaxation: str = "paper"):
    """:func:`qbattery.models.cells.cell_battery` by geometry name (for experiment specs)."""
    return cell_battery(geometry, N, Gamma=Gamma, Gamma_d=Gamma_d, J=J, omega0=omega0,
                        gamma_phi=gamma_phi, relaxation=relaxation)


# ------------------------------------------------------------------ point functions
def _times(t_max: float, num: int) -> np.ndarray:
    return np.linspace(0.0, float(t_max), int(num))


def _solver(topology: Any, N: int | None = None, **params: Any) -> OpenCircuit:
    """OpenCircuit for cell_battery(topology, N, **params) with the cached-block generator."""
    diagnostics = params.pop("diagnostics", None)
    model = cell_battery(topology, N, **params)
    kw = {"diagnostics": diagnostics} if diagnostics else {}
    return OpenCircuit(model, liouvillian=cell_liouvillian(topology, N, **params), **kw)


def _lifetimes(tr) -> dict[str, float]:
    return {"half_life": tr.half_life(), "decay_time": tr.decay_time(),
            "death_time": tr.death_time()}


def _state_dataset(runs: dict[str, Any], times: np.ndarray, *, norm_energy: bool = True,
                   extra: dict[str, Any] | None = None):
    """Dataset (state, gamma_t) of normalised diagnostics plus per-state lifetimes."""
    import xarray as xr

    states = list(runs)
    data: dict[str, Any] = {}
    e0 = np.array([runs[s].ergotropy[0] for s in states])
    u0 = np.array([runs[s].energy[0] for s in states])
    data["ergotropy"] = (("state", "gamma_t"), np.array([runs[s].ergotropy for s in states])
                         / e0[:, None], {"units": "E(0) = N omega0/2", "long_name": "ergotropy"})
    energy = np.array([runs[s].energy for s in states])
    data["energy"] = (("state", "gamma_t"), energy / u0[:, None] if norm_energy else energy,
                      {"units": "U(0)" if norm_energy else "omega0", "long_name": "energy U"})
    data["xi"] = (("state", "gamma_t"), np.array([runs[s].xi for s in states]),
                  {"units": "1", "long_name": "xi = ergotropy / U"})
    data["coherence_l1"] = (("state", "gamma_t"),
                            np.array([runs[s].coherence_l1 for s in states]),
                            {"units": "1", "long_name": "normalised l1 coherence"})
    data["concurrence_avg"] = (("state", "gamma_t"),
                               np.array([runs[s].concurrence_avg for s in states]),
                               {"units": "1", "long_name": "pairwise concurrence, mean over edges"})
    life = [_lifetimes(runs[s]) for s in states]
    for key in ("half_life", "decay_time", "death_time"):
        data[key] = (("state",), np.array([lt[key] for lt in life]), {"units": "1/Gamma"})
    for k, v in (extra or {}).items():
        data[k] = v
    return xr.Dataset(data, coords={"state": states, "gamma_t": ("gamma_t", times,
                                                                 {"units": "1", "long_name": "Gamma t"})})


def single_cell_point(relaxation: str = "paper", t_max: float = 6.0, num: int = 601):
    """Fig. 2: one cell from rho_cl and |+>, relaxation only (Eqs. 4-9)."""
    times = _times(t_max, num)
    solver = _solver("linear", 1, relaxation=relaxation)
    runs = {s: solver.run(product_state(s, 1), times) for s in STATES}
    return _state_dataset(runs, times)


def full_charge_point(t_max: float = 6.0, num: int = 601):
    """Sec. II A: one fully charged cell (Eq. 8): ergotropy, energy, crossing and decay times."""
    import xarray as xr

    times = _times(t_max, num)
    tr = _solver("linear", 1).run(product_state("full", 1), times)
    return xr.Dataset(
        {"ergotropy": ("gamma_t", tr.ergotropy, {"units": "E_max"}),
         "energy": ("gamma_t", tr.energy, {"units": "E_max"}),
         "xi": ("gamma_t", tr.xi, {"units": "1"}),
         "tau_c": ((), tr.crossing_time(sigma_z()), {"units": "1/Gamma",
                                                     "long_name": "population crossing time"}),
         "death_time": ((), tr.death_time(), {"units": "1/Gamma"}),
         "half_life": ((), tr.half_life(), {"units": "1/Gamma"}),
         "decay_time_energy": ((), tr.decay_time("energy"), {"units": "1/Gamma"})},
        coords={"gamma_t": ("gamma_t", times, {"units": "1", "long_name": "Gamma t"})})


def phase_damping_point(t_max: float = 6.0, num: int = 301):
    """Sec. II C: rho_cl and |+> under pure dephasing (Eq. 10), time in units of 1/gamma."""
    times = _times(t_max, num)
    solver = _solver("linear", 1, Gamma=0.0, gamma_phi=1.0)
    runs = {s: solver.run(product_state(s, 1), times) for s in STATES}
    ds = _state_dataset(runs, times)
    ds["gamma_t"].attrs["long_name"] = "gamma t (gamma: phase damping rate)"
    return ds


@functools.lru_cache(maxsize=64)
def _network(geometry: str | tuple, N: int, J: float, Gamma_d: float, relaxation: str, t_max: float,
             num: int):
    times = _times(t_max, num)
    topo = as_topology(list(geometry) if isinstance(geometry, tuple) else geometry, N)
    solver = _solver(topo, Gamma_d=Gamma_d, J=J, relaxation=relaxation)
    runs = {s: solver.run(product_state(s, N), times) for s in STATES}
    extra = {"psd_bound": ((), leakage_bound(topo) if topo.n_edges else math.inf,
                           {"units": "Gamma", "long_name": "largest CP Gamma_d"}),
             "n_edges": ((), topo.n_edges)}
    return _state_dataset(runs, times, extra=extra)


def network_point(geometry: str = "linear", N: int = N_PAPER, J: float = J_PAPER,
                  Gamma_d: float = GAMMA_D_PAPER, relaxation: str = "paper",
                  t_max: float = 5.0, num: int = 251):
    """Figs. 3-5: N cells on a geometry (a name or an edge list) from the classical and the
    quantum product states. (Cached in-process: Figs. 4 and 5 share their trajectories.)"""
    key = geometry if isinstance(geometry, str) else tuple(
        (int(i), int(j)) for i, j in geometry)
    return _network(key, int(N), float(J), float(Gamma_d), str(relaxation), float(t_max),
                    int(num)).copy()


def scan_point(N: int = 5, Gamma_d: float = GAMMA_D_PAPER, J: float = J_PAPER,
               n_rank: int = CONNECTED_GRAPH_COUNTS[5], t_max: float = 3.0, num: int = 61):
    """Every connected graph on N cells: ergotropy half-lives (classical and quantum product
    states), ranked by the quantum half-life (longest first; graphs that are not completely
    positive at this Gamma_d last, with NaN). Padded with NaN / "" to ``n_rank`` ranks."""
    import xarray as xr

    times = _times(t_max, num)
    rows = []
    for topo in connected_graphs(N):
        bound = leakage_bound(topo)
        row = {"graph": topo.name, "edges": " ".join(f"{i}-{j}" for i, j in topo.edges),
               "n_edges": topo.n_edges, "lambda_min": float(np.linalg.eigvalsh(
                   topo.adjacency())[0]), "psd_bound": bound, "cp": Gamma_d <= bound * (1 + 1e-12)}
        hl, dt = [], []
        if row["cp"]:
            solver = _solver(topo, Gamma_d=Gamma_d, J=J, diagnostics=("ergotropy",))
            for s in STATES:
                tr = solver.run(product_state(s, N), times)
                hl.append(tr.half_life())
                dt.append(tr.decay_time())
        else:
            hl, dt = [math.nan] * len(STATES), [math.nan] * len(STATES)
        row["half_life"], row["decay_time"] = hl, dt
        rows.append(row)
    rows.sort(key=lambda r: (not r["cp"], -r["half_life"][1] if r["cp"] else 0.0, r["n_edges"]))
    pad = int(n_rank) - len(rows)
    nan2 = [math.nan] * len(STATES)

    def col(key, fill):
        return [r[key] for r in rows] + [fill] * pad

    return xr.Dataset(
        {"graph": ("rank", np.array(col("graph", ""), dtype=str)),
         "edges": ("rank", np.array(col("edges", ""), dtype=str)),
         "n_edges": ("rank", np.array(col("n_edges", math.nan), dtype=float)),
         "lambda_min": ("rank", np.array(col("lambda_min", math.nan), dtype=float)),
         "psd_bound": ("rank", np.array(col("psd_bound", math.nan), dtype=float),
                       {"units": "Gamma"}),
         "completely_positive": ("rank", np.array(col("cp", math.nan), dtype=float)),
         "half_life": (("rank", "state"), np.array(col("half_life", nan2), dtype=float),
                       {"units": "1/Gamma", "long_name": "ergotropy half-life"}),
         "decay_time": (("rank", "state"), np.array(col("decay_time", nan2), dtype=float),
                        {"units": "1/Gamma"}),
         "n_graphs": ((), len(rows))},
        coords={"rank": np.arange(int(n_rank)), "state": list(STATES)})


# ------------------------------------------------------------------ checks
def _fig2_checks(ds) -> list[Check]:
    t = ds["gamma_t"].values
    w = ds["ergotropy"]
    out = [
        compare("max |E_cl(t) - Eq. 9a| / E_1/2 over the curve",
                np.max(np.abs(w.sel(state="classical").values - eq9_classical(t))), 0.0,
                atol=1e-10, source=_SRC_EQ9),
        compare("max |E_q(t) - Eq. 9b| / E_1/2 over the curve",
                np.max(np.abs(w.sel(state="quantum").values - eq9_quantum(t))), 0.0,
                atol=1e-10, source=_SRC_EQ9),
    ]
    hl = ds["half_life"]
    out += [
        compare("Gamma tau_1/2 classical (root-found) vs 2 ln(6/5)",
                hl.sel(state="classical"), HALF_LIFE_CLASSICAL, atol=1e-10, source=_SRC_FIG2),
        compare("Gamma tau_1/2 classical vs printed ~0.36", hl.sel(state="classical"), 0.36,
                atol=0.005, source=_SRC_FIG2),
        compare("Gamma tau_1/2 quantum (root-found) vs 2 ln[2(1+sqrt 6)/5]",
                hl.sel(state="quantum"), HALF_LIFE_QUANTUM, atol=1e-10, source=_SRC_FIG2),
        compare("Gamma tau_1/2 quantum vs printed ~0.65", hl.sel(state="quantum"), 0.65,
                atol=0.01, source=_SRC_FIG2,
                note="2 ln[2(1+sqrt 6)/5] = 0.6439: the printed ~0.65 is its rounding up"),
        compare("Gamma t of the classical ergotropy death vs 2 ln(3/2)",
                ds["death_time"].sel(state="classical"), DEATH_CLASSICAL, atol=1e-10,
                source="Eq. (9a): tau = 2 ln(3/2)/Gamma",
                note="death = first t with E <= 1e-12 omega0; error ~ 1e-12/|dE/dt|"),
        holds("quantum ergotropy never dies (asymptotic decay)",
              bool(np.isnan(ds["death_time"].sel(state="quantum").values)),
              computed=f"{float(ds['death_time'].sel(state='quantum')):.6g}",
              expected="nan (no death)", source="Eq. (9b)"),
        compare("xi_cl(0)", ds["xi"].sel(state="classical").values[0], 2.0 / 3.0, atol=1e-12,
                source="Fig. 2b"),
        compare("xi_q(0)", ds["xi"].sel(state="quantum").values[0], 1.0, atol=1e-12,
                source="Fig. 2b"),
    ]
    return out


def _full_checks(ds) -> list[Check]:
    t = ds["gamma_t"].values
    return [
        compare("max |E(t) - Eq. 8| / E_max over the curve (full charge)",
                np.max(np.abs(ds["ergotropy"].values - eq8_ergotropy(t))), 0.0, atol=1e-10,
                source=_SRC_EQ8),
        compare("max |U(t) - Eq. 8| / E_max over the curve (full charge)",
                np.max(np.abs(ds["energy"].values - eq8_energy(t))), 0.0, atol=1e-10,
                source=_SRC_EQ8),
        compare("Gamma tau_c: population crossing rho_ee = rho_gg (root of <sigma_z>)",
                ds["tau_c"], TAU_C, atol=1e-10, source=_SRC_TEXT + ": tau_c = 2 ln(2)/Gamma"),
        compare("Gamma t of the ergotropy sudden death (full charge) = Gamma tau_c",
                ds["death_time"], TAU_C, atol=1e-10, source=_SRC_TEXT,
                note="death = first t with E <= 1e-12 omega0; error ~ 1e-12/|dE/dt|"),
        compare("Gamma tau_d: U falls to U(0)/e", ds["decay_time_energy"], TAU_D, atol=1e-10,
                source=_SRC_TEXT + ": tau_d = 2/Gamma"),
    ]


def _phase_checks(ds) -> list[Check]:
    t = ds["gamma_t"].values
    wc = ds["ergotropy"].sel(state="classical").values
    wq = ds["ergotropy"].sel(state="quantum").values
    return [
        compare("max |E_cl(t)/E_cl(0) - 1| under phase damping (ergotropy kept)",
                np.max(np.abs(wc - 1.0)), 0.0, atol=1e-12, source="Sec. II C"),
        compare("max |E_q(t) - e^{-gamma t}| / E_1/2 (Eq. 10)", np.max(np.abs(wq - eq10_quantum(t))),
                0.0, atol=1e-10, source="Eq. (10) (closed form)"),
        at_most(f"E_q at gamma t = {t[-1]:g} (asymptotically zero ergotropy)", wq[-1],
                2.0 * math.exp(-t[-1]), source="Sec. II C: rho_q -> (|e><e| + |g><g|)/2"),
        compare("coherence of the dephased |+> at the end (-> 0)",
                ds["coherence_l1"].sel(state="quantum").values[-1], math.exp(-t[-1]),
                atol=1e-10, source="Eq. (10)"),
    ]


def _fig3_checks(ds) -> list[Check]:
    out = []
    xi = ds["xi"]
    cl0 = xi.sel(state="classical").isel(gamma_t=0).values
    q0 = xi.sel(state="quantum").isel(gamma_t=0).values
    Ns = ", ".join(str(int(n)) for n in ds["N"].values)
    out.append(compare(f"max_N |xi_cl(0) - 2/3|, N = {Ns}", np.max(np.abs(cl0 - 2.0 / 3.0)), 0.0,
                       atol=1e-12, source="Sec. III: xi_cl(0) ~ 0.667 for every N"))
    out.append(compare(f"max_N |xi_q(0) - 1|, N = {Ns}", np.max(np.abs(q0 - 1.0)), 0.0,
                       atol=1e-12, source="Sec. III: xi_q(0) = 1 for every N"))
    hl = ds["half_life"]
    gain = (hl.sel(state="quantum") - hl.sel(state="classical")).values
    out.append(at_least("min_N [tau_1/2(quantum) - tau_1/2(classical)] (quantum enhancement "
                        "up to N = 5)", float(np.min(gain)), 0.0,
                        source="Sec. III: enhancement for N-cell QBs (at least up to N = 5)"))
    return out


def _geometry_order(ds, state: str = "quantum") -> list[tuple[str, float]]:
    t = ds["gamma_t"].values
    xi = ds["xi"].sel(state=state)
    means = {str(g): float(np.trapezoid(xi.sel(geometry=g).values, t) / (t[-1] - t[0]))
             for g in ds["geometry"].values}
    return sorted(means.items(), key=lambda kv: -kv[1])


def _fig4_checks(ds) -> list[Check]:
    out = []
    order = _geometry_order(ds)
    text = " > ".join(f"{g} ({v:.4f})" for g, v in order)
    out.append(holds("geometry keeping the most efficiency xi (time average, quantum state)",
                     order[0][0] == "central", expected="central", computed=text,
                     source="Fig. 4b: the central geometry guarantees more efficiency"))
    xi = ds["xi"].sel(state="quantum")
    t = ds["gamma_t"].values
    others = xi.sel(geometry=[g for g in ds["geometry"].values if g != "central"])
    excess = (others.max("geometry") - xi.sel(geometry="central")).values
    k = int(np.argmax(excess))
    out.append(at_most("max_t [max_other xi(t) - xi_central(t)] (central on top at every t, to "
                       "the resolution of the figure)", float(excess[k]), 0.0, atol=1e-3,
                       source="Fig. 4b",
                       note=f"largest excess at Gamma t = {t[k]:.3g}"))
    hl = ds["half_life"].sel(state="quantum")
    order_hl = sorted(((str(g), float(hl.sel(geometry=g))) for g in ds["geometry"].values),
                      key=lambda kv: -kv[1])
    out.append(holds("geometry with the longest ergotropy half-life (quantum state)",
                     order_hl[0][0] == "central", expected="central",
                     computed=" > ".join(f"{g} ({v:.4f})" for g, v in order_hl),
                     source="Fig. 4b: central keeps ergotropy longest"))
    xc = ds["xi"].sel(state="classical")
    spread = float((xc.max("geometry") - xc.min("geometry")).max())
    out.append(at_most("classical states: max_t spread of xi over geometries (connectivity "
                       "does not matter)", spread, 0.02,
                       source="Fig. 4b inset", note="tolerance chosen: 'does not matter' on the "
                       "scale of the figure"))
    q0 = ds["xi"].sel(state="quantum").isel(gamma_t=0).values
    c0 = ds["xi"].sel(state="classical").isel(gamma_t=0).values
    out.append(compare("max over geometries |xi_q(0) - 1| + |xi_cl(0) - 2/3|",
                       float(np.max(np.abs(q0 - 1.0) + np.abs(c0 - 2.0 / 3.0))), 0.0, atol=1e-12,
                       source="Sec. III"))
    bounds = {"central": 0.5, "linear": 1.0 / math.sqrt(3.0),
              "circular": 2.0 / (1.0 + math.sqrt(5.0)), "symmetric": 1.0}
    for g, b in bounds.items():
        out.append(compare(f"CP bound on Gamma_d, {g} (N = 5): Gamma/|lambda_min(Adj)|",
                           ds["psd_bound"].sel(geometry=g), b, atol=1e-9,
                           source="Eqs. (12)-(13) with G = (Gamma I + Gamma_d Adj)/2",
                           note=f"the paper's Gamma_d = {GAMMA_D_PAPER} Gamma is "
                                + ("on the boundary" if g == "central" else "inside")))
    return out


def _fig5_checks(ds) -> list[Check]:
    cl = ds.sel(state="classical")
    q = ds.sel(state="quantum")
    return [
        at_most("classical state: max coherence_l1 over t and geometries (small, O(1e-2))",
                float(cl["coherence_l1"].max()), 0.05, source="Sec. III A text"),
        at_most("classical state: max concurrence_avg over t and geometries (small, O(1e-2))",
                float(cl["concurrence_avg"].max()), 0.05, source="Sec. III A text"),
        compare("quantum state: coherence_l1 at t = 0 (|+>^N is maximally coherent)",
                float(q["coherence_l1"].isel(gamma_t=0).min()), 1.0, atol=1e-12,
                source="definition, C_max = 2^N - 1"),
        at_least("quantum state: entanglement generated by the collective decay (max C_avg)",
                 float(q["concurrence_avg"].max()), 1e-3, source="Fig. 5b"),
    ]


def _scan_checks(ds) -> list[Check]:
    out = []
    counts = {int(n): int(ds["n_graphs"].sel(N=n, Gamma_d=float(ds["Gamma_d"].values[0])))
              for n in ds["N"].values}
    for n, c in counts.items():
        out.append(compare(f"connected graphs on {n} nodes up to isomorphism", c,
                           CONNECTED_GRAPH_COUNTS[n], source="OEIS A001349"))
    for gd in ds["Gamma_d"].values:
        for n in ds["N"].values:
            sub = ds.sel(N=n, Gamma_d=gd)
            best = str(sub["graph"].values[0])
            hl = float(sub["half_life"].sel(state="quantum").values[0])
            ncp = int(np.nansum(sub["completely_positive"].values == 0))
            out.append(holds(f"N = {int(n)}, Gamma_d = {float(gd):g}: longest quantum "
                             f"half-life ({ncp} graphs not CP)", True,
                             expected="(reported, not a claim of the paper)",
                             computed=f"{best} ({hl:.4f})",
                             source="beyond the paper"))
    return out


def _paper_checks(datasets) -> list[Check]:
    out = []
    if "fig2" in datasets and "fig3" in datasets:
        f2, f3 = datasets["fig2"], datasets["fig3"]
        if 1 in f3["N"].values:
            out.append(compare("fig3 N = 1 half-life (quantum) = fig2 half-life",
                               f3["half_life"].sel(N=1, state="quantum"),
                               f2["half_life"].sel(state="quantum"), atol=1e-9,
                               source="consistency"))
    return out


# ------------------------------------------------------------------ figures
_T = {"gamma_t": {"units": "1", "long_name": "Gamma t"}}
_SINGLE = Grid()
_FIG3 = Grid(axes={"N": [1, 2, 3, 4, 5]})
_FIG3_QUICK = Grid(axes={"N": [1, 3, 5]})
_GEOM = Grid(axes={"geometry": list(GEOMETRIES)})
_SCAN = Grid(axes={"Gamma_d": [0.4, GAMMA_D_PAPER], "N": [4, 5]})
_SCAN_QUICK = Grid(axes={"Gamma_d": [GAMMA_D_PAPER], "N": [4, 5]})
_LAB = {"ergotropy": r"$\mathcal{E}/\mathcal{E}(0)$", "xi": r"$\xi$", "energy": r"$U/U_0$",
        "coherence_l1": r"$C_{l_1}$", "concurrence_avg": r"$\bar{C}$"}

PAPER = register(Paper(
    name="self_discharge",
    title="Self-discharging of single- and N-cell two-level quantum batteries",
    citation=("Title and authors missing from the supplied text; by its content: A. C. Santos, "
              "\"Quantum advantage of two-level batteries in the self-discharging process\", "
              "Phys. Rev. E 103, 042118 (2021)."),
    description=("A charged two-level battery is left in open circuit (no charger, no load). "
                 "Its ergotropy decays slower when it is stored in coherence (|+>) than in "
                 "populations (3/4 excited), under relaxation; phase damping reverses this. N "
                 "cells on a graph (flip-flop J, collective leakage Gamma_d): efficiency, "
                 "coherence and entanglement for four geometries, and every connected graph "
                 "on 4 and 5 cells ranked by ergotropy half-life."),
    choices=(
        "Units Gamma = omega0 = 1 (the dynamics does not depend on omega0: H0 commutes with "
        "everything); time axis gamma_t = Gamma t; energies of the cells only (U = Tr rho H0, "
        "H_int excluded, as in the paper).",
        "Relaxation (Eq. 5): populations decay as e^{-Gamma t/2}, fixed by the printed "
        "tau_c = 2 ln 2/Gamma and tau_d = 2/Gamma: (Gamma/2) D[sigma_-] in the core convention.",
        "The printed quantum half-life 2 ln[2(1+sqrt 6)/5] requires the coherence to decay like "
        "the populations, e^{-Gamma t/2} (as Eq. 7 is printed); bare amplitude damping decays it "
        "as e^{-Gamma t/4} and gives 2 ln(8/5) = 0.940. We add (Gamma/8) D[sigma_z] to every "
        "cell (T2 = T1), relaxation='paper'; relaxation='amplitude_damping' is available.",
        "Leakage (Eqs. 12-13) in the normalisation of the relaxation term: Kossakowski matrix "
        "G = (Gamma I + Gamma_d Adj)/2 on the sigma_-^n, CP iff Gamma_d <= Gamma/|lambda_min(Adj)|. "
        "At the paper's Gamma_d = Gamma/2 the star (central) sits exactly on the boundary; a "
        "cross term twice as large would make star, chain and ring non-CP.",
        "H_int = J sum_edges (sigma_+^n sigma_-^m + h.c.) with J = 2 Gamma on every edge of the "
        "graph, Gamma_d = Gamma/2 (Figs. 3-5).",
        "Phase damping (Eq. 10): (gamma/2) D[sigma_z], time axis gamma t.",
        "Half-life, death and 1/e decay times are root-found (brentq on exactly re-evolved "
        "states), not read off the grid. Death = first t with ergotropy <= 1e-12 omega0.",
        "xi = ergotropy / U with U measured from the ground state (0 for an empty battery); "
        "ergotropy is shown in units of its initial value N omega0/2 (= E_max/2 per cell), U in "
        "units of U(0).",
        "Fig. 4 ordering: geometries compared by the time average of xi over the window.",
        "geometry_scan (beyond the paper): all connected graphs on N = 4, 5 cells up to "
        "isomorphism, J = 2 Gamma on every edge, at Gamma_d = Gamma/2 (graphs with "
        "|lambda_min(Adj)| > 2 are not CP there: NaN) and at Gamma_d = 0.4 Gamma (all CP); "
        "ranked by the quantum-state half-life.",
    ),
    figures=(
        PaperFigure(
            name="fig2", point=single_cell_point, grid=_SINGLE, coord_attrs=_T,
            plot=FigureSpec(name="fig2", y=("ergotropy", "xi"), x="gamma_t", hue="state",
                            panels="variable", xlabel=r"$\Gamma t$",
                            labels={"ergotropy": r"$\mathcal{E}/(E_{max}/2)$", "xi": r"$\xi$"},
                            hue_format="{value}"),
            caption=("Single cell: (a) ergotropy in units of E_max/2 and (b) efficiency xi for "
                     "rho_cl = (3/4)|e><e| + (1/4)|g><g| and |+>; half-lives 2 ln(6/5)/Gamma "
                     "and 2 ln[2(1+sqrt 6)/5]/Gamma stored as half_life(state)."),
            checks=(_fig2_checks,)),
        PaperFigure(
            name="full_charge", point=full_charge_point, grid=_SINGLE, coord_attrs=_T,
            plot=FigureSpec(name="full_charge", y=("ergotropy", "energy"), x="gamma_t",
                            xlabel=r"$\Gamma t$", ylabel=r"$[E_{max}]$",
                            labels={"ergotropy": r"$\mathcal{E}$", "energy": "$U$"}),
            caption=("Sec. II A: full charge, ergotropy sudden death at tau_c = 2 ln 2/Gamma, "
                     "U = E_max e^{-Gamma t/2} (tau_d = 2/Gamma)."),
            checks=(_full_checks,)),
        PaperFigure(
            name="phase_damping", point=phase_damping_point, grid=_SINGLE,
            coord_attrs={"gamma_t": {"units": "1", "long_name": "gamma t"}},
            plot=FigureSpec(name="phase_damping", y=("ergotropy", "xi"), x="gamma_t",
                            hue="state", panels="variable", xlabel=r"$\gamma t$",
                            labels={"ergotropy": r"$\mathcal{E}/(E_{max}/2)$", "xi": r"$\xi$"},
                            hue_format="{value}"),
            caption=("Sec. II C, Eq. (10): under pure dephasing the classical state keeps its "
                     "ergotropy, the quantum one loses it as e^{-gamma t}."),
            checks=(_phase_checks,)),
        PaperFigure(
            name="fig3", point=network_point, grid=_FIG3, quick_grid=_FIG3_QUICK,
            constants={"geometry": "linear"}, coord_attrs=_T,
            plot=FigureSpec(name="fig3", y="xi", x="gamma_t", hue="N", panels="state",
                            xlabel=r"$\Gamma t$", ylabel=r"$\xi$", hue_format="N = {value}"),
            caption="Efficiency xi for (a) classical and (b) quantum product states, linear "
                    "chain, N = 1..5, J = 2 Gamma, Gamma_d = Gamma/2.",
            checks=(_fig3_checks,)),
        PaperFigure(
            name="fig4", point=network_point, grid=_GEOM, constants={"N": N_PAPER},
            coord_attrs=_T,
            plot=FigureSpec(name="fig4", y=("energy", "xi"), x="gamma_t", hue="geometry",
                            panels="state", xlabel=r"$\Gamma t$", ylabel=r"$U/U_0,\ \xi$",
                            labels=_LAB, hue_format="{value}"),
            caption="N = 5: U(t)/U0 (solid) and xi(t) (dashed) for the four geometries; "
                    "quantum states (main panel of the paper) and classical states (its inset).",
            checks=(_fig4_checks,)),
        PaperFigure(
            name="fig5", point=network_point, grid=_GEOM, constants={"N": N_PAPER},
            coord_attrs=_T,
            plot=FigureSpec(name="fig5", y=("coherence_l1", "concurrence_avg"), x="gamma_t",
                            hue="geometry", panels="variable", select={"state": "quantum"},
                            xlabel=r"$\Gamma t$", labels=_LAB, hue_format="{value}"),
            caption="N = 5, quantum state: (a) normalised l1 coherence and (b) pairwise "
                    "concurrence averaged over the connected pairs (Eq. 14).",
            checks=(_fig5_checks,)),
        PaperFigure(
            name="geometry_scan", point=scan_point, grid=_SCAN, quick_grid=_SCAN_QUICK,
            plot=FigureSpec(name="geometry_scan", y="half_life", x="rank", hue="N",
                            panels="Gamma_d", select={"state": "quantum"}, xlabel="rank",
                            ylabel=r"$\Gamma\tau_{1/2}$ (quantum)",
                            hue_format="{name} = {value}"),
            caption="Beyond the paper: quantum-state ergotropy half-life of every connected "
                    "graph on 4 and 5 cells (J = 2 Gamma), ranked; Gamma_d = 0.4 and 0.5 Gamma.",
            checks=(_scan_checks,)),
    ),
    checks=(_paper_checks,),
))
