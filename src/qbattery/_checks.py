"""Argument validation shared by every public function.

Each check names the argument, so that the one-line error says which input is wrong,
what value it had and what is allowed (see :mod:`qbattery.errors`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import DimensionError, InvalidParameterError

#: Tolerance on Hermiticity of user-supplied Hamiltonians and states (max abs of A - A^dag).
HERMITIAN_ATOL = 1e-10
#: Tolerance on the trace of user-supplied density matrices.
TRACE_ATOL = 1e-8
#: Lowest eigenvalue allowed for a user-supplied density matrix.
POSITIVITY_ATOL = 1e-9


def _from_qobj(x: Any) -> Any:
    # Duck-typed so that importing qbattery never imports qutip.
    if type(x).__name__ == "Qobj" and hasattr(x, "full"):
        # Large sparse-backed (CSR) Qobj stay sparse; dense-backed ones become arrays.
        if x.shape[0] > 64 and type(x.data).__name__ == "CSR":
            return sp.csr_matrix(x.data_as("csr_matrix"), dtype=np.complex128)
        arr = np.asarray(x.full(), dtype=np.complex128)
        return arr[:, 0] if arr.ndim == 2 and arr.shape[1] == 1 and arr.shape[0] > 1 else arr
    return x


def as_operator(x: Any, name: str, *, sparse_ok: bool = True, dim: int | None = None):
    """Return ``x`` as a square complex128 matrix (NumPy, or SciPy CSR if sparse).

    Accepts NumPy arrays, SciPy sparse matrices/arrays and ``qutip.Qobj``.
    """
    x = _from_qobj(x)
    if sp.issparse(x):
        if not sparse_ok:
            x = x.toarray()
        else:
            x = sp.csr_matrix(x, dtype=np.complex128)
    else:
        try:
            x = np.asarray(x, dtype=np.complex128)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(name, x, "a square matrix (array, sparse or Qobj)") from exc
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] == 0:
        raise DimensionError(name, x, "a non-empty square matrix of shape (n, n)")
    if dim is not None and x.shape[0] != dim:
        raise DimensionError(name, x, f"shape ({dim}, {dim}) to match the other operators")
    data = x.data if sp.issparse(x) else x
    if not np.all(np.isfinite(data)):
        raise InvalidParameterError(name, x, "finite entries (no NaN or inf)")
    return x


def hermiticity_error(x) -> float:
    """max |x - x^dag| for a dense or sparse matrix."""
    d = x - x.conj().T
    if sp.issparse(d):
        return float(abs(d).max()) if d.nnz else 0.0
    return float(np.max(np.abs(d))) if d.size else 0.0


def as_hermitian(x: Any, name: str, *, sparse_ok: bool = True, dim: int | None = None,
                 atol: float = HERMITIAN_ATOL):
    """Like :func:`as_operator`, and check that the operator is Hermitian."""
    x = as_operator(x, name, sparse_ok=sparse_ok, dim=dim)
    scale = max(1.0, float(abs(x).max()) if sp.issparse(x) else float(np.max(np.abs(x))))
    err = hermiticity_error(x)
    if err > atol * scale:
        raise InvalidParameterError(name, x, "a Hermitian operator", f"max |H - H^dag| = {err:.3g}")
    return x


def as_density_matrix(x: Any, name: str = "rho0", *, dim: int | None = None,
                      trace_atol: float = TRACE_ATOL, pos_atol: float = POSITIVITY_ATOL) -> np.ndarray:
    """Return a dense density matrix after checking trace 1, Hermiticity and positivity.

    A 1-d input is taken as a state vector |psi> and turned into |psi><psi| (it must be normalised).
    """
    x = _from_qobj(x)
    if sp.issparse(x):
        x = x.toarray()
    try:
        x = np.asarray(x, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, x, "a density matrix or state vector") from exc
    if x.ndim == 2 and 1 in x.shape and x.shape != (1, 1):
        x = x.reshape(-1)
    if x.ndim == 1:
        if not np.all(np.isfinite(x)):
            raise InvalidParameterError(name, x, "finite entries (no NaN or inf)")
        norm = float(np.vdot(x, x).real)
        if abs(norm - 1.0) > trace_atol:
            raise InvalidParameterError(name, x, "a normalised state vector", f"<psi|psi> = {norm:.12g}")
        x = np.outer(x, x.conj())
    x = as_operator(x, name, sparse_ok=False, dim=dim)
    tr = complex(np.trace(x))
    if abs(tr - 1.0) > trace_atol:
        raise InvalidParameterError(name, x, "a density matrix with trace 1", f"trace = {tr:.12g}")
    err = hermiticity_error(x)
    if err > HERMITIAN_ATOL:
        raise InvalidParameterError(name, x, "a Hermitian density matrix", f"max |rho - rho^dag| = {err:.3g}")
    lo = float(np.linalg.eigvalsh(0.5 * (x + x.conj().T))[0])
    if lo < -pos_atol:
        raise InvalidParameterError(name, x, "a positive semidefinite density matrix",
                                    f"lowest eigenvalue = {lo:.3g}")
    return x


def check_real(x: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """Return ``x`` as a float after checking it is a real finite number within bounds."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(name, x, _range_text(low, high, low_open, high_open))
    v = float(x)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise InvalidParameterError(name, x, _range_text(low, high, low_open, high_open))
    if low is not None and (v < low or (low_open and v == low)):
        raise InvalidParameterError(name, x, _range_text(low, high, low_open, high_open))
    if high is not None and (v > high or (high_open and v == high)):
        raise InvalidParameterError(name, x, _range_text(low, high, low_open, high_open))
    return v


def _range_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return "a finite real number" + (" " + " and ".join(parts) if parts else "")


def check_rate(x: Any, name: str) -> float:
    """A dissipation rate: a finite real number >= 0."""
    return check_real(x, name, low=0.0)


def check_int(x: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``x`` as an int after checking it is an integer within bounds."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        if isinstance(x, (float, np.floating)) and float(x).is_integer():
            x = int(x)
        else:
            raise InvalidParameterError(name, x, _int_text(low, high))
    v = int(x)
    if (low is not None and v < low) or (high is not None and v > high):
        raise InvalidParameterError(name, x, _int_text(low, high))
    return v


def _int_text(low, high) -> str:
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    if low is not None:
        return f"an integer >= {low}"
    if high is not None:
        return f"an integer <= {high}"
    return "an integer"


def check_times(times: Any, name: str = "times") -> np.ndarray:
    """A non-empty, finite, strictly increasing 1-d array of float64 times."""
    try:
        t = np.asarray(times, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, times, "a 1-d sequence of real times") from exc
    if t.ndim == 0:
        t = t.reshape(1)
    if t.ndim != 1 or t.size == 0:
        raise InvalidParameterError(name, times, "a non-empty 1-d sequence of times")
    if not np.all(np.isfinite(t)):
        raise InvalidParameterError(name, times, "finite times (no NaN or inf)")
    if t.size > 1 and not np.all(np.diff(t) > 0):
        raise InvalidParameterError(name, times, "strictly increasing times")
    return t


def check_dims(dims: Any, name: str = "dims", *, total: int | None = None) -> tuple[int, ...]:
    """Subsystem dimensions: a non-empty sequence of integers >= 1 (product = ``total``)."""
    if isinstance(dims, (int, np.integer)):
        dims = (int(dims),)
    if not isinstance(dims, Sequence) and not isinstance(dims, np.ndarray):
        raise InvalidParameterError(name, dims, "a sequence of subsystem dimensions (integers >= 1)")
    out = tuple(check_int(d, f"{name}[{i}]", low=1) for i, d in enumerate(dims))
    if not out:
        raise InvalidParameterError(name, dims, "a non-empty sequence of subsystem dimensions")
    if total is not None and math.prod(out) != total:
        raise DimensionError(name, dims, f"dimensions whose product is the Hilbert-space size {total}")
    return out


def check_cutoff(cutoff: Any, name: str = "cutoff") -> int:
    """A Fock-space cutoff: the number of levels kept, an integer >= 2."""
    return check_int(cutoff, name, low=2)
