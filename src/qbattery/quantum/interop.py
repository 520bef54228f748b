"""Conversion to and from ``qutip.Qobj`` (qutip is imported only when these are called)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import check_dims

__all__ = ["from_qobj", "to_qobj"]


def to_qobj(x, dims: Sequence[int] | None = None, *, superrep: bool = False):
    """Return ``x`` (ket, operator or density matrix) as a ``qutip.Qobj`` with subsystem ``dims``.

    The basis is qbattery's (index = number of excitations); no relabelling is done.
    """
    import qutip

    arr = x.toarray() if sp.issparse(x) else np.asarray(x, dtype=np.complex128)
    if dims is None:
        return qutip.Qobj(arr)
    dims = list(check_dims(dims, total=arr.shape[0]))
    if arr.ndim == 1:
        return qutip.Qobj(arr.reshape(-1, 1), dims=[dims, [1] * len(dims)])
    return qutip.Qobj(arr, dims=[dims, dims])


def from_qobj(q) -> np.ndarray:
    """Return a ``qutip.Qobj`` as a dense complex128 NumPy array (kets as 1-d arrays)."""
    arr = np.asarray(q.full(), dtype=np.complex128)
    if arr.ndim == 2 and arr.shape[1] == 1 and arr.shape[0] > 1:
        return arr[:, 0]
    return arr
