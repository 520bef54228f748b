r"""Analytic open systems used as test cases (dynamiqs-style "systems as objects").

Each :class:`AnalyticSystem` carries the model (H, collapse operators), an initial state, output
times, observables and the exact expectation values (and, where known, the exact steady state).
Generic testers in ``tests/dynamics`` run every system through every method.

Conventions of qbattery: hbar = 1, basis index = number of excitations (qubit |0> = |g>,
sigma_z = diag(-1, 1)), D[L]rho = L rho L^dag - {L^dag L, rho}/2, collapse operators
c = sqrt(rate) L. For a Hamiltonian H = omega sigma_z / 2 the coherence
rho_eg = <e|rho|g> = Tr(sigma_- rho) rotates as exp(-i omega t).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qbattery.quantum.operators import create, destroy, number, sigma_minus, sigma_plus, sigma_z
from qbattery.quantum.states import coherent_state, fock_dm, thermal_state

__all__ = ["SYSTEMS", "AnalyticSystem", "systems_by_name"]


@dataclass(frozen=True, eq=False)
class AnalyticSystem:
    """An open system with known expectation values.

    exact(times) returns {name: array} for the keys of e_ops; steady is the exact steady state
    (None if not used). ``atol`` is the absolute tolerance for exact methods (propagator,
    krylov) and ``atol_ode`` for the adaptive ODE method at its default tolerances.
    """

    name: str
    H: np.ndarray
    c_ops: list
    rho0: np.ndarray
    times: np.ndarray
    e_ops: dict
    exact: Callable[[np.ndarray], dict]
    steady: np.ndarray | None = None
    atol: float = 1e-10
    atol_ode: float = 1e-8
    notes: str = field(default="")

    def __repr__(self) -> str:  # readable pytest ids
        return self.name


def _proj(d: int, k: int) -> np.ndarray:
    p = np.zeros((d, d), dtype=np.complex128)
    p[k, k] = 1.0
    return p


def _qubit_state(pe: float, coh: complex) -> np.ndarray:
    """Qubit density matrix with excited population pe and rho_eg = coh."""
    return np.array([[1 - pe, np.conj(coh)], [coh, pe]], dtype=np.complex128)


def amplitude_damping(omega: float = 1.3, gamma: float = 0.7) -> AnalyticSystem:
    pe0, c0 = 0.7, 0.3 + 0.2j

    def exact(t):
        return {"pe": pe0 * np.exp(-gamma * t),
                "sm": c0 * np.exp(-1j * omega * t - gamma * t / 2)}

    return AnalyticSystem(
        name="qubit_amplitude_damping",
        H=0.5 * omega * sigma_z(), c_ops=[math.sqrt(gamma) * sigma_minus()],
        rho0=_qubit_state(pe0, c0), times=np.linspace(0.0, 6.0, 61),
        e_ops={"pe": _proj(2, 1), "sm": sigma_minus()}, exact=exact,
        steady=_proj(2, 0),
        notes="p_e = p_e0 exp(-gamma t); rho_eg = rho_eg0 exp(-i omega t - gamma t / 2)")


def qubit_thermalisation(omega: float = 1.0, gamma: float = 0.4, n: float = 0.6) -> AnalyticSystem:
    Gamma = gamma * (2 * n + 1)
    p_inf = n / (2 * n + 1)  # Gibbs: p_e / p_g = n / (n + 1) = exp(-omega / T)
    pe0, c0 = 0.9, -0.1 + 0.25j

    def exact(t):
        return {"pe": p_inf + (pe0 - p_inf) * np.exp(-Gamma * t),
                "sm": c0 * np.exp(-1j * omega * t - Gamma * t / 2)}

    return AnalyticSystem(
        name="qubit_thermalisation",
        H=0.5 * omega * sigma_z(),
        c_ops=[math.sqrt(gamma * (n + 1)) * sigma_minus(), math.sqrt(gamma * n) * sigma_plus()],
        rho0=_qubit_state(pe0, c0), times=np.linspace(0.0, 20.0, 81),
        e_ops={"pe": _proj(2, 1), "sm": sigma_minus()}, exact=exact,
        steady=_qubit_state(p_inf, 0.0),
        notes="gain gamma n, loss gamma (n+1): p_e -> n/(2n+1) at rate gamma (2n+1)")


def damped_oscillator(omega: float = 2.0, kappa: float = 0.5, alpha0: complex = 1.2 - 0.5j,
                      cutoff: int = 24) -> AnalyticSystem:
    a = destroy(cutoff)
    psi = coherent_state(cutoff, alpha0)
    rho0 = np.outer(psi, psi.conj())
    n0 = float(np.real(np.trace(number(cutoff) @ rho0)))
    a0 = complex(np.trace(a @ rho0))

    def exact(t):
        # exact also in the truncated space for <n>; <a> to the truncation error (~1e-15 here)
        return {"n": n0 * np.exp(-kappa * t), "a": a0 * np.exp(-1j * omega * t - kappa * t / 2)}

    return AnalyticSystem(
        name="damped_oscillator",
        H=omega * number(cutoff), c_ops=[math.sqrt(kappa) * a], rho0=rho0,
        times=np.linspace(0.0, 8.0, 41), e_ops={"n": number(cutoff), "a": a}, exact=exact,
        steady=fock_dm(cutoff, 0), notes="<n> = n0 exp(-kappa t)")


def thermal_oscillator(omega: float = 1.0, kappa: float = 0.3, n_th: float = 0.4,
                       n0: int = 2, cutoff: int = 24) -> AnalyticSystem:
    a, ad = destroy(cutoff), create(cutoff)

    def exact(t):
        return {"n": n_th + (n0 - n_th) * np.exp(-kappa * t)}

    return AnalyticSystem(
        name="thermal_oscillator",
        H=omega * number(cutoff),
        c_ops=[math.sqrt(kappa * (n_th + 1)) * a, math.sqrt(kappa * n_th) * ad],
        rho0=fock_dm(cutoff, n0), times=np.linspace(0.0, 15.0, 31), e_ops={"n": number(cutoff)},
        exact=exact, steady=thermal_state(cutoff, n_th),
        notes="<n> = n_th + (n0 - n_th) exp(-kappa t); truncation error ~ (n_th/(1+n_th))^cutoff")


def driven_cavity(Delta: float = 1.0, F: float = 0.5, kappa: float = 0.3,
                  cutoff: int = 20) -> AnalyticSystem:
    r"""H = Delta a^dag a + F (a + a^dag), loss kappa D[a], from vacuum.

    d<a>/dt = i<[H, a]> - (kappa/2)<a> = -(i Delta + kappa/2)<a> - i F, so
    alpha(t) = alpha_ss (1 - exp(-(i Delta + kappa/2) t)) with
    alpha_ss = -i F / (i Delta + kappa/2) = -F / (Delta - i kappa/2); the state stays coherent,
    <n> = |alpha|^2, and the steady state is |alpha_ss><alpha_ss|.
    """
    a = destroy(cutoff)
    alpha_ss = -F / (Delta - 0.5j * kappa)
    psi = coherent_state(cutoff, alpha_ss)

    def exact(t):
        alpha = alpha_ss * (1 - np.exp(-(1j * Delta + 0.5 * kappa) * t))
        return {"a": alpha, "n": np.abs(alpha) ** 2}

    return AnalyticSystem(
        name="driven_cavity",
        H=Delta * number(cutoff) + F * (a + a.conj().T), c_ops=[math.sqrt(kappa) * a],
        rho0=fock_dm(cutoff, 0), times=np.linspace(0.0, 25.0, 51),
        e_ops={"a": a, "n": number(cutoff)}, exact=exact, steady=np.outer(psi, psi.conj()),
        notes="coherent steady state alpha = -F/(Delta - i kappa/2)")


SYSTEMS = [amplitude_damping(), qubit_thermalisation(), damped_oscillator(),
           thermal_oscillator(), driven_cavity()]


def systems_by_name() -> dict[str, AnalyticSystem]:
    return {s.name: s for s in SYSTEMS}
