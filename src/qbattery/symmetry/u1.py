r"""Steady states in the U(1) sector, optionally averaged over interchangeable sites.

**U(1).** Let :math:`N = \sum_i n_i` count excitations (the basis index of each subsystem is
its excitation number, qbattery's convention). A Lindbladian whose Hamiltonian conserves
:math:`N` and whose jump operators each change it by a fixed amount is phase covariant: it never
couples density-matrix elements :math:`\rho_{ab}` of different coherence order
:math:`N_a - N_b`. A unique steady state therefore lies in the order-0 sector, the
"diagonal-in-M" block-diagonal matrices :math:`\rho = \bigoplus_M \rho_M`, of dimension
:math:`\sum_M \binom{n}{M}^2 = \binom{2n}{n}` for n qubits (184756 for n = 10 instead of
:math:`4^{10}`), and only that block of the generator is needed.

**Interchangeable sites.** If a group of sites can be permuted freely without changing H and the
set of channels (the leaves of a star whose reservoirs are equal, the sites of a complete
graph, any sites under collective decay), the generator also commutes with those permutations,
and a unique steady state is invariant. Invariant operators are spanned by *orbit sums*
:math:`O_r = \sum_{(a,b)\in r}|a\rangle\langle b|` over the orbits of matrix units under the
group. An orbit is labelled by the pair types :math:`(a_i, b_i)` of the free sites and, for each
group of m sites, the counts of the :math:`d^2` pair types, so there are
:math:`\binom{m + d^2 - 1}{d^2 - 1}` orbits per group instead of :math:`d^{2m}` elements: 110
for a 10-qubit star with equal leaves (9 interchangeable leaves; 184756 with U(1) alone).

We work in the orthonormal basis :math:`e_r = O_r/\sqrt{|r|}` (Hilbert-Schmidt geometry kept:
singular values, residual norms and kernel tolerances mean the same as for the full
Liouvillian). The reduced generator is computed without the full Liouvillian, from the rows of
:math:`\mathcal L` at one representative element :math:`(a_s, b_s)` of each orbit,

.. math:: \tilde{\mathcal L}_{sr} = \sqrt{|s|/|r|}\sum_{(a,b)\in r}\mathcal L_{(a_s b_s),(ab)},

which is exact because :math:`\mathcal L O_r` is invariant. H and the jump operators stay sparse
D x D matrices, so building costs O(orbits x nonzeros per row).

**Kernel and initial states.** When the generator has several steady states, the one reached
from ``rho0`` is the projection of ``rho0`` onto the kernel (see :mod:`qbattery.dynamics.steady`);
the projection commutes with the symmetry, so it is computed in the reduced space from the
symmetrised ``rho0`` (its U(1) and permutation twirl). The result is the symmetrised steady state:
exact for every quantity the twirl leaves unchanged (the reduced state of a free site; the whole
state when the kernel of the full generator has no elements outside the invariant U(1) sector).
``kernel_dim`` is the kernel dimension of the *reduced* generator; compare it with the full one
(:func:`qbattery.dynamics.kernel_dimension`) where that is affordable.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._checks import as_hermitian, as_operator, check_dims, check_int, check_real
from ..errors import DegenerateSteadyStateError, DimensionError, InvalidParameterError, SolverError

__all__ = [
    "LinearGenerator",
    "ParametricSteadyState",
    "ReducedSteadyState",
    "U1Reduction",
    "kernel_count_dense",
    "u1_steady_state",
]

#: Relative tolerance (to max |entry|) under which an operator entry counts as 0 in the
#: U(1) and permutation-symmetry checks.
SYMMETRY_RTOL = 1e-12
#: Largest reduced dimension handled with dense LAPACK (SVD kernel count and LU).
DENSE_MAX = 400
#: Largest Hilbert-space dimension for which :meth:`U1Reduction.to_dense` builds the full state.
DENSE_STATE_MAX = 1 << 13


# ------------------------------------------------------------------------------ helpers
def _compositions(m: int, k: int) -> np.ndarray:
    """All vectors of k non-negative integers summing to m, shape (C(m+k-1, k-1), k)."""
    out = []
    for bars in itertools.combinations(range(m + k - 1), k - 1):
        prev, c = -1, []
        for b in bars:
            c.append(b - prev - 1)
            prev = b
        c.append(m + k - 2 - prev)
        out.append(c)
    return np.asarray(out, dtype=np.int64).reshape(-1, k)


def _multinomial(m: int, counts: Iterable[int]) -> int:
    out = math.factorial(m)
    for c in counts:
        out //= math.factorial(int(c))
    return out


def _csr(x: Any, name: str, D: int) -> sp.csr_matrix:
    return sp.csr_matrix(as_operator(x, name, dim=D), dtype=np.complex128)


def _max_abs(A: sp.csr_matrix) -> float:
    return float(np.max(np.abs(A.data))) if A.nnz else 0.0


def _pair_products(A: sp.csr_matrix, BT: sp.csr_matrix, ra: np.ndarray, rb: np.ndarray):
    """For each s: all (a', b', A[ra_s, a'] * BT[rb_s, b']) -> (s, a', b', value) arrays."""
    Ar, Br = A[ra], BT[rb]
    na, nb = np.diff(Ar.indptr), np.diff(Br.indptr)
    cnt = na * nb
    total = int(cnt.sum())
    s = np.repeat(np.arange(ra.size, dtype=np.int64), cnt)
    if total == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, np.zeros(0, dtype=np.complex128)
    start = np.repeat(np.cumsum(cnt) - cnt, cnt)
    k = np.arange(total, dtype=np.int64) - start
    nbs = np.repeat(nb, cnt)
    ia = np.repeat(Ar.indptr[:-1], cnt) + k // nbs
    ib = np.repeat(Br.indptr[:-1], cnt) + k % nbs
    return s, Ar.indices[ia].astype(np.int64), Br.indices[ib].astype(np.int64), Ar.data[ia] * Br.data[ib]


# ------------------------------------------------------------------------------ reduction
class U1Reduction:
    """The U(1) (coherence-order-0) sector of a product space, optionally symmetrised.

    Parameters
    ----------
    dims
        Subsystem dimensions (basis index = excitation number of each subsystem).
    interchangeable
        Groups of sites (each a sequence of at least two sites of equal dimension) whose
        permutations leave the model invariant; every other site is "free". Default: none
        (plain U(1) reduction, orbits are single matrix elements).

    Attributes
    ----------
    n
        Reduced dimension (number of orbits).
    sizes
        Orbit sizes :math:`|r|` (float64).
    rep_a, rep_b
        A representative element :math:`(a_r, b_r)` of each orbit (basis indices).
    diagonal
        Whether the orbit holds diagonal elements (a = b).
    trace_vector
        :math:`t_r = \\sqrt{|r|}` on diagonal orbits, 0 elsewhere: :math:`\\mathrm{Tr}\\rho = t\\cdot y`.
    u1_dim
        Number of matrix elements in the U(1) sector (:math:`\\sum_r |r|`).
    """

    def __init__(self, dims: Sequence[int], interchangeable: Sequence[Sequence[int]] = (), *,
                 order: int = 0) -> None:
        self.dims = check_dims(dims)
        self.order = check_int(order, "order")
        n_sites = len(self.dims)
        self.D = math.prod(self.dims)
        self.strides = np.array([math.prod(self.dims[i + 1:]) for i in range(n_sites)], dtype=np.int64)
        groups_in = self._check_groups(interchangeable, n_sites)
        in_group = {s for g in groups_in for s in g}
        groups: list[tuple[int, ...]] = [(s,) for s in range(n_sites) if s not in in_group]
        groups += list(groups_in)
        groups.sort(key=lambda g: g[0])
        self.groups: tuple[tuple[int, ...], ...] = tuple(groups)
        self.interchangeable: tuple[tuple[int, ...], ...] = tuple(groups_in)
        self.free_sites: tuple[int, ...] = tuple(g[0] for g in groups if len(g) == 1)
        self._enumerate()

    # ---------------------------------------------------------------- construction
    def _check_groups(self, interchangeable, n_sites: int) -> list[tuple[int, ...]]:
        if isinstance(interchangeable, (str, bytes)) or not isinstance(interchangeable, Iterable):
            raise InvalidParameterError("interchangeable", interchangeable,
                                        "a sequence of site groups, e.g. [(1, 2, 3)]")
        out, seen = [], set()
        for k, g in enumerate(interchangeable):
            if isinstance(g, (str, bytes)) or not isinstance(g, Iterable):
                raise InvalidParameterError("interchangeable", interchangeable,
                                            "a sequence of site groups, e.g. [(1, 2, 3)]")
            sites = tuple(sorted(check_int(s, f"interchangeable[{k}]", low=0, high=n_sites - 1)
                                 for s in g))
            if len(sites) < 2 or len(set(sites)) != len(sites):
                raise InvalidParameterError("interchangeable", interchangeable,
                                            "groups of at least two distinct sites",
                                            f"group {k} is {list(g)!r}")
            if seen.intersection(sites):
                raise InvalidParameterError("interchangeable", interchangeable,
                                            "disjoint groups of sites")
            if len({self.dims[s] for s in sites}) != 1:
                raise InvalidParameterError("interchangeable", interchangeable,
                                            "groups of sites with equal dimensions")
            seen.update(sites)
            out.append(sites)
        return out

    def _group_options(self, g: tuple[int, ...]):
        """(key, delta, config) of every orbit label of group g; config = type or counts."""
        d = self.dims[g[0]]
        t = np.arange(d * d)
        dt = t // d - t % d
        if len(g) == 1:
            return t.astype(np.int64), dt.astype(np.int64), t.reshape(-1, 1), d * d
        m = len(g)
        comps = _compositions(m, d * d)
        weights = (m + 1) ** np.arange(d * d, dtype=np.int64)
        return comps @ weights, comps @ dt, comps, (m + 1) ** (d * d)

    def _enumerate(self) -> None:
        groups = self.groups
        opts = [self._group_options(g) for g in groups]
        radices = [o[3] for o in opts]
        if math.prod(radices) >= 2**62:
            raise InvalidParameterError("dims", self.dims, "a space whose orbit labels fit in 62 "
                                        "bits (use interchangeable groups to shrink it)")
        self._radix_prefix = np.array([math.prod(radices[:k]) for k in range(len(groups))],
                                      dtype=np.int64)
        cap = [sum((self.dims[s] - 1) for g in groups[k:] for s in g) for k in range(len(groups) + 1)]
        key = np.zeros(1, dtype=np.int64)
        delta = np.zeros(1, dtype=np.int64)
        choice = np.zeros((1, 0), dtype=np.int64)
        for k, (okey, odelta, _, _) in enumerate(opts):
            key = (key[:, None] + okey[None, :] * self._radix_prefix[k]).reshape(-1)
            delta = (delta[:, None] + odelta[None, :]).reshape(-1)
            choice = np.concatenate([np.repeat(choice, okey.size, axis=0),
                                     np.tile(np.arange(okey.size), choice.shape[0])[:, None]], axis=1)
            keep = np.abs(delta - self.order) <= cap[k + 1]
            key, delta, choice = key[keep], delta[keep], choice[keep]
        order = np.argsort(key, kind="stable")
        self.keys = key[order]
        choice = choice[order]
        n = self.keys.size
        rep_a = np.zeros(n, dtype=np.int64)
        rep_b = np.zeros(n, dtype=np.int64)
        sizes = np.ones(n, dtype=np.float64)
        diagonal = np.ones(n, dtype=bool)
        self._group_diag = np.ones((n, len(groups)), dtype=bool)
        for k, (g, (_, _, conf, _)) in enumerate(zip(groups, opts, strict=True)):
            d = self.dims[g[0]]
            c = conf[choice[:, k]]
            if len(g) == 1:
                t = c[:, 0]
                rep_a += (t // d) * self.strides[g[0]]
                rep_b += (t % d) * self.strides[g[0]]
                gd = (t // d) == (t % d)
            else:
                # representative: the first c_0 sites of the group get pair type 0, then type 1 ...
                bounds = np.cumsum(c, axis=1)
                for pos, s in enumerate(g):
                    t = np.argmax(bounds > pos, axis=1)
                    rep_a += (t // d) * self.strides[s]
                    rep_b += (t % d) * self.strides[s]
                offdiag = np.array([tt // d != tt % d for tt in range(d * d)])
                gd = ~np.any(c[:, offdiag] > 0, axis=1)
                sizes *= np.array([float(_multinomial(len(g), row)) for row in c])
            self._group_diag[:, k] = gd
            diagonal &= gd
        self.rep_a, self.rep_b, self.sizes, self.diagonal = rep_a, rep_b, sizes, diagonal
        self._sqrt_sizes = np.sqrt(sizes)
        self.trace_vector = np.where(diagonal, self._sqrt_sizes, 0.0)
        self.n = n
        self.u1_dim = int(round(float(sizes.sum())))

    def __repr__(self) -> str:
        order = f", order={self.order}" if self.order else ""
        return (f"U1Reduction(dims={self.dims}, interchangeable={list(self.interchangeable)}"
                f"{order}, n={self.n}, u1_dim={self.u1_dim}, D^2={self.D ** 2})")

    # ---------------------------------------------------------------- orbits of elements
    def orbit_index(self, a: Any, b: Any) -> np.ndarray:
        """Orbit of each element (a, b) (basis indices; broadcast), -1 outside the U(1) sector."""
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        key = np.zeros(a.shape, dtype=np.int64)
        for k, g in enumerate(self.groups):
            d = self.dims[g[0]]
            if len(g) == 1:
                s = g[0]
                t = ((a // self.strides[s]) % d) * d + (b // self.strides[s]) % d
                key += t * self._radix_prefix[k]
            else:
                base = np.int64(len(g) + 1)
                acc = np.zeros(a.shape, dtype=np.int64)
                for s in g:
                    t = ((a // self.strides[s]) % d) * d + (b // self.strides[s]) % d
                    acc += base ** t
                key += acc * self._radix_prefix[k]
        pos = np.searchsorted(self.keys, key)
        pos = np.minimum(pos, self.n - 1)
        return np.where(self.keys[pos] == key, pos, -1)

    def _labels(self) -> np.ndarray:
        idx = np.arange(self.D, dtype=np.int64)
        return sum(((idx // self.strides[s]) % self.dims[s]) for s in range(len(self.dims)))

    def sector_elements(self) -> tuple[np.ndarray, np.ndarray]:
        """All elements (a, b) of the sector (``N_a - N_b = order``), as two arrays."""
        if self.D > DENSE_STATE_MAX:
            raise InvalidParameterError("dims", self.dims, f"a Hilbert space of dimension <= "
                                        f"{DENSE_STATE_MAX} to list the U(1) sector element by element")
        lab = self._labels()
        A, B = [], []
        for M in np.unique(lab):
            ia = np.flatnonzero(lab == M)
            ib = np.flatnonzero(lab == M - self.order)
            A.append(np.repeat(ia, ib.size))
            B.append(np.tile(ib, ia.size))
        return np.concatenate(A), np.concatenate(B)

    # ---------------------------------------------------------------- reduced superoperators
    def _term(self, A: sp.csr_matrix, BT: sp.csr_matrix, scale: complex):
        """Entries of the reduced matrix of rho -> scale * A rho B (BT = B^T), COO arrays."""
        s, ap, bp, v = _pair_products(A, BT, self.rep_a, self.rep_b)
        keep = v != 0
        s, ap, bp, v = s[keep], ap[keep], bp[keep], v[keep]
        r = self.orbit_index(ap, bp)
        if np.any(r < 0):
            bad = np.flatnonzero(r < 0)
            mag = np.abs(v[bad]).max() / max(np.abs(v).max(), 1e-300)
            if mag > SYMMETRY_RTOL:
                raise InvalidParameterError(
                    "H or c_ops", None, "operators that conserve the excitation number or change "
                    "it by a fixed amount (U(1) covariance)",
                    f"a term couples coherence orders, relative size {mag:.3g}")
            keep = r >= 0
            s, r, v = s[keep], r[keep], v[keep]
        return s, r, scale * v

    def _assemble(self, parts) -> sp.csr_matrix:
        if parts:
            s = np.concatenate([p[0] for p in parts])
            r = np.concatenate([p[1] for p in parts])
            v = np.concatenate([p[2] for p in parts])
        else:
            s = r = np.zeros(0, dtype=np.int64)
            v = np.zeros(0, dtype=np.complex128)
        v = v * (self._sqrt_sizes[s] / self._sqrt_sizes[r])
        out = sp.csr_matrix((v, (s, r)), shape=(self.n, self.n))
        out.sum_duplicates()
        out.eliminate_zeros()
        return out

    def _identity(self) -> sp.csr_matrix:
        return sp.identity(self.D, dtype=np.complex128, format="csr")

    def hamiltonian(self, H: Any) -> sp.csr_matrix:
        r"""Reduced matrix of :math:`\rho\mapsto -i[H, \rho]` (orthonormal orbit basis, CSR)."""
        H = sp.csr_matrix(as_hermitian(H, "H", dim=self.D), dtype=np.complex128)
        eye = self._identity()
        return self._assemble([self._term(H, eye, -1j), self._term(eye, H.T.tocsr(), 1j)])

    def dissipator(self, ops: Any, rate: float = 1.0) -> sp.csr_matrix:
        r"""Reduced matrix of :math:`\rho\mapsto\gamma\sum_k\mathcal D[L_k]\rho` for one operator or a
        list of them (the list must be invariant under the permutations, e.g. all leaves)."""
        rate = check_real(rate, "rate", low=0.0)
        ops = [ops] if (sp.issparse(ops) or isinstance(ops, np.ndarray) or
                        type(ops).__name__ == "Qobj") else list(ops)
        eye = self._identity()
        parts = []
        for i, L in enumerate(ops):
            L = _csr(L, f"ops[{i}]", self.D)
            K = (L.conj().T @ L).tocsr()
            parts += [self._term(L, L.conj().tocsr(), rate), self._term(K, eye, -0.5 * rate),
                      self._term(eye, K.T.tocsr(), -0.5 * rate)]
        return self._assemble(parts)

    def liouvillian(self, H: Any, c_ops: Sequence = (), *, check: bool = True) -> sp.csr_matrix:
        r"""Reduced Lindblad generator :math:`-i[H,\cdot] + \sum_k\mathcal D[c_k]` (rates inside
        the collapse operators, as :func:`qbattery.quantum.superoperators.liouvillian`). With
        ``check`` the permutation invariance of H and of the set of ``c_ops`` is verified."""
        if check:
            self.check_symmetry(H, [(c, 1.0) for c in c_ops])
        out = self.hamiltonian(H)
        for c in c_ops:
            out = out + self.dissipator(c)
        return out.tocsr()

    def from_model(self, model: Any, *, check: bool = True) -> sp.csr_matrix:
        """Reduced generator of an :class:`~qbattery.models.OpenSystem`."""
        if check:
            self.check_symmetry(model.H, [(c.L, c.rate) for c in model.channels])
        out = self.hamiltonian(model.H)
        for c in model.channels:
            if c.rate > 0:
                out = out + self.dissipator(c.L, c.rate)
        return out.tocsr()

    # ---------------------------------------------------------------- symmetry checks
    def _transposition(self, i: int, j: int) -> np.ndarray:
        idx = np.arange(self.D, dtype=np.int64)
        di = (idx // self.strides[i]) % self.dims[i]
        dj = (idx // self.strides[j]) % self.dims[j]
        return idx + (dj - di) * self.strides[i] + (di - dj) * self.strides[j]

    def check_symmetry(self, H: Any = None, channels: Sequence = ()) -> None:
        """Raise :class:`~qbattery.errors.InvalidParameterError` unless H conserves the excitation
        number, every channel operator changes it by a fixed amount, and H and the set of
        ``(operator, rate)`` channels are invariant under the permutations of every
        interchangeable group."""
        lab = self._labels()
        mats = []
        if H is not None:
            Hm = sp.csr_matrix(as_hermitian(H, "H", dim=self.D), dtype=np.complex128)
            c = Hm.tocoo()
            big = np.abs(c.data) > SYMMETRY_RTOL * max(_max_abs(Hm), 1e-300)
            if np.any(lab[c.row[big]] != lab[c.col[big]]):
                raise InvalidParameterError("H", H, "a Hamiltonian that conserves the excitation "
                                            "number (U(1) symmetry)")
            mats.append(Hm)
        chans = []
        for k, ch in enumerate(channels):
            L, rate = (ch if isinstance(ch, tuple) else (ch, 1.0))
            L = _csr(L, f"c_ops[{k}]", self.D)
            c = L.tocoo()
            big = np.abs(c.data) > SYMMETRY_RTOL * max(_max_abs(L), 1e-300)
            orders = np.unique(lab[c.row[big]] - lab[c.col[big]])
            if orders.size > 1:
                raise InvalidParameterError(f"c_ops[{k}]", L, "a jump operator that changes the "
                                            "excitation number by one fixed amount (U(1) covariance)",
                                            f"it changes it by {orders.tolist()}")
            if float(rate) > 0:
                Ls = (L * math.sqrt(float(rate))).tocsr()
                Ls.eliminate_zeros()
                Ls.sort_indices()
                chans.append((Ls, float(rate)))
        by_pattern: dict[bytes, list[int]] = {}
        for k, (L, _) in enumerate(chans):
            by_pattern.setdefault(_pattern_key(L), []).append(k)
        for g in self.interchangeable:
            for i, j in itertools.pairwise(g):
                p = self._transposition(i, j)
                for Hm in mats:
                    if _max_abs(Hm[p][:, p] - Hm) > SYMMETRY_RTOL * max(_max_abs(Hm), 1.0):
                        raise InvalidParameterError(
                            "interchangeable", list(self.interchangeable),
                            "groups of sites whose permutations leave H invariant",
                            f"swapping sites {i} and {j} changes H")
                for k, (L, _) in enumerate(chans):
                    PL = L[p][:, p]
                    cands = by_pattern.get(_pattern_key(PL), [])
                    if not any(_same_up_to_phase(PL, chans[c][0]) for c in cands):
                        raise InvalidParameterError(
                            "interchangeable", list(self.interchangeable),
                            "groups of sites whose permutations map the set of channels onto itself",
                            f"swapping sites {i} and {j} maps channel {k} outside the set")

    # ---------------------------------------------------------------- states
    def coordinates(self, rho: Any) -> np.ndarray:
        """Orthonormal-basis coordinates of the symmetrised ``rho`` (its U(1) and permutation
        twirl). ``rho`` is a (D, D) matrix or ``"ground"`` (all sites in level 0) or
        ``"maximally_mixed"``; named states do not build D x D matrices."""
        if isinstance(rho, str):
            y = np.zeros(self.n, dtype=np.complex128)
            if rho == "ground":
                y[self.orbit_index(0, 0)] = 1.0
            elif rho == "maximally_mixed":
                y[self.diagonal] = self._sqrt_sizes[self.diagonal] / self.D
            else:
                raise InvalidParameterError("rho0", rho, "a density matrix, 'ground' or "
                                            "'maximally_mixed'")
            return y
        from .._checks import as_density_matrix

        rho = as_density_matrix(rho, "rho0", dim=self.D)
        a, b = self.sector_elements()
        r = self.orbit_index(a, b)
        vals = rho[a, b]
        y = (np.bincount(r, weights=vals.real, minlength=self.n)
             + 1j * np.bincount(r, weights=vals.imag, minlength=self.n))
        return y / self._sqrt_sizes

    def to_dense(self, y: Any) -> np.ndarray:
        """The (D, D) density matrix with coordinates ``y`` (needs D <= DENSE_STATE_MAX)."""
        y = np.asarray(y, dtype=np.complex128)
        if y.shape != (self.n,):
            raise DimensionError("y", y, f"shape ({self.n},)")
        a, b = self.sector_elements()
        r = self.orbit_index(a, b)
        rho = np.zeros((self.D, self.D), dtype=np.complex128)
        rho[a, b] = y[r] / self._sqrt_sizes[r]
        return rho

    def trace(self, y: Any) -> complex:
        """:math:`\\mathrm{Tr}\\rho` of the state with coordinates ``y``."""
        return complex(self.trace_vector @ np.asarray(y))

    def reduced_state(self, y: Any, keep: int | Sequence[int]) -> np.ndarray:
        """Reduced state on free sites ``keep`` (in their order) without building rho.

        Sites of an interchangeable group are accepted when D <= DENSE_STATE_MAX (through
        :meth:`to_dense`)."""
        y = np.asarray(y, dtype=np.complex128)
        keep = [keep] if isinstance(keep, (int, np.integer)) else list(keep)
        keep = [check_int(k, "keep", low=0, high=len(self.dims) - 1) for k in keep]
        if not keep or len(set(keep)) != len(keep):
            raise InvalidParameterError("keep", keep, "distinct site indices")
        if any(k not in self.free_sites for k in keep):
            if self.D > DENSE_STATE_MAX:
                raise InvalidParameterError("keep", keep, "free sites (not in an interchangeable "
                                            f"group) for D > {DENSE_STATE_MAX}")
            from ..quantum.partial_trace import partial_trace

            return partial_trace(self.to_dense(y), self.dims, keep)
        rest = np.ones(self.n, dtype=bool)
        for k, g in enumerate(self.groups):
            if not (len(g) == 1 and g[0] in keep):
                rest &= self._group_diag[:, k]
        dk = [self.dims[k] for k in keep]
        ia = np.zeros(self.n, dtype=np.int64)
        ib = np.zeros(self.n, dtype=np.int64)
        for k in keep:
            ia = ia * self.dims[k] + (self.rep_a // self.strides[k]) % self.dims[k]
            ib = ib * self.dims[k] + (self.rep_b // self.strides[k]) % self.dims[k]
        out = np.zeros((math.prod(dk), math.prod(dk)), dtype=np.complex128)
        np.add.at(out, (ia[rest], ib[rest]), y[rest] * self._sqrt_sizes[rest])
        return out


def _pattern_key(A: sp.csr_matrix) -> bytes:
    A.eliminate_zeros()  # in place: A is a private copy
    A.sort_indices()
    return A.indptr.astype(np.int64).tobytes() + A.indices.astype(np.int64).tobytes()


def _same_up_to_phase(A: sp.csr_matrix, B: sp.csr_matrix) -> bool:
    """A = c B with |c| = 1, for A and B with the same (sorted, zero-free) sparsity pattern."""
    a, b = A.data, B.data
    if a.shape != b.shape:
        return False
    nb2 = float(np.vdot(b, b).real)
    na = math.sqrt(float(np.vdot(a, a).real))
    if na == 0 or nb2 == 0:
        return na == nb2
    c = np.vdot(b, a) / nb2
    if abs(abs(c) - 1.0) > 1e-10:
        return False
    return bool(np.linalg.norm(a - c * b) <= 1e-10 * na)


# ------------------------------------------------------------------------------ solvers
@dataclass(frozen=True, eq=False)
class ReducedSteadyState:
    """A steady state in the reduced (U(1), symmetrised) space.

    Attributes
    ----------
    y
        Coordinates in the orthonormal orbit basis (read-only).
    reduction
        The :class:`U1Reduction` they refer to.
    residual
        :math:`\\|\\mathcal L\\rho\\|_2` (Frobenius norm of d rho/dt; equal to that of the full
        generator since the reduced basis is orthonormal).
    kernel_dim
        Kernel dimension of the reduced generator (``None`` if not checked).
    trace_error
        :math:`|\\mathrm{Tr}\\rho - 1|`.
    method
        ``"dense"``, ``"sparse"`` (direct solves) or ``"projection"`` (degenerate kernel, from rho0).
    wall_time
        Seconds.
    """

    y: np.ndarray
    reduction: U1Reduction
    residual: float
    kernel_dim: int | None
    trace_error: float
    method: str
    wall_time: float = 0.0

    def __post_init__(self) -> None:
        self.y.flags.writeable = False

    @property
    def rho(self) -> np.ndarray:
        """The full (D, D) steady state (D <= DENSE_STATE_MAX)."""
        return self.reduction.to_dense(self.y)

    def reduced_state(self, keep: int | Sequence[int]) -> np.ndarray:
        """Reduced state on the sites ``keep``."""
        return self.reduction.reduced_state(self.y, keep)

    def __repr__(self) -> str:
        return (f"ReducedSteadyState(n={self.reduction.n}, method={self.method}, "
                f"kernel_dim={self.kernel_dim}, residual={self.residual:.1e}, "
                f"trace_error={self.trace_error:.1e}, wall={self.wall_time:.3g}s)")


def kernel_count_dense(L: np.ndarray, kernel_tol: float = 1e-10) -> int:
    """Number of singular values of a dense generator <= kernel_tol x the largest (at least 1)."""
    s = np.linalg.svd(L, compute_uv=False)
    smax = s[0] if s.size and s[0] > 0 else 1.0
    return max(int(np.sum(s <= kernel_tol * smax)), 1)


def _kernel_dense(L: np.ndarray, kernel_tol: float):
    U, s, Vh = sla.svd(L)
    smax = s[0] if s.size and s[0] > 0 else 1.0
    count = max(int(np.sum(s <= kernel_tol * smax)), 1)
    return count, Vh[-count:].conj().T, U[:, -count:]


def _project(R: np.ndarray, W: np.ndarray, y0: np.ndarray) -> np.ndarray:
    # spectral projection onto the kernel: sum_jk R_j (M^-1)_jk <W_k, y0>, M = W^dag R
    return R @ np.linalg.solve(W.conj().T @ R, W.conj().T @ y0)


class LinearGenerator:
    r"""A generator :math:`\mathcal L(c) = \sum_k c_k\mathcal L_k` with its pieces on one sparsity
    pattern, stored as a (pieces x nonzeros) data matrix: assembling a point is one small dense
    product, with no sparse-matrix arithmetic."""

    def __init__(self, pieces: Sequence[Any]) -> None:
        if not len(pieces):
            raise InvalidParameterError("pieces", pieces, "at least one generator")
        mats = [sp.csr_matrix(as_operator(P, f"pieces[{k}]"), dtype=np.complex128)
                for k, P in enumerate(pieces)]
        n = mats[0].shape[0]
        for k, P in enumerate(mats):
            if P.shape != (n, n):
                raise DimensionError(f"pieces[{k}]", P, f"shape ({n}, {n}) like pieces[0]")
        self.n = n
        self.n_pieces = len(mats)
        coo = [P.tocoo() for P in mats]
        lin = np.unique(np.concatenate([c.row.astype(np.int64) * n + c.col for c in coo]))
        self._rows, self._cols = lin // n, lin % n
        self._data = np.zeros((len(mats), lin.size), dtype=np.complex128)
        for k, c in enumerate(coo):
            pos = np.searchsorted(lin, c.row.astype(np.int64) * n + c.col)
            np.add.at(self._data[k], pos, c.data)
        order = np.lexsort((self._rows, self._cols))  # CSC order
        self._csc_perm = order
        self._indptr = np.searchsorted(self._cols[order], np.arange(n + 1))
        self._indices = self._rows[order]

    def _coeffs(self, coeffs: Any) -> np.ndarray:
        c = np.asarray(coeffs, dtype=np.complex128).reshape(-1)
        if c.shape != (self.n_pieces,) or not np.all(np.isfinite(c)):
            raise DimensionError("coeffs", coeffs, f"{self.n_pieces} finite coefficients")
        return c

    def assemble(self, coeffs: Any) -> sp.csc_matrix:
        """:math:`\\sum_k c_k\\mathcal L_k` as CSC (fixed pattern)."""
        data = (self._coeffs(coeffs) @ self._data)[self._csc_perm]
        return sp.csc_matrix((data, self._indices, self._indptr), shape=(self.n, self.n))

    def assemble_dense(self, coeffs: Any) -> np.ndarray:
        """:math:`\\sum_k c_k\\mathcal L_k` as a dense (n, n) array."""
        out = np.zeros((self.n, self.n), dtype=np.complex128)
        out[self._rows, self._cols] = self._coeffs(coeffs) @ self._data
        return out


class ParametricSteadyState:
    r"""Steady states of :math:`\mathcal L(c) = \sum_k c_k\mathcal L_k` over many coefficient sets.

    The pieces :math:`\mathcal L_k` (square, sparse, e.g. from :class:`U1Reduction`) are put on
    their common sparsity pattern once, so each point costs one dense matrix-vector product
    to assemble and one factorisation. The trace functional ``trace_vector`` (a left null vector
    of every generator) replaces the equation of its largest entry.

    Parameters
    ----------
    pieces
        Sparse (n, n) generators.
    trace_vector
        :math:`t` with :math:`\mathrm{Tr}\rho = t\cdot y` (default: the trace of a full
        row-major Liouvillian, n = D^2).
    tol, kernel_tol, check_kernel, permc_spec
        As :class:`qbattery.dynamics.SteadyStateSolver`. Kernel counting: dense SVD for
        n <= ``DENSE_MAX``, shift-invert ARPACK otherwise.
    dense_max
        Dense LAPACK below this dimension; above, SuperLU with the column ordering computed at
        the first point and reused (``permc_spec="NATURAL"`` on the permuted matrix).
    """

    def __init__(self, pieces: Sequence[Any], trace_vector: Any = None, *, tol: float = 1e-10,
                 kernel_tol: float = 1e-10, check_kernel: bool = True,
                 permc_spec: str = "MMD_AT_PLUS_A", dense_max: int = DENSE_MAX) -> None:
        self.generator = pieces if isinstance(pieces, LinearGenerator) else LinearGenerator(pieces)
        n = self.n = self.generator.n
        self.n_pieces = self.generator.n_pieces
        if trace_vector is None:
            D = math.isqrt(n)
            if D * D != n:
                raise InvalidParameterError("trace_vector", None, "a trace vector for a generator "
                                            "that is not a D^2 x D^2 Liouvillian")
            t = np.zeros(n)
            t[np.arange(D) * (D + 1)] = 1.0
        else:
            t = np.asarray(trace_vector, dtype=np.float64).reshape(-1)
            if t.shape != (n,) or not np.all(np.isfinite(t)) or not np.any(t != 0):
                raise DimensionError("trace_vector", trace_vector, f"a finite, non-zero vector of "
                                     f"length {n}")
        self.trace_vector = t
        self._row = int(np.argmax(np.abs(t)))
        from ..dynamics.steady import steady_options  # lazy: dynamics imports symmetry

        self.tol, self.kernel_tol, self.check_kernel, self.permc_spec = steady_options(
            tol, kernel_tol, check_kernel, permc_spec)
        self.dense_max = check_int(dense_max, "dense_max", low=0)
        self._perm_c: np.ndarray | None = None

    def assemble(self, coeffs: Any) -> sp.csc_matrix:
        """:math:`\\sum_k c_k\\mathcal L_k` as CSC (fixed pattern)."""
        return self.generator.assemble(coeffs)

    def assemble_dense(self, coeffs: Any) -> np.ndarray:
        """:math:`\\sum_k c_k\\mathcal L_k` as a dense (n, n) array."""
        return self.generator.assemble_dense(coeffs)

    def solve(self, coeffs: Any, y0: Any = None) -> tuple[np.ndarray, float, int | None, str]:
        """``(y, residual, kernel_dim, method)`` at one coefficient set; ``y0`` (coordinates of
        the initial state) selects the steady state when the kernel is degenerate."""
        n = self.n
        kernel_dim = None
        if n <= self.dense_max:
            Ld = L = self.assemble_dense(coeffs)
            norm1 = float(np.abs(Ld).sum(axis=0).max()) if n else 0.0
            if self.check_kernel:
                kernel_dim = kernel_count_dense(Ld, self.kernel_tol)
                if kernel_dim > 1:
                    kernel_dim, R, W = _kernel_dense(Ld, self.kernel_tol)
                    if y0 is None:
                        raise DegenerateSteadyStateError(kernel_dim)
                    y = _project(R, W, np.asarray(y0, dtype=np.complex128))
                    return self._finish(L, y, norm1, kernel_dim, "projection")
            A = Ld.copy()
            w = float(np.max(np.abs(Ld))) if Ld.size else 1.0
            A[self._row] = w * self.trace_vector
            b = np.zeros(n, dtype=np.complex128)
            b[self._row] = w
            try:
                lu = sla.lu_factor(A, check_finite=False)
            except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
                raise SolverError(f"steady state: dense LU failed ({exc})") from exc
            y = sla.lu_solve(lu, b)
            y = y + sla.lu_solve(lu, b - A @ y)
            return self._finish(L, y, norm1, kernel_dim, "dense")
        L = self.assemble(coeffs)
        norm1 = float(np.abs(L).sum(axis=0).max()) if L.nnz else 0.0
        if self.check_kernel:
            from ..dynamics.steady import stationary_modes

            kernel_dim, R, W = stationary_modes(L.tocsr(), self.kernel_tol, self.permc_spec,
                                       vectors=y0 is not None)
            if kernel_dim > 1:
                if y0 is None:
                    raise DegenerateSteadyStateError(kernel_dim)
                y = _project(R, W, np.asarray(y0, dtype=np.complex128))
                return self._finish(L, y, norm1, kernel_dim, "projection")
        y = self._sparse_solve(L)
        return self._finish(L, y, norm1, kernel_dim, "sparse")

    def _sparse_solve(self, L: sp.csc_matrix) -> np.ndarray:
        n = self.n
        A = L.tolil()
        w = float(np.max(np.abs(L.data))) if L.nnz else 1.0
        A[self._row, :] = w * self.trace_vector
        A = A.tocsc()
        b = np.zeros(n, dtype=np.complex128)
        b[self._row] = w
        try:
            if self._perm_c is None:
                lu = spla.splu(A, permc_spec=self.permc_spec)
                self._perm_c = np.asarray(lu.perm_c)
                x = lu.solve(b)
                x = x + lu.solve(b - A @ x)
            else:
                # reuse the fill-reducing column order of the first point (same pattern)
                q = np.argsort(self._perm_c)
                Aq = A[:, q]
                lu = spla.splu(Aq, permc_spec="NATURAL")
                z = lu.solve(b)
                z = z + lu.solve(b - Aq @ z)
                x = np.empty_like(z)
                x[q] = z
        except RuntimeError as exc:
            raise SolverError(f"steady state: the trace-constrained generator is singular ({exc}); "
                              "the kernel is probably degenerate: use check_kernel=True and pass "
                              "rho0") from exc
        if not np.all(np.isfinite(x)):
            raise SolverError("steady state: the sparse solve produced non-finite values "
                              "(degenerate kernel?)")
        return x

    def _finish(self, L, y, norm1: float, kernel_dim, method: str):
        y = np.asarray(y, dtype=np.complex128)
        tr = complex(self.trace_vector @ y)
        if method == "projection" and abs(tr) > 0:
            y = y / tr  # the projection keeps the trace of y0; fix round-off
        residual = float(np.linalg.norm(L @ y))
        if residual > self.tol * max(norm1, 1e-300):
            raise SolverError(f"steady state residual ||L rho|| = {residual:.3g} exceeds "
                              f"tol*||L||_1 = {self.tol * norm1:.3g}: try a looser tol or check "
                              "the model")
        return y, residual, kernel_dim, method


def u1_steady_state(H: Any, c_ops: Any = None, rho0: Any = None, *,
                    interchangeable: Sequence[Sequence[int]] = (), dims: Sequence[int] | None = None,
                    tol: float = 1e-10, kernel_tol: float = 1e-10, check_kernel: bool = True,
                    permc_spec: str = "MMD_AT_PLUS_A") -> ReducedSteadyState:
    """Steady state of a U(1)-covariant Lindbladian in its U(1) (and symmetrised) sector.

    Parameters
    ----------
    H
        Hamiltonian (with ``c_ops`` and ``dims``) or an :class:`~qbattery.models.OpenSystem`
        (its dims and channels are used).
    c_ops
        Collapse operators :math:`\\sqrt{\\gamma_k}L_k`.
    rho0
        Selects the steady state when the kernel is degenerate: a density matrix, ``"ground"``
        or ``"maximally_mixed"`` (its symmetrised part is used; see the module docs).
    interchangeable
        Groups of sites whose permutations leave the model invariant (checked).
    dims
        Subsystem dimensions when ``H`` is a matrix (default: one subsystem).

    Returns a :class:`ReducedSteadyState` (``.rho`` gives the full matrix for small D).
    Raises :class:`~qbattery.errors.DegenerateSteadyStateError` for a degenerate reduced kernel
    without ``rho0``.
    """
    t0 = time.perf_counter()
    if hasattr(H, "channels") and hasattr(H, "dims"):
        if c_ops is not None:
            raise InvalidParameterError("c_ops", c_ops, "None when H is an OpenSystem")
        red = U1Reduction(H.dims, interchangeable)
        L = red.from_model(H)
    else:
        Hm = as_hermitian(H, "H")
        red = U1Reduction(dims if dims is not None else (Hm.shape[0],), interchangeable)
        L = red.liouvillian(Hm, list(c_ops or ()))
    solver = ParametricSteadyState([L], red.trace_vector, tol=tol, kernel_tol=kernel_tol,
                                   check_kernel=check_kernel, permc_spec=permc_spec)
    y0 = None if rho0 is None else red.coordinates(rho0)
    y, residual, kd, method = solver.solve([1.0], y0)
    return ReducedSteadyState(y=y, reduction=red, residual=residual, kernel_dim=kd,
                              trace_error=abs(red.trace(y) - 1.0), method=method,
                              wall_time=time.perf_counter() - t0)
