"""Partial trace over subsystems of a composite space, broadcasting over leading axes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._checks import check_dims, check_int
from ..errors import DimensionError, InvalidParameterError

__all__ = ["partial_trace"]


def partial_trace(rho, dims: Sequence[int], keep: int | Sequence[int]) -> np.ndarray:
    r"""Reduced state :math:`\mathrm{Tr}_{\bar K}\rho` on the subsystems ``keep`` (in their order).

    ``rho`` has shape (..., D, D) with D = prod(dims); the result has shape (..., d_K, d_K).
    """
    rho = np.asarray(rho)
    dims = check_dims(dims)
    D = math.prod(dims)
    if rho.ndim < 2 or rho.shape[-1] != D or rho.shape[-2] != D:
        raise DimensionError("rho", rho, f"shape (..., {D}, {D}) for dims {dims}")
    if isinstance(keep, (int, np.integer)):
        keep = [keep]
    keep = [check_int(k, "keep", low=0, high=len(dims) - 1) for k in keep]
    if len(set(keep)) != len(keep) or not keep:
        raise InvalidParameterError("keep", keep, "distinct subsystem indices")
    n = len(dims)
    lead = rho.shape[:-2]
    t = rho.reshape(*lead, *dims, *dims)
    nl = len(lead)
    traced = [i for i in range(n) if i not in keep]
    # einsum labels: leading axes, row indices, column indices (traced ones share the label)
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    lead_l = [next(letters) for _ in range(nl)]
    row = [next(letters) for _ in range(n)]
    col = [row[i] if i in traced else next(letters) for i in range(n)]
    out = lead_l + [row[k] for k in keep] + [col[k] for k in keep]
    expr = "".join(lead_l + row + col) + "->" + "".join(out)
    red = np.einsum(expr, t)
    dk = math.prod(dims[k] for k in keep)
    return red.reshape(*lead, dk, dk)
