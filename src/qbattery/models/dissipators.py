r"""Dissipator normalisations, the Kossakowski form and its complete-positivity check.

The one convention of the core engine (hbar = 1):

.. math::
    \dot\rho = -i[H, \rho] + \sum_k \gamma_k \mathcal D[L_k]\rho, \qquad
    \mathcal D[L]\rho = L\rho L^\dagger - \tfrac12\{L^\dagger L, \rho\}.

Papers use other normalisations; :func:`convert_rate` turns their rate into ours by name:

======================  ==================================================================  ==========
``convention``          the paper writes                                                    core rate
======================  ==================================================================  ==========
``"lindblad"``          :math:`\gamma(L\rho L^\dagger - \frac12\{L^\dagger L,\rho\})`            :math:`\gamma`
``"half"``              :math:`\frac{\gamma}{2}(2L\rho L^\dagger - L^\dagger L\rho - \rho L^\dagger L)`   :math:`\gamma`
``"two_L"``             :math:`\gamma(2L\rho L^\dagger - L^\dagger L\rho - \rho L^\dagger L)`      :math:`2\gamma`
======================  ==================================================================  ==========

(QuTiP's ``c_ops = [sqrt(gamma) * L]`` is ``"lindblad"``.)

The Kossakowski (rate-matrix) form

.. math::
    \mathcal D_G\rho = \sum_{ij} G_{ij}\left(A_j\rho A_i^\dagger
        - \tfrac12\{A_i^\dagger A_j, \rho\}\right)

generates a completely positive semigroup iff G is Hermitian positive semidefinite.
:func:`kossakowski_channels` checks this and diagonalises
:math:`G = U\,\mathrm{diag}(g)\,U^\dagger` into independent channels
:math:`g_k\,\mathcal D[L_k]` with :math:`L_k = \sum_j \overline{U_{jk}} A_j`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .._checks import HERMITIAN_ATOL, as_operator, check_real, hermiticity_error
from ..errors import DimensionError, InvalidParameterError, NotCompletelyPositiveError
from ..quantum.superoperators import spost, spre, sprepost
from .open_system import Channel

__all__ = [
    "RATE_CONVENTIONS",
    "check_kossakowski",
    "convert_rate",
    "kossakowski_channels",
    "kossakowski_min_eigenvalue",
    "kossakowski_superop",
    "max_psd_coupling",
    "psd_coupling_interval",
    "rate_from_half_convention",
    "rate_from_two_L_convention",
]

#: Factor f such that ``core rate = f * paper rate`` for each named convention.
RATE_CONVENTIONS: dict[str, float] = {
    "lindblad": 1.0,  # gamma (L rho L^dag - {L^dag L, rho}/2), ours and QuTiP's
    "half": 1.0,  # (gamma/2) (2 L rho L^dag - L^dag L rho - rho L^dag L)
    "two_L": 2.0,  # gamma (2 L rho L^dag - L^dag L rho - rho L^dag L)
}

#: Default relative tolerance of the positivity check and of dropped Kossakowski eigen-rates.
KOSSAKOWSKI_RTOL = 1e-12


# ------------------------------------------------------------------ rate conventions
def convert_rate(gamma: Any, convention: str = "lindblad") -> float:
    r"""The core-engine rate of a dissipator written in a paper's ``convention``.

    ``"lindblad"`` and ``"half"`` give ``gamma``; ``"two_L"`` (the paper writes
    :math:`\gamma\mathcal L[O]` with :math:`\mathcal L[O]\rho = 2O\rho O^\dagger - O^\dagger O\rho
    - \rho O^\dagger O`) gives ``2 * gamma``. See the module docstring for the table.
    """
    if convention not in RATE_CONVENTIONS:
        raise InvalidParameterError("convention", convention, f"one of {sorted(RATE_CONVENTIONS)}")
    return RATE_CONVENTIONS[convention] * check_real(gamma, "gamma", low=0.0)


def rate_from_two_L_convention(gamma: Any) -> float:
    r"""Core rate of :math:`\gamma(2L\rho L^\dagger - L^\dagger L\rho - \rho L^\dagger L)
    = 2\gamma\,\mathcal D[L]\rho`: returns ``2 * gamma``."""
    return convert_rate(gamma, "two_L")


def rate_from_half_convention(gamma: Any) -> float:
    r"""Core rate of :math:`\frac\gamma2(2L\rho L^\dagger - L^\dagger L\rho - \rho L^\dagger L)
    = \gamma\,\mathcal D[L]\rho`: returns ``gamma``."""
    return convert_rate(gamma, "half")


# ------------------------------------------------------------------ Kossakowski matrices
def _as_matrix(G: Any, name: str) -> np.ndarray:
    if sp.issparse(G):
        G = G.toarray()
    try:
        G = np.asarray(G, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, G, "a square matrix") from exc
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] == 0:
        raise DimensionError(name, G, "a non-empty square matrix of shape (m, m)")
    if not np.all(np.isfinite(G)):
        raise InvalidParameterError(name, G, "finite entries (no NaN or inf)")
    return G


def _as_hermitian_matrix(G: Any, name: str) -> np.ndarray:
    G = _as_matrix(G, name)
    scale = max(1.0, float(np.max(np.abs(G))))
    err = hermiticity_error(G)
    if err > HERMITIAN_ATOL * scale:
        raise InvalidParameterError(name, G, "a Hermitian matrix", f"max |G - G^dag| = {err:.3g}")
    return 0.5 * (G + G.conj().T)


def kossakowski_min_eigenvalue(G: Any) -> float:
    """Lowest eigenvalue of a Hermitian (Kossakowski) matrix ``G``."""
    return float(np.linalg.eigvalsh(_as_hermitian_matrix(G, "G"))[0])


def check_kossakowski(G: Any, name: str = "G", *, rtol: float = KOSSAKOWSKI_RTOL) -> np.ndarray:
    """Return ``G`` (complex128, exactly Hermitian) after checking it is Hermitian PSD.

    Raises :class:`~qbattery.errors.InvalidParameterError` if ``G`` is not square, finite and
    Hermitian, and :class:`~qbattery.errors.NotCompletelyPositiveError` if its lowest eigenvalue
    is below ``-rtol * max|eigenvalue|`` (the generator would not be completely positive).
    """
    G = _as_hermitian_matrix(G, name)
    w = np.linalg.eigvalsh(G)
    scale = float(np.max(np.abs(w)))
    if w[0] < -rtol * scale:
        raise NotCompletelyPositiveError(
            name, G, "a positive semidefinite Kossakowski matrix (a completely positive generator)",
            f"lowest eigenvalue = {w[0]:.6g}")
    return G


def _check_ops(ops: Any, m: int | None, name: str = "ops") -> list:
    if not isinstance(ops, Sequence) or isinstance(ops, (str, bytes)) or len(ops) == 0:
        raise InvalidParameterError(name, ops, "a non-empty sequence of operators")
    out = [as_operator(A, f"{name}[{i}]") for i, A in enumerate(ops)]
    n = out[0].shape[0]
    for i, A in enumerate(out):
        if A.shape[0] != n:
            raise DimensionError(f"{name}[{i}]", A, f"shape ({n}, {n}) like {name}[0]")
    if m is not None and len(out) != m:
        raise DimensionError(name, ops, f"{m} operators, one per row of G")
    return out


def kossakowski_channels(G: Any, ops: Sequence, *, label: str = "K",
                         rtol: float = KOSSAKOWSKI_RTOL) -> tuple[Channel, ...]:
    r"""Independent channels equivalent to the Kossakowski dissipator of ``G`` on ``ops``.

    .. math::
        \sum_{ij} G_{ij}\left(A_j\rho A_i^\dagger - \tfrac12\{A_i^\dagger A_j, \rho\}\right)
        = \sum_k g_k\,\mathcal D[L_k]\rho, \qquad
        G = U\mathrm{diag}(g)U^\dagger,\quad L_k = \sum_j \overline{U_{jk}}\,A_j .

    Parameters
    ----------
    G
        Hermitian positive-semidefinite (m, m) rate matrix.
    ops
        The m operators :math:`A_j` (D x D each, dense or sparse), already embedded in the full space.
    label
        Prefix of the channel labels: ``f"{label}{k}"``.
    rtol
        Relative tolerance: G may have eigenvalues down to ``-rtol * max|g|`` (round-off of a
        singular G); eigen-rates ``g_k <= rtol * max|g|`` are dropped.

    Returns
    -------
    tuple of :class:`~qbattery.models.Channel`, by decreasing rate. A diagonal G is not
    diagonalised: channel k is ``(A_k, G_kk)`` in the order of ``ops`` (zero rates dropped).

    Raises
    ------
    InvalidParameterError
        G not square, finite or Hermitian; ``ops`` not matching G.
    NotCompletelyPositiveError
        G has a negative eigenvalue: the generator is not completely positive.
    """
    G = check_kossakowski(G, "G", rtol=rtol)
    A = _check_ops(ops, G.shape[0])
    w_all = np.linalg.eigvalsh(G)
    cut = rtol * float(np.max(np.abs(w_all)))
    if np.count_nonzero(G - np.diag(np.diag(G))) == 0:
        g = np.diag(G).real
        return tuple(Channel(A[k], float(g[k]), f"{label}{k}") for k in range(len(A)) if g[k] > cut)
    w, U = np.linalg.eigh(G)
    order = np.argsort(w)[::-1]
    out = []
    for idx, k in enumerate(o for o in order if w[o] > cut):
        L = None
        for c, Aj in zip(U[:, k].conj(), A, strict=True):
            if abs(c) > 1e-15:
                L = c * Aj if L is None else L + c * Aj
        out.append(Channel(L, float(w[k]), f"{label}{idx}"))
    return tuple(out)


def kossakowski_superop(G: Any, ops: Sequence):
    r"""Sparse superoperator of :math:`\sum_{ij}G_{ij}(A_j\rho A_i^\dagger-\frac12\{A_i^\dagger A_j,\rho\})`.

    Built term by term without any positivity check (use it to inspect a non-CP generator, or
    as a reference); row-major vectorisation as in :mod:`qbattery.quantum.superoperators`.
    """
    G = _as_matrix(G, "G")
    A = _check_ops(ops, G.shape[0])
    n = A[0].shape[0]
    out = sp.csr_matrix((n * n, n * n), dtype=np.complex128)
    for i, Ai in enumerate(A):
        Aid = sp.csr_matrix(Ai).conj().T
        for j, Aj in enumerate(A):
            if G[i, j] == 0:
                continue
            AidAj = Aid @ sp.csr_matrix(Aj)
            out = out + G[i, j] * (sprepost(Aj, Aid) - 0.5 * spre(AidAj) - 0.5 * spost(AidAj))
    return out.tocsr()


# ------------------------------------------------------------------ PSD bounds
def _as_base(G0: Any, m: int) -> np.ndarray:
    a = G0.toarray() if sp.issparse(G0) else np.asarray(G0)
    if a.ndim == 0:
        return check_real(a.item(), "G0") * np.eye(m, dtype=np.complex128)
    if a.ndim == 1:
        if a.shape[0] != m:
            raise DimensionError("G0", G0, f"{m} diagonal entries to match A")
        a = np.diag(a)
    G = _as_hermitian_matrix(a, "G0")
    if G.shape[0] != m:
        raise DimensionError("G0", G0, f"shape ({m}, {m}) to match A")
    return G


def psd_coupling_interval(G0: Any, A: Any, *, rtol: float = KOSSAKOWSKI_RTOL) -> tuple[float, float]:
    r"""The interval :math:`[c_-, c_+]` of real c for which :math:`G_0 + cA` is PSD.

    ``G0`` is a scalar (:math:`\gamma I`), a 1-d array (a diagonal) or a Hermitian matrix, and must
    itself be PSD; ``A`` is Hermitian (e.g. a graph adjacency matrix). The set is an interval
    because the lowest eigenvalue of :math:`G_0 + cA` is concave in c. Bounds may be ``inf``.

    * :math:`G_0` positive definite: with :math:`\mu` the generalised eigenvalues of
      :math:`A v = \mu G_0 v`, :math:`c_+ = -1/\min\mu` (``inf`` if :math:`\min\mu \ge 0`) and
      :math:`c_- = -1/\max\mu` (``-inf`` if :math:`\max\mu \le 0`). For :math:`G_0 = \gamma I`
      this is :math:`c_+ = \gamma/|\lambda_{\min}(A)|`.
    * :math:`G_0` singular: bisection on the concave lowest eigenvalue (to machine precision),
      PSD meaning lowest eigenvalue :math:`\ge -\mathrm{rtol}\cdot\max|\lambda|`.
    """
    A = _as_hermitian_matrix(A, "A")
    m = A.shape[0]
    G0 = _as_base(G0, m)
    w0 = np.linalg.eigvalsh(G0)
    scale0 = max(float(np.max(np.abs(w0))), float(np.max(np.abs(np.linalg.eigvalsh(A)))))
    if w0[0] < -rtol * scale0:
        raise NotCompletelyPositiveError("G0", G0, "a positive semidefinite base matrix",
                                         f"lowest eigenvalue = {w0[0]:.6g}")
    if scale0 == 0.0:
        return -math.inf, math.inf
    # generalised eigenvalues are accurate only for a well-conditioned G0; else bisect
    if w0[0] > 1e-8 * float(np.max(np.abs(w0))):
        mu = sla.eigh(A, G0, eigvals_only=True)
        c_plus = math.inf if mu[0] >= 0 else -1.0 / float(mu[0])
        c_minus = -math.inf if mu[-1] <= 0 else -1.0 / float(mu[-1])
        return c_minus, c_plus
    return -_bisect_edge(G0, -A, rtol), _bisect_edge(G0, A, rtol)


def _bisect_edge(G0: np.ndarray, A: np.ndarray, rtol: float) -> float:
    lam_a = np.linalg.eigvalsh(A)
    if lam_a[0] >= 0:
        return math.inf

    def psd(c: float) -> bool:
        M = G0 + c * A
        w = np.linalg.eigvalsh(M)
        return bool(w[0] >= -rtol * max(float(np.max(np.abs(w))), 1e-300))

    # lambda_min(G0 + cA) <= lambda_max(G0) + c lambda_min(A) < 0 beyond hi
    hi = 2.0 * (float(np.linalg.eigvalsh(G0)[-1]) / -float(lam_a[0])) + 1e-300
    lo = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if psd(mid) else (lo, mid)
    return lo


def max_psd_coupling(G0: Any, A: Any, *, rtol: float = KOSSAKOWSKI_RTOL) -> float:
    r"""Largest :math:`c \ge 0` such that :math:`G_0 + cA` is positive semidefinite.

    Example (self-discharge paper, Eq. 13): a leakage channel on each edge of a graph gives
    :math:`G = \Gamma I + \Gamma_{\rm int}\,\mathrm{Adj}`, completely positive iff
    :math:`\Gamma_{\rm int} \le` ``max_psd_coupling(Gamma, topology.adjacency())``
    :math:`= \Gamma/|\lambda_{\min}(\mathrm{Adj})|` (``Gamma/2`` for a 5-site star).
    See :func:`psd_coupling_interval`; may be ``inf`` (A PSD).
    """
    return psd_coupling_interval(G0, A, rtol=rtol)[1]
