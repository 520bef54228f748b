"""States, operators and superoperators (no dynamics)."""

from .interop import from_qobj, to_qobj
from .operators import (
    create,
    destroy,
    embed,
    identity,
    jminus,
    jplus,
    jx,
    jy,
    jz,
    number,
    projector,
    sigma_minus,
    sigma_plus,
    sigma_x,
    sigma_y,
    sigma_z,
    tensor,
    transition,
)
from .partial_trace import partial_trace
from .states import (
    basis,
    coherent_state,
    density_matrix,
    dicke_state,
    excited,
    fock,
    fock_dm,
    gibbs_state,
    ground,
    ket2dm,
    maximally_mixed,
    plus_state,
    product_state,
    thermal_state,
)
from .superoperators import (
    apply_dissipator,
    dissipator,
    hamiltonian_superop,
    liouvillian,
    spost,
    spre,
    sprepost,
    unvec,
    vec,
)

__all__ = [
    "apply_dissipator", "basis", "coherent_state", "create", "density_matrix", "destroy",
    "dicke_state", "dissipator", "embed", "excited", "fock", "fock_dm", "from_qobj",
    "gibbs_state", "ground", "hamiltonian_superop", "identity", "jminus", "jplus", "jx", "jy",
    "jz", "ket2dm", "liouvillian", "maximally_mixed", "number", "partial_trace", "plus_state",
    "product_state", "projector", "sigma_minus", "sigma_plus", "sigma_x", "sigma_y", "sigma_z",
    "spost", "spre", "sprepost", "tensor", "thermal_state", "to_qobj", "transition", "unvec", "vec",
]
