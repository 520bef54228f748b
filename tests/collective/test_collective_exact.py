"""Exact block solver for collective spin ensembles vs brute-force Lindblad on the full space."""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.dynamics import evolve
from qbattery.dynamics.collective import CollectiveChannel, CollectiveSolver, evolve_collective
from qbattery.errors import InvalidParameterError
from qbattery.symmetry.dicke import ProductDicke, collective_ops_full

TIMES = np.concatenate([[0.0], np.logspace(-3, 1.3, 18)])


def _channels(m: int, gamma_down: float, gamma_up: float) -> list[CollectiveChannel]:
    """Core-convention channels of the paper's Eq. (4): rate 2 gamma for gamma L[O]."""
    K = m + 1
    ch = [CollectiveChannel(tuple(1.0 if k in (0, i + 1) else 0.0 for k in range(K)), "lower",
                            2 * gamma_down, f"L{i + 1}") for i in range(m)]
    if gamma_up:
        ch.append(CollectiveChannel(tuple(1.0 if k == 0 else 0.0 for k in range(K)), "raise",
                                    2 * gamma_up, "pump"))
    return ch


def _brute(space: ProductDicke, channels, rho0_blocks, times):
    full = collective_ops_full(space.sizes)
    c_ops = []
    for c in channels:
        ops = full["jm"] if c.kind == "lower" else full["jp"]
        c_ops.append(np.sqrt(c.rate) * sum(ck * op for ck, op in zip(c.coeffs, ops, strict=True)))
    D = int(np.prod(space.full_dims))
    e_ops = {f"Jz_{n}": full["jz"][k] for k, n in enumerate(space.names)}
    return evolve(np.zeros((D, D)), space.from_blocks(rho0_blocks), times, c_ops, e_ops=e_ops)


def _space(NC: int, NB: int, m: int) -> ProductDicke:
    return ProductDicke((NC,) + (NB,) * m, names=("C", *tuple(f"B{i + 1}" for i in range(m))))


@pytest.mark.parametrize(("NC", "NB", "m", "gamma_up"),
                         [(4, 2, 1, 0.0), (4, 2, 2, 0.0), (4, 2, 3, 0.0), (4, 2, 1, 1.0),
                          (3, 1, 3, 2.0), (4, 2, 2, 1.0)])
def test_block_solver_matches_full_liouvillian(NC, NB, m, gamma_up):
    space = _space(NC, NB, m)
    ch = _channels(m, 1.0, gamma_up)
    rho0 = space.product_state([NC] + [0] * m)
    opts = {"atol": 1e-11} if not gamma_up else {"atol": 1e-14, "rtol": 1e-12}
    traj = evolve_collective(space, ch, rho0, TIMES, **opts)
    ref = _brute(space, ch, rho0, TIMES)
    for k in ref.expect:
        np.testing.assert_allclose(traj.expect[k], ref.expect[k], atol=1e-10, rtol=0)
    assert traj.stats.max_trace_error < 1e-10
    assert traj.stats.max_hermiticity_error < 1e-10
    for n, NK in zip(space.names, space.sizes, strict=True):
        e = traj.expect[f"Jz_{n}"] / NK + 0.5
        assert np.all(e > -1e-10) and np.all(e < 1 + 1e-10)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_limit_equals_long_time(m):
    space = _space(4, 2, m)
    s = CollectiveSolver(space, _channels(m, 1.0, 0.0), atol=1e-11)
    rho0 = space.product_state([4] + [0] * m)
    lim = s.expect(s.limit(rho0))
    traj = s.run(rho0, [0.0, 1e3])
    for k, v in lim.items():
        assert abs(v - traj.expect[k][-1]) < 1e-9
    tr = np.einsum("mii->", s.limit(rho0)).real
    assert abs(tr - 1) < 1e-12


def test_steady_state_with_pump_matches_long_time():
    space = _space(3, 1, 2)
    s = CollectiveSolver(space, _channels(2, 1.0, 1.5), atol=1e-14, rtol=1e-12)
    rho0 = space.product_state([3, 0, 0])
    ss = s.expect(s.limit(rho0))
    traj = s.run(rho0, [0.0, 200.0])
    for k, v in ss.items():
        assert abs(v - traj.expect[k][-1]) < 1e-8


def test_arbitrary_block_state_and_hamiltonian():
    """A random block-diagonal state with coherences inside blocks, unequal frequencies (BDF)."""
    space = ProductDicke((3, 2), names=("C", "B"))
    rng = np.random.default_rng(3)
    blocks = np.zeros((space.n_blocks, space.d, space.d), dtype=np.complex128)
    for M in range(space.n_blocks):
        ok = np.nonzero(space.valid[M])[0]
        X = rng.normal(size=(len(ok), len(ok))) + 1j * rng.normal(size=(len(ok), len(ok)))
        blocks[M][np.ix_(ok, ok)] = X @ X.conj().T
    blocks /= np.einsum("mii->", blocks).real
    ch = [CollectiveChannel((1.0, 0.7j), "lower", 1.3), CollectiveChannel((0.4, 1.0), "raise", 0.2)]
    times = np.linspace(0, 2, 6)
    traj = evolve_collective(space, ch, blocks, times, omegas=(1.0, 1.7), atol=1e-14, rtol=1e-12,
                             store_states=True)
    full = collective_ops_full(space.sizes)
    c_ops = [np.sqrt(1.3) * (full["jm"][0] + 0.7j * full["jm"][1]),
             np.sqrt(0.2) * (0.4 * full["jp"][0] + full["jp"][1])]
    H = 1.0 * full["jz"][0] + 1.7 * full["jz"][1]
    ref = evolve(H, space.from_blocks(blocks), times, c_ops, store_states=True)
    for i in range(len(times)):
        np.testing.assert_allclose(space.from_blocks(traj.states[i]), ref.states[i], atol=1e-9)


def test_qutip_mesolve_cross_check():
    qutip = pytest.importorskip("qutip")
    NC, NB = 4, 2
    space = _space(NC, NB, 2)
    ch = _channels(2, 1.0, 0.0)
    times = np.linspace(0, 2, 11)
    traj = evolve_collective(space, ch, space.product_state([NC, 0, 0]), times, atol=1e-11)
    jm = [qutip.jmat(n / 2, "-") for n in (NC, NB, NB)]
    eye = [qutip.qeye(n + 1) for n in (NC, NB, NB)]

    def emb(op, k):
        f = list(eye)
        f[k] = op
        return qutip.tensor(*f)

    c_ops = [np.sqrt(2.0) * (emb(jm[0], 0) + emb(jm[i], i)) for i in (1, 2)]
    # QuTiP's jmat basis runs m = j..-j: basis(N+1, 0) is the fully excited ensemble
    psi0 = qutip.tensor(qutip.basis(NC + 1, 0), qutip.basis(NB + 1, NB), qutip.basis(NB + 1, NB))
    e_ops = [emb(qutip.jmat(n / 2, "z"), k) for k, n in enumerate((NC, NB, NB))]
    res = qutip.mesolve(0 * emb(qutip.qeye(NC + 1), 0), psi0 * psi0.dag(), times, c_ops,
                        e_ops=e_ops, options={"atol": 1e-12, "rtol": 1e-10})
    for k, n in enumerate(space.names):
        np.testing.assert_allclose(traj.expect[f"Jz_{n}"], res.expect[k], atol=1e-7)


def test_invalid_inputs():
    space = _space(2, 1, 1)
    with pytest.raises(InvalidParameterError):
        CollectiveChannel((1.0, 1.0), "sideways", 1.0)
    with pytest.raises(InvalidParameterError):
        CollectiveSolver(space, [CollectiveChannel((1.0,), "lower", 1.0)])
    with pytest.raises(InvalidParameterError):
        CollectiveSolver(space, _channels(1, 1.0, 1.0), method="extrapolation")
    s = CollectiveSolver(space, _channels(1, 1.0, 0.0))
    with pytest.raises(InvalidParameterError):
        s.run(2 * space.product_state([2, 0]), [0.0, 1.0])
