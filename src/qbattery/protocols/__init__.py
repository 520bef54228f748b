"""Battery protocols built on the dynamics: the open-circuit (self-discharge) protocol.

* :func:`open_circuit` (one call) / :class:`OpenCircuit` (reusable) -> :class:`DischargeTrajectory`: charge or prepare, then evolve with no
  charger and no load; energy, ergotropy, efficiency xi, l1 coherence and average concurrence
  along the way, and root-found lifetimes (half-life, 1/e decay time, ergotropy death time).
"""

from .open_circuit import (
    DIAGNOSTICS,
    DischargeTrajectory,
    OpenCircuit,
    coherence_orders,
    discharge_diagnostics,
    excitation_labels,
    expm_action,
    open_circuit,
)

__all__ = [
    "DIAGNOSTICS",
    "DischargeTrajectory",
    "OpenCircuit",
    "coherence_orders",
    "discharge_diagnostics",
    "excitation_labels",
    "expm_action",
    "open_circuit",
]
