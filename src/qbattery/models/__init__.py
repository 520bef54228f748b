"""Batteries, chargers, reservoirs, topologies and the OpenSystem model."""

from .boson import CutoffChoice, auto_cutoff, gain_loss_boson, top_level_population
from .cells import cell_battery, cell_liouvillian, leakage_bound, leakage_kossakowski_matrix
from .dicke_cavity import (
    dicke_cavity_battery,
    dicke_cavity_initial_state,
    dicke_spin_hamiltonian,
    parity_blocks,
    parity_operator,
)
from .dissipators import (
    RATE_CONVENTIONS,
    check_kossakowski,
    convert_rate,
    kossakowski_channels,
    kossakowski_min_eigenvalue,
    kossakowski_superop,
    max_psd_coupling,
    psd_coupling_interval,
    rate_from_half_convention,
    rate_from_two_L_convention,
)
from .fermionic_network import (
    FermionicNetworkSolver,
    NetworkSteadyState,
    fermionic_network,
    network_topology,
    reservoir_occupations,
)
from .graphs import are_isomorphic, canonical_edges, connected_graphs
from .multilevel import (
    THREE_LEVEL_RATE_CONVENTIONS,
    THREE_LEVELS,
    AtomsInCavity,
    three_level_battery_hamiltonian,
    three_level_cavity_battery,
    three_level_initial_state,
)
from .networks import edge_kossakowski_matrix, qubit_network
from .open_system import Channel, OpenSystem
from .reservoirs import (
    BosonicThermalReservoir,
    Dephasing,
    FermionicReservoir,
    Gain,
    GainLossReservoir,
    Loss,
    Pumping,
    Reservoir,
    bose_einstein,
    fermi_dirac,
    site_operators,
)
from .topology import (
    TOPOLOGY_ALIASES,
    Topology,
    exchange_hamiltonian,
    excitation_number,
    flip_flop_hamiltonian,
    qubit_network_hamiltonian,
)

__all__ = [
    "dicke_cavity_battery", "dicke_cavity_initial_state", "dicke_spin_hamiltonian",
    "parity_blocks", "parity_operator",
    "THREE_LEVELS", "THREE_LEVEL_RATE_CONVENTIONS", "AtomsInCavity",
    "three_level_battery_hamiltonian", "three_level_cavity_battery", "three_level_initial_state",
    "FermionicNetworkSolver", "NetworkSteadyState", "fermionic_network", "network_topology",
    "reservoir_occupations",
    "are_isomorphic", "canonical_edges", "cell_battery", "cell_liouvillian", "connected_graphs",
    "leakage_bound", "leakage_kossakowski_matrix",
    "CutoffChoice", "auto_cutoff", "gain_loss_boson", "top_level_population",
    "RATE_CONVENTIONS", "TOPOLOGY_ALIASES", "BosonicThermalReservoir", "Channel", "Dephasing",
    "FermionicReservoir", "Gain", "GainLossReservoir", "Loss", "OpenSystem", "Pumping",
    "Reservoir", "Topology", "bose_einstein", "check_kossakowski", "convert_rate",
    "edge_kossakowski_matrix", "exchange_hamiltonian", "excitation_number", "fermi_dirac",
    "flip_flop_hamiltonian", "kossakowski_channels", "kossakowski_min_eigenvalue",
    "kossakowski_superop", "max_psd_coupling", "psd_coupling_interval", "qubit_network",
    "qubit_network_hamiltonian", "rate_from_half_convention", "rate_from_two_L_convention",
    "site_operators",
]
