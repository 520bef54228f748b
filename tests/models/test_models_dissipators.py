"""Rate conventions, Kossakowski form, complete-positivity check and PSD coupling bounds."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import qbattery as qb
from qbattery.errors import DimensionError, InvalidParameterError, NotCompletelyPositiveError
from qbattery.models import (
    Topology,
    check_kossakowski,
    convert_rate,
    edge_kossakowski_matrix,
    kossakowski_channels,
    kossakowski_min_eigenvalue,
    kossakowski_superop,
    max_psd_coupling,
    psd_coupling_interval,
    rate_from_half_convention,
    rate_from_two_L_convention,
    site_operators,
)
from qbattery.quantum.superoperators import apply_dissipator, dissipator, unvec, vec


def _rand_rho(rng, n):
    X = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    rho = X @ X.conj().T
    return rho / np.trace(rho)


def _direct_kossakowski(G, ops, rho):
    """sum_ij G_ij (A_j rho A_i^dag - {A_i^dag A_j, rho}/2), written out with dense loops."""
    out = np.zeros_like(rho)
    for i, Ai in enumerate(ops):
        for j, Aj in enumerate(ops):
            AidAj = Ai.conj().T @ Aj
            out += G[i, j] * (Aj @ rho @ Ai.conj().T - 0.5 * (AidAj @ rho + rho @ AidAj))
    return out


def _channels_apply(channels, rho):
    out = np.zeros_like(rho)
    for c in channels:
        L = c.L.toarray() if sp.issparse(c.L) else c.L
        out += apply_dissipator(L, rho, c.rate)
    return out


# ------------------------------------------------------------------ conventions
def test_convert_rate_table():
    assert convert_rate(0.3) == 0.3
    assert convert_rate(0.3, "lindblad") == 0.3
    assert convert_rate(0.3, "half") == rate_from_half_convention(0.3) == 0.3
    assert convert_rate(0.3, "two_L") == rate_from_two_L_convention(0.3) == 0.6
    with pytest.raises(InvalidParameterError, match=r"^convention = "):
        convert_rate(1.0, "qutip-ish")
    with pytest.raises(InvalidParameterError, match=r"^gamma = "):
        convert_rate(-1.0, "two_L")


def test_convert_rate_matches_the_written_forms():
    rng = np.random.default_rng(0)
    L = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    rho = _rand_rho(rng, 3)
    Ld, LdL, g = L.conj().T, L.conj().T @ L, 0.7
    two_L = g * (2 * L @ rho @ Ld - LdL @ rho - rho @ LdL)
    half = g / 2 * (2 * L @ rho @ Ld - LdL @ rho - rho @ LdL)
    np.testing.assert_allclose(apply_dissipator(L, rho, convert_rate(g, "two_L")), two_L, atol=1e-12)
    np.testing.assert_allclose(apply_dissipator(L, rho, convert_rate(g, "half")), half, atol=1e-12)


# ------------------------------------------------------------------ Kossakowski
@given(seed=st.integers(0, 2**31 - 1), m=st.integers(1, 4), rank=st.integers(1, 4))
def test_kossakowski_channels_reproduce_direct_sum(seed, m, rank):
    rng = np.random.default_rng(seed)
    n = 3
    B = rng.normal(size=(m, min(rank, m))) + 1j * rng.normal(size=(m, min(rank, m)))
    G = B @ B.conj().T  # complex Hermitian PSD of rank min(rank, m)
    ops = [rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)) for _ in range(m)]
    rho = _rand_rho(rng, n)
    chans = kossakowski_channels(G, ops)
    assert len(chans) == np.linalg.matrix_rank(G)
    assert all(c.rate > 0 for c in chans)
    assert [c.rate for c in chans] == sorted((c.rate for c in chans), reverse=True)
    ref = _direct_kossakowski(G, ops, rho)
    np.testing.assert_allclose(_channels_apply(chans, rho), ref, atol=1e-10)
    np.testing.assert_allclose(unvec(kossakowski_superop(G, ops) @ vec(rho)), ref, atol=1e-10)
    total = sum(dissipator(c.L, c.rate) for c in chans)
    np.testing.assert_allclose(total.toarray(), kossakowski_superop(G, ops).toarray(), atol=1e-10)


def test_kossakowski_sparse_ops_stay_sparse():
    ops = site_operators(qb.sigma_minus(), (2, 2, 2))
    G = edge_kossakowski_matrix(Topology.chain(3), 1.0, 0.4)
    chans = kossakowski_channels(G, ops)
    assert all(sp.issparse(c.L) for c in chans)
    rho = _rand_rho(np.random.default_rng(2), 8)
    dense = [o.toarray() for o in ops]
    np.testing.assert_allclose(_channels_apply(chans, rho), _direct_kossakowski(G, dense, rho),
                               atol=1e-12)


def test_diagonal_G_gives_the_original_operators():
    rng = np.random.default_rng(3)
    ops = [rng.normal(size=(2, 2)) for _ in range(3)]
    chans = kossakowski_channels(np.diag([0.5, 0.0, 2.0]), ops, label="d")
    assert [c.label for c in chans] == ["d0", "d2"]
    assert [c.rate for c in chans] == [0.5, 2.0]
    np.testing.assert_array_equal(chans[0].L, ops[0])
    np.testing.assert_array_equal(chans[1].L, ops[2])


def test_non_psd_G_raises_one_line_naming_G():
    G = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues -1, 3
    with pytest.raises(NotCompletelyPositiveError) as info:
        kossakowski_channels(G, [qb.sigma_minus(), qb.sigma_plus()])
    msg = str(info.value)
    assert msg.startswith("G = ")
    assert "lowest eigenvalue = -1" in msg
    assert "\n" not in msg
    assert info.value.name == "G"
    assert isinstance(info.value, InvalidParameterError)
    assert kossakowski_min_eigenvalue(G) == pytest.approx(-1.0)


def test_non_hermitian_and_malformed_G():
    ops = [qb.sigma_minus(), qb.sigma_plus()]
    with pytest.raises(InvalidParameterError, match=r"^G = .*Hermitian") as info:
        kossakowski_channels(np.array([[1.0, 0.5], [0.1, 1.0]]), ops)
    assert not isinstance(info.value, NotCompletelyPositiveError)
    with pytest.raises(DimensionError, match=r"^G = "):
        kossakowski_channels(np.ones((2, 3)), ops)
    with pytest.raises(DimensionError, match=r"^ops = "):
        kossakowski_channels(np.eye(3), ops)
    with pytest.raises(InvalidParameterError, match=r"^G = "):
        kossakowski_channels(np.array([[np.nan, 0], [0, 1.0]]), ops)
    with pytest.raises(DimensionError, match=r"^ops\[1\] = "):
        kossakowski_channels(np.eye(2), [qb.sigma_minus(), qb.destroy(3)])


def test_singular_G_at_the_boundary_is_accepted():
    # 5-site star, Gamma_int = Gamma/2 (self-discharge paper, Fig. 4): G = I + Adj/2 is singular.
    G = edge_kossakowski_matrix(Topology.star(5), 1.0, 0.5)
    assert abs(kossakowski_min_eigenvalue(G)) < 1e-14
    check_kossakowski(G)
    assert len(kossakowski_channels(G, site_operators(qb.sigma_minus(), (2,) * 5))) == 4
    with pytest.raises(NotCompletelyPositiveError, match=r"^G = "):
        edge_kossakowski_matrix(Topology.star(5), 1.0, 0.5 + 1e-6)


# ------------------------------------------------------------------ PSD bounds
@pytest.mark.parametrize("topo", [Topology.star(5), Topology.chain(5), Topology.ring(5),
                                  Topology.complete(5), Topology.ring(6)])
def test_max_psd_coupling_graph_closed_form(topo):
    A = topo.adjacency()
    lam = np.linalg.eigvalsh(A)
    gamma = 0.8
    c = max_psd_coupling(gamma, A)
    assert c == pytest.approx(gamma / abs(lam[0]), rel=1e-12)
    c_minus, c_plus = psd_coupling_interval(gamma, A)
    assert c_plus == c
    assert c_minus == pytest.approx(-gamma / lam[-1], rel=1e-12)
    assert np.linalg.eigvalsh(gamma * np.eye(topo.n_sites) + c * A)[0] > -1e-12
    with pytest.raises(NotCompletelyPositiveError):
        check_kossakowski(gamma * np.eye(topo.n_sites) + c * (1 + 1e-6) * A)


def test_paper_values_within_bound():
    # Gamma_int = Gamma/2 is inside the CP region for all four geometries of the paper (N = 5).
    for name in ("central", "linear", "circular", "symmetric"):
        assert 0.5 <= max_psd_coupling(1.0, Topology.from_name(name, 5).adjacency()) + 1e-12


@given(seed=st.integers(0, 2**31 - 1))
def test_max_psd_coupling_general_base(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    G0 = X @ X.conj().T + 0.1 * np.eye(4)
    Y = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    A = Y + Y.conj().T
    c_minus, c_plus = psd_coupling_interval(G0, A)
    assert c_minus < 0 < c_plus
    for c in (c_plus, c_minus):
        w = np.linalg.eigvalsh(G0 + c * A)
        assert abs(w[0]) < 1e-8 * np.max(np.abs(w))
        assert np.linalg.eigvalsh(G0 + c * (1 + 1e-6) * A)[0] < 0


def test_max_psd_coupling_special_cases():
    assert max_psd_coupling(1.0, np.eye(3)) == np.inf  # A PSD
    assert max_psd_coupling([1.0, 2.0], np.diag([-1.0, 0.0])) == pytest.approx(1.0)
    # singular base: the 2x2 block [[1, c], [c, 1]] of G0 + cA limits c to 1
    G0 = np.diag([1.0, 1.0, 0.0])
    A = np.zeros((3, 3))
    A[0, 1] = A[1, 0] = 1.0
    assert max_psd_coupling(G0, A) == pytest.approx(1.0, rel=1e-9)
    with pytest.raises(NotCompletelyPositiveError, match=r"^G0 = "):
        max_psd_coupling(np.diag([1.0, -1.0]), np.eye(2))
    with pytest.raises(DimensionError, match=r"^G0 = "):
        max_psd_coupling(np.eye(3), np.eye(2))
    with pytest.raises(InvalidParameterError, match=r"^A = "):
        max_psd_coupling(1.0, np.array([[0, 1.0], [0, 0]]))
