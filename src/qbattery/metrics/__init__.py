"""Battery figures of merit: pure functions broadcasting over states of shape (..., n, n).

Energy, stored energy, passive state and ergotropy (with its incoherent and coherent parts), power,
entropy, coherence, concurrence and distances. See docs/metrics.md for definitions and tolerances.
"""

from .coherence import dephase, l1_coherence
from .distance import fidelity, trace_distance
from .energy import energy, energy_above_ground, max_energy, stored_energy
from .entanglement import average_concurrence, concurrence
from .entropy import von_neumann_entropy
from .ergotropy import (
    ergotropy,
    ergotropy_coherent,
    ergotropy_fraction,
    ergotropy_incoherent,
    normalised_ergotropy,
    passive_energy,
    passive_state,
)
from .power import average_power, instantaneous_power, max_average_power, power_from_generator
from .recharging import RechargingThermodynamics, recharging_thermodynamics

__all__ = [
    "RechargingThermodynamics",
    "recharging_thermodynamics",
    "average_concurrence",
    "average_power",
    "concurrence",
    "dephase",
    "energy",
    "energy_above_ground",
    "ergotropy",
    "ergotropy_coherent",
    "ergotropy_fraction",
    "ergotropy_incoherent",
    "fidelity",
    "instantaneous_power",
    "l1_coherence",
    "max_average_power",
    "max_energy",
    "normalised_ergotropy",
    "passive_energy",
    "passive_state",
    "power_from_generator",
    "stored_energy",
    "trace_distance",
    "von_neumann_entropy",
]
