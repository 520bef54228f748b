"""Qubit networks as OpenSystem: reservoir placement, battery site, leakage Kossakowski matrix."""

import numpy as np
import pytest
import scipy.linalg as sla

import qbattery as qb
from qbattery.errors import DimensionError, InvalidParameterError, NotCompletelyPositiveError
from qbattery.models import (
    FermionicReservoir,
    Loss,
    OpenSystem,
    Topology,
    edge_kossakowski_matrix,
    fermi_dirac,
    kossakowski_channels,
    max_psd_coupling,
    qubit_network,
    site_operators,
)


def _kernel(system):
    return sla.null_space(system.liouvillian().toarray(), rcond=1e-10)


def test_collective_fermionic_star():
    res = FermionicReservoir(gamma=1.0, mu=2.0, T=1.0, omega=1.0)
    sys = qubit_network(Topology.star(3), omega0=10.0, J=1.0, reservoirs=res, mode="collective")
    assert isinstance(sys, OpenSystem)
    assert sys.dims == (2, 2, 2) and sys.battery == (0,) and sys.names == ("q0", "q1", "q2")
    np.testing.assert_allclose(sys.H_battery, 10.0 * qb.sigma_z())
    assert [c.label for c in sys.channels] == ["fermionic:loss", "fermionic:gain"]
    Jm = sum(site_operators(qb.sigma_minus(), (2, 2, 2), sparse=False))
    np.testing.assert_allclose(sys.channels[0].L, Jm)
    assert sys.metadata["topology"] == "star"


def test_independent_baths_give_product_fermi_state_without_coupling():
    mus = [0.0, 1.0, 3.0]
    baths = [FermionicReservoir(1.0, mu=m, T=0.5, omega=1.0) for m in mus]
    sys = qubit_network(Topology.chain(3), omega0=1.0, J=0.0, reservoirs=baths, battery=1)
    assert len(sys.channels) == 6 and sys.channels[2].label == "fermionic:loss[1]"
    K = _kernel(sys)
    assert K.shape[1] == 1
    rho = K[:, 0].reshape(8, 8)
    rho /= np.trace(rho)
    for i, m in enumerate(mus):
        p = qb.partial_trace(rho, sys.dims, i)
        assert p[1, 1].real == pytest.approx(fermi_dirac(1.0, m, 0.5), abs=1e-10)
    assert sys.battery_state(rho)[1, 1].real == pytest.approx(fermi_dirac(1.0, 1.0, 0.5), abs=1e-10)


def test_qubit_network_argument_errors():
    topo = Topology.chain(3)
    with pytest.raises(InvalidParameterError, match=r"^mode = "):
        qubit_network(topo, 1.0, 1.0, [Loss(1.0)] * 3, mode="collective")
    with pytest.raises(DimensionError, match=r"^reservoirs = "):
        qubit_network(topo, 1.0, 1.0, [Loss(1.0)] * 2)
    with pytest.raises(InvalidParameterError, match=r"^reservoirs\[1\] = "):
        qubit_network(topo, 1.0, 1.0, [Loss(1.0), 0.3, None])
    with pytest.raises(InvalidParameterError, match=r"^battery = "):
        qubit_network(topo, 1.0, 1.0, battery=3)


def test_leakage_network_with_kossakowski_channels():
    topo = Topology.from_name("linear", 4)
    G = edge_kossakowski_matrix(topo, 1.0, 0.5)
    np.testing.assert_allclose(G, np.eye(4) + 0.5 * topo.adjacency())
    ops = site_operators(qb.sigma_minus(), (2,) * 4)
    sys = qubit_network(topo, 1.0, 2.0, extra_channels=kossakowski_channels(G, ops, label="leak"),
                        sparse=True)
    assert sys.is_sparse() and all(c.label.startswith("leak") for c in sys.channels)
    bound = max_psd_coupling(1.0, topo.adjacency())
    assert bound == pytest.approx(1 / (2 * np.cos(np.pi / 5)))
    with pytest.raises(NotCompletelyPositiveError, match=r"^G = .*lowest eigenvalue"):
        edge_kossakowski_matrix(topo, 1.0, 1.01 * bound)
