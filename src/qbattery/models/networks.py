r"""Qubit networks as :class:`~qbattery.models.OpenSystem`: topology + reservoirs + battery site.

.. math::
    \dot\rho = -i\Big[\sum_i\omega_0\sigma_z^i + \sum_{(i,j)\in E}J(\sigma_+^i\sigma_-^j + h.c.),
    \rho\Big] + \text{reservoir channels}.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_int, check_rate
from ..errors import DimensionError, InvalidParameterError
from ..quantum.operators import sigma_minus, sigma_z
from .dissipators import check_kossakowski
from .open_system import Channel, OpenSystem
from .reservoirs import Reservoir, site_operators
from .topology import Topology, _per_site, qubit_network_hamiltonian

__all__ = ["edge_kossakowski_matrix", "qubit_network"]


def edge_kossakowski_matrix(topology: Topology, gamma: Any, gamma_edge: Any, *,
                            check: bool = True) -> np.ndarray:
    r"""Kossakowski matrix :math:`G = \gamma I + \gamma_{\rm edge}\,\mathrm{Adj}` of a graph.

    Independent decay :math:`\gamma\mathcal D[\sigma_-^i]` of every site plus a correlated
    (leakage) term on every edge, :math:`\gamma_{\rm edge}(\sigma_-^j\rho\sigma_+^i -
    \frac12\{\sigma_+^i\sigma_-^j,\rho\})` for both orientations of (i, j), in core rates (the
    self-discharge reproduction, Eqs. 12-13, uses ``gamma = Gamma/2``, ``gamma_edge = Gamma_d/2``).
    Completely positive iff ``gamma_edge <= max_psd_coupling(gamma, topology.adjacency())``
    :math:`= \gamma/|\lambda_{\min}(\mathrm{Adj})|`; with ``check=True`` a non-PSD G raises
    :class:`~qbattery.errors.NotCompletelyPositiveError`. Feed G to
    :func:`~qbattery.models.dissipators.kossakowski_channels` with
    ``site_operators(sigma_minus(), (2,) * n)``.
    """
    g = check_rate(gamma, "gamma")
    ge = check_rate(gamma_edge, "gamma_edge")
    G = g * np.eye(topology.n_sites) + ge * topology.adjacency()
    if check:
        check_kossakowski(G, "G")
    return G


def qubit_network(topology: Topology, omega0: Any, J: Any, reservoirs: Any = None, *,
                  mode: str = "local", battery: int = 0, extra_channels: Sequence = (),
                  sparse: bool = False) -> OpenSystem:
    r"""An n-qubit network with one battery site, as an :class:`OpenSystem`.

    Parameters
    ----------
    topology
        Graph of the qubits (``n = topology.n_sites``, dims ``(2,) * n``, names ``q0..q{n-1}``).
    omega0, J
        :func:`~qbattery.models.topology.qubit_network_hamiltonian` parameters
        (:math:`\omega_0\sigma_z` per site: splitting :math:`2\omega_0`; scalars or per site / edge).
    reservoirs
        ``None``; one :class:`~qbattery.models.reservoirs.Reservoir` coupled to every qubit's
        :math:`\sigma_-` with ``mode`` (``"local"``: independent baths with equal parameters,
        ``"collective"``: one common bath); or a sequence of n reservoirs (or ``None``), one
        independent bath per site (e.g. non-equilibrium chemical potentials).
    battery
        Index of the battery qubit; ``H_battery = omega0[battery] * sigma_z``.
    extra_channels
        More channels (e.g. from :func:`~qbattery.models.dissipators.kossakowski_channels`).
    sparse
        Store H and the jump operators as SciPy CSR.
    """
    n = topology.n_sites
    dims = (2,) * n
    b = check_int(battery, "battery", low=0, high=n - 1)
    w = _per_site(omega0, n, "omega0")
    H = qubit_network_hamiltonian(topology, w, J, sparse=sparse)
    ops = site_operators(sigma_minus(), dims, sparse=sparse)
    channels: list[Channel] = []
    if isinstance(reservoirs, Reservoir):
        channels.extend(reservoirs.channels(ops, mode))
    elif reservoirs is not None:
        if mode != "local":
            raise InvalidParameterError("mode", mode, "'local' when one reservoir per site is given")
        if not isinstance(reservoirs, Sequence) or len(reservoirs) != n:
            raise DimensionError("reservoirs", reservoirs,
                                 f"a Reservoir or a sequence of {n} reservoirs (or None), one per site")
        for i, r in enumerate(reservoirs):
            if r is None:
                continue
            if not isinstance(r, Reservoir):
                raise InvalidParameterError(f"reservoirs[{i}]", r, "a Reservoir or None")
            channels.extend(r.channels({i: ops[i]}, "local"))
    channels.extend(extra_channels)
    return OpenSystem(
        H, tuple(channels), dims=dims, battery=b, H_battery=w[b] * sigma_z(),
        names=tuple(f"q{i}" for i in range(n)),
        metadata={"model": "qubit_network", "topology": topology.name, "edges": topology.edges,
                  "omega0": w.tolist(), "battery_site": b},
    )
