r"""Collision models: a system repeatedly meets fresh ancillas (repeated interactions).

Each collision lasts :math:`\tau`. The system (state :math:`\rho`, Hamiltonian :math:`H_S`) meets
one fresh ancilla from every bath at once, in the product state :math:`\eta = \otimes_j\eta_j`,
evolves with the exact joint unitary and the ancillas are traced out and never reused
(Ciccarello, Lorenzo, Giovannetti and Palma, Phys. Rep. 954, 1 (2022); Costa, Beder and
Brandão, Eqs. (1)-(3)):

.. math::
    U = e^{-i\tau(H_S + \sum_j H_j + \sum_j V_j)},\qquad
    \rho_{n+1} = \Phi(\rho_n) = \mathrm{Tr}_A\big[U(\rho_n\otimes\eta)U^\dagger\big]
               = \sum_{\nu\mu} K_{\nu\mu}\rho_n K_{\nu\mu}^\dagger,

with :math:`V_j = \sum_x A_x\otimes B_x` the interaction with bath j and Kraus operators
:math:`K_{\nu\mu} = \sqrt{q_\mu}\,\langle\nu|U|\phi_\mu\rangle` (:math:`\eta = \sum_\mu
q_\mu|\phi_\mu\rangle\langle\phi_\mu|`, :math:`\nu` an ancilla basis). The map is built once --
as a sparse superoperator :math:`\sum K\otimes \bar K` (row-major vectorisation) when that is
cheaper than applying the Kraus operators -- and applied n times. When the joint Hamiltonian
conserves the total excitation number (e.g. exchange coupling), :math:`U` is exponentiated block
by block (blocks of a few states), so building the map costs O(D).

Markovian limit (derivation in docs/collision.md). Expanding :math:`\Phi` to second order in
:math:`\tau` and taking the logarithm,

.. math::
    \Phi = e^{\tau\mathcal L_\tau + O(\tau^3 \|V\|^3)},\qquad
    \mathcal L_\tau\rho = -i[H_S + \langle V\rangle + \tau H_c, \rho]
        + \tau\sum_{\mu\nu} q_\mu\,\mathcal D[V_{\nu\mu} - \delta_{\nu\mu}\langle V\rangle]\rho,

with :math:`V_{\nu\mu} = \langle\nu|V|\phi_\mu\rangle`, :math:`\langle V\rangle =
\mathrm{Tr}_A[V(1\otimes\eta)]` and :math:`H_c = -\tfrac i2\mathrm{Tr}_A[V(1\otimes[H_A,\eta])]`
(0 for stationary ancillas). For the resonant exchange :math:`V = g(b^\dagger\sigma_- +
b\,\sigma_+)` with ancillas in :math:`|e\rangle` (:math:`|g\rangle`) this is
:math:`\gamma\mathcal D[b^\dagger]` (:math:`\gamma\mathcal D[b]`) with
:math:`\gamma = g^2\tau` (:func:`markovian_rates`); the free rotation :math:`e^{-i\tau H_S}`
commutes with the resonant exchange and is exact. Odd orders vanish for diagonal ancillas, so
the map differs from :math:`e^{\tau\mathcal L}` by :math:`O(g^4\tau^4) = O(\gamma^2\tau^2)` per
collision: at fixed :math:`\gamma = g^2\tau` the collision model converges to the Lindblad
solution with a global error :math:`O(\gamma^2\tau\,t)`, first order in :math:`\tau`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import (
    as_density_matrix,
    as_hermitian,
    as_operator,
    check_dims,
    check_int,
    check_real,
    hermiticity_error,
)
from ..errors import DimensionError, InvalidParameterError, TruncationWarning
from ..models.open_system import Channel, OpenSystem
from .trajectory import SolverStats, Trajectory, expect_items

__all__ = [
    "Bath",
    "CollisionModel",
    "collide",
    "coupling_for_rate",
    "exchange_bath",
    "markovian_rates",
]

#: Ancilla eigenvalues below this are dropped from the Kraus decomposition.
ANCILLA_RANK_TOL = 1e-14
#: Kraus operators whose largest entry is below this are dropped.
KRAUS_ZERO_TOL = 1e-15


# ------------------------------------------------------------------------------ rates
def markovian_rates(g: Any, tau: Any):
    r"""Lindblad rate :math:`\gamma = g^2\tau` of a resonant exchange collision model.

    A qubit ancilla in :math:`|e\rangle` (:math:`|g\rangle`) coupled by
    :math:`g(L^\dagger\sigma_- + L\sigma_+)` for a time :math:`\tau` gives
    :math:`g^2\tau^2\mathcal D[L^\dagger]` (:math:`g^2\tau^2\mathcal D[L]`) per collision, i.e.
    the rate :math:`g^2\tau` per unit time. Broadcasts; ``tau > 0``.
    """
    g = np.asarray(g, dtype=np.float64)
    t = np.asarray(tau, dtype=np.float64)
    if not np.all(np.isfinite(g)):
        raise InvalidParameterError("g", g, "finite couplings")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InvalidParameterError("tau", tau, "collision times > 0")
    out = g**2 * t
    return float(out) if out.ndim == 0 else out


def coupling_for_rate(gamma: Any, tau: Any):
    r"""The coupling :math:`g = \sqrt{\gamma/\tau}` that gives the Lindblad rate ``gamma`` for
    collisions of duration ``tau`` (inverse of :func:`markovian_rates`). Broadcasts."""
    gm = np.asarray(gamma, dtype=np.float64)
    t = np.asarray(tau, dtype=np.float64)
    if not np.all(np.isfinite(gm)) or np.any(gm < 0):
        raise InvalidParameterError("gamma", gamma, "rates >= 0")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InvalidParameterError("tau", tau, "collision times > 0")
    out = np.sqrt(gm / t)
    return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------------------------ baths
def _qubit_state(state: Any, name: str) -> np.ndarray:
    if isinstance(state, str):
        key = state.lower()
        if key in ("excited", "e", "1"):
            return np.diag([0.0, 1.0]).astype(np.complex128)
        if key in ("ground", "g", "0"):
            return np.diag([1.0, 0.0]).astype(np.complex128)
        raise InvalidParameterError(name, state, "'excited', 'ground' or a 2 x 2 density matrix")
    return as_density_matrix(state, name, dim=2)


@dataclass(frozen=True, eq=False)
class Bath:
    r"""A stream of fresh, identical ancillas (one per collision, never reused).

    Parameters
    ----------
    state
        Ancilla state :math:`\eta` (d x d density matrix or normalised ket).
    coupling
        The interaction :math:`V = \sum_x A_x\otimes B_x` as pairs ``(A_x, B_x)``: ``A_x`` on the
        system (D x D), ``B_x`` on the ancilla (d x d). V must be Hermitian.
    H
        Ancilla Hamiltonian (d x d; default 0).
    label
        Name used for the channels of the Markovian limit.
    labels
        Excitation number of each ancilla basis state (default ``0..d-1``: the index counts
        excitations); used to exponentiate block by block when the total excitation number is
        conserved.
    """

    state: Any
    coupling: tuple
    H: Any = None
    label: str = "bath"
    labels: Any = None

    def __post_init__(self) -> None:
        name = f"state ({self.label})"
        eta = as_density_matrix(self.state, name)
        d = eta.shape[0]
        object.__setattr__(self, "state", eta)
        H = np.zeros((d, d), dtype=np.complex128) if self.H is None else as_hermitian(
            self.H, f"H ({self.label})", sparse_ok=False, dim=d)
        object.__setattr__(self, "H", np.asarray(H, dtype=np.complex128))
        pairs = tuple(self.coupling) if not isinstance(self.coupling, tuple) else self.coupling
        if not pairs:
            raise InvalidParameterError(f"coupling ({self.label})", self.coupling,
                                        "at least one (system operator, ancilla operator) pair")
        norm = []
        for x, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidParameterError(f"coupling[{x}] ({self.label})", pair,
                                            "a pair (system operator, ancilla operator)")
            A = as_operator(pair[0], f"coupling[{x}][0] ({self.label})")
            B = as_operator(pair[1], f"coupling[{x}][1] ({self.label})", sparse_ok=False, dim=d)
            norm.append((sp.csr_matrix(A, dtype=np.complex128), np.asarray(B, dtype=np.complex128)))
        D = norm[0][0].shape[0]
        for x, (A, _) in enumerate(norm):
            if A.shape[0] != D:
                raise DimensionError(f"coupling[{x}][0] ({self.label})", A,
                                     f"shape ({D}, {D}) like coupling[0][0]")
        object.__setattr__(self, "coupling", tuple(norm))
        V = self.interaction()
        scale = max(float(abs(V).max()) if V.nnz else 0.0, 1e-300)
        err = hermiticity_error(V)
        if err > 1e-10 * max(scale, 1.0):
            raise InvalidParameterError(f"coupling ({self.label})", self.coupling,
                                        "a Hermitian interaction sum_x A_x (x) B_x",
                                        f"max |V - V^dag| = {err:.3g}")
        lab = np.arange(d) if self.labels is None else np.asarray(self.labels)
        if lab.shape != (d,) or not np.all(lab == np.round(lab)):
            raise InvalidParameterError(f"labels ({self.label})", self.labels,
                                        f"{d} integer excitation numbers")
        object.__setattr__(self, "labels", lab.astype(np.int64))

    @property
    def dim(self) -> int:
        """Ancilla dimension d."""
        return self.state.shape[0]

    @property
    def system_dim(self) -> int:
        """Dimension D of the system operators of the coupling."""
        return self.coupling[0][0].shape[0]

    def interaction(self) -> sp.csr_matrix:
        r""":math:`V = \sum_x A_x\otimes B_x` on system (x) ancilla (sparse)."""
        V = None
        for A, B in self.coupling:
            term = sp.kron(A, sp.csr_matrix(B), format="csr")
            V = term if V is None else V + term
        return V.tocsr()

    def first_moment(self) -> sp.csr_matrix:
        r""":math:`\langle V\rangle = \mathrm{Tr}_A[V(1\otimes\eta)] = \sum_x A_x\mathrm{Tr}(B_x\eta)`."""
        out = sp.csr_matrix(self.coupling[0][0].shape, dtype=np.complex128)
        for A, B in self.coupling:
            out = out + A * complex(np.trace(B @ self.state))
        return out.tocsr()


def exchange_bath(L: Any, g: float, state: Any = "excited", *, omega: float = 0.0,
                  label: str | None = None) -> Bath:
    r"""Qubit ancillas coupled by resonant exchange, :math:`V = g(L^\dagger\sigma_- + L\sigma_+)`.

    ``L`` is the system lowering operator (e.g. ``destroy(cutoff)``), ``state`` the ancilla state
    (``"excited"``, ``"ground"`` or a 2 x 2 density matrix), ``omega`` the ancilla frequency:
    :math:`H_A = (\omega/2)\sigma_z` with :math:`\sigma_z = \mathrm{diag}(-1, 1)` (qbattery's
    convention, ``|e> = |1>``). Excited ancillas give gain :math:`g^2\tau\mathcal D[L^\dagger]`,
    ground ones loss :math:`g^2\tau\mathcal D[L]` in the Markovian limit.
    """
    from ..quantum.operators import sigma_minus, sigma_plus, sigma_z

    g = check_real(g, "g")
    omega = check_real(omega, "omega")
    eta = _qubit_state(state, "state")
    Lm = sp.csr_matrix(as_operator(L, "L"), dtype=np.complex128)
    if label is None:
        pe = float(eta[1, 1].real)
        label = "gain" if pe == 1.0 else ("loss" if pe == 0.0 else "exchange")
    return Bath(state=eta, coupling=((g * Lm.conj().T.tocsr(), sigma_minus()), (g * Lm, sigma_plus())),
                H=0.5 * omega * sigma_z(), label=label)


# ------------------------------------------------------------------------------ the engine
def _labels_of(dims: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(1, dtype=np.int64)
    for d in dims:
        out = (out[:, None] + np.arange(d)[None, :]).reshape(-1)
    return out


def _expm_hermitian(H: sp.csr_matrix, tau: float, labels: np.ndarray | None
                    ) -> tuple[sp.csr_matrix, int]:
    """exp(-i tau H) for Hermitian H; block by block when H conserves ``labels``.

    Returns the (sparse) unitary and the number of blocks diagonalised.
    """
    n = H.shape[0]
    Hc = H.tocoo()
    if labels is not None and (Hc.nnz == 0 or np.all(labels[Hc.row] == labels[Hc.col])):
        vals, inv = np.unique(labels, return_inverse=True)
        order = np.argsort(inv, kind="stable")
        bounds = np.searchsorted(inv[order], np.arange(vals.size + 1))
        # dense slicing is much cheaper than sparse slicing for the many tiny blocks
        Hd = H.toarray() if n <= 4096 else H.tocsr()
        rows, cols, data = [], [], []
        for b in range(vals.size):
            idx = order[bounds[b]:bounds[b + 1]]
            blk = Hd[np.ix_(idx, idx)] if isinstance(Hd, np.ndarray) else Hd[idx][:, idx].toarray()
            w, V = np.linalg.eigh(0.5 * (blk + blk.conj().T))
            Ub = (V * np.exp(-1j * tau * w)) @ V.conj().T
            r, c = np.meshgrid(idx, idx, indexing="ij")
            rows.append(r.ravel())
            cols.append(c.ravel())
            data.append(Ub.ravel())
        U = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n))
        U.eliminate_zeros()
        return U, int(vals.size)
    Hm = H.toarray()
    w, V = np.linalg.eigh(0.5 * (Hm + Hm.conj().T))
    return sp.csr_matrix((V * np.exp(-1j * tau * w)) @ V.conj().T), 1


class CollisionModel:
    r"""A reusable collision model: the per-collision CPTP map, built once.

    Parameters
    ----------
    H_S
        System Hamiltonian (D x D), or an :class:`~qbattery.OpenSystem` without channels (its
        H, dims, truncated subsystems and truncation tolerance are used).
    baths
        One :class:`Bath` or a sequence of them; every collision brings one fresh ancilla of
        each bath, all interacting at once (Eq. (3) of Costa et al.).
    tau
        Collision time, > 0.
    dims
        Subsystem dimensions of the system (default ``(D,)``).
    truncated, truncation_tol
        Truncated bosonic subsystems of the system: the top-level population is reported on every
        result and a :class:`~qbattery.errors.TruncationWarning` raised above the tolerance.
    labels
        Excitation number of every system basis state (default: sum of the subsystem indices);
        with the baths' labels it decides whether U can be exponentiated block by block.
    representation
        ``"auto"`` (sparse superoperator when cheaper than applying the Kraus operators),
        ``"superoperator"`` or ``"kraus"``.
    """

    def __init__(self, H_S: Any, baths: Bath | Sequence[Bath], tau: float, *,
                 dims: Sequence[int] | None = None, truncated: Sequence[int] = (),
                 truncation_tol: float = 1e-10, labels: Any = None,
                 representation: str = "auto") -> None:
        t0 = time.perf_counter()
        if isinstance(H_S, OpenSystem):
            if H_S.channels:
                raise InvalidParameterError("H_S", H_S, "an OpenSystem without channels (the "
                                            "collisions provide the dissipation)")
            if dims is not None or truncated:
                raise InvalidParameterError("dims", dims, "None when H_S is an OpenSystem (its "
                                            "dims and truncated subsystems are used)")
            self.model: OpenSystem | None = H_S
            Hs, dims_t = H_S.H, tuple(H_S.dims)
            truncated, truncation_tol = H_S.truncated, H_S.truncation_tol
        else:
            self.model = None
            Hs = as_hermitian(H_S, "H_S")
            dims_t = (Hs.shape[0],) if dims is None else check_dims(dims, total=Hs.shape[0])
        self.H_S = sp.csr_matrix(Hs, dtype=np.complex128)
        D = self.H_S.shape[0]
        self.dim, self.dims = D, dims_t
        self.tau = check_real(tau, "tau", low=0.0, low_open=True)
        if isinstance(baths, Bath):
            baths = (baths,)
        if not isinstance(baths, Sequence) or not baths or not all(isinstance(b, Bath) for b in baths):
            raise InvalidParameterError("baths", baths, "a Bath or a non-empty sequence of Bath")
        for j, b in enumerate(baths):
            if b.system_dim != D:
                raise DimensionError(f"baths[{j}]", b.coupling[0][0],
                                     f"system operators of shape ({D}, {D}) to match H_S")
        self.baths = tuple(baths)
        self.truncated = tuple(check_int(s, "truncated", low=0, high=len(dims_t) - 1)
                               for s in truncated)
        self.truncation_tol = check_real(truncation_tol, "truncation_tol", low=0.0)
        if labels is None:
            lab = _labels_of(dims_t)
        else:
            lab = np.asarray(labels)
            if lab.shape != (D,) or not np.all(lab == np.round(lab)):
                raise InvalidParameterError("labels", labels, f"{D} integer excitation numbers")
            lab = lab.astype(np.int64)
        self.labels = lab
        if representation not in ("auto", "superoperator", "kraus"):
            raise InvalidParameterError("representation", representation,
                                        "'auto', 'superoperator' or 'kraus'")
        self._build(representation)
        self.build_time = time.perf_counter() - t0

    # ----------------------------------------------------------------- the map
    def _build(self, representation: str) -> None:
        D = self.dim
        adims = [b.dim for b in self.baths]
        dA = math.prod(adims)
        eyeA = sp.identity(dA, dtype=np.complex128, format="csr")
        Htot = sp.kron(self.H_S, eyeA, format="csr")
        eyeS = sp.identity(D, dtype=np.complex128, format="csr")
        alab = np.zeros(1, dtype=np.int64)
        for j, b in enumerate(self.baths):
            left = math.prod(adims[:j])
            right = math.prod(adims[j + 1:])

            def on_ancilla(B, left=left, right=right):
                return sp.kron(sp.kron(sp.identity(left, format="csr"), sp.csr_matrix(B)),
                               sp.identity(right, format="csr"), format="csr")

            Htot = Htot + sp.kron(eyeS, on_ancilla(b.H), format="csr")
            for A, B in b.coupling:
                Htot = Htot + sp.kron(A, on_ancilla(B), format="csr")
            alab = (alab[:, None] + b.labels[None, :]).reshape(-1)
        tot_labels = (self.labels[:, None] + alab[None, :]).reshape(-1)
        U, nblocks = _expm_hermitian(Htot.tocsr(), self.tau, tot_labels)
        self.unitary = U
        self.conserves_excitations = nblocks > 1
        self.n_blocks = nblocks
        # ancilla product state and its eigen-decomposition
        eta = np.ones((1, 1), dtype=np.complex128)
        for b in self.baths:
            eta = np.kron(eta, b.state)
        q, phi = np.linalg.eigh(0.5 * (eta + eta.conj().T))
        keep = q > ANCILLA_RANK_TOL
        kraus = []
        for qm, ph in zip(q[keep], phi[:, keep].T, strict=True):
            # (I (x) |phi>) as a sparse (D dA, D) matrix
            Q = sp.kron(eyeS, sp.csr_matrix(ph.reshape(dA, 1)), format="csr")
            UQ = (U @ Q).tocsr()
            for nu in range(dA):
                K = (math.sqrt(qm) * UQ[np.arange(D) * dA + nu]).tocsr()
                K.eliminate_zeros()
                if K.nnz and float(abs(K).max()) > KRAUS_ZERO_TOL:
                    kraus.append(K)
        self.kraus = tuple(kraus)
        nnz_super = sum(K.nnz ** 2 for K in kraus)
        cost_kraus = 2 * len(kraus) * D ** 3
        if representation == "auto":
            representation = "superoperator" if nnz_super <= cost_kraus else "kraus"
        self.representation = representation
        if representation == "superoperator":
            S = None
            for K in kraus:
                term = sp.kron(K, K.conj(), format="csr")
                S = term if S is None else S + term
            self.superop = S.tocsr()
            self._dense_kraus = None
        else:
            self.superop = None
            self._dense_kraus = [K.toarray() for K in kraus]

    def kraus_operators(self) -> list[np.ndarray]:
        """The Kraus operators of one collision as dense arrays (sum K^dag K = I)."""
        return [K.toarray() for K in self.kraus]

    def superoperator(self) -> sp.csr_matrix:
        r"""The map of one collision as a sparse :math:`D^2\times D^2` matrix, row-major
        (:math:`\mathrm{vec}(K\rho K^\dagger) = (K\otimes\bar K)\,\mathrm{vec}\rho`)."""
        if self.superop is not None:
            return self.superop
        S = None
        for K in self.kraus:
            term = sp.kron(K, K.conj(), format="csr")
            S = term if S is None else S + term
        return S.tocsr()

    def apply(self, rho: Any, n: int = 1) -> np.ndarray:
        """The state after ``n`` collisions (n >= 0)."""
        n = check_int(n, "n", low=0)
        r = as_density_matrix(rho, "rho", dim=self.dim)
        return self._step(r, n)

    def _step(self, r: np.ndarray, n: int) -> np.ndarray:
        D = self.dim
        if self.superop is not None:
            v = r.reshape(-1)
            for _ in range(n):
                v = self.superop @ v
            return v.reshape(D, D)
        for _ in range(n):
            out = np.zeros_like(r)
            for K in self._dense_kraus:
                out += K @ r @ K.conj().T
            r = out
        return r

    # ----------------------------------------------------------------- runs
    def run(self, rho0: Any, n_collisions: int, *, every: int = 1, e_ops: Any = None,
            store_states: bool | None = None, t0: float = 0.0) -> Trajectory:
        """Apply ``n_collisions`` collisions to ``rho0``; record the state every ``every`` of them.

        Returns a :class:`~qbattery.dynamics.Trajectory` with times ``t0 + m * every * tau``
        (m = 0, ..., n_collisions / every); ``n_collisions`` must be a multiple of ``every``.
        ``e_ops`` and ``store_states`` as in :func:`~qbattery.dynamics.evolve`.
        """
        t_start = time.perf_counter()
        D = self.dim
        rho = as_density_matrix(rho0, "rho0", dim=D)
        n_collisions = check_int(n_collisions, "n_collisions", low=1)
        every = check_int(every, "every", low=1, high=n_collisions)
        if n_collisions % every:
            raise InvalidParameterError("every", every, f"a divisor of n_collisions = {n_collisions}")
        t0 = check_real(t0, "t0")
        if store_states is not None and not isinstance(store_states, (bool, np.bool_)):
            raise InvalidParameterError("store_states", store_states, "True, False or None")
        items = expect_items(e_ops)
        keep = (not items) if store_states is None else bool(store_states)
        n_out = n_collisions // every + 1
        times = t0 + self.tau * every * np.arange(n_out, dtype=np.float64)
        states = np.empty((n_out, D, D), dtype=np.complex128) if keep else None
        ops = [(key, _prepare_op(op, key, D)) for key, op in items]
        vals: dict[Any, list] = {key: [] for key, _ in items}
        diag = np.arange(D)
        errs = {"trace": 0.0, "herm": 0.0, "top": 0.0, "top_t": float(times[0])}

        def record(m: int, r: np.ndarray) -> None:
            if states is not None:
                states[m] = r
            for key, op in ops:
                if callable(op):
                    rr = r.copy()
                    rr.flags.writeable = False
                    vals[key].append(op(float(times[m]), rr))
                else:
                    vals[key].append(np.sum(op * r))  # Tr(O rho) = sum_ij O^T_ij rho_ij
            errs["trace"] = max(errs["trace"], abs(complex(np.trace(r)) - 1.0))
            errs["herm"] = max(errs["herm"], float(np.max(np.abs(r - r.conj().T))))
            if self.truncated:
                pops = r[diag, diag].real.reshape(self.dims)
                for s in self.truncated:
                    top = float(np.take(pops, -1, axis=s).sum())
                    if top > errs["top"]:
                        errs["top"], errs["top_t"] = top, float(times[m])

        record(0, rho)
        r = rho
        for m in range(1, n_out):
            r = self._step(r, every)
            record(m, r)
        expect = {}
        for key, op in ops:
            arr = np.asarray(vals[key])
            if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise InvalidParameterError(f"e_ops[{key!r}]", arr,
                                            "a function f(t, rho) returning a number")
            real = (not callable(op) and _is_hermitian_T(op)) or (callable(op) and not np.iscomplexobj(arr))
            expect[key] = np.ascontiguousarray(arr.real, dtype=np.float64) if real \
                else arr.astype(np.complex128)
        stats = SolverStats(
            method="collision",
            options={"tau": self.tau, "every": every, "representation": self.representation,
                     "n_kraus": len(self.kraus), "n_baths": len(self.baths),
                     "conserves_excitations": self.conserves_excitations},
            auto=False, n_steps=n_collisions,
            n_matvec=n_collisions if self.superop is not None else None, n_expm=self.n_blocks,
            wall_time=time.perf_counter() - t_start, liouville_dim=D * D,
            max_trace_error=float(errs["trace"]), max_hermiticity_error=float(errs["herm"]),
            max_top_population=float(errs["top"]) if self.truncated else None,
            truncation_tol=self.truncation_tol if self.truncated else None)
        if self.truncated and errs["top"] > self.truncation_tol:
            warnings.warn(TruncationWarning(
                f"top Fock level of truncated subsystem(s) {self.truncated} reaches population "
                f"{errs['top']:.3g} > truncation_tol = {self.truncation_tol:.3g} (at t = "
                f"{errs['top_t']:.6g}): increase the cutoff"), stacklevel=2)
        return Trajectory(times=times, states=states, expect=expect, final_state=r.copy(),
                          stats=stats, dims=self.dims)

    # ----------------------------------------------------------------- Markovian limit
    def markovian_limit(self) -> OpenSystem:
        r"""The Lindblad model the collisions approach as :math:`\tau\to 0` at fixed :math:`g^2\tau`.

        :math:`H = H_S + \sum_j(\langle V_j\rangle + \tau H_{c,j})` and, per bath and per pair
        (:math:`\mu`, :math:`\nu`) of ancilla eigenstates, the channel
        :math:`\tau q_\mu\mathcal D[V_{\nu\mu} - \delta_{\nu\mu}\langle V\rangle]` (see the
        module docstring). Channels are labelled ``"<bath label>[nu<-mu]"``.
        """
        D = self.dim
        H = self.H_S.copy()
        channels: list[Channel] = []
        for b in self.baths:
            eta = b.state
            q, phi = np.linalg.eigh(0.5 * (eta + eta.conj().T))
            mean = b.first_moment()
            comm = b.H @ eta - eta @ b.H
            Hc = sp.csr_matrix((D, D), dtype=np.complex128)
            for A, B in b.coupling:
                Hc = Hc + A * (-0.5j * complex(np.trace(B @ comm)))
            H = H + mean + self.tau * Hc
            for mu in range(b.dim):
                if q[mu] <= ANCILLA_RANK_TOL:
                    continue
                for nu in range(b.dim):
                    op = sp.csr_matrix((D, D), dtype=np.complex128)
                    for A, B in b.coupling:
                        op = op + A * complex(phi[:, nu].conj() @ B @ phi[:, mu])
                    if nu == mu:
                        op = op - mean
                    op = op.tocsr()
                    op.eliminate_zeros()
                    if op.nnz == 0 or float(abs(op).max()) <= 1e-14:
                        continue
                    channels.append(Channel(op, self.tau * float(q[mu]),
                                            f"{b.label}[{nu}<-{mu}]"))
        H = H.tocsr()
        H = 0.5 * (H + H.conj().T)
        if self.model is not None:
            return OpenSystem(H, channels=tuple(channels), dims=self.dims,
                              battery=self.model.battery, H_battery=self.model.H_battery
                              if self.model.battery is not None else None,
                              names=self.model.names, truncated=self.truncated,
                              truncation_tol=self.truncation_tol)
        return OpenSystem(H, channels=tuple(channels), dims=self.dims, truncated=self.truncated,
                          truncation_tol=self.truncation_tol)

    def __repr__(self) -> str:
        return (f"CollisionModel(D={self.dim}, dims={self.dims}, tau={self.tau:g}, "
                f"baths=[{', '.join(b.label for b in self.baths)}], n_kraus={len(self.kraus)}, "
                f"representation={self.representation!r})")


def _prepare_op(op: Any, key: Any, D: int):
    if callable(op) and not (sp.issparse(op) or isinstance(op, np.ndarray)
                             or type(op).__name__ == "Qobj"):
        return op
    m = as_operator(op, f"e_ops[{key!r}]", sparse_ok=False, dim=D)
    return np.ascontiguousarray(m.T)


def _is_hermitian_T(opT: np.ndarray) -> bool:
    scale = float(np.max(np.abs(opT))) if opT.size else 0.0
    return hermiticity_error(opT) <= 1e-12 * max(scale, 1e-300)


def collide(H_S: Any, rho0: Any, n_collisions: int, tau: float, baths: Bath | Sequence[Bath], *,
            every: int = 1, e_ops: Any = None, store_states: bool | None = None,
            dims: Sequence[int] | None = None, truncated: Sequence[int] = (),
            truncation_tol: float = 1e-10, representation: str = "auto") -> Trajectory:
    r"""Run a collision model: ``n_collisions`` collisions of duration ``tau`` with fresh ancillas.

    One-call form of :class:`CollisionModel` (build the map once, then :meth:`~CollisionModel.run`).
    Returns a :class:`~qbattery.dynamics.Trajectory` with the state every ``every`` collisions
    (times ``m * every * tau``).

    Example (the gain-loss boson of Costa et al.: ``gamma = g**2 * tau`` for both baths)::

        b = destroy(40)
        g = coupling_for_rate(1.0, 0.01)
        baths = [exchange_bath(b, g, "excited"), exchange_bath(b, g, "ground")]
        traj = collide(number(40), fock_dm(40, 1), 300, 0.01, baths, every=10, truncated=(0,))
    """
    model = CollisionModel(H_S, baths, tau, dims=dims, truncated=truncated,
                           truncation_tol=truncation_tol, representation=representation)
    return model.run(rho0, n_collisions, every=every, e_ops=e_ops, store_states=store_states)
