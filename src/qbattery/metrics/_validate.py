"""Argument checks and shared numerics of the metrics (states, Hamiltonians, spectra).

States produced by numerical solvers carry round-off, so the metrics accept them with tolerances
looser than :func:`qbattery._checks.as_density_matrix` (which guards initial states).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_hermitian
from ..errors import DimensionError, InvalidParameterError

#: Largest max|rho - rho^dag| accepted for a state (it is then Hermitised).
STATE_HERMITIAN_ATOL = 1e-6
#: Largest |Tr rho - 1| accepted for a state.
STATE_TRACE_ATOL = 1e-6
#: Lowest eigenvalue accepted for a state, where the metric diagonalises it.
STATE_POSITIVITY_ATOL = 1e-6
#: Relative (to the spectral radius of H) tolerance of round-off in energies and ergotropies:
#: results in [-tol, 0) are set to 0 and H levels closer than tol are treated as degenerate.
ENERGY_RTOL = 1e-10


def as_float(x: np.ndarray) -> float | np.ndarray:
    """0-d results as Python floats, others as float64 arrays."""
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


def _is_qobj(x: Any) -> bool:
    return type(x).__name__ == "Qobj" and hasattr(x, "full")


def from_qobj(x: Any) -> Any:
    """A ``qutip.Qobj`` as a dense complex128 array (duck-typed: qutip is never imported here)."""
    return np.asarray(x.full(), dtype=np.complex128) if _is_qobj(x) else x


def _stack_qobjs(x: Any) -> Any:
    # A list of Qobj (e.g. qutip's result.states) becomes a (T, n, n) or (T, n) array.
    if isinstance(x, (list, tuple)) and x and all(_is_qobj(q) for q in x):
        arrs = [np.asarray(q.full(), dtype=np.complex128) for q in x]
        if all(a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1 for a in arrs):
            arrs = [a[:, 0] for a in arrs]
        try:
            return np.stack(arrs)
        except ValueError as exc:
            raise DimensionError("rho", x, "Qobj states of one common shape") from exc
    return x


def as_states(x: Any, name: str = "rho", *, n: int | None = None, check_trace: bool = True) -> np.ndarray:
    """Return density matrices of shape (..., n, n) as Hermitised complex128 arrays.

    Accepts arrays (..., n, n), a single ket (n,), SciPy sparse, ``qutip.Qobj`` or a list of Qobj.
    Checks finiteness, Hermiticity (``STATE_HERMITIAN_ATOL``) and trace (``STATE_TRACE_ATOL``).
    """
    x = from_qobj(_stack_qobjs(x))
    if sp.issparse(x):
        x = x.toarray()
    try:
        a = np.asarray(x, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, x, "density matrices of shape (..., n, n)") from exc
    if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
        a = a[:, 0]
    if a.ndim == 1:
        if a.size == 0 or not np.all(np.isfinite(a)):
            raise InvalidParameterError(name, a, "a finite, non-empty state vector")
        norm = float(np.vdot(a, a).real)
        if abs(norm - 1.0) > STATE_TRACE_ATOL:
            raise InvalidParameterError(name, a, "a normalised state vector", f"<psi|psi> = {norm:.12g}")
        a = np.outer(a, a.conj())
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[-1] == 0:
        raise DimensionError(name, a, "density matrices of shape (..., n, n) or a ket of shape (n,)")
    if n is not None and a.shape[-1] != n:
        raise DimensionError(name, a, f"shape (..., {n}, {n}) to match H")
    if not np.all(np.isfinite(a)):
        raise InvalidParameterError(name, a, "finite entries (no NaN or inf)")
    ah = a.conj().swapaxes(-1, -2)
    if a.size:
        err = float(np.max(np.abs(a - ah)))
        if err > STATE_HERMITIAN_ATOL:
            raise InvalidParameterError(name, a, "Hermitian density matrices",
                                        f"max |rho - rho^dag| = {err:.3g}")
        if check_trace:
            tr = np.trace(a, axis1=-2, axis2=-1)
            dev = np.abs(tr - 1.0)
            if float(np.max(dev)) > STATE_TRACE_ATOL:
                worst = complex(tr.reshape(-1)[int(np.argmax(dev))])
                raise InvalidParameterError(name, a, "density matrices with trace 1",
                                            f"trace = {worst:.12g}")
    return 0.5 * (a + ah)


def check_positive(r: np.ndarray, name: str, value: Any) -> None:
    """Raise if the lowest eigenvalue in ``r`` (..., n) is below ``-STATE_POSITIVITY_ATOL``."""
    if r.size:
        lo = float(np.min(r))
        if lo < -STATE_POSITIVITY_ATOL:
            raise InvalidParameterError(name, value, "positive semidefinite density matrices",
                                        f"lowest eigenvalue = {lo:.3g}")


def as_hamiltonian(H: Any, name: str = "H") -> np.ndarray:
    """Return a dense Hermitised complex128 Hamiltonian of shape (n, n) or a batch (..., n, n).

    A 2-d input may be a NumPy array, SciPy sparse matrix or ``qutip.Qobj``; batches must be arrays.
    """
    if isinstance(H, np.ndarray) and H.ndim > 2:
        try:
            h = np.asarray(H, dtype=np.complex128)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(name, H, "a Hermitian matrix of shape (n, n)") from exc
        if h.shape[-1] != h.shape[-2] or h.shape[-1] == 0:
            raise DimensionError(name, h, "a square matrix (n, n) or a batch (..., n, n)")
        if not np.all(np.isfinite(h)):
            raise InvalidParameterError(name, h, "finite entries (no NaN or inf)")
        hh = h.conj().swapaxes(-1, -2)
        if h.size:
            scale = max(1.0, float(np.max(np.abs(h))))
            err = float(np.max(np.abs(h - hh)))
            if err > 1e-10 * scale:
                raise InvalidParameterError(name, h, "a Hermitian operator", f"max |H - H^dag| = {err:.3g}")
        return 0.5 * (h + hh)
    h = as_hermitian(from_qobj(H), name, sparse_ok=False)
    return 0.5 * (h + h.conj().T)


def spectrum(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending eigenvalues (..., n) and eigenvectors (..., n, n) of a Hermitised H."""
    e, v = np.linalg.eigh(H)
    return e, v


def energy_scale(e: np.ndarray) -> np.ndarray:
    """Spectral radius max(|E_min|, |E_max|) of ascending eigenvalues (..., n)."""
    return np.maximum(np.abs(e[..., 0]), np.abs(e[..., -1]))


def expectation(rho: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Re Tr(rho A) broadcasting over leading axes of both."""
    return np.einsum("...ij,...ji->...", rho, A).real


def to_eigenbasis(rho: np.ndarray, v: np.ndarray) -> np.ndarray:
    """V^dag rho V for eigenvectors V (columns), broadcasting."""
    return v.conj().swapaxes(-1, -2) @ rho @ v


def degenerate_mask(e: np.ndarray) -> np.ndarray:
    """Boolean (..., n, n): True where levels i and j of ascending ``e`` belong to one eigenspace.

    Levels are grouped by consecutive gaps > ``ENERGY_RTOL`` * spectral radius, so that the grouping
    is transitive (a chain of near-equal levels forms one eigenspace).
    """
    tol = ENERGY_RTOL * energy_scale(e)[..., None]
    gaps = np.diff(e, axis=-1) > tol
    label = np.concatenate([np.zeros((*e.shape[:-1], 1), dtype=np.int64),
                            np.cumsum(gaps, axis=-1)], axis=-1)
    return label[..., :, None] == label[..., None, :]
