r"""Coherence-order sectors of U(1)-covariant (phase-covariant) Lindbladians.

Let :math:`N` be an excitation-number operator, diagonal in the computational basis with integer
eigenvalues :math:`n_i` (the *labels*; for a product space in qbattery's convention, where the
basis index counts excitations, :math:`n_i` is the sum of the subsystem indices,
:func:`excitation_labels`). A Lindbladian :math:`\mathcal L` is **phase covariant** when

.. math:: \mathcal L(e^{-i\phi N}\rho\,e^{i\phi N}) = e^{-i\phi N}\mathcal L(\rho)\,e^{i\phi N}
          \quad\forall\phi \iff [\mathcal L, \mathcal N] = 0,\quad \mathcal N\rho = [N, \rho].

The element :math:`\rho_{ij}` is an eigenvector of :math:`\mathcal N` with eigenvalue
:math:`k = n_i - n_j`, its **coherence order**, so :math:`\mathcal L` is block diagonal: the
sector :math:`S_k = \{(i, j): n_i - n_j = k\}` evolves on its own,
:math:`\dot\rho_{S_k} = \mathcal L_k\rho_{S_k}`. Sector 0 holds the populations (and the
coherences between states of equal excitation number); for a single mode it is exactly the
diagonal, a classical rate equation of size ``cutoff`` instead of a Liouvillian of size
``cutoff**2``. A Fock-diagonal state stays diagonal.

Covariance is checked, not assumed: either from the operators (sufficient: :math:`H` commutes
with :math:`N`, and each jump operator changes :math:`N` by one fixed amount, see
:func:`operator_order`), or, when an operator is not homogeneous, on the assembled Liouvillian
(:func:`covariance_violation`; e.g. :math:`\mathcal D[b+b^\dagger] + \mathcal D[b-b^\dagger] =
2\mathcal D[b] + 2\mathcal D[b^\dagger]` is covariant though its operators are not). Pass
``assume_covariant=True`` to skip the check.

Each block is propagated exactly: when :math:`\mathcal L_k - i c\,I` is Hermitian for a real
``c`` (true for detailed-balance-free birth-death chains such as balanced gain and loss, and for
any sector of a model whose Hamiltonian is :math:`\omega N`), by one Hermitian eigendecomposition
(``"eigh"``, reused for every time and every initial state); otherwise by the methods of
:mod:`qbattery.dynamics.methods` (dense propagator or Krylov ``expm_multiply``).

Vectorisation is row-major as everywhere in qbattery: element :math:`(i, j)` has flat index
``i * D + j``; inside a sector the elements keep that order.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import (
    POSITIVITY_ATOL,
    TRACE_ATOL,
    as_density_matrix,
    as_hermitian,
    as_operator,
    check_dims,
    check_times,
    hermiticity_error,
)
from ..dynamics.methods import Method, make_method
from ..dynamics.trajectory import SolverStats, Trajectory, expect_items
from ..errors import DimensionError, InvalidParameterError, TruncationWarning
from ..models.open_system import OpenSystem

__all__ = [
    "CoherenceSectors",
    "SectorTrajectory",
    "check_covariance",
    "coherence_orders",
    "covariance_violation",
    "evolve_sectors",
    "excitation_labels",
    "operator_order",
    "present_orders",
    "sector_block",
    "sector_indices",
]

#: Relative tolerance (to max |entry|) under which an operator or Liouvillian entry counts as 0
#: in the covariance checks.
COVARIANCE_RTOL = 1e-12
#: Relative tolerance of the Hermiticity test that selects the eigendecomposition path.
HERMITIAN_BLOCK_RTOL = 1e-13
#: Largest sector block diagonalised densely by ``method="auto"`` (a 4000 x 4000 eigh takes
#: ~30 s; beyond that Krylov is cheaper for a single run).
EIGH_MAX = 2500


# ------------------------------------------------------------------------------ labels
def excitation_labels(dims: Sequence[int] | int, per_site: Sequence[Sequence[int]] | None = None
                      ) -> np.ndarray:
    """Excitation number of every basis state of a product space with ``dims``.

    Default: the basis index of each subsystem counts its excitations (qbattery's convention:
    Fock level n, qubit ``|e> = |1>``, Dicke index m + j), so the label of a product state is
    the sum of its indices. ``per_site`` gives other per-subsystem labels (one integer sequence
    per subsystem). Returns an int64 array of length prod(dims), in Kronecker order.
    """
    dims = check_dims(dims)
    if per_site is None:
        per_site = [np.arange(d) for d in dims]
    elif len(per_site) != len(dims):
        raise InvalidParameterError("per_site", per_site, f"{len(dims)} label sequences, one per "
                                    "subsystem")
    out = np.zeros(1, dtype=np.int64)
    for i, (d, lab) in enumerate(zip(dims, per_site, strict=True)):
        lab = _int_labels(lab, f"per_site[{i}]")
        if lab.size != d:
            raise DimensionError(f"per_site[{i}]", lab, f"{d} labels for a subsystem of dimension {d}")
        out = (out[:, None] + lab[None, :]).reshape(-1)
    return out


def _int_labels(labels: Any, name: str) -> np.ndarray:
    try:
        lab = np.asarray(labels, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, labels, "a sequence of integer excitation numbers") from exc
    if lab.size == 0 or not np.all(np.isfinite(lab)) or not np.all(lab == np.round(lab)):
        raise InvalidParameterError(name, labels, "a non-empty sequence of integer excitation "
                                    "numbers")
    return lab.astype(np.int64)


def coherence_orders(labels: Any) -> np.ndarray:
    """The (D, D) integer matrix of coherence orders ``n_i - n_j``."""
    lab = _int_labels(labels, "labels")
    return lab[:, None] - lab[None, :]


def sector_indices(labels: Any, k: int) -> np.ndarray:
    """Row-major flat indices ``i * D + j`` of the elements with ``n_i - n_j = k`` (ascending)."""
    return np.flatnonzero(coherence_orders(labels).reshape(-1) == int(k))


def present_orders(rho: Any, labels: Any, *, atol: float = 0.0) -> tuple[int, ...]:
    """Coherence orders k for which some element of ``rho`` with ``n_i - n_j = k`` has
    ``|rho_ij| > atol`` (sorted)."""
    rho = np.asarray(rho)
    orders = coherence_orders(labels)
    if rho.shape[-2:] != orders.shape:
        raise DimensionError("rho", rho, f"shape {orders.shape} to match the labels")
    mask = np.abs(rho) > atol
    return tuple(int(k) for k in np.unique(orders[mask])) if mask.any() else (0,)


def operator_order(A: Any, labels: Any, *, rtol: float = COVARIANCE_RTOL) -> int | None:
    """The fixed change of excitation number of an operator, or ``None`` if it has none.

    Returns d such that ``A_ij = 0`` unless ``n_i - n_j = d`` (entries below ``rtol * max|A|``
    count as 0): ``b`` has d = -1, ``b^dag`` +1, a number-conserving Hamiltonian 0. The zero
    operator returns 0.
    """
    lab = _int_labels(labels, "labels")
    A = sp.coo_matrix(as_operator(A, "A", dim=lab.size))
    if A.nnz == 0:
        return 0
    mag = np.abs(A.data)
    keep = mag > rtol * mag.max()
    d = np.unique(lab[A.row[keep]] - lab[A.col[keep]])
    return int(d[0]) if d.size == 1 else None


def covariance_violation(L: Any, labels: Any) -> float:
    """Largest ``|L_{(ij),(ab)}|`` coupling elements of different coherence order, relative to
    ``max |L|`` (0 for a covariant Liouvillian; row-major vectorisation)."""
    lab = _int_labels(labels, "labels")
    D = lab.size
    Lc = sp.coo_matrix(as_operator(L, "L", dim=D * D))
    if Lc.nnz == 0:
        return 0.0
    ordr = lab[Lc.row // D] - lab[Lc.row % D]
    ordc = lab[Lc.col // D] - lab[Lc.col % D]
    bad = ordr != ordc
    mag = np.abs(Lc.data)
    return float(mag[bad].max() / mag.max()) if bad.any() else 0.0


def check_covariance(L: Any, labels: Any, *, rtol: float = COVARIANCE_RTOL, name: str = "L") -> None:
    """Raise :class:`~qbattery.errors.InvalidParameterError` unless the Liouvillian ``L``
    commutes with the excitation-number superoperator (to ``rtol``)."""
    v = covariance_violation(L, labels)
    if v > rtol:
        raise InvalidParameterError(name, L, "a U(1)-covariant Liouvillian (no coupling between "
                                    "coherence orders)", f"relative violation {v:.3g}")


def sector_block(L: Any, labels: Any, k: int) -> sp.csr_matrix:
    """The block of a (covariant) Liouvillian acting on coherence order ``k`` (CSR)."""
    lab = _int_labels(labels, "labels")
    Lc = sp.csr_matrix(as_operator(L, "L", dim=lab.size ** 2))
    idx = sector_indices(lab, k)
    return Lc[idx][:, idx].tocsr()


# ------------------------------------------------------------------------------ layout
class _Layout:
    """Flat indices of each coherence order, built lazily (work and memory O(m_k), never D^2)."""

    def __init__(self, labels: np.ndarray) -> None:
        self.D = labels.size
        self.labels = labels
        self._order = np.argsort(labels, kind="stable")
        self._sorted = labels[self._order]
        u = np.unique(labels)
        self.orders = tuple(int(k) for k in np.unique(u[:, None] - u[None, :]))
        self._index: dict[int, np.ndarray] = {}

    def __contains__(self, k: int) -> bool:
        return int(k) in set(self.orders)

    def index(self, k: int) -> np.ndarray:
        """Ascending flat indices i * D + j of the elements with n_i - n_j = k."""
        k = int(k)
        if k not in self._index:
            target = self.labels - k
            lo = np.searchsorted(self._sorted, target, side="left")
            hi = np.searchsorted(self._sorted, target, side="right")
            cnt = hi - lo
            rows = np.repeat(np.arange(self.D), cnt)
            start = np.cumsum(cnt) - cnt
            within = np.arange(int(cnt.sum())) - np.repeat(start, cnt) + np.repeat(lo, cnt)
            # stable argsort keeps equal labels in ascending index order: j ascends within a row
            cols = self._order[within]
            self._index[k] = rows * self.D + cols
        return self._index[k]

    def size(self, k: int) -> int:
        return int(self.index(k).size) if k in self else 0

    def positions(self, k: int, flat: np.ndarray) -> np.ndarray:
        """Positions inside sector k of flat indices known to belong to it."""
        return np.searchsorted(self.index(k), flat)

    def diag_positions(self) -> np.ndarray:
        """Positions of the diagonal elements inside sector 0."""
        return self.positions(0, np.arange(self.D) * (self.D + 1))

    def transpose_positions(self, k: int) -> np.ndarray:
        """For each element (i, j) of sector k, the position of (j, i) in sector -k."""
        i, j = np.divmod(self.index(k), self.D)
        return self.positions(-k, j * self.D + i)


def _coo(A) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = sp.coo_matrix(A)
    return c.row.astype(np.int64), c.col.astype(np.int64), c.data.astype(np.complex128)


def _term_entries(A, B, coeff: complex, labels: np.ndarray, k: int):
    """Rows (i, j), columns (a, b) and values of rho -> coeff A rho B restricted to rows of order k.

    Entry coeff * A_ia * B_bj; the pairs with n_i - n_j = k are found by grouping B's entries by
    n_j (searchsorted), so the work is proportional to the block's entries, not to D^2.
    """
    iA, aA, vA = _coo(A)
    bB, jB, vB = _coo(B)
    if vA.size == 0 or vB.size == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e, np.zeros(0, dtype=np.complex128)
    lj = labels[jB]
    order = np.argsort(lj, kind="stable")
    slj = lj[order]
    target = labels[iA] - k
    lo = np.searchsorted(slj, target, side="left")
    hi = np.searchsorted(slj, target, side="right")
    cnt = hi - lo
    total = int(cnt.sum())
    rep = np.repeat(np.arange(iA.size), cnt)
    start = np.cumsum(cnt) - cnt
    within = np.arange(total) - np.repeat(start, cnt) + np.repeat(lo, cnt)
    sel = order[within]
    return iA[rep], jB[sel], aA[rep], bB[sel], coeff * vA[rep] * vB[sel]


def _dag(A):
    return A.conj().T.tocsr() if sp.issparse(A) else np.ascontiguousarray(A.conj().T)


# ------------------------------------------------------------------------------ results
def _readonly(a):
    if isinstance(a, np.ndarray):
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class SectorTrajectory(Trajectory):
    """A :class:`~qbattery.dynamics.Trajectory` computed sector by sector.

    Besides the fields of ``Trajectory`` (``states`` is ``None`` unless stored):

    Attributes
    ----------
    labels
        (D,) excitation numbers of the basis states.
    sectors
        Read-only mapping k -> (nt, m_k) complex array: the elements of order k at every output
        time, in row-major order of their flat indices (``sector_index[k]``). Orders absent from
        rho0 are absent here (they stay 0).
    sector_index
        k -> (m_k,) flat indices ``i * D + j`` of the elements of order k.
    """

    labels: np.ndarray | None = None
    sectors: Mapping[int, np.ndarray] = field(default_factory=dict)
    sector_index: Mapping[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        _readonly(self.labels)
        for v in self.sectors.values():
            _readonly(v)
        for v in self.sector_index.values():
            _readonly(v)
        from types import MappingProxyType

        object.__setattr__(self, "sectors", MappingProxyType(dict(self.sectors)))
        object.__setattr__(self, "sector_index", MappingProxyType(dict(self.sector_index)))

    @property
    def dim(self) -> int:
        return self.final_state.shape[0]

    @property
    def orders(self) -> tuple[int, ...]:
        """The coherence orders carried (present in rho0)."""
        return tuple(sorted(self.sectors))

    @property
    def populations(self) -> np.ndarray:
        """(nt, D) float64 diagonal of the state at every output time (no full matrices built)."""
        D = self.dim
        if 0 not in self.sectors:  # order 0 was not evolved: the populations were set to 0
            return np.zeros((len(self.times), D))
        diag = np.arange(D) * (D + 1)
        pos = np.searchsorted(self.sector_index[0], diag)
        return np.ascontiguousarray(self.sectors[0][:, pos].real)

    def state(self, i: int) -> np.ndarray:
        """The full (D, D) density matrix at output index ``i``."""
        D = self.dim
        flat = np.zeros(D * D, dtype=np.complex128)
        for k, vals in self.sectors.items():
            flat[self.sector_index[k]] = vals[i]
        return flat.reshape(D, D)

    def iter_states(self):
        """Yield the full density matrices one output time at a time (memory D^2)."""
        for i in range(len(self.times)):
            yield self.state(i)

    def all_states(self) -> np.ndarray:
        """(nt, D, D) array of all states (the stored ones if available)."""
        if self.states is not None:
            return self.states
        return np.stack([self.state(i) for i in range(len(self.times))])


# ------------------------------------------------------------------------------ solver
def _as_state(rho0: Any, D: int) -> np.ndarray:
    """Validated initial state; a diagonal matrix is checked without diagonalising it."""
    if isinstance(rho0, np.ndarray) and rho0.shape == (D, D) and rho0.dtype.kind in "fc":
        p = np.diagonal(rho0)
        if not np.any(rho0 - np.diag(p)) and np.all(np.isfinite(p)) and not np.any(np.imag(p)):
            pr = np.real(p)
            if pr.min() >= -POSITIVITY_ATOL and abs(pr.sum() - 1.0) <= TRACE_ATOL:
                return rho0.astype(np.complex128)
    return as_density_matrix(rho0, "rho0", dim=D)


def _is_operator(x: Any) -> bool:
    return sp.issparse(x) or type(x).__name__ == "Qobj" or (isinstance(x, np.ndarray) and x.ndim == 2)


class CoherenceSectors:
    """Reusable solver of a U(1)-covariant Lindbladian, sector by sector.

    Parameters
    ----------
    H
        Hamiltonian (array, sparse or ``Qobj``) or an :class:`~qbattery.OpenSystem` (then
        ``c_ops`` must be ``None``; its truncated subsystems are monitored).
    c_ops
        Collapse operators :math:`\\sqrt{\\gamma_k}L_k`.
    labels
        Excitation number of each basis state (default: :func:`excitation_labels` of the
        model's dims, i.e. the sum of subsystem indices).
    assume_covariant
        Skip the covariance check (the caller guarantees it).
    method
        ``"auto"`` (default: ``"eigh"`` for blocks that are Hermitian up to ``i c I``, else the
        dynamics ``Auto``), ``"eigh"``, or any method of :mod:`qbattery.dynamics.methods`
        (``"propagator"``, ``"krylov"``, ``"ode"`` or an instance).
    **options
        Options of the dynamics method (unknown names raise).
    """

    def __init__(self, H: Any, c_ops: Any = None, *, labels: Any = None,
                 assume_covariant: bool = False, method: str | Method = "auto",
                 **options: Any) -> None:
        if isinstance(H, OpenSystem):
            if c_ops is not None:
                raise InvalidParameterError("c_ops", c_ops, "None when H is an OpenSystem (its "
                                            "channels are used)")
            self.model: OpenSystem | None = H
            Hm, ops, dims = H.H, list(H.c_ops), tuple(H.dims)
        else:
            self.model = None
            Hm = as_hermitian(H, "H")
            if c_ops is None:
                ops = []
            elif _is_operator(c_ops):
                ops = [c_ops]
            elif isinstance(c_ops, Sequence) and not isinstance(c_ops, str):
                ops = list(c_ops)
            else:
                raise InvalidParameterError("c_ops", c_ops, "a list of collapse operators (or None)")
            ops = [as_operator(c, f"c_ops[{i}]", dim=Hm.shape[0]) for i, c in enumerate(ops)]
            dims = (Hm.shape[0],)
        self.dims = dims
        D = Hm.shape[0]
        self.dim = D
        lab = excitation_labels(dims) if labels is None else _int_labels(labels, "labels")
        if lab.size != D:
            raise DimensionError("labels", lab, f"{D} labels, one per basis state")
        self.labels = lab
        self.method_name, self._method = self._parse_method(method, options)
        self._layout = _Layout(lab)
        self._terms = self._build_terms(Hm, ops)
        self._full_L = None
        self.homogeneous = True
        if not assume_covariant:
            self._check(Hm, ops)
        self._blocks: dict[int, sp.csr_matrix] = {}
        self._eig: dict[int, Any] = {}
        self._caches: dict[int, dict] = {}

    # ----------------------------------------------------------------- construction
    @staticmethod
    def _parse_method(method: Any, options: Mapping[str, Any]) -> tuple[str, Method | None]:
        if isinstance(method, str) and method.lower() in ("auto", "eigh"):
            if options:
                key = next(iter(options))
                raise InvalidParameterError(key, options[key], f"no option for method "
                                            f"'{method.lower()}' (options belong to the dynamics "
                                            "methods 'propagator', 'krylov', 'ode')")
            return method.lower(), None
        m = make_method(method, **options)
        return m.name, m

    def _build_terms(self, Hm, ops) -> list[tuple[Any, Any, complex]]:
        D = self.dim
        eye = sp.identity(D, dtype=np.complex128, format="csr")
        Hs = sp.csr_matrix(Hm, dtype=np.complex128)
        terms: list[tuple[Any, Any, complex]] = [(Hs, eye, -1j), (eye, Hs, 1j)]
        for L in ops:
            Ls = sp.csr_matrix(L, dtype=np.complex128)
            Ld = _dag(Ls)
            LdL = (Ld @ Ls).tocsr()
            terms += [(Ls, Ld, 1.0), (LdL, eye, -0.5), (eye, LdL, -0.5)]
        return terms

    def _check(self, Hm, ops) -> None:
        bad = operator_order(Hm, self.labels) != 0 or any(
            operator_order(L, self.labels) is None for L in ops)
        if not bad:
            return
        # An inhomogeneous operator can still give a covariant sum: check the Liouvillian itself.
        from ..quantum.superoperators import liouvillian

        L = liouvillian(Hm, ops)
        v = covariance_violation(L, self.labels)
        if v > COVARIANCE_RTOL:
            raise InvalidParameterError(
                "H", Hm, "a U(1)-covariant model: H commuting with the excitation number and a "
                "Liouvillian that does not couple coherence orders",
                f"relative violation {v:.3g}; pass labels=... or use qbattery.dynamics.evolve")
        self._full_L = L.tocsr()
        self.homogeneous = False

    @property
    def orders(self) -> tuple[int, ...]:
        """All coherence orders of the space."""
        return self._layout.orders

    def sector_size(self, k: int) -> int:
        """Number of elements of order k."""
        return self._layout.size(k)

    def indices(self, k: int) -> np.ndarray:
        """Row-major flat indices of the elements of order k."""
        self._require(k)
        return self._layout.index(k)

    def _require(self, k: int) -> None:
        if int(k) not in self._layout:
            raise InvalidParameterError("k", k, f"a coherence order of this space, one of "
                                        f"{self.orders[0]}..{self.orders[-1]}")

    def block(self, k: int) -> sp.csr_matrix:
        """The generator of order k (CSR, size m_k x m_k), built once and cached."""
        k = int(k)
        self._require(k)
        if k in self._blocks:
            return self._blocks[k]
        if self._full_L is not None:
            idx = self._layout.index(k)
            B = self._full_L[idx][:, idx].tocsr()
        else:
            rows, cols, vals = [], [], []
            lay = self._layout
            D = self.dim
            for A, Bm, c in self._terms:
                i, j, a, b, v = _term_entries(A, Bm, c, self.labels, k)
                rows.append(lay.positions(k, i * D + j))
                col_flat = a * D + b
                col = lay.positions(k, col_flat)
                idx = lay.index(k)
                if col.size and not np.array_equal(idx[np.minimum(col, idx.size - 1)], col_flat):
                    raise InvalidParameterError(
                        "assume_covariant", True, "a U(1)-covariant model", f"the generator "
                        f"couples coherence order {k} to others")
                cols.append(col)
                vals.append(v)
            m = self._layout.size(k)
            B = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                              shape=(m, m))
            B.sum_duplicates()
            B.eliminate_zeros()
        self._blocks[k] = B
        return B

    def liouvillian(self):
        """The full sparse Liouvillian (row-major), assembled from the sector blocks."""
        D = self.dim
        rows, cols, vals = [], [], []
        for k in self._layout.orders:
            idx = self._layout.index(k)
            c = self.block(k).tocoo()
            rows.append(idx[c.row])
            cols.append(idx[c.col])
            vals.append(c.data)
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(D * D, D * D))

    # ----------------------------------------------------------------- propagation
    def _hermitian_shift(self, B: sp.csr_matrix) -> complex | None:
        """c (purely imaginary) such that B - c I is Hermitian, or None."""
        m = B.shape[0]
        if m == 0:
            return 0.0
        shift = 1j * float(np.mean(B.diagonal().imag))
        Bs = B - shift * sp.identity(m, format="csr")
        d = Bs - Bs.conj().T
        scale = float(abs(B).max()) if B.nnz else 0.0
        err = float(abs(d).max()) if d.nnz else 0.0
        return shift if err <= HERMITIAN_BLOCK_RTOL * max(scale, 1e-300) else None

    def block_method(self, k: int) -> str:
        """The method used for order k (``"eigh"`` or the dynamics method's name)."""
        if self._method is not None:
            return self._method.name
        B = self.block(k)
        herm = self._hermitian_shift(B) is not None
        if self.method_name == "eigh":
            if not herm:
                raise InvalidParameterError("method", "eigh", "Hermitian sector blocks (up to i c "
                                            f"I); order {k} is not: use method='auto' or 'krylov'")
            return "eigh"
        if herm and B.shape[0] <= EIGH_MAX:
            return "eigh"
        return make_method("auto").resolve(B.shape[0], np.array([0.0, 1.0])).name

    def _propagate(self, k: int, v0: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, dict]:
        B = self.block(k)
        m = B.shape[0]
        name = self.block_method(k)
        counters: dict[str, Any] = {"n_expm": 0, "n_steps": 0, "method": name}
        if name == "eigh":
            if k not in self._eig:
                shift = self._hermitian_shift(B)
                Bs = (B - shift * sp.identity(m, format="csr")).tocoo()
                band = int(np.max(np.abs(Bs.row - Bs.col), initial=0))
                if band <= 1 and m > 1 and not np.any(Bs.data.imag):
                    # real symmetric tridiagonal (a birth-death rate equation): O(m^2) solver
                    from scipy.linalg import eigh_tridiagonal

                    Bd = Bs.tocsr()
                    w, V = eigh_tridiagonal(Bd.diagonal().real, Bd.diagonal(1).real)
                else:
                    Bh = Bs.toarray()
                    w, V = np.linalg.eigh(0.5 * (Bh + Bh.conj().T))
                self._eig[k] = (w + shift, V)
                counters["n_expm"] = 1
            lam, V = self._eig[k]
            dt = times - times[0]
            if not np.iscomplexobj(V) and not np.any(np.imag(lam)) and not np.any(v0.imag):
                # real symmetric block and real data (e.g. populations): real arithmetic, 4x cheaper
                c = V.T @ v0.real
                out = (V @ (np.exp(np.outer(lam.real, dt)) * c[:, None])).T.astype(np.complex128)
            else:
                c = V.conj().T @ v0
                # exp(lambda dt): Re(lambda) <= 0 for a generator, so nothing overflows
                out = (V @ (np.exp(np.outer(lam, dt)) * c[:, None])).T
            counters["n_steps"] = 1
            return np.ascontiguousarray(out), counters
        method = self._method if self._method is not None else make_method("auto")
        if hasattr(method, "resolve"):  # Auto: the concrete method for this block and grid
            method = method.resolve(m, times)
        counters["method"] = method.name
        out = np.empty((len(times), m), dtype=np.complex128)

        def emit(k0: int, block: np.ndarray) -> None:
            out[k0:k0 + block.shape[0]] = block

        cache = self._caches.setdefault(k, {})
        c = method.propagate(B, np.ascontiguousarray(v0, dtype=np.complex128), times, emit, cache,
                             hermitian=False)
        counters.update({key: v for key, v in c.items() if v is not None})
        return out, counters

    def propagate(self, k: int, v0: Any, times: Any) -> np.ndarray:
        """Evolve a raw vector of order-k elements (in the order of :meth:`indices`) to ``times``.

        Returns (nt, m_k). No state validation and no diagnostics: the building block of
        :meth:`run`, for callers that evaluate the dynamics many times (e.g. root finding).
        """
        self._require(k)
        times = check_times(times, "times")
        v0 = np.asarray(v0, dtype=np.complex128).reshape(-1)
        if v0.size != self._layout.size(k):
            raise DimensionError("v0", v0, f"{self._layout.size(k)} elements of order {k}")
        return self._propagate(int(k), v0, times)[0]

    def run(self, rho0: Any, times: Any, e_ops: Any = None, *, orders: Sequence[int] | None = None,
            store_states: bool | None = None) -> SectorTrajectory:
        """Evolve ``rho0`` from ``times[0]`` through the coherence orders it contains.

        Parameters
        ----------
        rho0
            Initial density matrix or normalised ket.
        times
            Strictly increasing output times.
        e_ops
            ``{name: operator or f(t, rho)}``, a list of them, or ``None`` (as in
            :func:`~qbattery.dynamics.evolve`). Operators are evaluated from the sectors without
            building full matrices; callables receive the assembled state.
        orders
            Orders to evolve (default: those with a nonzero element in rho0). Orders not listed
            are set to 0, so ``orders=[0]`` gives the dephased dynamics of the populations.
        store_states
            Keep the full (nt, D, D) states; default: only when no ``e_ops`` are given. For large
            D pass False and read :attr:`SectorTrajectory.populations` / ``sectors``.
        """
        t_start = time.perf_counter()
        D = self.dim
        rho0 = _as_state(rho0, D)
        times = check_times(times, "times")
        if store_states is not None and not isinstance(store_states, (bool, np.bool_)):
            raise InvalidParameterError("store_states", store_states, "True, False or None")
        items = expect_items(e_ops)
        keep = (not items) if store_states is None else bool(store_states)
        lay = self._layout
        if orders is None:
            wanted = present_orders(rho0, self.labels)
        else:
            if isinstance(orders, (int, np.integer)):
                orders = [orders]
            wanted = tuple(sorted({int(k) for k in orders}))
            for k in wanted:
                self._require(k)
        flat0 = rho0.reshape(-1)
        # L preserves Hermiticity and rho0 is Hermitian: order -k is the conjugate transpose of
        # order k, so only k >= 0 is propagated.
        herm = self._full_L is None or _preserves_hermiticity(self._full_L)
        to_run = sorted({abs(k) for k in wanted}) if herm else list(wanted)
        sectors: dict[int, np.ndarray] = {}
        n_expm, n_steps, used = 0, 0, []
        for k in to_run:
            v0 = flat0[lay.index(k)]
            out, cnt = self._propagate(k, v0, times)
            n_expm += int(cnt.get("n_expm", 0) or 0)
            n_steps += int(cnt.get("n_steps", 0) or 0)
            used.append(f"{k}:{cnt['method']}")
            sectors[k] = out
        if herm:
            for k in [k for k in wanted if k < 0]:
                sectors[k] = np.ascontiguousarray(sectors[-k][:, lay.transpose_positions(k)].conj())
            for k in [k for k in list(sectors) if k not in wanted]:
                del sectors[k]
        index = {k: lay.index(k) for k in sectors}
        nt = len(times)

        def assemble(i: int) -> np.ndarray:
            flat = np.zeros(D * D, dtype=np.complex128)
            for k, vals in sectors.items():
                flat[index[k]] = vals[i]
            return flat.reshape(D, D)

        states = np.stack([assemble(i) for i in range(nt)]) if keep else None
        final = states[-1].copy() if states is not None else assemble(nt - 1)
        expect = self._expect(items, sectors, index, times, assemble)
        # diagnostics from the sectors
        diag_pos = np.searchsorted(index[0], np.arange(D) * (D + 1)) if 0 in sectors else None
        pops = sectors[0][:, diag_pos].real if diag_pos is not None else np.zeros((nt, D))
        trace_err = float(np.max(np.abs(pops.sum(axis=1) - 1.0)))
        herm_err = 0.0
        for k in sectors:
            if k >= 0 and -k in sectors:
                tp = lay.transpose_positions(k)
                herm_err = max(herm_err, float(np.max(np.abs(sectors[k] - sectors[-k][:, tp].conj()),
                                                      initial=0.0)))
        model = self.model
        trunc = model.truncated if model is not None else ()
        top, top_t = 0.0, float(times[0])
        if trunc:
            p = pops.reshape(nt, *model.dims)
            for s in trunc:
                tops = np.take(p, -1, axis=s + 1).reshape(nt, -1).sum(axis=1)
                j = int(np.argmax(tops))
                if tops[j] > top:
                    top, top_t = float(tops[j]), float(times[j])
        stats = SolverStats(
            method="sectors", options={"orders": ",".join(str(k) for k in sorted(sectors)),
                                       "blocks": ";".join(used), "method": self.method_name},
            auto=self.method_name == "auto", n_steps=n_steps, n_matvec=None, n_expm=n_expm,
            wall_time=time.perf_counter() - t_start,
            liouville_dim=int(sum(lay.size(k) for k in to_run)),
            max_trace_error=trace_err, max_hermiticity_error=herm_err,
            max_top_population=top if trunc else None,
            truncation_tol=model.truncation_tol if model is not None else None)
        if trunc and top > model.truncation_tol:
            warnings.warn(TruncationWarning(
                f"top Fock level of truncated subsystem(s) {trunc} reaches population {top:.3g} "
                f"> truncation_tol = {model.truncation_tol:.3g} (at t = {top_t:.6g}): increase the "
                "cutoff"), stacklevel=3)
        return SectorTrajectory(times=times, states=states, expect=expect, final_state=final,
                                stats=stats, dims=tuple(self.dims), labels=self.labels.copy(),
                                sectors=sectors, sector_index=index)

    def _expect(self, items, sectors, index, times, assemble) -> dict[Any, np.ndarray]:
        D = self.dim
        out: dict[Any, np.ndarray] = {}
        cache_states: dict[int, np.ndarray] = {}
        for key, op in items:
            if callable(op) and not _is_operator(op):
                vals = []
                for i in range(len(times)):
                    if i not in cache_states:
                        cache_states[i] = assemble(i)
                        cache_states[i].flags.writeable = False
                    vals.append(op(float(times[i]), cache_states[i]))
                try:
                    arr = np.asarray(vals)
                except (TypeError, ValueError) as exc:  # pragma: no cover
                    raise InvalidParameterError(f"e_ops[{key!r}]", vals[:3],
                                                "a function f(t, rho) returning a number") from exc
                if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                    raise InvalidParameterError(f"e_ops[{key!r}]", arr,
                                                "a function f(t, rho) returning a number")
                out[key] = arr.astype(np.complex128 if np.iscomplexobj(arr) else np.float64)
                continue
            op_m = as_operator(op, f"e_ops[{key!r}]", dim=D)
            Ot = sp.csr_matrix(op_m.T) if sp.issparse(op_m) else np.asarray(op_m.T)
            val = np.zeros(len(times), dtype=np.complex128)
            for k, vals in sectors.items():
                r, c = np.divmod(index[k], D)
                w = np.asarray(Ot[r, c]).reshape(-1)
                if np.any(w):
                    val += vals @ w
            scale = float(abs(op_m).max()) if sp.issparse(op_m) else float(np.max(np.abs(op_m)))
            real = hermiticity_error(op_m) <= 1e-12 * max(scale, 1e-300)
            out[key] = np.ascontiguousarray(val.real) if real else val
        return out

    def __repr__(self) -> str:
        return (f"CoherenceSectors(D={self.dim}, dims={self.dims}, orders={self.orders[0]}.."
                f"{self.orders[-1]}, method={self.method_name!r})")


def _preserves_hermiticity(L) -> bool:
    from ..dynamics.methods import preserves_hermiticity

    return preserves_hermiticity(L)


def evolve_sectors(H: Any, rho0: Any, times: Any, c_ops: Any = None, e_ops: Any = None, *,
                   labels: Any = None, orders: Sequence[int] | None = None,
                   method: str | Method = "auto", store_states: bool | None = None,
                   assume_covariant: bool = False, **options: Any) -> SectorTrajectory:
    r"""Solve a U(1)-covariant Lindblad equation through the coherence orders present in ``rho0``.

    Same arguments and result type as :func:`~qbattery.dynamics.evolve` (a
    :class:`SectorTrajectory` is a ``Trajectory``), plus ``labels`` (excitation number per
    basis state), ``orders`` (which orders to evolve) and ``assume_covariant``. A model that is
    not covariant raises :class:`~qbattery.errors.InvalidParameterError` naming ``H``.
    """
    solver = CoherenceSectors(H, c_ops, labels=labels, assume_covariant=assume_covariant,
                              method=method, **options)
    return solver.run(rho0, times, e_ops, orders=orders, store_states=store_states)

