"""Symmetries that reduce the dynamics: U(1) excitation number and coherence-order sectors.

* :func:`excitation_labels`: the excitation number of every basis state of a product space
  (qbattery's basis index counts excitations).
* :class:`CoherenceSectors` / :func:`evolve_sectors`: a phase-covariant (U(1)-symmetric)
  Lindbladian never couples density-matrix elements of different coherence order
  k = n_i - n_j, so only the orders present in rho0 are evolved (the populations, k = 0, are a
  rate equation). Results are :class:`SectorTrajectory` objects (a :class:`~qbattery.dynamics.Trajectory`).

See docs/collision.md and docs/papers/gain_loss_boson.md.
"""

from .coherence import (
    CoherenceSectors,
    SectorTrajectory,
    check_covariance,
    coherence_orders,
    covariance_violation,
    evolve_sectors,
    excitation_labels,
    operator_order,
    present_orders,
    sector_block,
    sector_indices,
)
from .dicke import ProductDicke, collective_ops_full, dicke_ladder
from .u1 import (
    LinearGenerator,
    ParametricSteadyState,
    ReducedSteadyState,
    U1Reduction,
    kernel_count_dense,
    u1_steady_state,
)

__all__ = [
    "LinearGenerator",
    "ParametricSteadyState",
    "ReducedSteadyState",
    "U1Reduction",
    "kernel_count_dense",
    "u1_steady_state",
    "ProductDicke",
    "collective_ops_full",
    "dicke_ladder",
    "CoherenceSectors",
    "SectorTrajectory",
    "check_covariance",
    "coherence_orders",
    "covariance_violation",
    "evolve_sectors",
    "excitation_labels",
    "operator_order",
    "present_orders",
    "sector_block",
    "sector_indices",
]
