"""qbattery: open quantum batteries.

Models (spins, bosons, d-level atoms, networks, reservoirs), Lindblad and collision dynamics,
steady states, and battery figures of merit (energy, ergotropy, passive states, power, efficiency).
Conventions: hbar = 1; basis index = number of excitations; D[L]rho = L rho L^dag - {L^dag L, rho}/2.
"""

from ._version import __version__
from .errors import (
    DegenerateSteadyStateError,
    DimensionError,
    InvalidParameterError,
    NotCompletelyPositiveError,
    QBatteryError,
    SolverError,
    TruncationWarning,
)
from .models import Channel, OpenSystem
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

__all__ = [
    "Channel", "DegenerateSteadyStateError", "DimensionError", "InvalidParameterError",
    "NotCompletelyPositiveError", "OpenSystem", "QBatteryError", "SolverError",
    "TruncationWarning", "__version__", "basis", "coherent_state", "create", "density_matrix",
    "destroy", "dicke_state", "dissipator", "embed", "excited", "fock", "fock_dm", "from_qobj",
    "gibbs_state", "ground", "identity", "jminus", "jplus", "jx", "jy", "jz", "ket2dm",
    "liouvillian", "maximally_mixed", "number", "partial_trace", "plus_state", "product_state",
    "projector", "sigma_minus", "sigma_plus", "sigma_x", "sigma_y", "sigma_z", "tensor",
    "thermal_state", "to_qobj", "transition",
]
