"""qbattery: open quantum batteries.

Models (spins, bosons, d-level atoms, networks, reservoirs), Lindblad and collision dynamics,
steady states, and battery figures of merit (energy, ergotropy, passive states, power, efficiency).
Conventions: hbar = 1; basis index = number of excitations; D[L]rho = L rho L^dag - {L^dag L, rho}/2.
"""

from ._version import __version__
from .dynamics import (
    ODE,
    Auto,
    CollisionModel,
    Krylov,
    LindbladSolver,
    Method,
    Propagator,
    SolverStats,
    SteadyState,
    SteadyStateSolver,
    Trajectory,
    collide,
    evolve,
    exchange_bath,
    kernel_dimension,
    liouvillian_spectrum,
    make_method,
    markovian_rates,
    steady_state,
)
from .errors import (
    DegenerateSteadyStateError,
    DimensionError,
    InvalidParameterError,
    NotCompletelyPositiveError,
    QBatteryError,
    SolverError,
    TruncationWarning,
)
from .metrics import (
    average_concurrence,
    average_power,
    concurrence,
    dephase,
    energy,
    energy_above_ground,
    ergotropy,
    ergotropy_coherent,
    ergotropy_fraction,
    ergotropy_incoherent,
    fidelity,
    instantaneous_power,
    l1_coherence,
    max_average_power,
    max_energy,
    normalised_ergotropy,
    passive_energy,
    passive_state,
    power_from_generator,
    stored_energy,
    trace_distance,
    von_neumann_entropy,
)
from .models import (
    BosonicThermalReservoir,
    Channel,
    Dephasing,
    FermionicReservoir,
    Gain,
    GainLossReservoir,
    Loss,
    OpenSystem,
    Pumping,
    Topology,
    auto_cutoff,
    bose_einstein,
    cell_battery,
    connected_graphs,
    convert_rate,
    excitation_number,
    fermi_dirac,
    flip_flop_hamiltonian,
    kossakowski_channels,
    qubit_network,
    qubit_network_hamiltonian,
    site_operators,
)
from .protocols import DischargeTrajectory, OpenCircuit, open_circuit
from .quantum import (
    basis,
    coherent_state,
    create,
    density_matrix,
    destroy,
    dicke_state,
    dissipator,
    embed,
    excited,
    fock,
    fock_dm,
    from_qobj,
    gibbs_state,
    ground,
    identity,
    jminus,
    jplus,
    jx,
    jy,
    jz,
    ket2dm,
    liouvillian,
    maximally_mixed,
    number,
    partial_trace,
    plus_state,
    product_state,
    projector,
    sigma_minus,
    sigma_plus,
    sigma_x,
    sigma_y,
    sigma_z,
    tensor,
    thermal_state,
    to_qobj,
    transition,
)
from .symmetry import CoherenceSectors, evolve_sectors

__all__ = [
    "ODE", "Auto", "Krylov", "Method", "Propagator", "liouvillian_spectrum", "make_method",
    "DischargeTrajectory", "OpenCircuit", "cell_battery", "connected_graphs", "open_circuit",
    "CoherenceSectors", "CollisionModel", "auto_cutoff", "collide", "evolve_sectors",
    "exchange_bath", "markovian_rates",
    "BosonicThermalReservoir", "Dephasing", "FermionicReservoir", "Gain", "GainLossReservoir",
    "LindbladSolver", "Loss", "Pumping", "SolverStats", "SteadyState", "SteadyStateSolver",
    "Topology", "Trajectory", "average_concurrence", "average_power", "bose_einstein",
    "concurrence", "convert_rate", "dephase", "energy", "energy_above_ground", "ergotropy",
    "ergotropy_coherent", "ergotropy_fraction", "ergotropy_incoherent", "evolve",
    "excitation_number", "fermi_dirac", "fidelity", "flip_flop_hamiltonian", "instantaneous_power",
    "kernel_dimension", "kossakowski_channels", "l1_coherence", "max_average_power", "max_energy",
    "normalised_ergotropy", "passive_energy", "passive_state", "power_from_generator",
    "qubit_network", "qubit_network_hamiltonian", "site_operators", "steady_state",
    "stored_energy", "trace_distance", "von_neumann_entropy",
    "Channel", "DegenerateSteadyStateError", "DimensionError", "InvalidParameterError",
    "NotCompletelyPositiveError", "OpenSystem", "QBatteryError", "SolverError",
    "TruncationWarning", "__version__", "basis", "coherent_state", "create", "density_matrix",
    "destroy", "dicke_state", "dissipator", "embed", "excited", "fock", "fock_dm", "from_qobj",
    "gibbs_state", "ground", "identity", "jminus", "jplus", "jx", "jy", "jz", "ket2dm",
    "liouvillian", "maximally_mixed", "number", "partial_trace", "plus_state", "product_state",
    "projector", "sigma_minus", "sigma_plus", "sigma_x", "sigma_y", "sigma_z", "tensor",
    "thermal_state", "to_qobj", "transition",
]

# The experiments engine (specs, sweeps, store, reproduce) loads on first use: it pulls in
# pydantic and xarray, which `import qbattery` should not pay for.
_LAZY_EXPERIMENTS = (
    "Check", "ExperimentSpec", "Grid", "Param", "SpecError", "Store", "load_spec",
    "make_executor", "parse_spec", "register_metric", "register_model", "reproduce",
    "run_spec", "run_sweep",
)


def __getattr__(name: str):
    if name in _LAZY_EXPERIMENTS:
        from . import experiments

        return getattr(experiments, name)
    raise AttributeError(f"module 'qbattery' has no attribute {name!r}")
