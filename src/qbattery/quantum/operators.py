r"""Operators for qubits, truncated bosons, d-level atoms and collective spins.

Conventions (used everywhere in qbattery, hbar = 1):

* The basis index counts excitations. Qubit: ``|0> = |g>``, ``|1> = |e>``, so
  :math:`\sigma_z = |e\rangle\langle e| - |g\rangle\langle g| = \mathrm{diag}(-1, 1)` and
  :math:`\sigma_+ = |e\rangle\langle g|`. (QuTiP's ``sigmaz()`` is ``diag(1, -1)`` because its
  ``basis(2, 0)`` is the excited state; convert with care.)
* Boson with ``cutoff`` levels: ``|0>, ..., |cutoff-1>``, :math:`a|n\rangle = \sqrt n |n-1\rangle`.
* Collective spin j (a Dicke ensemble of N = 2j spins-1/2 in its symmetric subspace): basis
  ``|j, m>`` ordered m = -j, ..., +j, so index ``k = m + j`` is the number of excitations.
* Composite spaces are Kronecker products in the order of ``dims`` (first factor = slowest index).

All functions return dense complex128 NumPy arrays unless ``sparse=True`` (SciPy CSR).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import as_operator, check_dims, check_int, check_real
from ..errors import DimensionError, InvalidParameterError

__all__ = [
    "create",
    "destroy",
    "embed",
    "identity",
    "jminus",
    "jplus",
    "jx",
    "jy",
    "jz",
    "number",
    "projector",
    "sigma_minus",
    "sigma_plus",
    "sigma_x",
    "sigma_y",
    "sigma_z",
    "tensor",
    "transition",
]


def _out(m, sparse: bool):
    if sparse:
        return sp.csr_matrix(m, dtype=np.complex128)
    return m.toarray().astype(np.complex128) if sp.issparse(m) else np.asarray(m, dtype=np.complex128)


def identity(d: int, *, sparse: bool = False):
    """Identity on a d-dimensional space."""
    d = check_int(d, "d", low=1)
    return _out(sp.identity(d, dtype=np.complex128, format="csr"), sparse)


# ---------------------------------------------------------------- qubits
def sigma_plus(*, sparse: bool = False):
    r""":math:`\sigma_+ = |e\rangle\langle g|` (raises the qubit)."""
    return _out(np.array([[0, 0], [1, 0]], dtype=np.complex128), sparse)


def sigma_minus(*, sparse: bool = False):
    r""":math:`\sigma_- = |g\rangle\langle e|` (lowers the qubit)."""
    return _out(np.array([[0, 1], [0, 0]], dtype=np.complex128), sparse)


def sigma_z(*, sparse: bool = False):
    r""":math:`\sigma_z = |e\rangle\langle e| - |g\rangle\langle g| = \mathrm{diag}(-1, 1)`."""
    return _out(np.diag([-1.0, 1.0]).astype(np.complex128), sparse)


def sigma_x(*, sparse: bool = False):
    r""":math:`\sigma_x = \sigma_+ + \sigma_-`."""
    return _out(np.array([[0, 1], [1, 0]], dtype=np.complex128), sparse)


def sigma_y(*, sparse: bool = False):
    r""":math:`\sigma_y = i(\sigma_- - \sigma_+)`, so that :math:`[\sigma_x, \sigma_y] = 2i\sigma_z`."""
    return _out(np.array([[0, 1j], [-1j, 0]], dtype=np.complex128), sparse)


# ---------------------------------------------------------------- bosons
def destroy(cutoff: int, *, sparse: bool = False):
    r"""Annihilation operator :math:`a` truncated to ``cutoff`` Fock levels (cutoff >= 2)."""
    cutoff = check_int(cutoff, "cutoff", low=2)
    m = sp.diags(np.sqrt(np.arange(1, cutoff, dtype=np.float64)), 1, format="csr")
    return _out(m, sparse)


def create(cutoff: int, *, sparse: bool = False):
    r"""Creation operator :math:`a^\dagger` truncated to ``cutoff`` Fock levels."""
    cutoff = check_int(cutoff, "cutoff", low=2)
    m = sp.diags(np.sqrt(np.arange(1, cutoff, dtype=np.float64)), -1, format="csr")
    return _out(m, sparse)


def number(cutoff: int, *, sparse: bool = False):
    r"""Number operator :math:`a^\dagger a = \mathrm{diag}(0, 1, \dots, \mathrm{cutoff}-1)`."""
    cutoff = check_int(cutoff, "cutoff", low=2)
    return _out(sp.diags(np.arange(cutoff, dtype=np.float64), 0, format="csr"), sparse)


# ---------------------------------------------------------------- d-level atoms
def transition(d: int, j: int, k: int, *, sparse: bool = False):
    r"""The d-level transition operator :math:`\sigma_{jk} = |j\rangle\langle k|`."""
    d = check_int(d, "d", low=2)
    j = check_int(j, "j", low=0, high=d - 1)
    k = check_int(k, "k", low=0, high=d - 1)
    m = sp.csr_matrix(([1.0 + 0j], ([j], [k])), shape=(d, d))
    return _out(m, sparse)


def projector(d: int, k: int, *, sparse: bool = False):
    r"""Projector :math:`|k\rangle\langle k|` on a d-level system."""
    return transition(d, k, k, sparse=sparse)


# ---------------------------------------------------------------- collective spins
def _spin_j(j) -> tuple[float, int]:
    jv = check_real(j, "j", low=0.0)
    if not (2 * jv).is_integer():
        raise InvalidParameterError("j", j, "an integer or half-integer spin >= 0")
    return jv, int(round(2 * jv)) + 1


def jz(j: float, *, sparse: bool = False):
    r""":math:`J_z = \mathrm{diag}(-j, \dots, j)` in the Dicke basis ordered m = -j..j."""
    jv, d = _spin_j(j)
    return _out(sp.diags(np.arange(d, dtype=np.float64) - jv, 0, format="csr"), sparse)


def jplus(j: float, *, sparse: bool = False):
    r""":math:`J_+|j,m\rangle = \sqrt{(j-m)(j+m+1)}\,|j,m+1\rangle`."""
    jv, d = _spin_j(j)
    if d == 1:
        return _out(sp.csr_matrix((1, 1), dtype=np.complex128), sparse)
    m = np.arange(d - 1, dtype=np.float64) - jv
    return _out(sp.diags(np.sqrt((jv - m) * (jv + m + 1)), -1, format="csr"), sparse)


def jminus(j: float, *, sparse: bool = False):
    r""":math:`J_- = J_+^\dagger`, :math:`J_-|j,m\rangle = \sqrt{(j+m)(j-m+1)}\,|j,m-1\rangle`."""
    return _out(sp.csr_matrix(jplus(j, sparse=True)).conj().T.tocsr(), sparse)


def jx(j: float, *, sparse: bool = False):
    r""":math:`J_x = (J_+ + J_-)/2`."""
    p = jplus(j, sparse=True)
    return _out(0.5 * (p + p.conj().T), sparse)


def jy(j: float, *, sparse: bool = False):
    r""":math:`J_y = (J_+ - J_-)/(2i)`."""
    p = jplus(j, sparse=True)
    return _out((p - p.conj().T) / 2j, sparse)


# ---------------------------------------------------------------- composite spaces
def tensor(*ops, sparse: bool = False):
    """Kronecker product of operators (or of state vectors) in the given order."""
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    if not ops:
        raise InvalidParameterError("ops", ops, "at least one operator")
    if all(np.ndim(o) == 1 for o in ops if not sp.issparse(o)) and not any(sp.issparse(o) for o in ops):
        out = np.ones(1, dtype=np.complex128)
        for o in ops:
            out = np.kron(out, np.asarray(o, dtype=np.complex128))
        return out
    out = sp.csr_matrix(np.ones((1, 1), dtype=np.complex128))
    for i, o in enumerate(ops):
        out = sp.kron(out, as_operator(o, f"ops[{i}]"), format="csr")
    return _out(out, sparse)


def embed(op, site: int, dims: Sequence[int], *, sparse: bool = False):
    r"""Embed a one-site operator at position ``site`` of a product space with ``dims``.

    :math:`I_{d_0} \otimes \dots \otimes O \otimes \dots \otimes I_{d_{n-1}}`.
    """
    dims = check_dims(dims)
    site = check_int(site, "site", low=0, high=len(dims) - 1)
    op = as_operator(op, "op")
    if op.shape[0] != dims[site]:
        raise DimensionError("op", op, f"shape ({dims[site]}, {dims[site]}) to act on site {site}")
    left = math.prod(dims[:site])
    right = math.prod(dims[site + 1:])
    out = sp.kron(sp.identity(left, format="csr"), sp.csr_matrix(op), format="csr")
    out = sp.kron(out, sp.identity(right, format="csr"), format="csr")
    return _out(out, sparse)
