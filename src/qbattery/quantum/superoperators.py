r"""Superoperators in the row-major (C-order) vectorisation used throughout qbattery.

:math:`\mathrm{vec}(\rho)_{in+j} = \rho_{ij}` (``rho.reshape(-1)``), so that
:math:`\mathrm{vec}(A\rho B) = (A \otimes B^T)\,\mathrm{vec}(\rho)`. (QuTiP stacks columns; its
superoperators are the transposed-index versions of these. Convert with
:func:`qbattery.quantum.interop.to_qobj` on states, never on raw superoperator matrices.)

The dissipator convention is the one of the core engine:

.. math:: \mathcal D[L]\rho = L\rho L^\dagger - \tfrac12\{L^\dagger L, \rho\}.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import as_hermitian, as_operator
from ..errors import DimensionError

__all__ = [
    "apply_dissipator",
    "dissipator",
    "hamiltonian_superop",
    "liouvillian",
    "spost",
    "spre",
    "sprepost",
    "unvec",
    "vec",
]


def vec(rho: np.ndarray) -> np.ndarray:
    """Row-major vectorisation of (..., n, n) arrays -> (..., n*n)."""
    rho = np.asarray(rho)
    return rho.reshape(*rho.shape[:-2], rho.shape[-2] * rho.shape[-1])


def unvec(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`vec`: (..., n*n) -> (..., n, n)."""
    v = np.asarray(v)
    n = int(round(np.sqrt(v.shape[-1])))
    if n * n != v.shape[-1]:
        raise DimensionError("v", v, "a last axis of length n*n")
    return v.reshape(*v.shape[:-1], n, n)


def _csr(x):
    return sp.csr_matrix(x, dtype=np.complex128)


def spre(A):
    r"""Superoperator of :math:`\rho \mapsto A\rho`: :math:`A \otimes I`."""
    A = _csr(A)
    return sp.kron(A, sp.identity(A.shape[0], format="csr"), format="csr")


def spost(B):
    r"""Superoperator of :math:`\rho \mapsto \rho B`: :math:`I \otimes B^T`."""
    B = _csr(B)
    return sp.kron(sp.identity(B.shape[0], format="csr"), B.T, format="csr")


def sprepost(A, B):
    r"""Superoperator of :math:`\rho \mapsto A\rho B`: :math:`A \otimes B^T`."""
    return sp.kron(_csr(A), _csr(B).T, format="csr")


def hamiltonian_superop(H):
    r"""Superoperator of :math:`-i[H, \rho]`."""
    H = _csr(H)
    return (-1j * (spre(H) - spost(H))).tocsr()


def dissipator(L, rate: float = 1.0):
    r"""Superoperator of :math:`\gamma\,\mathcal D[L]` (sparse CSR)."""
    L = _csr(L)
    LdL = (L.conj().T @ L).tocsr()
    out = sprepost(L, L.conj().T) - 0.5 * spre(LdL) - 0.5 * spost(LdL)
    return (rate * out).tocsr()


def apply_dissipator(L, rho: np.ndarray, rate: float = 1.0) -> np.ndarray:
    r"""Apply :math:`\gamma\,\mathcal D[L]` directly to (..., n, n) density matrices."""
    L = np.asarray(L.toarray() if sp.issparse(L) else L, dtype=np.complex128)
    Ld = L.conj().T
    LdL = Ld @ L
    return rate * (L @ rho @ Ld - 0.5 * (LdL @ rho + rho @ LdL))


def liouvillian(H, c_ops: Sequence = ()):
    r"""Sparse Lindblad generator :math:`\mathcal L\rho = -i[H,\rho] + \sum_k \mathcal D[L_k]\rho`.

    Rates are absorbed in the jump operators (:math:`L_k = \sqrt{\gamma_k} A_k`); use
    :class:`qbattery.OpenSystem` or the reservoir objects to build them from rates.
    """
    H = as_hermitian(H, "H")
    n = H.shape[0]
    out = hamiltonian_superop(H)
    for i, L in enumerate(c_ops):
        L = as_operator(L, f"c_ops[{i}]", dim=n)
        out = out + dissipator(L)
    return out.tocsr()
