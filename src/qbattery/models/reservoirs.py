r"""Markovian reservoirs that turn system lowering operators into dissipative channels.

Each reservoir is a frozen, validated dataclass whose :meth:`Reservoir.channels` takes the
lowering operators :math:`L_i` of the sites it couples to (already embedded in the full space,
e.g. ``site_operators(sigma_minus(), dims)``) and returns :class:`~qbattery.models.Channel`
objects in the core convention :math:`\gamma\,\mathcal D[L]\rho = \gamma(L\rho L^\dagger -
\frac12\{L^\dagger L,\rho\})`:

=========================================  =============================================================
reservoir                                  channels (per site, or on the collective operator)
=========================================  =============================================================
``Loss(gamma)``                            :math:`\gamma\,\mathcal D[L]`
``Gain(gamma)``                            :math:`\gamma\,\mathcal D[L^\dagger]`
``Pumping(gamma)``                         :math:`\gamma\,\mathcal D[L^\dagger]` (incoherent pump; collective: :math:`\mathcal D[J_+]`)
``GainLossReservoir(gamma_gain, gamma_loss)``  :math:`\gamma_{g}\mathcal D[L^\dagger] + \gamma_{l}\mathcal D[L]`
``BosonicThermalReservoir(gamma, n_th)``   :math:`\gamma(\bar n+1)\mathcal D[L] + \gamma\bar n\,\mathcal D[L^\dagger]`
``FermionicReservoir(gamma, mu, T, omega)``  :math:`\gamma(1-n_F)\mathcal D[L] + \gamma n_F\,\mathcal D[L^\dagger]`
``Dephasing(gamma)``                       :math:`\gamma\,\mathcal D[\sigma_z]`, :math:`\sigma_z = 2L^\dagger L - 1`
``Dephasing(gamma, operator="number")``    :math:`\gamma\,\mathcal D[L^\dagger L]`
=========================================  =============================================================

``mode="local"`` gives one set of channels per site (independent reservoirs, or one reservoir
much wider than the system); ``mode="collective"`` gives one channel per process on the
summed operator :math:`\sum_i f(L_i)` (e.g. :math:`J_- = \sum_i\sigma_-^i`, or
:math:`\sum_i\sigma_z^i` for collective dephasing), i.e. the Kossakowski matrix with all
entries equal. Channels of rate exactly 0 are dropped.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from .._checks import as_operator, check_dims, check_int, check_rate, check_real
from ..errors import DimensionError, InvalidParameterError
from ..quantum.operators import embed
from .open_system import Channel

__all__ = [
    "BosonicThermalReservoir",
    "Dephasing",
    "FermionicReservoir",
    "Gain",
    "GainLossReservoir",
    "Loss",
    "Pumping",
    "Reservoir",
    "bose_einstein",
    "fermi_dirac",
    "site_operators",
]


# ------------------------------------------------------------------ occupations
def _real_array(x: Any, name: str, *, low: float | None = None, low_open: bool = False) -> np.ndarray:
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return np.asarray(check_real(x, name, low=low, low_open=low_open))
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, x, "real numbers") from exc
    allowed = "finite real numbers" + (f" {'>' if low_open else '>='} {low:g}" if low is not None else "")
    if not np.all(np.isfinite(a)):
        raise InvalidParameterError(name, x, allowed)
    if low is not None and np.any(a <= low if low_open else a < low):
        raise InvalidParameterError(name, x, allowed)
    return a


def _scalar_or_array(a: np.ndarray):
    return float(a) if a.ndim == 0 else a


def fermi_dirac(omega: Any, mu: Any = 0.0, T: Any = 0.0):
    r"""Fermi-Dirac occupation :math:`n = 1/(e^{(\omega-\mu)/T} + 1)` (broadcasts).

    ``T = 0`` is the step function :math:`\Theta(\mu - \omega)` with :math:`n = 1/2` at
    :math:`\omega = \mu`. Evaluated as ``expit(-(omega - mu)/T)``: no overflow for large
    :math:`|\omega-\mu|/T`. Returns a float for scalar inputs.
    """
    o, m = _real_array(omega, "omega"), _real_array(mu, "mu")
    t = _real_array(T, "T", low=0.0)
    x, t = np.broadcast_arrays(o - m, t)
    step = np.where(x < 0, 1.0, np.where(x > 0, 0.0, 0.5))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        n = np.where(t > 0, expit(-x / np.where(t > 0, t, 1.0)), step)
    return _scalar_or_array(n)


def _fermi_hole(omega: float, mu: float, T: float) -> float:
    # 1 - n computed directly, accurate when n -> 1
    if T > 0:
        return float(expit((omega - mu) / T))
    return 0.0 if omega < mu else (1.0 if omega > mu else 0.5)


def bose_einstein(omega: Any, T: Any):
    r"""Bose-Einstein occupation :math:`\bar n = 1/(e^{\omega/T} - 1)` (broadcasts).

    ``omega > 0`` is required; ``T = 0`` gives 0. Uses ``expm1`` (accurate for
    :math:`\omega \ll T`, where :math:`\bar n \approx T/\omega - 1/2`) and returns 0 without
    overflow for :math:`\omega \gg T`. Returns a float for scalar inputs.
    """
    o = _real_array(omega, "omega", low=0.0, low_open=True)
    t = _real_array(T, "T", low=0.0)
    o, t = np.broadcast_arrays(o, t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        n = np.where(t > 0, 1.0 / np.expm1(o / np.where(t > 0, t, 1.0)), 0.0)
    return _scalar_or_array(n)


# ------------------------------------------------------------------ operators
def site_operators(op: Any, dims: Sequence[int], sites: Sequence[int] | None = None, *,
                   sparse: bool = True) -> list:
    """The one-site operator ``op`` embedded at each of ``sites`` (default: every site) of ``dims``.

    ``site_operators(sigma_minus(), (2,) * n)`` gives the lowering operators of n qubits.
    """
    dims = check_dims(dims)
    if sites is None:
        sites = range(len(dims))
    sites = [check_int(s, "sites", low=0, high=len(dims) - 1) for s in sites]
    if len(set(sites)) != len(sites):
        raise InvalidParameterError("sites", sites, "distinct site indices")
    return [embed(op, s, dims, sparse=sparse) for s in sites]


def _dag(L):
    return L.conj().T.tocsr() if sp.issparse(L) else L.conj().T


def _sigma_z_of(L):
    n = _dag(L) @ L
    eye = sp.identity(L.shape[0], dtype=np.complex128, format="csr") if sp.issparse(L) else np.eye(
        L.shape[0], dtype=np.complex128)
    out = 2.0 * n - eye
    return out.tocsr() if sp.issparse(out) else out


_TRANSFORMS: dict[str, Callable] = {
    "loss": lambda L: L,
    "gain": _dag,
    "number": lambda L: _dag(L) @ L,
    "sigma_z": _sigma_z_of,
}


def _normalise_ops(ops: Any) -> list[tuple[Any, Any]]:
    """(key, operator) pairs from one operator, a sequence or a mapping of operators."""
    if isinstance(ops, Mapping):
        items = list(ops.items())
    elif sp.issparse(ops) or type(ops).__name__ == "Qobj" or (
            isinstance(ops, np.ndarray) and ops.ndim == 2):
        items = [(0, ops)]
    elif isinstance(ops, Sequence) and not isinstance(ops, (str, bytes)):
        items = list(enumerate(ops))
    else:
        raise InvalidParameterError("ops", ops, "an operator, a sequence or a mapping of operators")
    if not items:
        raise InvalidParameterError("ops", ops, "at least one lowering operator")
    out = [(k, as_operator(A, f"ops[{k!r}]")) for k, A in items]
    n = out[0][1].shape[0]
    for k, A in out:
        if A.shape[0] != n:
            raise DimensionError(f"ops[{k!r}]", A, f"shape ({n}, {n}) like the first operator")
    if any(sp.issparse(A) for _, A in out):
        out = [(k, sp.csr_matrix(A)) for k, A in out]
    return out


# ------------------------------------------------------------------ reservoirs
@dataclass(frozen=True)
class Reservoir(abc.ABC):
    """Base class: a reservoir is a list of ``(process, rate)`` terms (see :meth:`terms`).

    ``process`` is one of ``"loss"`` (:math:`L`), ``"gain"`` (:math:`L^\\dagger`), ``"number"``
    (:math:`L^\\dagger L`) and ``"sigma_z"`` (:math:`2L^\\dagger L - 1`).
    """

    default_label: ClassVar[str] = "reservoir"

    @abc.abstractmethod
    def terms(self) -> tuple[tuple[str, float], ...]:
        """The ``(process, rate)`` pairs of this reservoir."""

    def channels(self, ops: Any, mode: str = "local", *, label: str | None = None
                 ) -> tuple[Channel, ...]:
        r"""Channels of this reservoir acting on lowering operators ``ops``.

        Parameters
        ----------
        ops
            Lowering operator(s) :math:`L_i` already embedded in the full space: one operator, a
            sequence (sites labelled 0, 1, ...) or a mapping ``{site_label: operator}``.
        mode
            ``"local"``: channels on each :math:`L_i` separately (independent reservoirs);
            ``"collective"``: one channel per process on :math:`\sum_i f(L_i)` (common reservoir).
        label
            Channel-label prefix (default: the reservoir's kind, e.g. ``"fermionic"``). Labels are
            ``label[site]`` or ``label:process[site]`` (local), ``label`` or ``label:process``
            (collective).
        """
        if mode not in ("local", "collective"):
            raise InvalidParameterError("mode", mode, "'local' or 'collective'")
        label = self.default_label if label is None else str(label)
        items = _normalise_ops(ops)
        terms = [(p, r) for p, r in self.terms() if r > 0]
        single = len(self.terms()) == 1
        out: list[Channel] = []
        for process, rate in terms:
            f = _TRANSFORMS[process]
            name = label if single else f"{label}:{process}"
            if mode == "local":
                out.extend(Channel(f(A), rate, f"{name}[{k}]") for k, A in items)
            else:
                S = f(items[0][1])
                for _, A in items[1:]:
                    S = S + f(A)
                out.append(Channel(S, rate, name))
        return tuple(out)


@dataclass(frozen=True)
class Loss(Reservoir):
    r"""Pure loss (zero-temperature decay) :math:`\gamma\,\mathcal D[L]`."""

    gamma: float
    default_label: ClassVar[str] = "loss"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("loss", self.gamma),)


@dataclass(frozen=True)
class Gain(Reservoir):
    r"""Pure gain :math:`\gamma\,\mathcal D[L^\dagger]` (an inverted, negative-temperature bath)."""

    gamma: float
    default_label: ClassVar[str] = "gain"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("gain", self.gamma),)


@dataclass(frozen=True)
class Pumping(Reservoir):
    r"""Incoherent pumping :math:`\gamma\,\mathcal D[\sigma_+]` per site, or
    :math:`\gamma\,\mathcal D[J_+]` with ``mode="collective"`` (same map as :class:`Gain`)."""

    gamma: float
    default_label: ClassVar[str] = "pump"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("gain", self.gamma),)


@dataclass(frozen=True)
class GainLossReservoir(Reservoir):
    r"""Gain and loss together: :math:`\gamma_g\mathcal D[L^\dagger] + \gamma_l\mathcal D[L]`.

    ``gamma_loss`` defaults to ``gamma_gain`` (the balanced, PT-symmetric configuration).
    """

    gamma_gain: float
    gamma_loss: float | None = None
    default_label: ClassVar[str] = "gainloss"

    def __post_init__(self) -> None:
        g = check_rate(self.gamma_gain, "gamma_gain")
        object.__setattr__(self, "gamma_gain", g)
        loss = g if self.gamma_loss is None else check_rate(self.gamma_loss, "gamma_loss")
        object.__setattr__(self, "gamma_loss", loss)

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("gain", self.gamma_gain), ("loss", self.gamma_loss))


@dataclass(frozen=True)
class Dephasing(Reservoir):
    r"""Pure dephasing :math:`\gamma\,\mathcal D[\sigma_z]` (default) or :math:`\gamma\,\mathcal D[n]`.

    ``operator="sigma_z"`` uses :math:`\sigma_z = 2L^\dagger L - 1` (exact for a qubit lowering
    operator). For a qubit :math:`\mathcal D[\sigma_z]\rho = \sigma_z\rho\sigma_z - \rho`, so the
    coherence :math:`\rho_{eg}` decays at rate :math:`2\gamma` and populations are unchanged;
    :math:`\mathcal D[\sigma_z] = 4\mathcal D[n]` (``operator="number"``, :math:`n = L^\dagger L`,
    coherences between n and n' decay at :math:`\gamma(n-n')^2/2`).
    """

    gamma: float
    operator: str = "sigma_z"
    default_label: ClassVar[str] = "dephasing"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))
        if self.operator not in ("sigma_z", "number"):
            raise InvalidParameterError("operator", self.operator, "'sigma_z' or 'number'")

    def terms(self) -> tuple[tuple[str, float], ...]:
        return ((self.operator, self.gamma),)


@dataclass(frozen=True)
class BosonicThermalReservoir(Reservoir):
    r"""A thermal bosonic bath: loss :math:`\gamma(\bar n+1)\mathcal D[L]`, gain :math:`\gamma\bar n\,\mathcal D[L^\dagger]`.

    Give the occupation ``n_th`` directly, or ``T`` and ``omega`` (then
    :math:`\bar n = 1/(e^{\omega/T}-1)`, 0 at T = 0); with none of them the bath is at zero
    temperature. After construction ``n_th`` always holds the occupation used.
    Detailed balance: a single mode relaxes to the thermal state with mean occupation ``n_th``.
    """

    gamma: float
    n_th: float | None = None
    T: float | None = None
    omega: float | None = None
    default_label: ClassVar[str] = "thermal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))
        if self.n_th is not None:
            if self.T is not None or self.omega is not None:
                raise InvalidParameterError("n_th", self.n_th, "either n_th or (T, omega), not both")
            n = check_real(self.n_th, "n_th", low=0.0)
        elif self.T is None and self.omega is None:
            n = 0.0
        else:
            if self.T is None:
                raise InvalidParameterError("T", None, "a temperature >= 0 together with omega")
            if self.omega is None:
                raise InvalidParameterError("omega", None, "a mode frequency > 0 together with T")
            object.__setattr__(self, "T", check_real(self.T, "T", low=0.0))
            object.__setattr__(self, "omega", check_real(self.omega, "omega", low=0.0, low_open=True))
            n = bose_einstein(self.omega, self.T)
        object.__setattr__(self, "n_th", float(n))

    @property
    def loss_rate(self) -> float:
        r""":math:`\gamma(\bar n + 1)`."""
        return self.gamma * (self.n_th + 1.0)

    @property
    def gain_rate(self) -> float:
        r""":math:`\gamma\bar n`."""
        return self.gamma * self.n_th

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("loss", self.loss_rate), ("gain", self.gain_rate))


@dataclass(frozen=True)
class FermionicReservoir(Reservoir):
    r"""A fermionic (particle-exchanging) bath at chemical potential ``mu`` and temperature ``T``.

    Gain :math:`\gamma n\,\mathcal D[\sigma_+]`, loss :math:`\gamma(1-n)\,\mathcal D[\sigma_-]`,
    with :math:`n = 1/(e^{(\omega-\mu)/T}+1)` the Fermi-Dirac occupation at the reservoir
    frequency ``omega`` (fermionic star paper, Eqs. 5-8). A single qubit relaxes to excited
    population n. ``mode="collective"`` gives Eqs. 5-6 (one common bath), ``"local"`` Eqs. 7-8.
    """

    gamma: float
    mu: float
    T: float
    omega: float
    default_label: ClassVar[str] = "fermionic"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_rate(self.gamma, "gamma"))
        object.__setattr__(self, "mu", check_real(self.mu, "mu"))
        object.__setattr__(self, "T", check_real(self.T, "T", low=0.0))
        object.__setattr__(self, "omega", check_real(self.omega, "omega"))

    @property
    def occupation(self) -> float:
        """Fermi-Dirac occupation n of the reservoir at ``omega``."""
        return fermi_dirac(self.omega, self.mu, self.T)

    @property
    def gain_rate(self) -> float:
        r""":math:`\gamma n`."""
        return self.gamma * self.occupation

    @property
    def loss_rate(self) -> float:
        r""":math:`\gamma(1 - n)`."""
        return self.gamma * _fermi_hole(self.omega, self.mu, self.T)

    def terms(self) -> tuple[tuple[str, float], ...]:
        return (("loss", self.loss_rate), ("gain", self.gain_rate))
