r"""Exact dynamics of several collective spin ensembles in total-excitation blocks.

Model (hbar = 1, qbattery's :math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2`):

.. math::
    \dot\rho = -i[H, \rho] + \sum_c \Gamma_c\,\mathcal D[O_c]\rho,\qquad
    O_c = \sum_k c_{ck} J_-^k\ \text{(lowering)}\ \text{or}\ \sum_k c_{ck} J_+^k\ \text{(raising)},
    \qquad H = \sum_k \omega_k J_z^k,

on the product Dicke space of :class:`~qbattery.symmetry.dicke.ProductDicke`. A state block
diagonal in the total excitation M stays so; the generator maps block M to itself and feeds
M - 1 (lowering channels) and M + 1 (raising channels):

.. math::
    \dot\rho_M = -i[H_M, \rho_M] - \tfrac12\{A_M, \rho_M\}
        + \sum_{c\,\mathrm{low}} \Gamma_c O_{c,M+1}\rho_{M+1}O_{c,M+1}^\dagger
        + \sum_{c\,\mathrm{raise}} \Gamma_c O_{c,M-1}\rho_{M-1}O_{c,M-1}^\dagger,
    \qquad A_M = \sum_c \Gamma_c O_{c,M}^\dagger O_{c,M}.

Methods
-------
``"extrapolation"`` (no raising channels, H constant in each block, e.g. all omega_k equal):
M only decreases, so the implicit-Euler resolvent :math:`(1 - hJ)^{-1}` is a forward sweep from
the top block down, each block diagonal in the eigenbasis of A_M (elementwise division by
:math:`1 + h(a_i + a_j)/2`). Steps are implicit Euler extrapolated (Aitken-Neville, harmonic
substep sequence 1..p) with step-size control: every implicit-Euler step is a CPTP map (the
resolvent of a Lindbladian), so it is stable however stiff the superradiant rates
(~Gamma N^2) are. Memory O(n_blocks d^2 p), cost O(n_blocks d^3 C p) per step.

``"bdf"`` (any channels): SciPy's BDF on the sparse generator restricted to the physical block
entries (sparse LU inside), for pumped models.

The infinite-time limit :meth:`CollectiveSolver.limit` is exact for the triangular case: the
h -> infinity resolvent is the projection onto the dark (stationary) subspaces, computed in one
sweep; with raising channels it is the steady state of the sparse generator (sparse LU).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import check_real, check_times
from ..errors import InvalidParameterError, SolverError
from ..symmetry.dicke import ProductDicke
from .trajectory import SolverStats, Trajectory

__all__ = [
    "CollectiveChannel",
    "CollectiveSolver",
    "evolve_collective",
]


@dataclass(frozen=True)
class CollectiveChannel:
    r"""One collective jump :math:`\Gamma\,\mathcal D[\sum_k c_k J_\mp^k]` (core convention).

    ``coeffs`` has one entry per ensemble; ``kind`` is ``"lower"`` (J_-) or ``"raise"`` (J_+);
    ``rate`` is the core rate Gamma (a paper's gamma L[O] is Gamma = 2 gamma, see
    :func:`qbattery.models.dissipators.convert_rate`).
    """

    coeffs: tuple[complex, ...]
    kind: str
    rate: float
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("lower", "raise"):
            raise InvalidParameterError("kind", self.kind, "'lower' or 'raise'")
        object.__setattr__(self, "rate", check_real(self.rate, "rate", low=0.0))
        object.__setattr__(self, "coeffs", tuple(complex(c) for c in self.coeffs))


def _herm(x: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(x, -1, -2))


class CollectiveSolver:
    """Exact block solver for collective jumps on a product Dicke space.

    Parameters
    ----------
    space
        The :class:`ProductDicke` space.
    channels
        :class:`CollectiveChannel` objects.
    omegas
        Per-ensemble frequencies of H = sum_k omega_k J_z^k (default 0: rotating frame). Equal
        omegas drop out of block-diagonal dynamics.
    method
        ``"auto"`` (extrapolation when possible, else bdf), ``"extrapolation"`` or ``"bdf"``.
    atol
        Extrapolation: local error tolerance per step (max-abs on the block entries; floored
        at 1e-12, the rounding level of the extrapolation). BDF: absolute tolerance.
    rtol
        BDF relative tolerance.
    order
        Extrapolation order p (substep sequence 1..p).
    """

    def __init__(self, space: ProductDicke, channels: Sequence[CollectiveChannel], *,
                 omegas: Sequence[float] | None = None, method: str = "auto",
                 atol: float = 1e-12, rtol: float = 1e-10, order: int = 8) -> None:
        self.space = space
        self.channels = tuple(channels)
        for i, ch in enumerate(self.channels):
            if len(ch.coeffs) != space.K:
                raise InvalidParameterError(f"channels[{i}].coeffs", ch.coeffs,
                                            f"{space.K} coefficients")
        om = np.zeros(space.K) if omegas is None else np.asarray(omegas, dtype=np.float64)
        if om.shape != (space.K,):
            raise InvalidParameterError("omegas", omegas, f"{space.K} frequencies")
        self.omegas = om
        exc = space.excitations()
        h = np.einsum("mbk,k->mb", exc - 0.5 * np.asarray(space.sizes)[None, None, :], om)
        self._h = np.where(space.valid, h, 0.0)
        hv = np.where(space.valid, self._h, np.nan)
        with np.errstate(all="ignore"):
            spread = np.nanmax(hv, axis=1) - np.nanmin(hv, axis=1)
        self._h_block_constant = bool(np.all(np.nan_to_num(spread) <= 1e-12 * (1 + np.abs(om).max())))
        self._raising = any(ch.kind == "raise" and ch.rate > 0 for ch in self.channels)
        if method not in ("auto", "extrapolation", "bdf"):
            raise InvalidParameterError("method", method, "'auto', 'extrapolation' or 'bdf'")
        if method == "auto":
            method = "extrapolation" if (not self._raising and self._h_block_constant) else "bdf"
        if method == "extrapolation" and (self._raising or not self._h_block_constant):
            raise InvalidParameterError(
                "method", method, "'bdf' for raising channels or an H not constant in the M "
                "blocks (extrapolation needs the block-triangular structure)")
        self.method = method
        self.atol = check_real(atol, "atol", low=0.0, low_open=True)
        self.rtol = check_real(rtol, "rtol", low=0.0)
        if not 2 <= int(order) <= 16:
            raise InvalidParameterError("order", order, "an integer in 2..16")
        self.order = int(order)
        # block operators (sqrt(rate) absorbed)
        self._ops = [np.sqrt(ch.rate) * space.ladder_blocks(ch.coeffs, ch.kind)
                     for ch in self.channels if ch.rate > 0]
        self._kinds = [ch.kind for ch in self.channels if ch.rate > 0]
        A = np.zeros((space.n_blocks, space.d, space.d), dtype=np.complex128)
        for op in self._ops:
            A += _herm(op) @ op
        self._A = 0.5 * (A + _herm(A))
        self._eig = None
        self._G = None

    # ------------------------------------------------------------------ helpers
    @property
    def liouville_dim(self) -> int:
        """Number of physical block entries sum_M d_M^2."""
        return int(np.sum(self.space.block_sizes.astype(np.int64) ** 2))

    def _check_rho0(self, rho0: Any) -> np.ndarray:
        sp_ = self.space
        r = np.asarray(rho0, dtype=np.complex128)
        D = int(np.prod(sp_.full_dims))
        if r.shape == (D, D) and r.shape != (sp_.n_blocks, sp_.d, sp_.d):
            r = sp_.to_blocks(r)
        if r.shape != (sp_.n_blocks, sp_.d, sp_.d):
            raise InvalidParameterError("rho0", r.shape, f"padded blocks ({sp_.n_blocks}, "
                                        f"{sp_.d}, {sp_.d}) or a full ({D}, {D}) matrix")
        mask = sp_.valid[:, :, None] & sp_.valid[:, None, :]
        if np.abs(r[~mask]).max(initial=0.0) > 1e-12:
            raise InvalidParameterError("rho0", "blocks", "zero on unphysical padded entries")
        tr = np.einsum("mii->", r).real
        if abs(tr - 1) > 1e-10:
            raise InvalidParameterError("rho0", f"trace {tr:.3g}", "trace 1")
        return np.where(mask, r, 0.0)

    def _eops(self, e_ops: Any) -> dict[Any, np.ndarray]:
        sp_ = self.space
        if e_ops is None:
            e_ops = {f"Jz_{n}": sp_.jz_diagonal(n) for n in sp_.names}
        if isinstance(e_ops, Mapping):
            items = list(e_ops.items())
        else:
            items = list(enumerate(e_ops))
        out = {}
        for k, o in items:
            o = np.asarray(o)
            if o.shape not in ((sp_.n_blocks, sp_.d), (sp_.n_blocks, sp_.d, sp_.d)):
                raise InvalidParameterError(f"e_ops[{k!r}]", o.shape,
                                            "(n_blocks, d) diagonals or (n_blocks, d, d) blocks")
            out[k] = o
        return out

    # ------------------------------------------------------------------ eigen data
    def _eigen(self):
        if self._eig is None:
            sp_ = self.space
            A = self._A.copy()
            # unphysical entries: decouple them with a large decay (they are never populated)
            big = max(1.0, float(np.abs(A).max()))
            inv = ~sp_.valid
            idx = np.arange(sp_.d)
            A[:, idx, idx] += np.where(inv, 2.0 * big, 0.0)
            a, U = np.linalg.eigh(A)
            a = np.clip(a, 0.0, None)
            Kc = []
            for op, kind in zip(self._ops, self._kinds, strict=True):
                if kind != "lower":
                    continue
                # feed of block M from M+1 in eigen-coordinates: U_M^H O_{M+1} U_{M+1}
                K = np.zeros_like(op)
                K[:-1] = _herm(U[:-1]) @ op[1:] @ U[1:]
                Kc.append(K)
            Kst = np.stack(Kc, axis=1) if Kc else np.zeros((sp_.n_blocks, 0, sp_.d, sp_.d),
                                                            dtype=np.complex128)
            dark = a <= 1e-10 * big
            self._eig = (a, U, Kst, dark)
        return self._eig

    def _to_eig(self, x: np.ndarray) -> np.ndarray:
        _, U, _, _ = self._eigen()
        return _herm(U) @ x @ U

    def _from_eig(self, y: np.ndarray) -> np.ndarray:
        _, U, _, _ = self._eigen()
        return U @ y @ _herm(U)

    def _sweep(self, B: np.ndarray, hs: np.ndarray, top: int) -> np.ndarray:
        """Solve (1 - h_s J) Y_s = B_s for a batch s in eigen-coordinates (blocks <= top)."""
        a, _, K, _ = self._eigen()
        KH = _herm(K)
        Y = np.zeros_like(B)
        hcol = hs[:, None, None]
        nxt = None
        for M in range(top, -1, -1):
            rhs = B[:, M]
            if nxt is not None and K.shape[1]:
                # sum_c K_c y K_c^H for all s at once: (S, C, d, d) -> (S, d, d)
                F = np.matmul(np.matmul(K[M][None], nxt[:, None]), KH[M][None]).sum(axis=1)
                rhs = rhs + hcol * F
            lam = 0.5 * (a[M][:, None] + a[M][None, :])
            Y[:, M] = rhs / (1.0 + hcol * lam[None])
            nxt = Y[:, M]
        return Y

    # ------------------------------------------------------------------ sparse generator
    def generator(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """Sparse generator on the physical block entries and their flat padded indices.

        Returns ``(G, flat)`` where ``flat`` are indices into ``blocks.reshape(-1)`` (padded
        blocks of shape (n_blocks, d, d)) and ``d vec/dt = G vec`` with ``vec = blocks.ravel()
        [flat]``.
        """
        if self._G is None:
            sp_ = self.space
            nb, d = sp_.n_blocks, sp_.d
            eye = sp.identity(d, dtype=np.complex128, format="csr")
            rows = []
            for M in range(nb):
                hM = self._h[M]
                Hm = sp.diags(-1j * hM)
                AM = sp.csr_matrix(self._A[M])
                within = (sp.kron(Hm - 0.5 * AM, eye) + sp.kron(eye, (-0.5 * AM + sp.diags(1j * hM)).T))
                row = [None] * nb
                row[M] = within
                for op, kind in zip(self._ops, self._kinds, strict=True):
                    src = M + 1 if kind == "lower" else M - 1
                    if 0 <= src < nb:
                        Os = sp.csr_matrix(op[src])
                        term = sp.kron(Os, Os.conj())
                        row[src] = term if row[src] is None else row[src] + term
                rows.append(row)
            G = sp.bmat(rows, format="csr")
            mask = (sp_.valid[:, :, None] & sp_.valid[:, None, :]).reshape(-1)
            flat = np.nonzero(mask)[0]
            G = G[flat][:, flat].tocsc()
            self._G = (G, flat)
        return self._G

    # ------------------------------------------------------------------ evolution
    def run(self, rho0: Any, times: Any, e_ops: Any = None, *,
            store_states: bool = False) -> Trajectory:
        """Evolve padded blocks ``rho0`` (or a full block-diagonal matrix) over ``times``.

        ``e_ops``: ``None`` (J_z of every ensemble, keys ``"Jz_<name>"``), or a mapping/list of
        (n_blocks, d) diagonals or (n_blocks, d, d) padded block operators. States (padded
        blocks per time) only when ``store_states``; ``final_state`` holds the final padded
        blocks (n_blocks, d, d), not a full matrix.
        """
        t0 = time.perf_counter()
        x0 = self._check_rho0(rho0)
        times = check_times(times)
        eops = self._eops(e_ops)
        nt = len(times)
        expect = {k: np.zeros(nt, dtype=np.complex128) for k in eops}
        tr = np.zeros(nt, dtype=np.complex128)
        herm = np.zeros(nt)
        states = (np.zeros((nt, *x0.shape), dtype=np.complex128) if store_states else None)
        final: list[np.ndarray] = [x0]

        def emit(i: int, x: np.ndarray) -> None:
            for k, o in eops.items():
                expect[k][i] = _trace_prod(o, x)
            tr[i] = np.einsum("mii->", x)
            herm[i] = np.max(np.abs(x - _herm(x)))
            if states is not None:
                states[i] = x
            final[0] = x

        emit(0, x0)
        if self.method == "extrapolation":
            counters = self._run_extrapolation(x0, times, emit)
        else:
            counters = self._run_bdf(x0, times, emit)
        expect_out = {k: (v.real.copy() if _is_herm(eops[k]) else v) for k, v in expect.items()}
        stats = SolverStats(
            method=f"collective_{self.method}",
            options={"atol": self.atol, "rtol": self.rtol, "order": self.order},
            auto=False, n_steps=counters["n_steps"], n_matvec=counters["n_solves"], n_expm=0,
            wall_time=time.perf_counter() - t0, liouville_dim=self.liouville_dim,
            max_trace_error=float(np.max(np.abs(tr - 1))),
            max_hermiticity_error=float(np.max(herm)))
        return Trajectory(times=times, states=states, expect=expect_out,
                          final_state=final[0].copy(), stats=stats, dims=self.space.full_dims)

    def _run_extrapolation(self, x0: np.ndarray, times: np.ndarray, emit) -> dict[str, int]:
        sp_ = self.space
        nz = np.nonzero(np.abs(np.einsum("mii->m", x0)) > 0)[0]
        top = int(nz.max()) if nz.size else 0
        y = self._to_eig(x0)
        p = self.order
        # the extrapolation amplifies rounding to ~1e-13 on O(1) entries: floor the tolerance
        tol = max(self.atol, 1e-12)
        nseq = np.arange(1, p + 1, dtype=np.float64)
        a = self._eigen()[0]
        rate_max = max(float(a[: top + 1].max()), 1e-300)
        h = 1e-3 / rate_max
        mask = sp_.valid[:, :, None] & sp_.valid[:, None, :]
        t = float(times[0])
        n_steps = n_solves = 0
        for i in range(1, len(times)):
            while t < times[i]:
                hh = min(h, times[i] - t)
                last = hh >= times[i] - t
                # lockstep implicit-Euler substeps of all sequences
                Ys = np.broadcast_to(y[: top + 1], (p, top + 1, *y.shape[1:])).copy()
                for k in range(1, p + 1):
                    act = slice(k - 1, p)
                    Ys[act] = self._sweep(Ys[act], hh / nseq[k - 1:], top)
                    n_solves += 1
                # Aitken-Neville extrapolation to h -> 0 (error expansion in powers of h)
                T = [Ys[0]]
                for k in range(1, p):
                    row = [Ys[k]]
                    for j in range(1, k + 1):
                        row.append(row[j - 1] + (row[j - 1] - T[j - 1])
                                   / (nseq[k] / nseq[k - j] - 1.0))
                    T = row
                err = float(np.max(np.abs(T[-1] - T[-2]))) if p > 1 else 0.0
                n_steps += 1
                fac = 0.9 * (tol / max(err, 1e-300)) ** (1.0 / (p - 1))
                if err <= tol:
                    y[: top + 1] = T[-1]
                    t = times[i] if last else t + hh
                    if not (last and hh < h):  # a step cut to hit an output time keeps h
                        h = hh * min(4.0, max(0.2, fac))
                else:
                    h = hh * min(0.9, max(0.1, fac))
                if h < 1e-14 * max(1.0, abs(t)) / rate_max:
                    raise SolverError(f"collective extrapolation: step size underflow at t={t:g}")
            emit(i, np.where(mask, self._from_eig(y), 0.0))
        return {"n_steps": n_steps, "n_solves": n_solves}

    def _run_bdf(self, x0: np.ndarray, times: np.ndarray, emit) -> dict[str, int]:
        from scipy.integrate import solve_ivp

        sp_ = self.space
        G, flat = self.generator()
        v0 = x0.reshape(-1)[flat]
        if len(times) == 1:
            vs = v0[:, None]
            nfev = 0
        else:
            sol = solve_ivp(lambda t, v: G @ v, (times[0], times[-1]), v0, method="BDF",
                            t_eval=times, jac=G, rtol=self.rtol, atol=self.atol)
            if not sol.success:
                raise SolverError(f"collective BDF failed: {sol.message}")
            vs, nfev = sol.y, sol.nfev
        buf = np.zeros(sp_.n_blocks * sp_.d * sp_.d, dtype=np.complex128)
        for i in range(1, len(times)):
            buf[flat] = vs[:, i]
            emit(i, buf.reshape(sp_.n_blocks, sp_.d, sp_.d).copy())
        return {"n_steps": int(nfev), "n_solves": int(nfev)}

    # ------------------------------------------------------------------ t -> infinity
    def limit(self, rho0: Any) -> np.ndarray:
        """The t -> infinity state (padded blocks) reached from ``rho0``.

        Without raising channels (block-triangular generator): the h -> infinity resolvent,
        i.e. the spectral projection onto the stationary (dark) subspaces, in one exact sweep:
        bright elements of block M are Z_M = (b_M + G_M) / lambda (their 1/h coefficient),
        dark-dark elements Y_M = b_M + G_M, with G_M = sum_c K_c Z_{M+1} K_c^H. With raising
        channels: the steady state of the sparse generator (assumed unique; checked by the
        residual).
        """
        x0 = self._check_rho0(rho0)
        sp_ = self.space
        if self._raising or not self._h_block_constant:
            return self._steady_sparse()
        a, _, K, dark = self._eigen()
        b = self._to_eig(x0)
        KH = _herm(K)
        Y = np.zeros_like(b)
        Znext = None
        for M in range(sp_.n_blocks - 1, -1, -1):
            g = b[M].copy()
            if Znext is not None and K.shape[1]:
                g += np.matmul(np.matmul(K[M], Znext[None]), KH[M]).sum(axis=0)
            dd = dark[M][:, None] & dark[M][None, :]
            lam = 0.5 * (a[M][:, None] + a[M][None, :])
            Z = np.where(dd, 0.0, g / np.where(dd, 1.0, lam))
            Y[M] = np.where(dd, g, 0.0)
            Znext = Z
        x = self._from_eig(Y)
        mask = sp_.valid[:, :, None] & sp_.valid[:, None, :]
        return np.where(mask, x, 0.0)

    def _steady_sparse(self) -> np.ndarray:
        from scipy.sparse.linalg import splu

        sp_ = self.space
        G, flat = self.generator()
        n = G.shape[0]
        blocks_idx = np.unravel_index(flat, (sp_.n_blocks, sp_.d, sp_.d))
        trace_row = (blocks_idx[1] == blocks_idx[2]).astype(np.complex128)
        w = float(abs(G).max())
        A = G.tolil()
        A[0, :] = w * trace_row
        rhs = np.zeros(n, dtype=np.complex128)
        rhs[0] = w
        v = splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A").solve(rhs)
        res = np.linalg.norm(G @ v)
        if res > 1e-8 * w:
            raise SolverError(f"collective steady state: residual {res:.3g} (degenerate kernel?)")
        out = np.zeros(sp_.n_blocks * sp_.d * sp_.d, dtype=np.complex128)
        out[flat] = v
        return out.reshape(sp_.n_blocks, sp_.d, sp_.d)

    def expect(self, blocks: np.ndarray, e_ops: Any = None) -> dict[Any, float]:
        """Expectation values of ``e_ops`` (as in :meth:`run`) in padded ``blocks``."""
        return {k: _trace_prod(o, blocks).real if _is_herm(o) else _trace_prod(o, blocks)
                for k, o in self._eops(e_ops).items()}


def _trace_prod(o: np.ndarray, x: np.ndarray) -> complex:
    """sum_M Tr(O_M x_M) for (n_blocks, d) diagonals or (n_blocks, d, d) blocks."""
    if o.ndim == 2:
        return complex(np.einsum("mb,mbb->", o, x))
    return complex(np.einsum("mij,mji->", o, x))


def _is_herm(o: np.ndarray) -> bool:
    if o.ndim == 2:
        return bool(np.all(np.isreal(o)))
    return bool(np.max(np.abs(o - _herm(o)), initial=0.0) <= 1e-12 * max(1.0, np.abs(o).max()))


def evolve_collective(space: ProductDicke, channels: Sequence[CollectiveChannel], rho0: Any,
                      times: Any, e_ops: Any = None, *, omegas: Sequence[float] | None = None,
                      method: str = "auto", store_states: bool = False,
                      **options: Any) -> Trajectory:
    """One-call form of :class:`CollectiveSolver` ``(space, channels, ...).run(rho0, times)``."""
    return CollectiveSolver(space, channels, omegas=omegas, method=method, **options).run(
        rho0, times, e_ops, store_states=store_states)
