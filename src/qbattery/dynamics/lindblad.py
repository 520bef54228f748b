r"""Lindblad master-equation evolution (time-independent generators).

.. math::
    \dot\rho = \mathcal L\rho = -i[H, \rho] + \sum_k \mathcal D[L_k]\rho,\qquad
    \mathcal D[L]\rho = L\rho L^\dagger - \tfrac12\{L^\dagger L, \rho\}\quad(\hbar = 1),

integrated on the row-major vectorised state :math:`\mathrm{vec}(\rho) = ` ``rho.reshape(-1)``
(:mod:`qbattery.quantum.superoperators`). :func:`evolve` is the one-call form of
:class:`LindbladSolver`, which keeps the Liouvillian and the dense propagators between runs
(like QuTiP's ``mesolve`` / ``MESolver``).

Expectation values are :math:`\mathrm{Tr}(O\rho) = \mathrm{vec}(O^T)\cdot\mathrm{vec}(\rho)`
(no conjugation), computed for all operators at once from blocks of vectorised states, so the
states need not be stored. Nothing is renormalised: the trace, Hermiticity and truncation
errors seen at the output times are reported in :class:`~qbattery.dynamics.SolverStats`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import (
    as_density_matrix,
    as_hermitian,
    as_operator,
    check_dims,
    check_times,
    hermiticity_error,
)
from ..errors import DimensionError, InvalidParameterError, TruncationWarning
from ..models.open_system import OpenSystem
from ..quantum.superoperators import liouvillian as _liouvillian
from .methods import Auto, Method, make_method, preserves_hermiticity
from .trajectory import SolverStats, Trajectory

__all__ = ["LindbladSolver", "evolve"]

#: A Hermitian observable (max |O - O^dag| <= this x max|O|) gives a real (float64) expectation.
EXPECT_HERMITIAN_RTOL = 1e-12


def _qobj_dims(x: Any) -> tuple[int, ...] | None:
    if type(x).__name__ == "Qobj" and hasattr(x, "dims"):
        try:
            d = tuple(int(v) for v in x.dims[0])
        except (TypeError, ValueError):
            return None
        return d if math.prod(d) == x.shape[0] else None
    return None


def _is_single_operator(x: Any) -> bool:
    return (sp.issparse(x) or type(x).__name__ == "Qobj"
            or (isinstance(x, np.ndarray) and x.ndim == 2))


def parse_system(H: Any, c_ops: Any) -> tuple[OpenSystem | None, Any, list, tuple[int, ...]]:
    """Validate ``(H, c_ops)`` or an :class:`OpenSystem`; return (model, H, c_ops, dims)."""
    if isinstance(H, OpenSystem):
        if c_ops is not None:
            raise InvalidParameterError(
                "c_ops", c_ops, "None when H is an OpenSystem (its channels are used)")
        return H, H.H, H.c_ops, tuple(H.dims)
    dims = _qobj_dims(H)
    Hm = as_hermitian(H, "H")
    D = Hm.shape[0]
    if c_ops is None:
        ops = []
    elif _is_single_operator(c_ops):
        ops = [c_ops]
    elif isinstance(c_ops, np.ndarray) and c_ops.ndim == 3:  # a stack (k, D, D)
        ops = list(c_ops)
    elif isinstance(c_ops, Sequence) and not isinstance(c_ops, str):
        ops = list(c_ops)
    else:
        raise InvalidParameterError("c_ops", c_ops, "a list of collapse operators (or None)")
    ops = [as_operator(c, f"c_ops[{i}]", dim=D) for i, c in enumerate(ops)]
    return None, Hm, ops, dims if dims is not None else (D,)


class _Observables:
    """Expectation values of operator and callable e_ops from blocks of vectorised states."""

    def __init__(self, e_ops: Any, D: int, nt: int) -> None:
        if e_ops is None:
            items: list[tuple[Any, Any]] = []
        elif isinstance(e_ops, Mapping):
            items = list(e_ops.items())
        elif callable(e_ops) or _is_single_operator(e_ops):
            items = [(0, e_ops)]
        elif isinstance(e_ops, Sequence) and not isinstance(e_ops, str):
            items = list(enumerate(e_ops))
        else:
            raise InvalidParameterError(
                "e_ops", e_ops, "a dict name -> operator or f(t, rho), a list of them, or None")
        self.keys = [k for k, _ in items]
        self.op_keys: list[Any] = []
        self.real: list[bool] = []
        rows = []
        self.funcs: list[tuple[Any, Callable]] = []
        for key, op in items:
            if callable(op) and not _is_single_operator(op):
                self.funcs.append((key, op))
                continue
            op_m = as_operator(op, f"e_ops[{key!r}]", dim=D)
            scale = float(abs(op_m).max()) if sp.issparse(op_m) else float(np.max(np.abs(op_m)))
            self.real.append(hermiticity_error(op_m) <= EXPECT_HERMITIAN_RTOL * max(scale, 1e-300))
            # Tr(O rho) = vec(O^T) . vec(rho)   (row-major vec, no conjugation)
            rows.append(sp.csr_matrix(op_m.T).reshape((1, D * D)))
            self.op_keys.append(key)
        self.E = sp.vstack(rows, format="csr") if rows else None
        self.op_vals = np.empty((len(rows), nt), dtype=np.complex128)
        self.fn_vals: dict[Any, list] = {k: [None] * nt for k, _ in self.funcs}
        self.D = D

    def __call__(self, k0: int, block: np.ndarray, times: np.ndarray) -> None:
        m = block.shape[0]
        if self.E is not None:
            self.op_vals[:, k0:k0 + m] = self.E @ block.T
        if self.funcs:
            rhos = block.reshape(m, self.D, self.D)
            for key, f in self.funcs:
                out = self.fn_vals[key]
                for j in range(m):
                    rho = rhos[j].copy()
                    rho.flags.writeable = False
                    out[k0 + j] = f(float(times[k0 + j]), rho)

    def result(self) -> dict[Any, np.ndarray]:
        res: dict[Any, np.ndarray] = {}
        for i, key in enumerate(self.op_keys):
            v = self.op_vals[i]
            res[key] = np.ascontiguousarray(v.real) if self.real[i] else v.copy()
        for key, _ in self.funcs:
            try:
                arr = np.asarray(self.fn_vals[key])
            except (TypeError, ValueError) as exc:
                raise InvalidParameterError(f"e_ops[{key!r}]", self.fn_vals[key][:3],
                                            "a function f(t, rho) returning a number") from exc
            if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise InvalidParameterError(f"e_ops[{key!r}]", arr,
                                            "a function f(t, rho) returning a number")
            res[key] = arr.astype(np.complex128 if np.iscomplexobj(arr) else np.float64)
        return {k: res[k] for k in self.keys}


class LindbladSolver:
    """Reusable Lindblad solver: builds the Liouvillian once, keeps dense propagators.

    Parameters
    ----------
    H
        Hamiltonian (D x D array, sparse matrix or ``Qobj``; Hermitian), or an
        :class:`~qbattery.OpenSystem` (then ``c_ops`` must be ``None``; its channels are used and
        its truncated subsystems are monitored).
    c_ops
        Collapse operators :math:`\\sqrt{\\gamma_k} L_k` (list, or one operator).
    method
        ``"auto"`` (default), ``"propagator"``, ``"krylov"``, ``"ode"`` or a
        :class:`~qbattery.dynamics.methods.Method` instance.
    **options
        Fields of the method, e.g. ``rtol=1e-8`` for ``"ode"`` (unknown names raise).

    Examples
    --------
    >>> solver = LindbladSolver(model, method="propagator")       # doctest: +SKIP
    >>> runs = [solver.run(rho0, times, e_ops={"E": H_B}) for rho0 in initial_states]  # doctest: +SKIP
    """

    def __init__(self, H: Any, c_ops: Any = None, *, method: str | Method = "auto",
                 **options: Any) -> None:
        self.method = make_method(method, **options)
        model, Hm, ops, dims = parse_system(H, c_ops)
        self.model = model
        self.dims = dims
        self.dim = Hm.shape[0]
        self.L = model.liouvillian() if model is not None else _liouvillian(Hm, ops)
        self._hermitian = True  # -i[H, .] + sum D[L_k] maps Hermitian matrices to Hermitian ones
        self._cache: dict = {}

    @classmethod
    def from_liouvillian(cls, L: Any, *, dims: Sequence[int] | None = None,
                         method: str | Method = "auto", **options: Any) -> LindbladSolver:
        """A solver for a prebuilt Liouvillian (n x n, row-major vectorisation, n = D^2)."""
        self = cls.__new__(cls)
        self.method = make_method(method, **options)
        Lm = as_operator(L, "L")
        n = Lm.shape[0]
        D = math.isqrt(n)
        if D * D != n:
            raise DimensionError("L", Lm, "a Liouvillian of shape (D^2, D^2)")
        self.L = sp.csr_matrix(Lm)
        self.model = None
        self.dim = D
        self.dims = check_dims(dims, total=D) if dims is not None else (D,)
        self._hermitian = preserves_hermiticity(self.L)
        self._cache = {}
        return self

    @property
    def liouville_dim(self) -> int:
        return self.L.shape[0]

    def resolved_method(self, times: Any) -> Method:
        """The concrete method a run on ``times`` uses (resolves ``"auto"``)."""
        t = check_times(times)
        if isinstance(self.method, Auto):
            return self.method.resolve(self.liouville_dim, t, self._cache.get("propagators", ()))
        return self.method

    def run(self, rho0: Any, times: Any, e_ops: Any = None, *,
            store_states: bool | None = None) -> Trajectory:
        """Evolve ``rho0`` (the state at ``times[0]``) and return a :class:`Trajectory`.

        Parameters
        ----------
        rho0
            Initial density matrix or normalised ket (trace 1, Hermitian, positive).
        times
            Strictly increasing output times; evolution starts at ``times[0]``.
        e_ops
            ``{name: operator or f(t, rho)}``, a list of them (keys 0, 1, ...), or ``None``.
        store_states
            Keep all states; default: only when no ``e_ops`` are given.
        """
        t_start = time.perf_counter()
        D, n = self.dim, self.liouville_dim
        rho0 = as_density_matrix(rho0, "rho0", dim=D)
        times = check_times(times, "times")
        if store_states is not None and not isinstance(store_states, (bool, np.bool_)):
            raise InvalidParameterError("store_states", store_states, "True, False or None")
        nt = len(times)
        obs = _Observables(e_ops, D, nt)
        keep = (not obs.keys) if store_states is None else bool(store_states)
        method = self.method
        auto = isinstance(method, Auto)
        if auto:
            method = method.resolve(n, times, self._cache.get("propagators", ()))

        states = np.empty((nt, D, D), dtype=np.complex128) if keep else None
        final = np.empty((D, D), dtype=np.complex128)
        diag = np.arange(D) * (D + 1)
        model = self.model
        trunc = model.truncated if model is not None else ()
        errs = {"trace": 0.0, "herm": 0.0, "top": 0.0, "top_t": float(times[0])}

        def emit(k0: int, block: np.ndarray) -> None:
            m = block.shape[0]
            obs(k0, block, times)
            rhos = block.reshape(m, D, D)
            if states is not None:
                states[k0:k0 + m] = rhos
            if k0 + m == nt:
                final[...] = rhos[-1]
            errs["trace"] = max(errs["trace"], float(np.max(np.abs(block[:, diag].sum(axis=1) - 1.0))))
            errs["herm"] = max(errs["herm"], float(np.max(np.abs(rhos - rhos.conj().swapaxes(1, 2)))))
            if trunc:
                pops = block[:, diag].real.reshape(m, *model.dims)
                for s in trunc:
                    top = np.take(pops, -1, axis=s + 1).reshape(m, -1).sum(axis=1)
                    j = int(np.argmax(top))
                    if top[j] > errs["top"]:
                        errs["top"], errs["top_t"] = float(top[j]), float(times[k0 + j])

        v0 = np.ascontiguousarray(rho0.reshape(-1))
        counters = method.propagate(self.L, v0, times, emit, self._cache, hermitian=self._hermitian)
        expect = obs.result()
        for key, arr in expect.items():
            if not np.all(np.isfinite(arr)):
                raise InvalidParameterError(f"e_ops[{key!r}]", arr, "finite expectation values")
        stats = SolverStats(
            method=method.name, options=method.options(), auto=auto,
            n_steps=counters.get("n_steps"), n_matvec=counters.get("n_matvec"),
            n_expm=int(counters.get("n_expm", 0)), wall_time=time.perf_counter() - t_start,
            liouville_dim=n, max_trace_error=errs["trace"], max_hermiticity_error=errs["herm"],
            max_top_population=errs["top"] if trunc else None,
            truncation_tol=model.truncation_tol if model is not None else None)
        if trunc and errs["top"] > model.truncation_tol:
            warnings.warn(TruncationWarning(
                f"top Fock level of truncated subsystem(s) {trunc} reaches population "
                f"{errs['top']:.3g} > truncation_tol = {model.truncation_tol:.3g} "
                f"(at t = {errs['top_t']:.6g}): increase the cutoff"), stacklevel=3)
        return Trajectory(times=times, states=states, expect=expect, final_state=final,
                          stats=stats, dims=tuple(self.dims))

    def __repr__(self) -> str:
        return (f"LindbladSolver(D={self.dim}, dims={self.dims}, liouville_dim={self.liouville_dim}, "
                f"nnz={self.L.nnz}, method={self.method!r})")


def evolve(H: Any, rho0: Any, times: Any, c_ops: Any = None, e_ops: Any = None, *,
           method: str | Method = "auto", store_states: bool | None = None,
           **options: Any) -> Trajectory:
    r"""Solve the Lindblad equation from ``rho0`` at ``times[0]`` and return a :class:`Trajectory`.

    Parameters
    ----------
    H
        Hamiltonian (array, sparse or ``Qobj``; Hermitian) or an :class:`~qbattery.OpenSystem`
        (then ``c_ops`` must be ``None``).
    rho0
        Initial density matrix or normalised ket.
    times
        Strictly increasing output times (``rho(times[0]) = rho0``).
    c_ops
        Collapse operators :math:`\sqrt{\gamma_k}L_k`.
    e_ops
        ``{name: operator or f(t, rho)}``, a list (keys 0, 1, ...), or ``None`` (then the states
        are stored). Hermitian operators give float64 arrays, others complex128.
    method
        ``"auto"``, ``"propagator"``, ``"krylov"``, ``"ode"`` or a Method instance
        (see :mod:`qbattery.dynamics.methods`).
    store_states
        Force keeping (True) or dropping (False) the states.
    **options
        Options of the method (e.g. ``rtol``, ``atol``, ``solver`` for ``"ode"``).

    Raises
    ------
    InvalidParameterError, DimensionError
        For invalid inputs (the message starts with the argument name).

    Warns
    -----
    TruncationWarning
        When ``H`` is an ``OpenSystem`` with truncated subsystems whose top level population
        exceeds its ``truncation_tol``.
    """
    solver = LindbladSolver(H, c_ops, method=method, **options)
    return solver.run(rho0, times, e_ops, store_states=store_states)
