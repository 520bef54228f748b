r"""The time-independent open-system model that every solver takes.

.. math::
    \dot\rho = -i[H, \rho] + \sum_k \gamma_k \mathcal D[L_k]\rho, \qquad
    \mathcal D[L]\rho = L\rho L^\dagger - \tfrac12\{L^\dagger L, \rho\}

(hbar = 1). The battery is a named subsystem (or the whole system) with its own Hamiltonian
``H_battery`` (acting on that subsystem only), used for energy and ergotropy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_hermitian, as_operator, check_dims, check_int, check_rate
from ..errors import DimensionError, InvalidParameterError
from ..quantum.partial_trace import partial_trace
from ..quantum.superoperators import liouvillian as _liouvillian

__all__ = ["Channel", "OpenSystem"]


@dataclass(frozen=True, eq=False)
class Channel:
    r"""One dissipative term :math:`\gamma\,\mathcal D[L]` with a human-readable label."""

    L: Any
    rate: float = 1.0
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "L", as_operator(self.L, f"L ({self.label or 'channel'})"))
        object.__setattr__(self, "rate", check_rate(self.rate, f"rate ({self.label or 'channel'})"))

    @property
    def c_op(self):
        r"""The collapse operator :math:`\sqrt\gamma L` (QuTiP convention)."""
        return math.sqrt(self.rate) * self.L


def _as_channel(c, i: int) -> Channel:
    if isinstance(c, Channel):
        return c
    if isinstance(c, tuple) and len(c) in (2, 3):
        return Channel(c[0], c[1], c[2] if len(c) == 3 else f"c{i}")
    return Channel(c, 1.0, f"c{i}")


@dataclass(frozen=True, eq=False)
class OpenSystem:
    """A Lindblad model: Hamiltonian, dissipative channels, subsystem dims and the battery.

    Parameters
    ----------
    H
        System Hamiltonian (D x D; array, sparse or ``Qobj``), Hermitian.
    channels
        Dissipative terms: :class:`Channel` objects, ``(L, rate[, label])`` tuples, or bare
        collapse operators (rate 1, i.e. already :math:`\\sqrt\\gamma L`).
    dims
        Subsystem dimensions, product D. Default ``(D,)``.
    battery
        Index (or indices) of the battery subsystem(s) in ``dims``; ``None`` = whole system.
    H_battery
        Battery Hamiltonian on the battery subsystem(s) (used for energy and ergotropy).
        Default: ``H`` when the battery is the whole system (required otherwise).
    names
        Optional names of the subsystems (e.g. ``("charger", "battery")``).
    truncated
        Indices of truncated bosonic subsystems: solvers report the largest population of their
        top Fock level and warn (:class:`~qbattery.errors.TruncationWarning`) above ``truncation_tol``.
    truncation_tol
        Tolerance on the top-level population (default 1e-10).
    """

    H: Any
    channels: tuple[Channel, ...] = ()
    dims: tuple[int, ...] | None = None
    battery: int | tuple[int, ...] | None = None
    H_battery: Any = None
    names: tuple[str, ...] | None = None
    truncated: tuple[int, ...] = ()
    truncation_tol: float = 1e-10
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        H = as_hermitian(self.H, "H")
        D = H.shape[0]
        object.__setattr__(self, "H", H)
        dims = (D,) if self.dims is None else check_dims(self.dims, "dims", total=D)
        object.__setattr__(self, "dims", dims)
        chans = tuple(_as_channel(c, i) for i, c in enumerate(self.channels))
        for c in chans:
            if c.L.shape[0] != D:
                raise DimensionError(f"L ({c.label})", c.L, f"shape ({D}, {D}) to match H")
        object.__setattr__(self, "channels", chans)
        battery = self.battery
        if battery is not None:
            idx = (battery,) if isinstance(battery, (int, np.integer)) else tuple(battery)
            idx = tuple(check_int(b, "battery", low=0, high=len(dims) - 1) for b in idx)
            if len(set(idx)) != len(idx) or not idx:
                raise InvalidParameterError("battery", battery, "distinct subsystem indices")
            battery = idx
        object.__setattr__(self, "battery", battery)
        dB = D if battery is None else math.prod(dims[b] for b in battery)
        if self.H_battery is None:
            if battery is not None:
                raise InvalidParameterError("H_battery", None,
                                            "a battery Hamiltonian when battery is a subsystem")
            HB = H
        else:
            HB = as_hermitian(self.H_battery, "H_battery", dim=dB)
        object.__setattr__(self, "H_battery", HB)
        if self.names is not None:
            names = tuple(str(n) for n in self.names)
            if len(names) != len(dims):
                raise InvalidParameterError("names", self.names, f"{len(dims)} names, one per subsystem")
            object.__setattr__(self, "names", names)
        trunc = tuple(check_int(t, "truncated", low=0, high=len(dims) - 1) for t in self.truncated)
        object.__setattr__(self, "truncated", trunc)
        check_rate(self.truncation_tol, "truncation_tol")

    def top_level_population(self, rho) -> np.ndarray:
        """Largest population of the top Fock level over the truncated subsystems.

        Broadcasts over leading axes; returns 0 when no subsystem is truncated.
        """
        rho = np.asarray(rho)
        out = np.zeros(rho.shape[:-2])
        for t in self.truncated:
            red = partial_trace(rho, self.dims, t)
            out = np.maximum(out, red[..., -1, -1].real)
        return out

    # ------------------------------------------------------------------ views
    @property
    def dim(self) -> int:
        """Hilbert-space dimension D."""
        return self.H.shape[0]

    @property
    def c_ops(self) -> list:
        r"""Collapse operators :math:`\sqrt{\gamma_k} L_k`."""
        return [c.c_op for c in self.channels]

    def liouvillian(self):
        """Sparse Lindblad generator (row-major vectorisation, see :mod:`qbattery.quantum.superoperators`)."""
        return _liouvillian(self.H, self.c_ops)

    def battery_state(self, rho) -> np.ndarray:
        """Reduced state of the battery subsystem(s); broadcasts over leading axes."""
        rho = np.asarray(rho)
        if self.battery is None:
            return rho
        return partial_trace(rho, self.dims, list(self.battery))

    def subsystem(self, name_or_index: str | int) -> int:
        """Index of a subsystem given its name or index."""
        if isinstance(name_or_index, str):
            if self.names is None or name_or_index not in self.names:
                raise InvalidParameterError("subsystem", name_or_index, f"one of {self.names}")
            return self.names.index(name_or_index)
        return check_int(name_or_index, "subsystem", low=0, high=len(self.dims) - 1)

    def reduced_state(self, rho, keep: str | int | Sequence[str | int]) -> np.ndarray:
        """Partial trace onto the named (or indexed) subsystem(s)."""
        if isinstance(keep, (str, int, np.integer)):
            keep = [keep]
        return partial_trace(rho, self.dims, [self.subsystem(k) for k in keep])

    def with_channels(self, extra: Iterable) -> OpenSystem:
        """A copy with extra dissipative channels appended."""
        extra = tuple(_as_channel(c, len(self.channels) + i) for i, c in enumerate(extra))
        return replace(self, channels=self.channels + extra)

    def with_hamiltonian(self, H) -> OpenSystem:
        """A copy with another Hamiltonian (e.g. charger switched off)."""
        return replace(self, H=H)

    def is_sparse(self) -> bool:
        return sp.issparse(self.H)

    def __repr__(self) -> str:
        labels = ", ".join(f"{c.label}:{c.rate:g}" for c in self.channels)
        return (f"OpenSystem(dim={self.dim}, dims={self.dims}, battery={self.battery}, "
                f"channels=[{labels}])")
