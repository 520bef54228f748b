r"""Built-in demo: a qubit battery charged by a resonant classical drive, with amplitude damping.

Not a paper: a small study with closed-form answers that exercises the whole pipeline (spec ->
sweep -> store -> figure -> report -> checks.csv) in a couple of seconds.

Model (qbattery conventions: :math:`\sigma_z = \mathrm{diag}(-1, 1)`, index 1 = excited), in the
frame rotating at the drive frequency, after the rotating-wave approximation:

.. math::
    H = \frac{\delta}{2}\sigma_z + \Omega\,\sigma_x, \qquad
    \dot\rho = -i[H, \rho] + \gamma\,\mathcal D[\sigma_-]\rho, \qquad
    H_B = \omega_0\,|e\rangle\langle e|,

with :math:`\delta = \omega_0 - \omega_d` the detuning. The battery energy is measured with the
bare :math:`H_B`; it commutes with the frame rotation, so energy and ergotropy are the same in the
lab and rotating frames.

Closed forms (:math:`\delta = 0`, from the ground state):

* :math:`\gamma = 0` (Rabi): :math:`E(t) = \omega_0 \sin^2(\Omega t)` and, the state being pure,
  :math:`\mathcal W(t) = E(t)`.
* Steady state (resonance fluorescence; Mollow 1969): from
  :math:`\dot\rho_{ee} = -\gamma\rho_{ee} - i\Omega(\rho_{ge} - \rho_{eg})` and
  :math:`\dot\rho_{eg} = -\tfrac{\gamma}{2}\rho_{eg} - i\Omega(\rho_{gg} - \rho_{ee})`,

  .. math::
      \rho_{ee} = \frac{4\Omega^2}{\gamma^2 + 8\Omega^2} = \frac{s}{2(1+s)},\ s = \frac{8\Omega^2}{\gamma^2},
      \qquad |\rho_{eg}| = \frac{2\Omega\gamma}{\gamma^2 + 8\Omega^2},

  so the Bloch vector has :math:`r_z = -\gamma^2/(\gamma^2+8\Omega^2)` and
  :math:`|r| = \gamma\sqrt{\gamma^2+16\Omega^2}/(\gamma^2+8\Omega^2)`, and

  .. math::
      E_{ss} = \omega_0\rho_{ee}, \qquad
      \mathcal W_{ss} = \frac{\omega_0}{2}(r_z + |r|)
      = \frac{\omega_0}{2}\,\frac{\gamma(\sqrt{\gamma^2 + 16\Omega^2} - \gamma)}{\gamma^2 + 8\Omega^2}.

  With :math:`u = \sqrt{1 + 16\Omega^2/\gamma^2}`, :math:`\mathcal W_{ss}/\omega_0 = (u-1)/(u^2+1)`,
  maximal at :math:`u = 1 + \sqrt2`: :math:`\max_\Omega \mathcal W_{ss} = \omega_0(\sqrt2 - 1)/2
  \approx 0.2071\,\omega_0`, at :math:`\Omega^* = \gamma\sqrt{1+\sqrt2}/(2\sqrt2) \approx
  0.549\,\gamma`, for every :math:`\gamma`.
"""

from __future__ import annotations

import math

import numpy as np

from ..experiments.checks import Check, at_most, compare
from ..experiments.registry import Param, register_model
from ..models.open_system import Channel, OpenSystem
from ..plotting.figure import FigureSpec
from ..quantum.operators import projector, sigma_minus, sigma_x, sigma_z
from .base import Paper, PaperFigure, register

__all__ = ["PAPER", "driven_qubit", "steady_energy", "steady_ergotropy"]

W_MAX = (math.sqrt(2.0) - 1.0) / 2.0  # max_Omega W_ss / omega0


@register_model(
    "driven_qubit",
    params={
        "omega0": Param(1.0, unit="omega0", low=0.0, low_open=True,
                        doc="qubit (battery) frequency"),
        "Omega": Param(0.5, unit="omega0", low=0.0,
                       doc="drive amplitude: H_drive = Omega sigma_x in the rotating frame"),
        "gamma": Param(0.0, unit="omega0", low=0.0, doc="amplitude damping rate, gamma D[sigma_-]"),
        "delta": Param(0.0, unit="omega0", doc="detuning omega0 - omega_drive"),
    },
    units={"energy": "omega0", "time": "1/omega0"},
    states={"excited": lambda: np.diag([0.0, 1.0]).astype(np.complex128)},
    description="Resonantly driven qubit battery with amplitude damping (rotating frame, RWA)",
)
def driven_qubit(omega0: float = 1.0, Omega: float = 0.5, gamma: float = 0.0,
                 delta: float = 0.0) -> OpenSystem:
    r"""Driven, damped qubit in the rotating frame: :math:`H = (\delta/2)\sigma_z + \Omega\sigma_x`,
    jump :math:`\sqrt\gamma\sigma_-`, battery Hamiltonian :math:`\omega_0|e\rangle\langle e|`."""
    H = 0.5 * delta * sigma_z() + Omega * sigma_x()
    return OpenSystem(H, channels=(Channel(sigma_minus(), gamma, "decay"),),
                      H_battery=omega0 * projector(2, 1), names=("qubit",))


def steady_energy(omega0: float, Omega, gamma):
    """Closed-form steady-state energy omega0 * 4 Omega^2 / (gamma^2 + 8 Omega^2)."""
    Omega, gamma = np.asarray(Omega, float), np.asarray(gamma, float)
    return omega0 * 4 * Omega**2 / (gamma**2 + 8 * Omega**2)


def steady_ergotropy(omega0: float, Omega, gamma):
    """Closed-form steady-state ergotropy (omega0/2) gamma (sqrt(gamma^2 + 16 Omega^2) - gamma)
    / (gamma^2 + 8 Omega^2)."""
    Omega, gamma = np.asarray(Omega, float), np.asarray(gamma, float)
    return 0.5 * omega0 * gamma * (np.sqrt(gamma**2 + 16 * Omega**2) - gamma) / (
        gamma**2 + 8 * Omega**2)


# ---------------------------------------------------------------------- figures as specs
_OMEGA0, _OMEGA = 1.0, 0.5
_T_END = 4 * math.pi / _OMEGA  # two Rabi periods of the energy, sin^2(Omega t)

CHARGING = {
    "name": "demo_charging",
    "description": "Charging of a driven qubit battery: energy and ergotropy vs time",
    "model": {"name": "driven_qubit", "params": {"omega0": _OMEGA0, "Omega": _OMEGA}},
    "initial_state": "ground",
    "dynamics": {"kind": "evolve"},
    "times": {"start": 0.0, "stop": _T_END, "num": 401},
    "metrics": ["energy", "ergotropy"],
    "sweep": {"axes": {"gamma": [0.0, 0.1, 0.5, 1.0]}},
}
CHARGING_QUICK = {"times": {"num": 201}, "sweep": {"axes": {"gamma": [0.0, 1.0]}}}

STEADY = {
    "name": "demo_steady",
    "description": "Steady state of the driven damped qubit battery vs drive amplitude",
    "model": {"name": "driven_qubit", "params": {"omega0": _OMEGA0}},
    "initial_state": "ground",
    "dynamics": {"kind": "steady_state"},
    "metrics": ["energy", "ergotropy"],
    "sweep": {"axes": {"Omega": {"start": 0.0, "stop": 3.0, "num": 31},
                       "gamma": [0.5, 1.0, 2.0]}},
}
STEADY_QUICK = {"sweep": {"axes": {"Omega": {"start": 0.0, "stop": 3.0, "num": 13},
                                   "gamma": [1.0]}}}

_SRC_RABI = "closed form: Rabi, E = omega0 sin^2(Omega t)"
_SRC_MOLLOW = "closed form: resonance fluorescence (Mollow 1969)"


def _charging_checks(ds) -> list[Check]:
    out = []
    t = ds["time"].values
    e0 = ds["energy"].sel(gamma=0.0).values
    w0 = ds["ergotropy"].sel(gamma=0.0).values
    rabi = _OMEGA0 * np.sin(_OMEGA * t) ** 2
    out.append(compare("max |E(t) - omega0 sin^2(Omega t)|, gamma = 0", np.max(np.abs(e0 - rabi)),
                       0.0, atol=1e-7, source=_SRC_RABI))
    out.append(compare("E at t = pi/(2 Omega), gamma = 0 (full charge)",
                       ds["energy"].sel(gamma=0.0).sel(time=math.pi / (2 * _OMEGA),
                                                       method="nearest").values,
                       _OMEGA0 * math.sin(_OMEGA * float(t[np.argmin(np.abs(
                           t - math.pi / (2 * _OMEGA)))])) ** 2, atol=1e-7, source=_SRC_RABI))
    out.append(compare("max |W(t) - E(t)|, gamma = 0 (pure state)", np.max(np.abs(w0 - e0)), 0.0,
                       atol=1e-7, source="pure state: W = E - E_ground"))
    g = float(ds["gamma"].values.max())
    out.append(compare(f"E(t_end) -> steady state, gamma = {g:g}",
                       ds["energy"].sel(gamma=g).values[-1],
                       float(steady_energy(_OMEGA0, _OMEGA, g)), atol=2e-3, source=_SRC_MOLLOW,
                       note="transient decays as exp(-3 gamma t / 4)"))
    return out


def _steady_checks(ds) -> list[Check]:
    om, g = np.meshgrid(ds["Omega"].values, ds["gamma"].values, indexing="ij")
    e = ds["energy"].transpose("Omega", "gamma").values
    w = ds["ergotropy"].transpose("Omega", "gamma").values
    out = [
        compare("max |E_ss - 4 omega0 Omega^2/(gamma^2 + 8 Omega^2)|",
                np.max(np.abs(e - steady_energy(_OMEGA0, om, g))), 0.0, atol=1e-9,
                source=_SRC_MOLLOW),
        compare("max |W_ss - closed form|", np.max(np.abs(w - steady_ergotropy(_OMEGA0, om, g))),
                0.0, atol=1e-9, source=_SRC_MOLLOW),
        at_most("E_ss <= omega0/2 (no inversion by a classical drive)", np.max(e), 0.5 * _OMEGA0,
                atol=1e-12, source="saturation, s -> infinity"),
        compare("max over Omega of W_ss (grid) vs (sqrt 2 - 1) omega0 / 2", np.max(w),
                W_MAX * _OMEGA0, atol=2e-3, source="closed form: optimum at Omega = 0.549 gamma",
                note="grid maximum; tolerance covers the Omega grid spacing"),
    ]
    return out


PAPER = register(Paper(
    name="demo_qubit_charger",
    title="Demo: a resonantly driven qubit battery with amplitude damping",
    citation=("Built-in demonstration study (no paper). Steady state: B. R. Mollow, Phys. Rev. "
              "188, 1969 (1969). Ergotropy: A. E. Allahverdyan, R. Balian and "
              "Th. M. Nieuwenhuizen, Europhys. Lett. 67, 565 (2004)."),
    description=("A qubit battery (H_B = omega0 |e><e|) charged from its ground state by a "
                 "resonant classical drive, with amplitude damping at rate gamma; energy and "
                 "ergotropy during charging, and in the steady state as functions of the drive."),
    choices=(
        "Rotating frame at the drive frequency with the rotating-wave approximation: "
        "H = (delta/2) sigma_z + Omega sigma_x with delta = 0, so the Rabi closed form is exact "
        "for the model solved.",
        "Battery Hamiltonian H_B = omega0 |e><e| (ground-state energy 0); it commutes with the "
        "frame rotation, so energy and ergotropy are frame independent.",
        "Amplitude damping gamma D[sigma_-] with D[L]rho = L rho L^dag - {L^dag L, rho}/2 "
        "(qbattery's core convention: gamma is the population decay rate).",
        "Units: omega0 = 1; times in 1/omega0; Omega = 0.5 omega0 for the charging figure.",
    ),
    figures=(
        PaperFigure(
            name="charging", spec=CHARGING, quick=CHARGING_QUICK,
            plot=FigureSpec(name="charging", y=("energy", "ergotropy"), x="time", hue="gamma",
                            xlabel=r"$\omega_0 t$", ylabel=r"$E,\ \mathcal{W}\ [\omega_0]$",
                            labels={"energy": "$E$", "ergotropy": r"$\mathcal{W}$"},
                            hue_format=r"$\gamma = {value:g}\,\omega_0$"),
            caption=("Energy (solid) and ergotropy (dashed) of the qubit battery charged from "
                     "the ground state, Omega = 0.5 omega0, for several damping rates gamma."),
            checks=(_charging_checks,)),
        PaperFigure(
            name="steady_state", spec=STEADY, quick=STEADY_QUICK,
            plot=FigureSpec(name="steady_state", y=("energy", "ergotropy"), x="Omega",
                            hue="gamma", panels="variable", xlabel=r"$\Omega / \omega_0$",
                            labels={"energy": r"$E_{ss}\ [\omega_0]$",
                                    "ergotropy": r"$\mathcal{W}_{ss}\ [\omega_0]$"},
                            hue_format=r"$\gamma = {value:g}\,\omega_0$"),
            caption=("Steady-state energy and ergotropy vs drive amplitude Omega; the ergotropy "
                     "peaks at (sqrt 2 - 1) omega0 / 2 for Omega = 0.549 gamma."),
            checks=(_steady_checks,)),
    ),
))
