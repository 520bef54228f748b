"""Hypothesis strategies for quantum objects, shared by every test directory.

Structure (dimension, rank, spectrum, degeneracy pattern) is drawn by hypothesis so that it
shrinks to simple cases; the Haar-random unitaries that rotate spectra into a random basis are
drawn from a seed (fast, and reproducible under the derandomised CI profile).

Usage::

    from strategies import density_matrices, hamiltonians, unitaries

    @given(rho=density_matrices(n=4, rank=1), H=hamiltonians(n=4, degenerate=True))
    def test_x(rho, H): ...

Every strategy taking ``n`` also accepts ``dims`` (a tuple of subsystem dimensions, n = product)
and, when both are None, draws n from ``dimensions(min_dim, max_dim)``. ``n`` may itself be a
strategy. Matrices are complex128 NumPy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "dimensions",
    "subsystem_dims",
    "haar_unitary",
    "unitaries",
    "probability_vectors",
    "spectra",
    "hamiltonians",
    "density_matrices",
    "kets",
    "states_and_hamiltonians",
    "two_qubit_states",
]

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def dimensions(min_dim: int = 2, max_dim: int = 8) -> st.SearchStrategy[int]:
    """Hilbert-space dimensions in [min_dim, max_dim]."""
    return st.integers(min_value=min_dim, max_value=max_dim)


def subsystem_dims(min_subsystems: int = 1, max_subsystems: int = 3, min_local: int = 2,
                   max_local: int = 3, max_total: int = 16) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of subsystem dimensions with product at most ``max_total``."""
    return st.lists(st.integers(min_local, max_local), min_size=min_subsystems,
                    max_size=max_subsystems).map(tuple).filter(lambda d: math.prod(d) <= max_total)


def haar_unitary(n: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random n x n unitary (QR of a Ginibre matrix with the phases of R fixed)."""
    z = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / math.sqrt(2.0)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r)
    return q * (d / np.abs(d))


def _resolve_n(draw, n, dims, min_dim, max_dim) -> int:
    if dims is not None:
        return math.prod(dims)
    if n is None:
        return draw(dimensions(min_dim, max_dim))
    if isinstance(n, st.SearchStrategy):
        return draw(n)
    return int(n)


@st.composite
def unitaries(draw, n: int | st.SearchStrategy[int] | None = None, *,
              dims: Sequence[int] | None = None, min_dim: int = 2, max_dim: int = 8) -> np.ndarray:
    """Haar-random unitaries of dimension n (identity included as a shrink target)."""
    n = _resolve_n(draw, n, dims, min_dim, max_dim)
    if draw(st.integers(0, 9)) == 0:  # the identity, sometimes (and as the shrink target)
        return np.eye(n, dtype=np.complex128)
    return haar_unitary(n, np.random.default_rng(draw(SEEDS)))


@st.composite
def probability_vectors(draw, n: int, *, rank: int | None = None, min_rank: int = 1) -> np.ndarray:
    """Probability vectors of length n with exactly ``rank`` nonzero entries (drawn if None),
    in random order. Entries may repeat (exactly equal weights are a shrink target)."""
    if rank is None:
        rank = draw(st.integers(min_value=min(min_rank, n), max_value=n))
    w = draw(st.lists(st.floats(0.01, 1.0, allow_nan=False), min_size=rank, max_size=rank))
    p = np.zeros(n)
    p[:rank] = np.asarray(w) / np.sum(w)
    return p[np.random.default_rng(draw(SEEDS)).permutation(n)]


def _distinct_levels(draw, k: int, low: float, high: float) -> np.ndarray:
    # ascending levels in [low, high] built from gaps, so that nothing is rejected and distinct
    # levels are >= 1e-3 (high - low) / k apart (near-degeneracies make eigenvectors ill-conditioned)
    width = high - low
    gaps = np.asarray(draw(st.lists(st.floats(1e-3, 1.0), min_size=k - 1, max_size=k - 1)))
    e = np.concatenate([[0.0], np.cumsum(gaps)]) * width / max(1.0, float(np.sum(gaps)) + 1e-3)
    return e + draw(st.floats(0.0, 1.0)) * (width - e[-1]) + low


@st.composite
def spectra(draw, n: int | st.SearchStrategy[int] | None = None, *,
            dims: Sequence[int] | None = None, min_dim: int = 2, max_dim: int = 8,
            degenerate: bool | None = None, low: float = -5.0, high: float = 5.0) -> np.ndarray:
    """Ascending real spectra of length n in [low, high].

    ``degenerate=True`` forces at least one repeated level (exactly equal floats), ``False`` has n
    distinct levels, ``None`` lets hypothesis choose. Distinct levels are at least
    1e-3 (high - low) / n apart: near-degeneracies are not generated (test them explicitly).
    """
    n = _resolve_n(draw, n, dims, min_dim, max_dim)
    if degenerate is None:
        degenerate = n > 1 and draw(st.booleans())
    if degenerate and n < 2:
        raise ValueError("a degenerate spectrum needs n >= 2")
    if degenerate:
        k = draw(st.integers(1, n - 1))  # number of distinct levels
        distinct = _distinct_levels(draw, k, low, high)
        # multiplicities: a composition of n into k positive parts
        cuts = sorted(draw(st.lists(st.integers(1, n - 1), min_size=k - 1, max_size=k - 1, unique=True)))
        e = np.repeat(distinct, np.diff([0, *cuts, n]))
    else:
        e = _distinct_levels(draw, n, low, high)
    return np.sort(e).astype(np.float64)


@st.composite
def hamiltonians(draw, n: int | st.SearchStrategy[int] | None = None, *,
                 dims: Sequence[int] | None = None, min_dim: int = 2, max_dim: int = 8,
                 degenerate: bool | None = None, diagonal: bool | None = None,
                 low: float = -5.0, high: float = 5.0) -> np.ndarray:
    """Hermitian n x n matrices U diag(e) U^dag with ``e`` from :func:`spectra`.

    ``diagonal=True`` returns diag(e) in a random order (exact degeneracies), ``False`` rotates by a
    Haar unitary (degeneracies then hold only up to round-off), ``None`` lets hypothesis choose.
    """
    n = _resolve_n(draw, n, dims, min_dim, max_dim)
    e = draw(spectra(n, degenerate=degenerate, low=low, high=high))
    if diagonal is None:
        diagonal = draw(st.booleans())
    rng = np.random.default_rng(draw(SEEDS))
    if diagonal:
        return np.diag(e[rng.permutation(n)]).astype(np.complex128)
    u = haar_unitary(n, rng)
    h = (u * e) @ u.conj().T
    return 0.5 * (h + h.conj().T)


@st.composite
def density_matrices(draw, n: int | st.SearchStrategy[int] | None = None, *,
                     dims: Sequence[int] | None = None, min_dim: int = 2, max_dim: int = 8,
                     rank: int | None = None, pure: bool = False, diagonal: bool = False,
                     basis: np.ndarray | None = None) -> np.ndarray:
    """Density matrices U diag(p) U^dag of dimension n with ``rank`` nonzero eigenvalues.

    ``pure=True`` is ``rank=1``. ``diagonal=True`` keeps them diagonal in the computational basis;
    ``basis`` (a unitary whose columns are the basis) makes them diagonal in that basis instead.
    """
    n = _resolve_n(draw, n, dims, min_dim, max_dim)
    if pure:
        rank = 1
    p = draw(probability_vectors(n, rank=rank))
    if diagonal:
        u = np.eye(n)
    elif basis is not None:
        u = np.asarray(basis)
    else:
        u = haar_unitary(n, np.random.default_rng(draw(SEEDS)))
    rho = (u * p) @ u.conj().T
    rho = 0.5 * (rho + rho.conj().T)
    return rho / np.trace(rho).real


@st.composite
def kets(draw, n: int | st.SearchStrategy[int] | None = None, *,
         dims: Sequence[int] | None = None, min_dim: int = 2, max_dim: int = 8) -> np.ndarray:
    """Normalised Haar-random state vectors of dimension n (a basis state is the shrink target)."""
    n = _resolve_n(draw, n, dims, min_dim, max_dim)
    if draw(st.integers(0, 9)) == 0:  # a basis state, sometimes (and as the shrink target)
        v = np.zeros(n, dtype=np.complex128)
        v[draw(st.integers(0, n - 1))] = 1.0
        return v
    rng = np.random.default_rng(draw(SEEDS))
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return v / np.linalg.norm(v)


@st.composite
def states_and_hamiltonians(draw, *, min_dim: int = 2, max_dim: int = 8,
                            degenerate: bool | None = None,
                            rank: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A pair (rho, H) of one common dimension."""
    n = draw(dimensions(min_dim, max_dim))
    return draw(density_matrices(n, rank=rank)), draw(hamiltonians(n, degenerate=degenerate))


def two_qubit_states(*, rank: int | None = None, pure: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Two-qubit density matrices (4 x 4, dims (2, 2))."""
    return density_matrices(dims=(2, 2), rank=rank, pure=pure)
