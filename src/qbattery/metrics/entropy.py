r"""Von Neumann entropy of states (..., n, n)."""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_real
from ..errors import InvalidParameterError
from ._validate import as_float, as_states, check_positive

__all__ = ["von_neumann_entropy"]


def von_neumann_entropy(rho, base: float = math.e) -> float | np.ndarray:
    r"""Von Neumann entropy :math:`S(\rho) = -\sum_k r_k \log_b r_k` over the eigenvalues of rho.

    Natural logarithm by default (``base=2`` gives bits); :math:`0 \le S \le \log_b n`.
    Eigenvalues :math:`\le 0` (round-off, down to ``-STATE_POSITIVITY_ATOL`` = -1e-6; lower ones raise)
    contribute 0, the limit of :math:`-r\log r`.
    """
    b = check_real(base, "base", low=0.0, low_open=True, allow_inf=False)
    if b == 1.0:
        raise InvalidParameterError("base", base, "a logarithm base > 0 and != 1")
    rho = as_states(rho)
    r = np.linalg.eigvalsh(rho)
    check_positive(r, "rho", rho)
    pos = r > 0
    safe = np.where(pos, r, 1.0)
    s = -np.sum(np.where(pos, safe * np.log(safe), 0.0), axis=-1)
    return as_float(np.maximum(s, 0.0) / math.log(b))
