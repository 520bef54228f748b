r"""Charging power from sampled energies, or exactly from the generator of the dynamics.

Energies are arrays whose ``axis`` (default: the last, as produced by the metrics on states of
shape (..., T, n, n)) runs over the sampling ``times`` (strictly increasing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_operator, check_int, check_times
from ..errors import DimensionError, InvalidParameterError
from ._validate import as_float, as_hamiltonian, as_states, expectation, from_qobj

__all__ = ["average_power", "instantaneous_power", "max_average_power", "power_from_generator"]


def _energies(energies: Any, times: Any, axis: int, min_times: int) -> tuple[np.ndarray, np.ndarray, int]:
    t = check_times(times)
    if t.size < min_times:
        raise InvalidParameterError("times", times, f"at least {min_times} strictly increasing times")
    try:
        e = np.asarray(energies)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("energies", energies, "an array of real energies") from exc
    if np.iscomplexobj(e):
        if e.size and float(np.max(np.abs(e.imag))) > 1e-10 * max(1.0, float(np.max(np.abs(e)))):
            raise InvalidParameterError("energies", e, "real energies")
        e = e.real
    try:
        e = np.asarray(e, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("energies", energies, "an array of real energies") from exc
    if e.ndim == 0:
        raise DimensionError("energies", e, "an array with a time axis")
    ax = check_int(axis, "axis", low=-e.ndim, high=e.ndim - 1) % e.ndim
    if e.shape[ax] != t.size:
        raise DimensionError("energies", e, f"{t.size} samples along axis {axis} to match times")
    if not np.all(np.isfinite(e)):
        raise InvalidParameterError("energies", e, "finite energies (no NaN or inf)")
    return e, t, ax


def average_power(energies, times, *, axis: int = -1) -> np.ndarray:
    r"""Average charging power :math:`P(t) = [E(t) - E(t_0)]/(t - t_0)`, with :math:`t_0` = ``times[0]``.

    Returns an array of the shape of ``energies``; the entry at :math:`t = t_0` is NaN (0/0,
    undefined). Pass any energy-like quantity, e.g. the ergotropy for the ergotropy charging power.
    """
    e, t, ax = _energies(energies, times, axis, 1)
    e = np.moveaxis(e, ax, -1)
    dt = t - t[0]
    out = np.full(e.shape, np.nan)
    out[..., 1:] = (e[..., 1:] - e[..., :1]) / dt[1:]
    return np.moveaxis(out, -1, ax)


def max_average_power(energies, times, *, axis: int = -1) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Maximal average power :math:`P_{max} = \max_{t > t_0} P(t)` and the time :math:`t^*` where it is
    reached (first maximum on the grid; no interpolation). Needs at least two times."""
    e, t, ax = _energies(energies, times, axis, 2)
    p = np.moveaxis(average_power(e, t, axis=ax), ax, -1)[..., 1:]
    k = np.argmax(p, axis=-1)
    pmax = np.take_along_axis(p, k[..., None], axis=-1)[..., 0]
    return as_float(pmax), as_float(t[1:][k])


def instantaneous_power(energies, times, *, axis: int = -1) -> np.ndarray:
    r"""Instantaneous power :math:`P(t) = dE/dt` by finite differences (``numpy.gradient``).

    Second-order accurate (error :math:`O(h^2 E''')` on uniform and non-uniform grids, one-sided at
    the ends, ``edge_order=2``) with three or more times; two times give the first-order slope.
    For the exact value from the generator use :func:`power_from_generator`.
    """
    e, t, ax = _energies(energies, times, axis, 2)
    return np.gradient(e, t, axis=ax, edge_order=2 if t.size >= 3 else 1)


def _qutip_super_to_rowmajor(L: Any, n: int) -> sp.csr_matrix:
    # QuTiP stacks columns (vec_c[i + n j] = rho_ij); qbattery stacks rows (vec[i n + j] = rho_ij).
    if getattr(L, "superrep", "super") != "super":
        raise InvalidParameterError("drho_dt", L, "a superoperator in the 'super' representation")
    try:
        data = L.data_as("csr_matrix")
    except (AttributeError, TypeError, ValueError):  # dense-backed Qobj
        data = L.full()
    m = sp.csr_matrix(data, dtype=np.complex128)
    if m.shape != (n * n, n * n):
        raise DimensionError("drho_dt", L, f"a superoperator of shape ({n * n}, {n * n})")
    idx = np.arange(n * n)
    perm = (idx % n) * n + idx // n
    return m[perm][:, perm]


def _apply_super(L, rho: np.ndarray) -> np.ndarray:
    n = rho.shape[-1]
    v = rho.reshape(-1, n * n)
    return np.asarray((L @ v.T).T).reshape(rho.shape)


def power_from_generator(rho, H, drho_dt: Any | Callable[[np.ndarray], np.ndarray]) -> float | np.ndarray:
    r"""Exact instantaneous power :math:`P = dE/dt = \mathrm{Tr}(H\,\dot\rho)` for a time-independent H.

    ``drho_dt`` is one of

    * the time derivative itself, an array (..., n, n) broadcasting against ``rho``;
    * a callable ``f(rho) -> drho/dt`` acting on one (n, n) state (applied to each state of a batch);
    * a Liouvillian superoperator (n^2, n^2) (NumPy, SciPy sparse, e.g. from
      :func:`qbattery.quantum.liouvillian`) in qbattery's row-major vectorisation, or a QuTiP
      ``super`` Qobj (column-stacking, converted here).

    Only the Hermitian part of :math:`\dot\rho` contributes (the real part of the trace is returned).
    """
    H = as_hamiltonian(H)
    n = H.shape[-1]
    rho = as_states(rho, n=n)
    is_qobj = type(drho_dt).__name__ == "Qobj"
    if is_qobj and getattr(drho_dt, "issuper", False):
        d = _apply_super(_qutip_super_to_rowmajor(drho_dt, n), rho)
    elif callable(drho_dt) and not is_qobj:
        flat = rho.reshape(-1, n, n)
        try:
            d = np.stack([np.asarray(drho_dt(r), dtype=np.complex128) for r in flat])
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError("drho_dt", drho_dt, "a callable returning an (n, n) array") from exc
        if d.shape[1:] != (n, n):
            raise DimensionError("drho_dt", d, f"a callable returning arrays of shape ({n}, {n})")
        d = d.reshape(rho.shape)
    else:
        x = from_qobj(drho_dt)
        if sp.issparse(x) and x.shape == (n, n):
            x = x.toarray()
        if sp.issparse(x) or (n > 1 and np.ndim(x) == 2 and np.shape(x) == (n * n, n * n)):
            d = _apply_super(as_operator(x, "drho_dt", dim=n * n), rho)
        else:
            try:
                d = np.asarray(x, dtype=np.complex128)
            except (TypeError, ValueError) as exc:
                raise InvalidParameterError("drho_dt", drho_dt,
                                            "an array (..., n, n), a callable or a superoperator") from exc
            if d.ndim < 2 or d.shape[-2:] != (n, n):
                raise DimensionError("drho_dt", d,
                                     f"shape (..., {n}, {n}) or a superoperator ({n * n}, {n * n})")
    if not np.all(np.isfinite(d)):
        raise InvalidParameterError("drho_dt", drho_dt, "finite entries (no NaN or inf)")
    return as_float(expectation(d, H))
