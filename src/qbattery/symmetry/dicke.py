r"""Product Dicke bases of several spin ensembles and their total-excitation blocks.

Ensemble k has N_k spins-1/2 in its symmetric (Dicke) subspace, j_k = N_k/2, basis
``|j_k, m_k>`` ordered m_k = -j_k..j_k, so the index n_k = m_k + j_k counts its excitations
(qbattery's convention, :mod:`qbattery.quantum.operators`). The product basis of K ensembles is
the Kronecker product in the order of the ensembles (first = slowest index).

Collective jumps that are linear combinations of the J_-^k (or of the J_+^k) change the total
excitation M = sum_k n_k by -1 (+1), and a Hamiltonian diagonal in the product basis keeps it.
A state that is block diagonal in M therefore stays block diagonal: only the blocks rho_M are
needed. Inside block M the configuration is fixed by the excitations of all ensembles but one,
the *pivot* (the largest ensemble): n_pivot = M - sum_{q != pivot} n_q. Every block is stored
*padded* to the same size d = prod_{q != pivot} (N_q + 1), indexed by the configuration b of the
other ensembles; entries with n_pivot outside [0, N_pivot] are unphysical and kept at zero
(:attr:`ProductDicke.valid`). In this layout the restriction of a collective operator to blocks
is cheap: J_-^pivot is diagonal in b with an M-dependent coefficient and J_-^q (q != pivot) is a
fixed shift matrix, the same for every M.

Block M of a lowering operator maps the padded block M to block M - 1 (a raising operator: M
to M + 1); columns of unphysical source configurations are zeroed, so that products such as
L^dag L never leak into unphysical entries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_int
from ..errors import DimensionError, InvalidParameterError

__all__ = ["ProductDicke", "collective_ops_full", "dicke_ladder"]


def dicke_ladder(N: int, n: np.ndarray, kind: str) -> np.ndarray:
    r"""Matrix elements of the collective ladder operators of N spins at excitation n.

    ``kind="lower"``: :math:`\langle n-1|J_-|n\rangle = \sqrt{n(N-n+1)}` (0 outside 1 <= n <= N);
    ``kind="raise"``: :math:`\langle n+1|J_+|n\rangle = \sqrt{(n+1)(N-n)}` (0 outside
    0 <= n <= N-1). Same as :func:`qbattery.quantum.operators.jminus` / ``jplus`` with j = N/2.
    """
    n = np.asarray(n, dtype=np.float64)
    if kind == "lower":
        ok = (n >= 1) & (n <= N)
        v = n * (N - n + 1)
    elif kind == "raise":
        ok = (n >= 0) & (n <= N - 1)
        v = (n + 1) * (N - n)
    else:
        raise InvalidParameterError("kind", kind, "'lower' or 'raise'")
    return np.where(ok, np.sqrt(np.where(ok, v, 0.0)), 0.0)


@dataclass(frozen=True, eq=False)
class ProductDicke:
    """Product Dicke space of ensembles with ``sizes`` N_k spins, organised in M blocks.

    Parameters
    ----------
    sizes
        Spins per ensemble (N_k >= 1).
    names
        Ensemble labels (default ``"E0", "E1", ...``).
    pivot
        Index of the ensemble whose excitation is fixed by M (default: the largest).

    Attributes
    ----------
    d
        Padded block size prod_{q != pivot} (N_q + 1).
    n_blocks
        sum_k N_k + 1 (M = 0..sum N_k).
    configs
        (d, K) int array: excitations of the non-pivot ensembles for each padded index (the
        pivot column is 0 here; see :meth:`excitations`).
    valid
        (n_blocks, d) bool: physical entries of each padded block.
    """

    sizes: tuple[int, ...]
    names: tuple[str, ...] = ()
    pivot: int | None = None
    d: int = field(init=False)
    n_blocks: int = field(init=False)
    configs: np.ndarray = field(init=False, repr=False)
    valid: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sizes = tuple(check_int(n, f"sizes[{i}]", low=1) for i, n in enumerate(self.sizes))
        if not sizes:
            raise InvalidParameterError("sizes", self.sizes, "at least one ensemble")
        object.__setattr__(self, "sizes", sizes)
        names = tuple(self.names) if self.names else tuple(f"E{i}" for i in range(len(sizes)))
        if len(names) != len(sizes) or len(set(names)) != len(names):
            raise InvalidParameterError("names", self.names, f"{len(sizes)} distinct labels")
        object.__setattr__(self, "names", names)
        piv = int(np.argmax(sizes)) if self.pivot is None else check_int(
            self.pivot, "pivot", low=0, high=len(sizes) - 1)
        object.__setattr__(self, "pivot", piv)
        others = [q for q in range(len(sizes)) if q != piv]
        shape = tuple(sizes[q] + 1 for q in others)
        d = math.prod(shape)
        cfg = np.zeros((d, len(sizes)), dtype=np.int64)
        if others:
            grid = np.indices(shape).reshape(len(others), -1).T
            cfg[:, others] = grid
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "n_blocks", sum(sizes) + 1)
        object.__setattr__(self, "configs", cfg)
        npiv = np.arange(self.n_blocks)[:, None] - cfg.sum(axis=1)[None, :]
        valid = (npiv >= 0) & (npiv <= sizes[piv])
        cfg.flags.writeable = False
        valid.flags.writeable = False
        object.__setattr__(self, "valid", valid)

    # ------------------------------------------------------------------ basic data
    @property
    def K(self) -> int:
        """Number of ensembles."""
        return len(self.sizes)

    @property
    def full_dims(self) -> tuple[int, ...]:
        """Dimensions (N_k + 1) of the full product space."""
        return tuple(n + 1 for n in self.sizes)

    @property
    def block_sizes(self) -> np.ndarray:
        """(n_blocks,) number of physical states d_M in each block."""
        return self.valid.sum(axis=1)

    def index(self, name: str | int) -> int:
        """Position of an ensemble given by name or index."""
        if isinstance(name, (int, np.integer)):
            return check_int(name, "ensemble", low=0, high=self.K - 1)
        if name not in self.names:
            raise InvalidParameterError("ensemble", name, f"one of {list(self.names)}")
        return self.names.index(name)

    def excitations(self) -> np.ndarray:
        """(n_blocks, d, K) int array of n_k for every padded entry (garbage where not valid)."""
        exc = np.broadcast_to(self.configs, (self.n_blocks, self.d, self.K)).copy()
        exc[:, :, self.pivot] = (np.arange(self.n_blocks)[:, None]
                                 - self.configs.sum(axis=1)[None, :])
        return exc

    def jz_diagonal(self, k: str | int) -> np.ndarray:
        """(n_blocks, d) float: <n|J_z^k|n> = n_k - N_k/2 on valid entries, 0 elsewhere."""
        k = self.index(k)
        v = self.excitations()[:, :, k] - 0.5 * self.sizes[k]
        return np.where(self.valid, v, 0.0)

    # ------------------------------------------------------------------ block operators
    def ladder_blocks(self, coeffs: Sequence[complex], kind: str) -> np.ndarray:
        r"""Blocks of :math:`O = \sum_k c_k J_\mp^k` (``kind="lower"``: J_-, ``"raise"``: J_+).

        Returns an (n_blocks, d, d) complex array whose entry ``[M]`` maps the padded block M
        to block M - 1 (lower) or M + 1 (raise); entries that would leave 0..n_blocks-1 are 0.
        """
        c = np.asarray(coeffs, dtype=np.complex128).reshape(-1)
        if c.shape != (self.K,):
            raise DimensionError("coeffs", coeffs, f"{self.K} coefficients (one per ensemble)")
        sign = -1 if kind == "lower" else 1
        if kind not in ("lower", "raise"):
            raise InvalidParameterError("kind", kind, "'lower' or 'raise'")
        nb, d, p = self.n_blocks, self.d, self.pivot
        out = np.zeros((nb, d, d), dtype=np.complex128)
        exc = self.excitations()
        # pivot part: diagonal in the padded index, M-dependent coefficient
        if c[p] != 0:
            amp = dicke_ladder(self.sizes[p], exc[:, :, p], kind) * self.valid
            idx = np.arange(d)
            out[:, idx, idx] += c[p] * amp
        # other ensembles: a shift b -> b -+ e_q with the same n_pivot
        strides = self._strides()
        for q in range(self.K):
            if q == p or c[q] == 0:
                continue
            nq = self.configs[:, q]
            amp = dicke_ladder(self.sizes[q], nq, kind)
            src = np.nonzero(amp)[0]
            tgt = src + sign * strides[q]
            out[:, tgt, src] += c[q] * amp[src][None, :] * self.valid[:, src]
        if kind == "lower":
            out[0] = 0.0
        else:
            out[-1] = 0.0
        return out

    def _strides(self) -> dict[int, int]:
        others = [q for q in range(self.K) if q != self.pivot]
        st: dict[int, int] = {}
        s = 1
        for q in reversed(others):
            st[q] = s
            s *= self.sizes[q] + 1
        return st

    # ------------------------------------------------------------------ full space
    def full_indices(self) -> np.ndarray:
        """(n_blocks, d) int: index of each padded entry in the full product space (-1 if not
        valid)."""
        exc = self.excitations()
        idx = np.zeros((self.n_blocks, self.d), dtype=np.int64)
        for k in range(self.K):
            idx = idx * (self.sizes[k] + 1) + np.clip(exc[:, :, k], 0, self.sizes[k])
        return np.where(self.valid, idx, -1)

    def to_blocks(self, rho: np.ndarray, *, check: bool = True, atol: float = 1e-12) -> np.ndarray:
        """Padded blocks (n_blocks, d, d) of a full-space density matrix.

        With ``check``, raises :class:`~qbattery.errors.InvalidParameterError` if ``rho`` has
        weight (> ``atol``) between different M blocks.
        """
        rho = np.asarray(rho, dtype=np.complex128)
        D = math.prod(self.full_dims)
        if rho.shape != (D, D):
            raise DimensionError("rho", rho.shape, f"shape ({D}, {D})")
        idx = self.full_indices()
        safe = np.where(idx < 0, 0, idx)
        out = rho[safe[:, :, None], safe[:, None, :]]
        mask = self.valid[:, :, None] & self.valid[:, None, :]
        out = np.where(mask, out, 0.0)
        if check:
            kept = np.sum(np.abs(out) ** 2)
            if abs(np.sum(np.abs(rho) ** 2) - kept) > atol:
                raise InvalidParameterError("rho", "state", "block diagonal in the total "
                                            "excitation M (no coherence between blocks)")
        return out

    def from_blocks(self, blocks: np.ndarray) -> np.ndarray:
        """The full-space density matrix of padded blocks (inverse of :meth:`to_blocks`)."""
        blocks = np.asarray(blocks)
        D = math.prod(self.full_dims)
        rho = np.zeros((D, D), dtype=np.complex128)
        idx = self.full_indices()
        for M in range(self.n_blocks):
            ok = np.nonzero(self.valid[M])[0]
            ii = idx[M, ok]
            rho[np.ix_(ii, ii)] = blocks[M][np.ix_(ok, ok)]
        return rho

    def product_state(self, excitations: Sequence[int]) -> np.ndarray:
        """Padded blocks of the product Dicke state |n_0, n_1, ...> (n_k excitations each)."""
        n = [check_int(v, f"excitations[{k}]", low=0, high=self.sizes[k])
             for k, v in enumerate(excitations)]
        if len(n) != self.K:
            raise DimensionError("excitations", excitations, f"{self.K} integers")
        out = np.zeros((self.n_blocks, self.d, self.d), dtype=np.complex128)
        M = sum(n)
        cfg = self.configs
        others = [q for q in range(self.K) if q != self.pivot]
        hit = np.all(cfg[:, others] == np.array([n[q] for q in others])[None, :], axis=1)
        b = int(np.nonzero(hit)[0][0])
        out[M, b, b] = 1.0
        return out


def collective_ops_full(sizes: Sequence[int]) -> dict[str, list[np.ndarray]]:
    """Dense full-space J_-, J_+, J_z of every ensemble (for brute-force checks).

    Returns ``{"jm": [...], "jp": [...], "jz": [...]}`` built with
    :func:`qbattery.quantum.operators.jminus`/``jplus``/``jz`` and Kronecker products in the
    order of ``sizes``.
    """
    from ..quantum.operators import identity, jminus, jplus, jz, tensor

    dims = [int(n) + 1 for n in sizes]
    out: dict[str, list[np.ndarray]] = {"jm": [], "jp": [], "jz": []}
    for k, n in enumerate(sizes):
        for key, f in (("jm", jminus), ("jp", jplus), ("jz", jz)):
            factors = [identity(dd) for dd in dims]
            factors[k] = f(n / 2)
            out[key].append(np.asarray(tensor(*factors)) if len(factors) > 1 else factors[0])
    return out
