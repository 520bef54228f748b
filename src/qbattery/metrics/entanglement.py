r"""Two-qubit entanglement: Wootters concurrence, and its average over qubit pairs of a register."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .._checks import check_int
from ..errors import DimensionError, InvalidParameterError
from ..quantum.partial_trace import partial_trace
from ._validate import as_float, as_states, check_positive

__all__ = ["average_concurrence", "concurrence"]

# sigma_y (x) sigma_y: its sign does not depend on the sign convention of sigma_y, and relabelling
# |0> <-> |1> on either qubit (sigma_x conjugation) leaves it unchanged, so the spin flip, and the
# concurrence, are the same in qbattery's (|0> = |g>) and QuTiP's (|0> = |e>) basis.
_YY = np.array([[0, 0, 0, -1], [0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0]], dtype=np.complex128)


def _concurrence(rho: np.ndarray) -> np.ndarray:
    r, u = np.linalg.eigh(rho)
    check_positive(r, "rho", rho)
    sq = (u * np.sqrt(np.clip(r, 0.0, None))[..., None, :]) @ u.conj().swapaxes(-1, -2)
    # lambda_i = sqrt(eig(rho rho~)) = singular values of sqrt(rho) YY sqrt(rho)^*, which is stable
    # (no square roots of tiny negative or complex eigenvalues of a non-Hermitian product).
    lam = np.linalg.svd(sq @ _YY @ sq.conj(), compute_uv=False)  # descending
    c = lam[..., 0] - lam[..., 1] - lam[..., 2] - lam[..., 3]
    return np.clip(c, 0.0, 1.0)


def concurrence(rho) -> float | np.ndarray:
    r"""Wootters concurrence :math:`C = \max(0, \lambda_1 - \lambda_2 - \lambda_3 - \lambda_4)` of a
    two-qubit state (Wootters, PRL 80, 2245 (1998)).

    :math:`\lambda_i` are the decreasing square roots of the eigenvalues of
    :math:`\rho\tilde\rho`, :math:`\tilde\rho = (\sigma_y\otimes\sigma_y)\rho^*(\sigma_y\otimes\sigma_y)`.
    ``rho`` has shape (..., 4, 4) (qubit order as in ``dims = (2, 2)``); C is in [0, 1], 1 for Bell
    states and 0 for separable states.
    """
    return as_float(_concurrence(as_states(rho, n=4)))


def average_concurrence(rho, n_qubits: int,
                        pairs: Sequence[tuple[int, int]] | None = None) -> float | np.ndarray:
    r"""Mean concurrence of the reduced two-qubit states :math:`\rho_{ij} = \mathrm{Tr}_{\overline{ij}}\rho`
    over the qubit ``pairs`` (all :math:`N(N-1)/2` pairs :math:`i < j` when None).

    ``rho`` has shape (..., 2^N, 2^N) with ``N = n_qubits`` (qubit 0 = slowest Kronecker index).
    """
    n_qubits = check_int(n_qubits, "n_qubits", low=2)
    D = 2 ** n_qubits
    rho = as_states(rho)
    if rho.shape[-1] != D:
        raise DimensionError("rho", rho, f"shape (..., {D}, {D}) for n_qubits = {n_qubits}")
    if pairs is None:
        pairs = list(itertools.combinations(range(n_qubits), 2))
    try:
        pairs = [(int(i), int(j)) for i, j in pairs]
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("pairs", pairs, "a sequence of qubit index pairs (i, j)") from exc
    if not pairs:
        raise InvalidParameterError("pairs", pairs, "at least one pair of qubits")
    for i, j in pairs:
        if i == j or not (0 <= i < n_qubits and 0 <= j < n_qubits):
            raise InvalidParameterError("pairs", pairs, f"pairs of distinct qubit indices in [0, {n_qubits - 1}]")
    dims = [2] * n_qubits
    cs = [_concurrence(partial_trace(rho, dims, keep=[i, j])) for i, j in pairs]
    return as_float(np.mean(cs, axis=0))
