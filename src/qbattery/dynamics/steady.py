r"""Steady states of Lindblad generators, with the kernel dimension checked and reported.

Algorithm (``method="direct"``, the default):

1. The Liouvillian :math:`\mathcal L` (n x n, n = D^2, row-major vectorisation) has the trace
   functional :math:`t = \mathrm{vec}(I)^T` as a left null vector, so its rows at diagonal indices
   sum to zero and the first row (the equation for :math:`\dot\rho_{00}`) is redundant. It is
   replaced by :math:`w\,t` with :math:`w = \max|\mathcal L_{ij}|` (a scale that keeps the matrix
   well balanced), and :math:`A v = w e_0` is solved by a sparse LU factorisation
   (SuperLU via ``scipy.sparse.linalg.splu``, fill-reducing column ordering ``permc_spec``,
   default ``"MMD_AT_PLUS_A"``: 3-4x less fill than COLAMD on Liouvillians, measured) followed
   by one step of iterative refinement. The result has trace 1 by construction; it is neither
   symmetrised nor renormalised.
2. Checks: ``residual`` :math:`= \|\mathcal L\,\mathrm{vec}\rho\|_2` (the Frobenius norm of
   :math:`\dot\rho`) must be <= ``tol`` x :math:`\|\mathcal L\|_1` or :class:`SolverError` is raised;
   trace and Hermiticity errors and the lowest eigenvalue are reported.

Kernel dimension (``check_kernel=True``): the number of stationary modes, counted as

* n <= ``SVD_MAX_DIM`` (256, i.e. D <= 16): singular values of the dense :math:`\mathcal L` with
  :math:`\sigma_i \le` ``kernel_tol`` x :math:`\sigma_{\max}`;
* larger: first a screen that reuses the LU of step 1. Every eigenvector of :math:`\mathcal L`
  with :math:`\lambda \ne 0` is traceless, so :math:`\|A x\| \le |\lambda|\|x\|` and
  :math:`\sigma_{\min}(A) \le \min_{\lambda\ne0}|\lambda|`; a second stationary state makes
  A singular. Four power iterations on :math:`A^{-\dagger}A^{-1}` (8 triangular solves) estimate
  :math:`\sigma_{\min}(A)`; if it exceeds ``SCREEN_SAFETY`` (100) x ``kernel_tol`` x
  :math:`\|\mathcal L\|_1` the kernel is one-dimensional. Otherwise (degenerate or nearly so)
  the stationary modes are counted as the eigenvalues nearest to a small positive shift
  :math:`\delta = 10^{-6}\|\mathcal L\|_1` (ARPACK shift-invert, ``scipy.sparse.linalg.eigs``
  on one sparse LU of :math:`\mathcal L - \delta`) with :math:`|\lambda| \le` ``kernel_tol`` x
  :math:`\|\mathcal L\|_1`; the number of requested eigenvalues doubles while all of them are
  stationary. :func:`kernel_dimension` always counts (no screen).

Since Lindblad generators have a semisimple zero eigenvalue, this is also the algebraic
multiplicity. If it exceeds 1, ``steady_state`` without ``rho0`` raises
:class:`~qbattery.errors.DegenerateSteadyStateError`; with ``rho0`` it returns the projection of
``rho0`` onto the kernel along the other spectral subspaces,

.. math:: \rho_{ss} = \sum_{jk} R_j\,(M^{-1})_{jk}\,\mathrm{Tr}(J_k^\dagger\rho_0),\qquad
          M_{kj} = \mathrm{Tr}(J_k^\dagger R_j),

with :math:`R_j` right kernel vectors (steady states) and :math:`J_k` left ones (conserved
quantities, including the identity), i.e. biorthonormalised. This is the time average of
:math:`e^{\mathcal Lt}\rho_0`, and its :math:`t\to\infty` limit when :math:`\mathcal L` has no
purely imaginary eigenvalues (no undamped oscillating coherences).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._checks import as_density_matrix, as_operator, check_dims, check_real, hermiticity_error
from ..errors import (
    DegenerateSteadyStateError,
    DimensionError,
    InvalidParameterError,
    SolverError,
    TruncationWarning,
)
from ..models.open_system import OpenSystem
from ..quantum.superoperators import liouvillian as _liouvillian
from .lindblad import parse_system
from .methods import liouville_norm1

__all__ = [
    "SteadyState",
    "SteadyStateSolver",
    "kernel_dimension",
    "liouvillian_spectrum",
    "stationary_modes",
    "steady_options",
    "steady_state",
]

#: Largest Liouville dimension whose kernel is counted by a dense SVD.
SVD_MAX_DIM = 256
#: Shift of the shift-invert eigensolver, relative to ||L||_1 (kernel eigenvalues sit at -delta
#: from it, slow modes further; the shifted matrix stays well conditioned for the LU).
SHIFT_REL = 1e-6
#: The one-dimensional-kernel screen passes when sigma_min(A) > SCREEN_SAFETY * kernel_tol * ||L||_1
#: (the power-iteration estimate is an upper bound of sigma_min, typically within a factor 3).
SCREEN_SAFETY = 100.0
SCREEN_ITERATIONS = 4
_PERMC = ("MMD_AT_PLUS_A", "COLAMD", "MMD_ATA", "NATURAL")


@dataclass(frozen=True, eq=False)
class SteadyState:
    """A steady state and its checks (all errors are those of the returned, uncorrected state).

    Attributes
    ----------
    rho
        (D, D) complex128 steady state (read-only).
    residual
        :math:`\\|\\mathcal L\\,\\mathrm{vec}\\rho\\|_2` (Frobenius norm of d rho/dt).
    kernel_dim
        Number of stationary modes (``None`` if ``check_kernel=False``).
    trace_error, hermiticity_error
        |tr rho - 1| and max|rho - rho^dag|.
    min_eigenvalue
        Lowest eigenvalue of the Hermitian part of rho.
    method
        ``"direct"`` or ``"projection"`` (degenerate kernel, from ``rho0``).
    dims
        Subsystem dimensions.
    max_top_population
        For an ``OpenSystem`` with truncated subsystems: the largest top-level population.
    wall_time
        Seconds.
    """

    rho: np.ndarray
    residual: float
    kernel_dim: int | None
    trace_error: float
    hermiticity_error: float
    min_eigenvalue: float
    method: str
    dims: tuple[int, ...]
    max_top_population: float | None = None
    wall_time: float = 0.0

    def __post_init__(self) -> None:
        self.rho.flags.writeable = False

    def __repr__(self) -> str:
        return (f"SteadyState(D={self.rho.shape[0]}, dims={self.dims}, method={self.method}, "
                f"kernel_dim={self.kernel_dim}, residual={self.residual:.1e}, "
                f"trace_error={self.trace_error:.1e}, min_eigenvalue={self.min_eigenvalue:.2e}, "
                f"wall={self.wall_time:.3g}s)")


def _as_liouvillian(L: Any) -> sp.csr_matrix:
    if isinstance(L, OpenSystem):
        return L.liouvillian()
    Lm = as_operator(L, "L")
    n = Lm.shape[0]
    if math.isqrt(n) ** 2 != n:
        raise DimensionError("L", Lm, "a Liouvillian of shape (D^2, D^2)")
    return sp.csr_matrix(Lm)


def _trace_row(D: int, w: float) -> sp.csr_matrix:
    return sp.csr_matrix((np.full(D, w, dtype=np.complex128), (np.zeros(D, int), np.arange(D) * (D + 1))),
                         shape=(1, D * D))


def _shifted_lu(L: sp.csr_matrix, norm1: float, permc_spec: str):
    n = L.shape[0]
    delta = SHIFT_REL * max(norm1, 1e-300)
    A = (L - delta * sp.identity(n, dtype=np.complex128, format="csr")).tocsc()
    return spla.splu(A, permc_spec=permc_spec), delta


def _kernel_sparse(L, norm1: float, kernel_tol: float, permc_spec: str, vectors: bool):
    """(count, right vectors, left vectors) by shift-invert ARPACK on one LU of L - delta."""
    n = L.shape[0]
    lu, delta = _shifted_lu(L, norm1, permc_spec)
    thresh = kernel_tol * norm1

    def run(trans: str, k: int):
        op = spla.LinearOperator((n, n), matvec=lambda x: lu.solve(np.asarray(x, np.complex128).ravel(), trans=trans),
                                 dtype=np.complex128)
        Lop = L if trans == "N" else L.conj().T.tocsr()
        return spla.eigs(Lop, k=k, sigma=delta, OPinv=op, which="LM", return_eigenvectors=vectors,
                         tol=0, v0=np.ones(n, dtype=np.complex128))

    k = min(6, n - 2)
    while True:
        out = run("N", k)
        lam = out[0] if vectors else out
        zero = np.abs(lam) <= thresh
        count = int(zero.sum())
        if count < k or k >= n - 2:
            break
        k = min(2 * k, n - 2)
    if not vectors:
        return count, None, None
    R = out[1][:, zero]
    lam_l, W = run("H", k)
    W = W[:, np.argsort(np.abs(lam_l))[:count]]
    return count, R, W


def _kernel_dense(L, kernel_tol: float, vectors: bool):
    Ld = L.toarray() if sp.issparse(L) else np.asarray(L)
    if not vectors:
        s = sla.svd(Ld, compute_uv=False)
        return int(np.sum(s <= kernel_tol * s[0])), None, None
    U, s, Vh = sla.svd(Ld)
    count = int(np.sum(s <= kernel_tol * s[0]))
    return count, Vh[-count:].conj().T if count else None, U[:, -count:] if count else None


def steady_options(tol: Any, kernel_tol: Any, check_kernel: Any,
                   permc_spec: Any) -> tuple[float, float, bool, str]:
    """Validated ``(tol, kernel_tol, check_kernel, permc_spec)`` shared by the steady solvers."""
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    kernel_tol = check_real(kernel_tol, "kernel_tol", low=0.0, low_open=True)
    if not isinstance(check_kernel, (bool, np.bool_)):
        raise InvalidParameterError("check_kernel", check_kernel, "True or False")
    if permc_spec not in _PERMC:
        raise InvalidParameterError("permc_spec", permc_spec, f"one of {_PERMC}")
    return tol, kernel_tol, bool(check_kernel), permc_spec


def stationary_modes(L, kernel_tol: float, permc_spec: str = "MMD_AT_PLUS_A",
                     vectors: bool = False):
    """Kernel of a Liouvillian matrix: ``(count, right, left)`` stationary modes.

    ``count`` as in :func:`kernel_dimension` (at least 1); with ``vectors`` the right and left
    null vectors as columns (``None`` otherwise). Dense SVD for n <= 256, shift-invert sparse
    eigenvalues above. Used by the steady-state solvers of :mod:`qbattery.dynamics.steady` and
    :mod:`qbattery.symmetry.u1`.
    """
    n = L.shape[0]
    if n <= SVD_MAX_DIM:
        count, R, W = _kernel_dense(L, kernel_tol, vectors)
    else:
        count, R, W = _kernel_sparse(L, liouville_norm1(L), kernel_tol, permc_spec, vectors)
    # a trace-preserving generator always has a stationary state (guards against a too strict tol)
    return max(count, 1), R, W


def kernel_dimension(L: Any, *, kernel_tol: float = 1e-10, permc_spec: str = "MMD_AT_PLUS_A") -> int:
    """Number of stationary modes of a Liouvillian (matrix n x n) or of an :class:`OpenSystem`.

    Dense SVD for n <= 256 (count of singular values <= kernel_tol x the largest), shift-invert
    sparse eigenvalues otherwise (count of |lambda| <= kernel_tol x ||L||_1). See module docs.
    """
    kernel_tol = check_real(kernel_tol, "kernel_tol", low=0.0, low_open=True)
    return stationary_modes(_as_liouvillian(L), kernel_tol, permc_spec)[0]


def liouvillian_spectrum(L: Any, *, max_dim: int = 4096) -> np.ndarray:
    """All eigenvalues of a (small) Liouvillian, sorted by decreasing real part (dense LAPACK).

    Accepts a Liouvillian matrix or an :class:`OpenSystem`; refuses n > ``max_dim``.
    """
    Lm = _as_liouvillian(L)
    if Lm.shape[0] > max_dim:
        raise InvalidParameterError("L", Lm, f"a Liouville dimension <= max_dim={max_dim} for a dense spectrum")
    ev = sla.eigvals(Lm.toarray())
    return ev[np.lexsort((np.abs(ev.imag), -ev.real))]


class SteadyStateSolver:
    """Reusable steady-state solver holding the method and tolerances.

    Parameters
    ----------
    method
        ``"auto"`` or ``"direct"`` (sparse LU with the trace row; the only method now, ``"auto"``
        is an alias kept for forward compatibility).
    tol
        Acceptance threshold on the residual: ``residual <= tol * ||L||_1`` (default 1e-10).
    kernel_tol
        Relative threshold for counting stationary modes (default 1e-10, see module docs).
    check_kernel
        Check the kernel dimension: a dense SVD for n <= 256, otherwise a screen on the LU
        already computed (8 triangular solves) and, only if it fails, a shift-invert eigenvalue
        count (one more LU).
    permc_spec
        SuperLU column ordering: ``"MMD_AT_PLUS_A"`` (default), ``"COLAMD"``, ``"MMD_ATA"``,
        ``"NATURAL"``.

    The solver itself keeps no per-model state, so one instance serves a whole sweep; pass a
    prebuilt Liouvillian to :meth:`solve_liouvillian` to skip building it.
    """

    def __init__(self, *, method: str = "auto", tol: float = 1e-10, kernel_tol: float = 1e-10,
                 check_kernel: bool = True, permc_spec: str = "MMD_AT_PLUS_A") -> None:
        if method not in ("auto", "direct"):
            raise InvalidParameterError("method", method, "'auto' or 'direct'")
        self.method = "direct"
        self.tol, self.kernel_tol, self.check_kernel, self.permc_spec = steady_options(
            tol, kernel_tol, check_kernel, permc_spec)

    def solve(self, H: Any, c_ops: Any = None, rho0: Any = None) -> SteadyState:
        """Steady state of ``H`` (Hamiltonian or :class:`OpenSystem`) with ``c_ops``."""
        model, Hm, ops, dims = parse_system(H, c_ops)
        L = model.liouvillian() if model is not None else _liouvillian(Hm, ops)
        return self.solve_liouvillian(L, rho0, dims=dims, model=model)

    def solve_liouvillian(self, L: Any, rho0: Any = None, *, dims: Sequence[int] | None = None,
                          model: OpenSystem | None = None) -> SteadyState:
        """Steady state of a prebuilt Liouvillian (row-major vectorisation, n = D^2)."""
        t0 = time.perf_counter()
        L = _as_liouvillian(L)
        n = L.shape[0]
        D = math.isqrt(n)
        dims = tuple(check_dims(dims, total=D)) if dims is not None else (D,)
        if rho0 is not None:
            rho0 = as_density_matrix(rho0, "rho0", dim=D)
        norm1 = liouville_norm1(L)
        kernel_dim: int | None = None
        v = None
        if self.check_kernel and n <= SVD_MAX_DIM:
            kernel_dim = stationary_modes(L, self.kernel_tol, self.permc_spec)[0]
        if kernel_dim is None or kernel_dim == 1:
            screen = self.check_kernel and kernel_dim is None
            v, sigma = self._direct(L, D, screen=screen)
            if screen:
                if v is not None and sigma > SCREEN_SAFETY * self.kernel_tol * norm1:
                    kernel_dim = 1
                else:  # singular or nearly: count the stationary modes
                    kernel_dim = stationary_modes(L, self.kernel_tol, self.permc_spec)[0]
        if kernel_dim is not None and kernel_dim > 1:
            if rho0 is None:
                raise DegenerateSteadyStateError(kernel_dim)
            v = self._project(L, rho0)
            method = "projection"
        elif v is None:
            raise SolverError(
                "steady_state: the trace-constrained Liouvillian is singular (degenerate kernel?): "
                "use check_kernel=True and pass rho0")
        else:
            method = "direct"
        rho = v.reshape(D, D)
        residual = float(np.linalg.norm(L @ v))
        if residual > self.tol * max(norm1, 1e-300):
            raise SolverError(
                f"steady_state residual ||L rho|| = {residual:.3g} exceeds tol*||L||_1 = "
                f"{self.tol * norm1:.3g} (ill-conditioned Liouvillian?): try a looser tol or "
                "check the model")
        top = None
        if model is not None and model.truncated:
            top = float(model.top_level_population(rho.real))
            if top > model.truncation_tol:
                warnings.warn(TruncationWarning(
                    f"top Fock level of truncated subsystem(s) {model.truncated} has steady-state "
                    f"population {top:.3g} > truncation_tol = {model.truncation_tol:.3g}: "
                    "increase the cutoff"), stacklevel=3)
        return SteadyState(
            rho=rho, residual=residual, kernel_dim=kernel_dim,
            trace_error=float(abs(np.trace(rho) - 1.0)), hermiticity_error=hermiticity_error(rho),
            min_eigenvalue=float(np.linalg.eigvalsh(0.5 * (rho + rho.conj().T))[0]),
            method=method, dims=dims, max_top_population=top,
            wall_time=time.perf_counter() - t0)

    # ------------------------------------------------------------------ algorithms
    def _direct(self, L: sp.csr_matrix, D: int, *, screen: bool) -> tuple[np.ndarray | None, float]:
        """Trace-row LU solve; returns (vec rho or None if singular, estimate of sigma_min(A))."""
        n = L.shape[0]
        w = float(abs(L).max()) if L.nnz else 1.0
        A = sp.vstack([_trace_row(D, w), L[1:]], format="csc")
        b = np.zeros(n, dtype=np.complex128)
        b[0] = w
        try:
            lu = spla.splu(A, permc_spec=self.permc_spec)
        except RuntimeError:  # exactly singular: the kernel is degenerate
            return None, 0.0
        x = lu.solve(b)
        x = x + lu.solve(b - A @ x)  # one step of iterative refinement
        if not np.all(np.isfinite(x)):
            return None, 0.0
        sigma = math.inf
        if screen:
            # power iteration on A^-H A^-1 from a fixed random start: ||A^-1 u|| -> 1/sigma_min
            u = np.array([1.0, 1j]) @ np.random.default_rng(12345).standard_normal((2, n))
            u /= np.linalg.norm(u)
            for _ in range(SCREEN_ITERATIONS):
                y = lu.solve(u)
                ny = float(np.linalg.norm(y))
                if not math.isfinite(ny) or ny == 0.0:
                    return x, 0.0
                sigma = 1.0 / ny
                z = lu.solve(y, trans="H")
                nz = float(np.linalg.norm(z))
                if not math.isfinite(nz) or nz == 0.0:
                    return x, 0.0
                u = z / nz
        return x, sigma

    def _project(self, L: sp.csr_matrix, rho0: np.ndarray) -> np.ndarray:
        _, R, W = stationary_modes(L, self.kernel_tol, self.permc_spec, vectors=True)
        v0 = rho0.reshape(-1)
        M = W.conj().T @ R
        return R @ np.linalg.solve(M, W.conj().T @ v0)


def steady_state(H: Any, c_ops: Any = None, rho0: Any = None, *, method: str = "auto",
                 tol: float = 1e-10, kernel_tol: float = 1e-10, check_kernel: bool = True,
                 permc_spec: str = "MMD_AT_PLUS_A") -> SteadyState:
    r"""Steady state :math:`\mathcal L\rho = 0`, :math:`\mathrm{Tr}\rho = 1`, with checks.

    Parameters
    ----------
    H
        Hamiltonian (array, sparse or ``Qobj``) or an :class:`~qbattery.OpenSystem`.
    c_ops
        Collapse operators (``None`` with an ``OpenSystem``).
    rho0
        Initial state selecting the steady state when the kernel is degenerate (the
        infinite-time limit of the evolution from ``rho0``; see module docs). With a unique
        steady state it is validated and otherwise unused.
    method, tol, kernel_tol, check_kernel, permc_spec
        See :class:`SteadyStateSolver`.

    Raises
    ------
    DegenerateSteadyStateError
        Kernel dimension > 1 and no ``rho0``.
    SolverError
        Residual above ``tol * ||L||_1``.
    """
    solver = SteadyStateSolver(method=method, tol=tol, kernel_tol=kernel_tol,
                               check_kernel=check_kernel, permc_spec=permc_spec)
    return solver.solve(H, c_ops, rho0)
