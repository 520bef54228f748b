r"""Truncated bosonic modes: the gain-and-loss battery, truncation control and Fock-diagonal metrics.

A bosonic mode is kept on the Fock levels :math:`|0\rangle, \dots, |c-1\rangle` (``cutoff`` c).
The truncated :math:`b` and :math:`b^\dagger` still give a valid Lindbladian (trace preserving,
completely positive): the top level simply cannot gain. The price is an error of the order of
the population that reaches the top level, so every result reports it and warns
(:class:`~qbattery.errors.TruncationWarning`) above a tolerance (default ``1e-10``):

* :func:`gain_loss_boson` builds the model of Costa, Beder and Brandão,
  :math:`\dot\rho = -i\omega[b^\dagger b, \rho] + \gamma_G\mathcal D[b^\dagger]\rho +
  \gamma_L\mathcal D[b]\rho`, as an :class:`~qbattery.OpenSystem` with the mode marked truncated;
* :func:`auto_cutoff` chooses the smallest cutoff whose top-level population stays below the
  tolerance up to a final time (using the population sector of
  :class:`~qbattery.symmetry.CoherenceSectors`: for a U(1)-covariant model the populations evolve
  on their own, a rate equation of size c);
* :func:`top_level_population` reads the top-level population from states of any shape;
* :func:`diagonal_ergotropy` is the ergotropy of a state diagonal in the energy eigenbasis
  (sort the populations), without diagonalising a c x c matrix per time.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_cutoff, check_dims, check_int, check_real, check_times
from ..errors import InvalidParameterError, SolverError, TruncationWarning
from ..quantum.operators import destroy, number
from .open_system import OpenSystem
from .reservoirs import GainLossReservoir

__all__ = [
    "CutoffChoice",
    "auto_cutoff",
    "diagonal_ergotropy",
    "gain_loss_boson",
    "top_level_population",
]

#: Default tolerance on the population of the top Fock level.
TRUNCATION_TOL = 1e-10


def gain_loss_boson(cutoff: int, gamma_gain: float = 1.0, gamma_loss: float | None = None, *,
                    omega: float = 1.0, truncation_tol: float = TRUNCATION_TOL) -> OpenSystem:
    r"""A single bosonic mode with incoherent gain and loss (the PT-symmetric battery when balanced).

    .. math:: H = \omega b^\dagger b,\qquad
              \dot\rho = -i[H,\rho] + \gamma_G\mathcal D[b^\dagger]\rho + \gamma_L\mathcal D[b]\rho,

    :math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2`. ``gamma_loss`` defaults to
    ``gamma_gain`` (balanced gain and loss, :math:`\gamma_G = \gamma_L = \gamma`; then
    :math:`d\langle b^\dagger b\rangle/dt = \gamma_G - (\gamma_L - \gamma_G)\langle b^\dagger b
    \rangle = \gamma` and no steady state exists). The battery is the whole mode with
    :math:`H_B = \omega b^\dagger b`; subsystem 0 is marked truncated (top-level population
    reported by every solver, warning above ``truncation_tol``).
    """
    cutoff = check_cutoff(cutoff)
    omega = check_real(omega, "omega")
    res = GainLossReservoir(gamma_gain, gamma_loss)
    b = destroy(cutoff, sparse=True)
    H = omega * number(cutoff, sparse=True)
    return OpenSystem(H, channels=res.channels(b, label="battery"), names=("battery",),
                      truncated=(0,), truncation_tol=truncation_tol,
                      metadata={"model": "gain_loss_boson", "cutoff": cutoff, "omega": omega,
                                "gamma_gain": res.gamma_gain, "gamma_loss": res.gamma_loss})


def top_level_population(rho: Any, dims: Sequence[int] | int | None = None,
                         truncated: Sequence[int] = (0,)) -> float | np.ndarray:
    """Largest population of the top level over the ``truncated`` subsystems of ``dims``.

    ``rho``: density matrices (..., D, D) or populations (..., D) (a 1-d input is read as
    populations). ``dims`` defaults to ``(D,)``. Broadcasts over leading axes; 0-d results are
    floats.
    """
    a = np.asarray(rho)
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
        pops = np.diagonal(a, axis1=-2, axis2=-1).real
    else:
        pops = a.real
    D = pops.shape[-1]
    dims = (D,) if dims is None else check_dims(dims, total=D)
    lead = pops.shape[:-1]
    p = pops.reshape(*lead, *dims)
    out = np.zeros(lead)
    for s in truncated:
        s = check_int(s, "truncated", low=0, high=len(dims) - 1)
        top = np.take(p, -1, axis=len(lead) + s)
        out = np.maximum(out, top.reshape(*lead, -1).sum(axis=-1))
    return float(out) if out.ndim == 0 else out


def diagonal_ergotropy(populations: Any, energies: Any) -> float | np.ndarray:
    r"""Ergotropy of a state diagonal in the eigenbasis of H with level ``energies``.

    :math:`\mathcal E = \sum_n p_n\epsilon_n - \sum_n p_n^\downarrow\epsilon_n^\uparrow` (the
    passive state puts the largest population on the lowest level; Allahverdyan, Balian and
    Nieuwenhuizen 2004). ``populations`` (..., n), ``energies`` (n,). For a Fock-diagonal state of
    :math:`H = \omega b^\dagger b` pass ``omega * arange(cutoff)``. Exact for diagonal states;
    equals :func:`qbattery.metrics.ergotropy` on ``diag(p)``.
    """
    p = np.asarray(populations, dtype=np.float64)
    e = np.asarray(energies, dtype=np.float64)
    if e.ndim != 1 or p.shape[-1:] != e.shape:
        raise InvalidParameterError("populations", p, f"shape (..., {e.size}) to match energies")
    es = np.sort(e)
    ps = -np.sort(-p, axis=-1)
    # shift by the band centre: the result is shift invariant and cancellation is smaller
    c = 0.5 * (es[0] + es[-1])
    w = p @ (e - c) - ps @ (es - c)
    tol = 1e-10 * max(abs(es[0]), abs(es[-1]), 1e-300)
    w = np.where((w < 0) & (w >= -tol), 0.0, w)
    return float(w) if np.ndim(w) == 0 else w


@dataclass(frozen=True)
class CutoffChoice:
    """Result of :func:`auto_cutoff`: the cutoff, and the top-level population it gives.

    ``tried`` lists every ``(cutoff, top_population)`` evaluated, in order. ``int(choice)`` is
    the cutoff.
    """

    cutoff: int
    top_population: float
    t_final: float
    tol: float
    tried: tuple[tuple[int, float], ...]

    def __int__(self) -> int:
        return self.cutoff

    def __index__(self) -> int:
        return self.cutoff


def _pad_state(rho0: Any, cutoff: int) -> np.ndarray:
    a = np.asarray(rho0, dtype=np.complex128)
    if a.ndim == 1:
        a = np.diag(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InvalidParameterError("rho0", a, "a density matrix, populations, or a function "
                                    "cutoff -> rho0")
    n = a.shape[0]
    if n > cutoff:
        if np.any(np.abs(a[cutoff:, :]) > 0) or np.any(np.abs(a[:, cutoff:]) > 0):
            raise InvalidParameterError("rho0", a, f"a state that fits in {cutoff} levels")
        return a[:cutoff, :cutoff].copy()
    out = np.zeros((cutoff, cutoff), dtype=np.complex128)
    out[:n, :n] = a
    return out


def auto_cutoff(model: Callable[[int], OpenSystem], rho0: Any, t_final: float, *,
                tol: float = TRUNCATION_TOL, start: int = 16, growth: float = 2.0,
                max_cutoff: int = 8192, n_check: int = 8, rel_resolution: float = 0.02
                ) -> CutoffChoice:
    r"""The smallest cutoff (to ``rel_resolution``) keeping the top-level population below ``tol``.

    Parameters
    ----------
    model
        ``model(cutoff) -> OpenSystem`` with the bosonic subsystem(s) in ``truncated`` (e.g.
        ``lambda c: gain_loss_boson(c, gamma)``). It must be U(1) covariant (the check of
        :class:`~qbattery.symmetry.CoherenceSectors` runs).
    rho0
        The initial state: a function ``cutoff -> rho0``, or (single mode) a density matrix or
        population vector on the first levels, zero-padded to each cutoff.
    t_final
        Final time; the top population is checked at ``n_check`` equally spaced times in
        ``[0, t_final]`` (its maximum is what counts).
    tol
        Tolerance on the top-level population (default ``1e-10``).
    start, growth, max_cutoff
        The cutoff grows geometrically from ``start`` until the tolerance is met (or
        :class:`~qbattery.errors.SolverError` past ``max_cutoff``), then a bisection finds the
        smallest passing cutoff to within ``rel_resolution`` (relative).

    Only the populations are evolved (order 0 of the coherence sectors; for a covariant model they
    do not depend on the coherences), with one eigendecomposition of a size-c rate matrix per
    candidate.
    """
    from ..symmetry.coherence import CoherenceSectors

    t_final = check_real(t_final, "t_final", low=0.0)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    start = check_int(start, "start", low=2)
    growth = check_real(growth, "growth", low=1.0, low_open=True)
    max_cutoff = check_int(max_cutoff, "max_cutoff", low=start)
    n_check = check_int(n_check, "n_check", low=1)
    rel_resolution = check_real(rel_resolution, "rel_resolution", low=0.0)
    if not callable(model):
        raise InvalidParameterError("model", model, "a function cutoff -> OpenSystem")
    times = check_times(np.linspace(0.0, t_final, n_check + 1) if t_final > 0 else [0.0])
    tried: list[tuple[int, float]] = []
    cache: dict[int, float] = {}

    def top(c: int) -> float:
        if c in cache:
            return cache[c]
        m = model(c)
        if not isinstance(m, OpenSystem) or not m.truncated:
            raise InvalidParameterError("model", m, "an OpenSystem with truncated subsystems")
        r0 = rho0(c) if callable(rho0) else _pad_state(rho0, c)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncationWarning)
            traj = CoherenceSectors(m).run(r0, times, orders=[0], store_states=False)
        v = float(traj.stats.max_top_population)
        cache[c] = v
        tried.append((c, v))
        return v

    lo, hi = None, start
    while top(hi) > tol:
        if hi >= max_cutoff:
            raise SolverError(f"max_cutoff = {max_cutoff} is too small: the top-level population "
                              f"is {cache[hi]:.3g} > tol = {tol:.3g} at t_final = {t_final:g}")
        nxt = math.ceil(hi * growth)
        if lo is not None and 0.0 < cache[hi] < cache[lo]:
            # two failing cutoffs: extrapolate log(top) linearly (geometric tail), aim 5% past
            slope = (math.log(cache[hi]) - math.log(cache[lo])) / (hi - lo)
            guess = hi + (math.log(tol) - math.log(cache[hi])) / slope
            nxt = min(nxt, math.ceil(1.05 * guess))
        lo = hi
        hi = min(max_cutoff, max(hi + 1, nxt))
    if lo is not None:
        # The tail is close to geometric in the cutoff, so log(top) is nearly linear in c:
        # regula falsi on log(top), kept inside the bracket, converges in a few steps.
        while hi - lo > max(1, int(rel_resolution * hi)):
            a, b = math.log(max(cache[lo], 1e-300)), math.log(max(cache[hi], 1e-300))
            guess = lo + (math.log(tol) - a) * (hi - lo) / (b - a) if b < a else (lo + hi) / 2
            mid = min(hi - 1, max(lo + 1, math.ceil(guess)))
            if top(mid) > tol:
                lo = mid
            elif mid - lo > 1 and top(max(lo + 1, mid - max(1, int(rel_resolution * hi)))) > tol:
                lo, hi = max(lo + 1, mid - max(1, int(rel_resolution * hi))), mid
            else:
                hi = mid
    return CutoffChoice(cutoff=hi, top_population=cache[hi], t_final=t_final, tol=tol,
                        tried=tuple(tried))
