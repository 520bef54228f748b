"""One exception tree for qbattery.

Every message is one line that names the argument, its value and what is allowed,
so that a user (or the CLI, which prints it and exits with code 2) can act on it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DegenerateSteadyStateError",
    "DimensionError",
    "InvalidParameterError",
    "NotCompletelyPositiveError",
    "QBatteryError",
    "SolverError",
    "TruncationWarning",
]


def _short(value: Any, limit: int = 60) -> str:
    """A compact repr of a value for error messages (arrays by shape and dtype)."""
    shape = getattr(value, "shape", None)
    if shape is not None and getattr(value, "ndim", 0) > 0:
        return f"<{type(value).__name__} shape={tuple(shape)} dtype={getattr(value, 'dtype', '?')}>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class QBatteryError(Exception):
    """Base class of every error raised by qbattery."""


class InvalidParameterError(QBatteryError, ValueError):
    """An argument has a value that is not allowed.

    Build it with the argument name, the offending value and what is allowed:
    ``InvalidParameterError("gamma", -1.0, "a finite number >= 0")`` gives
    ``gamma = -1.0 is invalid: expected a finite number >= 0``.
    """

    def __init__(self, name: str, value: Any, allowed: str, detail: str | None = None) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        msg = f"{name} = {_short(value)} is invalid: expected {allowed}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


class DimensionError(InvalidParameterError):
    """Shapes or subsystem dimensions of the arguments do not match."""


class NotCompletelyPositiveError(InvalidParameterError):
    """A rate (Kossakowski) matrix is not Hermitian positive semidefinite.

    Such a generator is not of Lindblad form and does not give a completely
    positive map; qbattery refuses to integrate it.
    """


class DegenerateSteadyStateError(QBatteryError, RuntimeError):
    """The Liouvillian has more than one steady state and none was selected.

    Pass ``rho0`` to obtain the steady state reached from that initial state.
    """

    def __init__(self, kernel_dim: int) -> None:
        self.kernel_dim = kernel_dim
        super().__init__(
            f"the Liouvillian kernel has dimension {kernel_dim} (several steady states, e.g. dark "
            "states or conserved quantities): pass rho0=... to get the steady state reached from "
            "that initial state"
        )


class SolverError(QBatteryError, RuntimeError):
    """A numerical method failed (no convergence, residual above tolerance)."""


class TruncationWarning(UserWarning):
    """Population in the top level of a truncated (e.g. Fock) space exceeds the tolerance."""
