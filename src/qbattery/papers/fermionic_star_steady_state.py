r"""Kamin, Salimi and Arjmandi: steady-state charging of a star-network battery by fermionic baths.

"Steady-state charging of quantum batteries via dissipative ancillas". A battery qubit at the
centre of an N-qubit star (Fig. 1), :math:`H_S = \sum_i\omega_0\sigma_z^i + J\sum(\sigma_+^i
\sigma_-^j + h.c.)` (Eq. 1), coupled to fermionic reservoirs: one common reservoir
(equilibrium, Eqs. 5-6) or one per qubit with :math:`\mu_1 = \mu`, :math:`\mu_i = \mu + \Delta\mu`
(non-equilibrium, Eqs. 7-8). Preset (Fig. 2 caption): :math:`\omega_0 = 10`, N = 3,
:math:`\omega = \gamma = J = 1`. Model and fast solver: :mod:`qbattery.models.fermionic_network`.

Each figure is a sweep of point functions; a point is one curve computed by
:class:`~qbattery.models.fermionic_network.FermionicNetworkSolver` (U(1) sector, symmetrised over
the leaves of the star; the chain uses U(1) only). Datasets carry ``ergotropy_norm`` (W / W_max
of the centre qubit, W_max = 2 omega0), ``energy``, ``p_excited``, ``kernel_dim`` (generator
solved), ``kernel_dim_u1``, ``kernel_dim_full`` (full 4^N Liouvillian where N <= 4; -1
otherwise) and ``residual``.

Closed forms used by the checks (derived in the model module): with :math:`r = n/(1-n)` the
states :math:`P_k r^{N_{\rm exc}}` are stationary in equilibrium for every strong-symmetry sector
k; from |g...g> the centre of a star (N >= 3) then has :math:`p_e = n`, so
:math:`\mathcal W/E_{\max} = \max(0, \tanh((\mu - \omega)/2T))`. For the chain (N = 3, battery at an end) the sector even under
the reflection gives :math:`p_e = r(r + 1/2)/(1 + r + r^2)`, the odd sector :math:`p_e = 1/2`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..experiments.checks import Check, at_least, at_most, compare, holds
from ..experiments.sweep import Grid
from ..models.fermionic_network import cached_solver
from ..models.reservoirs import fermi_dirac
from ..plotting.figure import FigureSpec
from .base import Paper, PaperFigure, register

__all__ = [
    "DELTA_MU_GRID",
    "FIG2_T",
    "FIG3_MU",
    "FIG6_N",
    "J_GRID",
    "MU_GRID",
    "PAPER",
    "PRESET",
    "T_GRID",
    "chain_even_sector_population",
    "fig2_point",
    "fig3_point",
    "fig4_point",
    "fig5_point",
    "fig6_finding",
    "fig6_point",
    "star_equilibrium_ergotropy",
    "uniqueness_finding",
]

#: Fig. 2 caption: omega0 = 10, N = 3, omega = gamma = J = 1 ("other parameters the same").
PRESET = {"omega0": 10.0, "omega": 1.0, "gamma": 1.0, "J": 1.0}
N_PAPER = 3
TOPOLOGIES = ("star", "chain")
#: Ranges are not printed in the paper: chosen to show the onset at mu = omega and saturation.
MU_GRID = np.linspace(0.0, 10.0, 101)
FIG2_T = (0.1, 0.5, 1.0, 2.0)
DELTA_MU_GRID = np.linspace(0.0, 10.0, 101)
FIG3_MU = (0.0, 1.0, 2.0, 4.0, 8.0)
FIG4 = {"mu": 1.0, "delta_mu": 2.0, "T": 1.0}
J_GRID = np.linspace(0.0, 5.0, 101)
FIG5 = {"mu": 1.0, "delta_mu": 2.0, "J": 1.0}
T_GRID = np.geomspace(0.01, 100.0, 101)
FIG6 = {"mu": 0.0, "T": 1.0}
#: Eight curves (the house palette has eight colours): N = 1..6, 8 and 10.
FIG6_N = (1, 2, 3, 4, 5, 6, 8, 10)
#: Kernels of the U(1) sector and of the full Liouvillian (block by coherence order) are counted
#: by dense SVD when the U(1) sector has at most this dimension: N <= 5 (Figs. 2-5 have N = 3),
#: N <= 4 in Fig. 6 (N = 5 would cost ~70 ms per point); the symmetrised generator's always.
KERNEL_MAX = 256
FIG6_KERNEL_MAX = 70
_TOL = 1e-10
_SRC_GC = "derived: r^N_exc restricted to a symmetry sector is stationary (model module docs)"

_VARS = ("ergotropy_norm", "energy", "p_excited", "kernel_dim", "kernel_dim_u1",
         "kernel_dim_full", "residual")


# ----------------------------------------------------------------------------- closed forms
def star_equilibrium_ergotropy(mu: Any, T: Any, omega: float = 1.0) -> np.ndarray:
    r"""W / W_max of the star's centre in equilibrium: :math:`\max(0, 2n - 1) =
    \max(0, \tanh((\mu - \omega)/2T))` (from all qubits in |g> for N >= 3 and any J; from any
    initial state at N = 3)."""
    n = np.asarray(fermi_dirac(omega, mu, T), dtype=np.float64)
    return np.maximum(0.0, 2.0 * n - 1.0)


def chain_even_sector_population(mu: Any, T: Any, omega: float = 1.0) -> np.ndarray:
    r"""Excited population of the end qubit of a 3-qubit chain in equilibrium, in the sector even
    under the reflection (reached from the ground state): :math:`r(r + 1/2)/(1 + r + r^2)`,
    :math:`r = n/(1-n) = e^{(\mu-\omega)/T}`."""
    x = (np.asarray(mu, dtype=np.float64) - omega) / np.asarray(T, dtype=np.float64)
    # divide through by r^2 for large r (no overflow): (1 + 1/(2r)) / (1 + 1/r + 1/r^2)
    u = np.exp(-np.abs(x))
    small = u * (u + 0.5) / (1.0 + u + u * u)
    large = (1.0 + 0.5 * u) / (1.0 + u + u * u)
    return np.where(x <= 0, small, large)


# ----------------------------------------------------------------------------- points
def _curve(N: int, topology: str, setting: str, rho0: str = "ground", *,
           kernel_max: int = KERNEL_MAX, kernels: bool = True, **params: Any):
    s = cached_solver(N, topology, setting, 0, "auto", kernel_max, kernel_max)
    ds = s.sweep(rho0=rho0, kernels=kernels, **{**PRESET, **params})
    ds = ds[list(_VARS)]
    ds.attrs = {"N": N, "setting": setting, "reduced_dim": s.reduction.n,
                "u1_dim": s.reduction.u1_dim, "symmetry": "U(1) x S_{N-1} (leaves)"
                if s.interchangeable else "U(1)", "rho0": rho0,
                "omega0": PRESET["omega0"], "omega": PRESET["omega"], "gamma": PRESET["gamma"]}
    return ds


def fig2_point(topology: str, T: float):
    """Fig. 2: equilibrium, W/W_max vs mu at temperature T (N = 3), from |ggg> and from I/8."""
    ds = _curve(N_PAPER, topology, "equilibrium", mu=MU_GRID, T=T)
    mixed = _curve(N_PAPER, topology, "equilibrium", rho0="maximally_mixed", kernels=False,
                   mu=MU_GRID, T=T)
    ds["ergotropy_norm_mixed"] = mixed["ergotropy_norm"].assign_attrs(
        long_name="W / W_max from the maximally mixed initial state")
    ds["p_excited_mixed"] = mixed["p_excited"].assign_attrs(
        long_name="battery excited population from the maximally mixed initial state")
    return ds


def fig3_point(topology: str, mu: float):
    """Fig. 3: non-equilibrium, W/W_max vs delta_mu at mu_1 = mu, T = 1 (N = 3)."""
    return _curve(N_PAPER, topology, "non_equilibrium", delta_mu=DELTA_MU_GRID, mu=mu, T=1.0)


def fig4_point(topology: str):
    """Fig. 4: non-equilibrium, W/W_max vs J at mu = 1, delta_mu = 2, T = 1 (N = 3)."""
    return _curve(N_PAPER, topology, "non_equilibrium", J=J_GRID, **FIG4)


def fig5_point(topology: str):
    """Fig. 5: non-equilibrium, W/W_max vs T at J = 1, mu = 1, delta_mu = 2 (N = 3)."""
    return _curve(N_PAPER, topology, "non_equilibrium", T=T_GRID, **FIG5)


def fig6_point(N: int):
    """Fig. 6: non-equilibrium star, W/W_max vs delta_mu with N qubits, T = 1, mu = 0."""
    return _curve(int(N), "star", "non_equilibrium", kernel_max=FIG6_KERNEL_MAX,
                  delta_mu=DELTA_MU_GRID, **FIG6)


def _limit(N: int, topology: str, mu: float, T: float, J: float = 1.0,
           leaves_mu: float = 1e6) -> float:
    """W/W_max when the ancillas' reservoirs are full (n_i = 1: delta_mu -> infinity, or
    T -> 0 with mu + delta_mu > omega), the battery's at (mu, T)."""
    s = cached_solver(N, topology, "non_equilibrium", 0, "auto", KERNEL_MAX, KERNEL_MAX)
    mus = [mu] + [leaves_mu] * (N - 1)
    Ts = [T] + [0.0] * (N - 1)
    return s.solve(mu_sites=mus, T_sites=Ts, **{**PRESET, "J": J}).ergotropy_norm


# ----------------------------------------------------------------------------- checks
def _monotone(a: np.ndarray, axis: int = -1) -> float:
    """Smallest step along ``axis`` (>= 0 for a non-decreasing curve)."""
    return float(np.min(np.diff(a, axis=axis)))


def _kernel_checks(ds, expected: int, what: str, source: str) -> list[Check]:
    out = []
    kf = ds["kernel_dim_full"].values
    kf = kf[kf >= 0]
    if kf.size:
        out.append(compare(f"{what}: kernel dimension of the full Liouvillian, min over points",
                           kf.min(), expected, source=source))
        out.append(compare(f"{what}: kernel dimension of the full Liouvillian, max over points",
                           kf.max(), expected, source=source))
    out.append(at_most(f"{what}: largest residual ||L rho||", float(ds["residual"].max()), 1e-12,
                       source="solver check"))
    return out


def _fig2_checks(ds) -> list[Check]:
    out: list[Check] = []
    mu = ds["mu"].values
    T = ds["T"].values
    W = ds["ergotropy_norm"].transpose("topology", "T", "mu")
    star = W.sel(topology="star").values
    closed = star_equilibrium_ergotropy(mu[None, :], T[:, None])
    out.append(compare("star: max |W/W_max - max(0, tanh((mu - omega)/2T))|, all T, mu",
                       np.max(np.abs(star - closed)), 0.0, atol=_TOL, source=_SRC_GC,
                       note="the centre sits at the bath occupation n(omega) for any J"))
    chain = W.sel(topology="chain").values
    p_even = chain_even_sector_population(mu[None, :], T[:, None])
    out.append(compare("chain (battery at an end): max |W/W_max - max(0, 2 p_even - 1)|",
                       np.max(np.abs(chain - np.maximum(0.0, 2 * p_even - 1))), 0.0, atol=_TOL,
                       source=_SRC_GC + "; even sector p = r(r + 1/2)/(1 + r + r^2)"))
    low = W.sel(mu=mu[mu <= 1.0 + 1e-12]).values
    out.append(at_most("W/W_max for mu <= omega (both topologies, all T)", float(low.max()), 0.0,
                       atol=1e-12, source="Sec. III A: 'zero value at mu <= omega'"))
    out.append(at_least("monotonic in mu: smallest step dW along mu", _monotone(W.values), 0.0,
                        atol=1e-12, source="Sec. III A: 'monotonic function of mu'"))
    hi = W.sel(mu=mu[mu > 1.0 + 1e-12]).transpose("topology", "mu", "T").values
    out.append(at_most("thermal effect: largest step dW along increasing T (mu > omega)",
                       float(np.max(np.diff(hi, axis=-1))), 0.0, atol=1e-12,
                       source="Sec. III A: temperature decreases the ergotropy"))
    Tmin = float(T.min())
    full = float(W.sel(T=Tmin, mu=float(mu.max())).min())
    out.append(compare(f"full charge: min over topologies of W/W_max at T = {Tmin:g}, "
                       f"mu = {mu.max():g}", full, 1.0, atol=1e-9,
                       source="Sec. III A: fully charged as T -> 0 at mu >> omega"))
    # uniqueness (the paper: 'regardless of the initial conditions')
    out += _kernel_checks(ds, 2, "equilibrium, N = 3",
                          "derived: leaf swap (star) / reflection (chain) strong symmetry")
    mixed = ds["ergotropy_norm_mixed"].transpose("topology", "T", "mu")
    out.append(compare("star: max |W(rho0 = |ggg>) - W(rho0 = I/8)|",
                       float(np.max(np.abs(mixed.sel(topology="star").values - star))), 0.0,
                       atol=_TOL, source=_SRC_GC,
                       note="N = 3: both sectors leave the centre at n, so W does not depend on rho0"))
    p_mix = ds["p_excited_mixed"].transpose("topology", "T", "mu").sel(topology="chain").values
    out.append(compare("chain: max |p(rho0 = I/8) - (3/4 p_even + 1/4 * 1/2)|",
                       float(np.max(np.abs(p_mix - (0.75 * p_even + 0.125)))), 0.0, atol=_TOL,
                       source=_SRC_GC + "; odd sector (weight 2/8) has p = 1/2",
                       note="the chain's battery does depend on the initial state"))
    dep = float(np.max(np.abs(mixed.sel(topology="chain").values - chain)))
    out.append(at_least("chain: max |W(|ggg>) - W(I/8)| (initial-state dependence)", dep, 0.1,
                        source="not in the paper: the steady state is not unique"))
    return out


def _fig3_checks(ds) -> list[Check]:
    out: list[Check] = []
    W = ds["ergotropy_norm"].transpose("topology", "mu", "delta_mu")
    mus = ds["mu"].values
    eq = star_equilibrium_ergotropy(mus, 1.0)
    w0 = W.sel(delta_mu=0.0).values
    out.append(compare("delta_mu = 0: max |W/W_max - max(0, tanh((mu - omega)/2T))| (both)",
                       np.max(np.abs(w0 - eq[None, :])), 0.0, atol=_TOL, source=_SRC_GC,
                       note="equal local baths: the unique steady state is r^N / Z"))
    geq = W.sel(mu=mus[mus >= 1.0]).values
    out.append(at_least("mu_1 >= omega: monotonic in delta_mu (smallest step)", _monotone(geq),
                        0.0, atol=1e-12, source="Sec. III B: 'monotonically increases ... as "
                        "delta_mu increases'"))
    out.append(at_least("all mu_1: monotonic in delta_mu (smallest step)", _monotone(W.values),
                        0.0, atol=1e-12, source="observed (not stated for mu_1 < omega)"))
    if 8.0 in mus:
        out.append(at_least("mu_1 = 8: min over delta_mu of W/W_max", float(W.sel(mu=8.0).min()),
                            float(star_equilibrium_ergotropy(8.0, 1.0)), atol=1e-12,
                            source="Sec. III B: 'maximized no matter how large delta_mu is' "
                            "(bound: the delta_mu = 0 value tanh(3.5))"))
    dmax = float(ds["delta_mu"].max())
    for top in ds["topology"].values:
        for mu in mus:
            lim = _limit(N_PAPER, str(top), float(mu), 1.0)
            out.append(compare(f"{top}, mu_1 = {mu:g}: W/W_max at delta_mu = {dmax:g} vs "
                               "delta_mu -> infinity", float(W.sel(topology=top, mu=mu,
                                                                   delta_mu=dmax)), lim,
                               atol=1e-3, source="Sec. III B: 'approaches some fixed values'; "
                               "limit = ancilla baths full (n_i = 1)"))
    out += _kernel_checks(ds, 1, "non-equilibrium, N = 3", "Spohn/Frigerio: local sigma_+- on "
                          "every qubit generate the full algebra -> unique steady state")
    return out


def _fig4_checks(ds) -> list[Check]:
    out: list[Check] = []
    W = ds["ergotropy_norm"].transpose("topology", "J")
    out.append(compare("J = 0: W/W_max (battery alone with its bath at mu = omega: n = 1/2)",
                       float(np.max(np.abs(W.sel(J=0.0).values))), 0.0, atol=_TOL,
                       source="closed form: p_e = n(omega) = 1/2"))
    out.append(at_least("W/W_max increases with J (smallest step)", _monotone(W.values), 0.0,
                        atol=1e-12, source="Sec. III B: 'ergotropy increase with the coupling'"))
    Jmax = float(ds["J"].max())
    for top in ds["topology"].values:
        w_small = float(W.sel(topology=top).sel(J=0.1, method="nearest"))
        w_one = float(W.sel(topology=top, J=1.0))
        w_max = float(W.sel(topology=top, J=Jmax))
        out.append(at_most(f"{top}: weak coupling suppresses charging, W(J = 0.1)/W(J = 1)",
                           w_small / w_one, 0.2, source="Sec. III B: 'when J is minor, the "
                           "ergotropy is greatly reduced'"))
        out.append(at_least(f"{top}: similar for J >= omega, W(J = 1)/W(J = {Jmax:g})",
                            w_one / w_max, 0.7, source="Sec. III B: 'for J >= omega ... similar "
                            "trends'"))
    out += _kernel_checks(ds, 1, "non-equilibrium, N = 3", "Spohn/Frigerio")
    return out


def _fig5_checks(ds) -> list[Check]:
    out: list[Check] = []
    W = ds["ergotropy_norm"].transpose("topology", "T")
    out.append(at_most("W/W_max decreases with T (largest step)", float(np.max(np.diff(W.values))),
                       0.0, atol=1e-12, source="Sec. III B: thermal effect is destructive"))
    Tmax, Tmin = float(ds["T"].max()), float(ds["T"].min())
    out.append(at_most(f"T = {Tmax:g}: W/W_max (battery almost empty)",
                       float(W.sel(T=Tmax).max()), 0.01, source="Sec. III B: 'at high "
                       "temperatures limit the battery remains almost empty'"))
    for top in ds["topology"].values:
        lim = _limit(N_PAPER, str(top), FIG5["mu"], 0.0, J=FIG5["J"])
        out.append(compare(f"{top}: W/W_max at T = {Tmin:g} vs the T -> 0 limit",
                           float(W.sel(topology=top, T=Tmin)), lim, atol=1e-9,
                           source="limit: battery bath n = 1/2 (mu = omega), ancilla baths full"))
    out += _kernel_checks(ds, 1, "non-equilibrium, N = 3", "Spohn/Frigerio")
    return out


def _fig6_checks(ds) -> list[Check]:
    out: list[Check] = []
    W = ds["ergotropy_norm"].transpose("N", "delta_mu")
    Ns = ds["N"].values
    dm = ds["delta_mu"].values
    if 1 in Ns:
        n = float(fermi_dirac(1.0, FIG6["mu"], FIG6["T"]))
        e1 = ds["energy"].sel(N=1).values
        out.append(compare("N = 1: max |E - omega0 (2 n(omega) - 1)| over delta_mu",
                           np.max(np.abs(e1 - PRESET["omega0"] * (2 * n - 1))), 0.0, atol=1e-9,
                           source="closed form: a qubit alone relaxes to p_e = n(omega)"))
        out.append(compare("N = 1: W/W_max (no ancilla, no charge)", float(W.sel(N=1).max()),
                           0.0, atol=_TOL, source="Sec. III B: impossible to charge without "
                           "an ancilla"))
    out.append(at_least("W/W_max grows with N at every delta_mu (smallest step along N)",
                        _monotone(W.values, axis=0), 0.0, atol=1e-12,
                        source="Sec. III B: advantage of more ancillas"))
    onset = []
    for N in Ns:
        w = W.sel(N=N).values
        on = dm[np.argmax(w > 1e-9)] if np.any(w > 1e-9) else np.inf
        onset.append(on)
    onset_arr = np.asarray(onset[1:] if Ns[0] == 1 else onset)
    out.append(holds("onset delta_mu (first W > 0) does not increase with N",
                     bool(np.all(np.diff(onset_arr) <= 1e-12)),
                     computed=", ".join(f"{o:g}" for o in onset_arr),
                     source="Sec. III B: 'as N decreases, a stronger bias is required'"))
    dmax = float(dm.max())
    for N in Ns:
        if N < 2:
            continue
        lim = _limit(int(N), "star", FIG6["mu"], FIG6["T"])
        out.append(compare(f"N = {N}: W/W_max at delta_mu = {dmax:g} vs delta_mu -> infinity",
                           float(W.sel(N=N, delta_mu=dmax)), lim, atol=1e-3,
                           source="limit: ancilla baths full (n_i = 1)"))
    kd = ds["kernel_dim"].values
    out.append(compare("kernel dimension of the generator solved (symmetrised U(1)), max",
                       int(kd.max()), 1, source="Spohn/Frigerio"))
    out += _kernel_checks(ds, 1, "non-equilibrium, N <= 4", "Spohn/Frigerio")
    return out


def _paper_checks(datasets) -> list[Check]:
    """Closed forms outside the figures: a single qubit, and uniqueness at N = 4."""
    out: list[Check] = []
    dev = 0.0
    for setting in ("equilibrium", "non_equilibrium"):
        s = cached_solver(1, "star", setting, 0, "auto", KERNEL_MAX, KERNEL_MAX)
        for mu, T in ((-1.0, 0.5), (0.5, 1.0), (2.0, 0.3), (3.0, 2.0), (1.0, 0.0)):
            r = s.solve(mu=mu, T=T, **PRESET)
            dev = max(dev, abs(r.p_excited - float(fermi_dirac(1.0, mu, T))))
    out.append(compare("single qubit: max |p_e - n(omega)| (both settings, 5 (mu, T) points)",
                       dev, 0.0, atol=_TOL, source="closed form: detailed balance "
                       "gamma (1-n) p_e = gamma n p_g"))
    s4 = cached_solver(4, "star", "equilibrium", 0, "auto", KERNEL_MAX, KERNEL_MAX)
    mu, T = 2.0, 1.0
    g = s4.solve(mu=mu, T=T, **PRESET)
    m = s4.solve(mu=mu, T=T, rho0="maximally_mixed", **PRESET)
    n = float(fermi_dirac(1.0, mu, T))
    r = n / (1.0 - n)
    p_t = r * (r + 0.5) / (1.0 + r + r * r)
    out.append(compare("equilibrium star N = 4: kernel dimension of the full Liouvillian",
                       g.kernel_dim_full, 9, source="derived: sectors j_leaves = 3/2 (1), "
                       "1/2 x (J = 1 or 0) (multiplicity 2 each): 1 + 4 + 4",
                       note="the paper's uniqueness claim fails"))
    out.append(compare("equilibrium star N = 4, rho0 = |gggg>: p_e - n(omega)",
                       g.p_excited - n, 0.0, atol=_TOL, source=_SRC_GC))
    out.append(compare("equilibrium star N = 4, rho0 = I/16: p_e vs (8 n + 6 p_T + 1)/16",
                       m.p_excited, (8 * n + 6 * p_t + 1.0) / 16.0, atol=_TOL,
                       source=_SRC_GC + "; dark sector J = 0 has p_e = 1/2",
                       note="the battery's steady state depends on rho0 at N = 4"))
    alt = cached_solver(3, "star", "equilibrium", 0, "auto", KERNEL_MAX, KERNEL_MAX).solve(
        mu=25.0, T=1.0, occupation_at="transition", **PRESET)
    out.append(compare("occupation at the transition 2 omega0 = 20: W/W_max at mu = 25, T = 1",
                       alt.ergotropy_norm, math.tanh(2.5), atol=_TOL,
                       source="alternative reading: n(2 omega0) instead of n(omega)"))
    return out


# ----------------------------------------------------------------------------- findings
def uniqueness_finding(datasets) -> str:
    """The uniqueness claim tested on this run's data (a paragraph for the report)."""
    parts = ["Steady states are defined by the initial state |g...g> (all qubits in the ground "
             "state; the kernel projection of rho0)."]
    ds = datasets.get("fig2")
    if ds is not None:
        kf = ds["kernel_dim_full"].values
        star = ds["ergotropy_norm"].sel(topology="star")
        dev_star = float(np.max(np.abs(ds["ergotropy_norm_mixed"].sel(topology="star") - star)))
        dev_chain = float(np.max(np.abs(ds["ergotropy_norm_mixed"].sel(topology="chain")
                                        - ds["ergotropy_norm"].sel(topology="chain"))))
        parts.append(
            f"Equilibrium (Fig. 2, N = 3): the Liouvillian kernel has dimension {kf.min()}"
            + (f"-{kf.max()}" if kf.max() != kf.min() else "") + " at every point, so the steady "
            "state is not unique, contrary to the paper's 'regardless of the initial conditions'. "
            "The strong symmetries are the swap of the two leaves (star) and the reflection "
            "(chain). For the star the battery does not notice: from the maximally mixed state "
            f"W/W_max differs by at most {dev_star:.1e}; for the chain by up to {dev_chain:.3f}.")
    kd = [int(datasets[f]["kernel_dim"].max()) for f in ("fig3", "fig4", "fig5", "fig6")
          if f in datasets]
    Ns = sorted({3, *(int(n) for n in datasets["fig6"]["N"].values)} if "fig6" in datasets
                else {3})
    kf = [datasets[f]["kernel_dim_full"].values for f in ("fig3", "fig4", "fig5", "fig6")
          if f in datasets]
    kf = [k[k >= 0] for k in kf]
    if kd:
        full = np.concatenate(kf) if kf else np.zeros(0)
        parts.append(
            "Non-equilibrium (Figs. 3-6): kernel dimension "
            f"{max(kd)} for the generator solved at every point (N = "
            f"{', '.join(map(str, Ns))}), and "
            + (f"{int(full.max())} for the full Liouvillian wherever it was counted (N <= 4)"
               if full.size else "the full Liouvillian was not counted")
            + ": unique, as the Spohn/Frigerio criterion predicts (sigma_-^i and sigma_+^i on every "
            "qubit generate the full algebra).")
    return " ".join(parts)


def fig6_finding(ds) -> str:
    """Saturation and onset of charging vs N (Fig. 6)."""
    W = ds["ergotropy_norm"].transpose("N", "delta_mu")
    dm = ds["delta_mu"].values
    rows = []
    for N in ds["N"].values:
        w = W.sel(N=N).values
        on = f"{dm[np.argmax(w > 1e-9)]:g}" if np.any(w > 1e-9) else "never"
        rows.append(f"N = {int(N)}: max {w.max():.3f}, onset delta_mu = {on}")
    return ("W/W_max at the largest delta_mu and the first delta_mu with W > 0: "
            + "; ".join(rows) + ". Each added ancilla raises the plateau and lowers the bias "
            "needed, with diminishing returns (the plateau approaches ~0.40 of W_max).")


# ----------------------------------------------------------------------------- registration
def _findings(cls, **kw):
    """``kw`` if ``cls`` (Paper, PaperFigure) has a ``findings`` field, else nothing."""
    return kw if "findings" in getattr(cls, "__dataclass_fields__", {}) else {}


_W_LABEL = r"$\mathcal{W}/\mathcal{W}_{\max}$"
_TOPO_FMT = "{value}"

PAPER = register(Paper(
    name="fermionic_star_steady_state",
    title="Steady-state charging of quantum batteries via dissipative ancillas",
    citation=("F. H. Kamin, S. Salimi and M. B. Arjmandi, \"Steady-state charging of quantum "
              "batteries via dissipative ancillas\" (Univ. of Kurdistan / Univ. of Isfahan). "
              "Ergotropy: A. E. Allahverdyan, R. Balian and Th. M. Nieuwenhuizen, EPL 67, 565 "
              "(2004). Uniqueness: H. Spohn, Rep. Math. Phys. 10, 189 (1976); A. Frigerio, "
              "Commun. Math. Phys. 63, 269 (1978)."),
    description=("The centre qubit of an N-qubit star network is charged, without a charging "
                 "field, by fermionic reservoirs that exchange particles with the qubits: one "
                 "common reservoir (equilibrium, Fig. 2) or one per qubit with a chemical-"
                 "potential bias delta_mu on the ancillas (non-equilibrium, Figs. 3-6). "
                 "'The' steady state is the one reached from all qubits in |g> (the empty "
                 "battery with empty ancillas). In equilibrium it is NOT unique: the Liouvillian "
                 "kernel has dimension 2 for N = 3 (star: leaf singlet/triplet sectors; chain: "
                 "reflection), 9 for the N = 4 star; the star's centre nevertheless ends at "
                 "p_e = n(omega) from |g...g> (and from every state at N = 3), the chain's end "
                 "qubit and the N = 4 star from I/16 do not. Non-equilibrium steady states are "
                 "unique (kernel 1 at every point)."),
    choices=(
        "Network: the star of Fig. 1 with the battery at its centre (site 0) is the default; "
        "Eq. (1) is written as a chain sum, so the chain (battery = qubit 1 = an end, site 0) is "
        "computed too and shown as a second panel/curve in Figs. 2-5 (coordinate topology). For "
        "N = 3 the star is the chain with the battery in the middle.",
        "Hamiltonian: omega0 sigma_z per qubit exactly as Eq. (1) (splitting 2 omega0 = 20). "
        "Because the omega0 term is constant on each excitation sector it drops out of the "
        "steady state; W_max = E_max = 2 omega0 and ergotropy_norm = W / (2 omega0).",
        "Fermi function: n = 1/(exp((omega - mu)/T) + 1) at the reservoir frequency omega = 1 "
        "as printed (preset, occupation_at='omega'), although the qubits' transition is at "
        "2 omega0 = 20. occupation_at='transition' evaluates n at 2 omega0 instead (checked: "
        "then charging needs mu > 20).",
        "Dissipators as printed, in qbattery's convention D[L] = L rho L^dag - {L^dag L, rho}/2 "
        "with rates gamma (1 - n) and gamma n: equilibrium = collective D[J_-], D[J_+] "
        "(Eqs. 5-6, the i,j double sum), non-equilibrium = local sigma_-^i, sigma_+^i (Eqs. 7-8).",
        "Non-equilibrium layout (Sec. III B): battery reservoir at mu_1 = mu, every ancilla "
        "reservoir at mu + delta_mu, all at temperature T. Fig. 4 at mu = 1, delta_mu = 2, "
        "T = 1; Fig. 5 at mu = 1, delta_mu = 2, J = 1 ('same as Fig. 4'); Fig. 6 at mu = 0, "
        "T = 1 with N = 1-6, 8, 10.",
        "Initial state: 'the' steady state is the one reached from all qubits in |g> "
        "(rho0 = |g...g><g...g|), i.e. the kernel projection of rho0. The paper says the "
        "steady state is reached 'regardless of the initial conditions'; this holds out of "
        "equilibrium (kernel dimension 1, checked at every point; Spohn/Frigerio criterion) but "
        "not in equilibrium: Fig. 2 also stores the result from the maximally mixed state.",
        "Axis ranges are not printed: mu in [0, 10] (101 points), T in {0.1, 0.5, 1, 2} (Fig. 2); "
        "delta_mu in [0, 10] (101), mu_1 in {0, 1, 2, 4, 8} (Fig. 3); J in [0, 5] (Fig. 4); "
        "T log-spaced in [0.01, 100] (Fig. 5).",
        "Numerics: steady states in the U(1) (excitation-number) sector, symmetrised over the "
        "interchangeable leaves of the star (qbattery.symmetry.u1): 12 unknowns at N = 3, 110 at "
        "N = 10 (the full Liouvillian has 4^10). Checked against the full solver and QuTiP in "
        "the tests. Kernel dimensions: of the generator solved (always), of the U(1) sector "
        "and of the full Liouvillian (block by coherence order), for N <= 4.",
    ),
    figures=(
        PaperFigure(
            name="fig2", point=fig2_point,
            grid=Grid(axes={"topology": TOPOLOGIES, "T": FIG2_T}),
            quick_grid=Grid(axes={"topology": TOPOLOGIES, "T": (0.1, 1.0)}),
            plot=FigureSpec(name="fig2", y=("ergotropy_norm",), x="mu", hue="T",
                            panels="topology", xlabel=r"$\mu$", ylabel=_W_LABEL,
                            labels={"ergotropy_norm": _W_LABEL}, hue_format="$T = {value:g}$"),
            caption=("Equilibrium (one collective reservoir), N = 3: W/W_max of the battery vs "
                     "mu for several T, from all qubits in |g>; left the star (battery at the "
                     "centre), right the chain (battery at an end)."),
            checks=(_fig2_checks,)),
        PaperFigure(
            name="fig3", point=fig3_point,
            grid=Grid(axes={"topology": TOPOLOGIES, "mu": FIG3_MU}),
            quick_grid=Grid(axes={"topology": TOPOLOGIES, "mu": (0.0, 1.0, 8.0)}),
            plot=FigureSpec(name="fig3", y=("ergotropy_norm",), x="delta_mu", hue="mu",
                            panels="topology", xlabel=r"$\Delta\mu$", ylabel=_W_LABEL,
                            labels={"ergotropy_norm": _W_LABEL},
                            hue_format=r"$\mu_1 = {value:g}$"),
            caption="Non-equilibrium, N = 3, T = 1: W/W_max vs delta_mu for several mu_1 = mu.",
            checks=(_fig3_checks,)),
        PaperFigure(
            name="fig4", point=fig4_point, grid=Grid(axes={"topology": TOPOLOGIES}),
            plot=FigureSpec(name="fig4", y=("ergotropy_norm",), x="J", hue="topology",
                            xlabel="$J$", ylabel=_W_LABEL, labels={"ergotropy_norm": _W_LABEL},
                            hue_format=_TOPO_FMT),
            caption="Non-equilibrium, N = 3, mu = 1, delta_mu = 2, T = 1: W/W_max vs J.",
            checks=(_fig4_checks,)),
        PaperFigure(
            name="fig5", point=fig5_point, grid=Grid(axes={"topology": TOPOLOGIES}),
            plot=FigureSpec(name="fig5", y=("ergotropy_norm",), x="T", hue="topology",
                            xlabel="$T$", ylabel=_W_LABEL, labels={"ergotropy_norm": _W_LABEL},
                            hue_format=_TOPO_FMT, xscale="log"),
            caption="Non-equilibrium, N = 3, mu = 1, delta_mu = 2, J = 1: W/W_max vs T.",
            checks=(_fig5_checks,)),
        PaperFigure(
            name="fig6", point=fig6_point, grid=Grid(axes={"N": FIG6_N}),
            quick_grid=Grid(axes={"N": (1, 2, 3, 4, 10)}),
            plot=FigureSpec(name="fig6", y=("ergotropy_norm",), x="delta_mu", hue="N",
                            xlabel=r"$\Delta\mu$", ylabel=_W_LABEL,
                            labels={"ergotropy_norm": _W_LABEL}, hue_format="$N = {value:g}$"),
            caption=("Non-equilibrium star, T = 1, mu = 0: W/W_max vs delta_mu for N = 1-6, 8 "
                     "and 10 qubits (battery + N - 1 ancillas)."),
            checks=(_fig6_checks,), **_findings(PaperFigure, findings=(fig6_finding,))),
    ),
    checks=(_paper_checks,),
    **_findings(Paper, findings=(uniqueness_finding,)),
))
