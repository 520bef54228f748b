"""Lindblad dynamics and steady states.

* :func:`evolve` / :class:`LindbladSolver`: time evolution -> :class:`Trajectory`.
* :func:`steady_state` / :class:`SteadyStateSolver`: steady states -> :class:`SteadyState`,
  with the Liouvillian kernel dimension checked (:func:`kernel_dimension`).
* Methods (frozen, carry their tolerances): :class:`Propagator`, :class:`Krylov`, :class:`ODE`,
  :class:`Auto`; :func:`make_method` builds one from a name and options.

Conventions: hbar = 1, row-major vectorisation vec(rho) = rho.reshape(-1),
D[L]rho = L rho L^dag - {L^dag L, rho}/2. See docs/dynamics.md.
"""

from .collective import CollectiveChannel, CollectiveSolver, evolve_collective
from .collision import (
    Bath,
    CollisionModel,
    collide,
    coupling_for_rate,
    exchange_bath,
    markovian_rates,
)
from .cumulant import CumulantSolver, CumulantState, cumulant_rhs, evolve_cumulant
from .lindblad import LindbladSolver, evolve
from .methods import ODE, Auto, Krylov, Method, Propagator, make_method
from .steady import (
    SteadyState,
    SteadyStateSolver,
    kernel_dimension,
    liouvillian_spectrum,
    steady_state,
)
from .trajectory import SolverStats, Trajectory

__all__ = [
    "CollectiveChannel",
    "CollectiveSolver",
    "CumulantSolver",
    "CumulantState",
    "cumulant_rhs",
    "evolve_collective",
    "evolve_cumulant",
    "Bath",
    "CollisionModel",
    "collide",
    "coupling_for_rate",
    "exchange_bath",
    "markovian_rates",
    "ODE",
    "Auto",
    "Krylov",
    "LindbladSolver",
    "Method",
    "Propagator",
    "SolverStats",
    "SteadyState",
    "SteadyStateSolver",
    "Trajectory",
    "evolve",
    "kernel_dimension",
    "liouvillian_spectrum",
    "make_method",
    "steady_state",
]
