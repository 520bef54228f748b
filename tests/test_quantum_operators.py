"""Operators, states, superoperators and partial trace against closed forms and QuTiP."""

import numpy as np
import pytest
import qutip

import qbattery as qb
from qbattery.quantum import superoperators as so


@pytest.mark.parametrize("j", [0.5, 1, 1.5, 2, 3.5])
def test_collective_spin_algebra(j):
    jp, jm, jz_ = qb.jplus(j), qb.jminus(j), qb.jz(j)
    np.testing.assert_allclose(jp @ jm - jm @ jp, 2 * jz_, atol=1e-12)
    jx_, jy_ = qb.jx(j), qb.jy(j)
    np.testing.assert_allclose(jx_ @ jy_ - jy_ @ jx_, 1j * jz_, atol=1e-12)
    casimir = jx_ @ jx_ + jy_ @ jy_ + jz_ @ jz_
    np.testing.assert_allclose(casimir, j * (j + 1) * np.eye(int(2 * j + 1)), atol=1e-12)


def test_spin_matches_qutip_up_to_ordering():
    # QuTiP orders m = j..-j; qbattery orders m = -j..j (index = excitations).
    j = 2.5
    flip = np.eye(int(2 * j + 1))[::-1]
    np.testing.assert_allclose(flip @ qb.jplus(j) @ flip, qutip.jmat(j, "+").full(), atol=1e-12)
    np.testing.assert_allclose(flip @ qb.jz(j) @ flip, qutip.jmat(j, "z").full(), atol=1e-12)


def test_qubit_conventions():
    e, g = qb.excited(), qb.ground()
    np.testing.assert_allclose(qb.sigma_plus() @ g, e)
    np.testing.assert_allclose(qb.sigma_z() @ e, e)
    np.testing.assert_allclose(qb.sigma_z() @ g, -g)
    sx, sy, sz = qb.sigma_x(), qb.sigma_y(), qb.sigma_z()
    np.testing.assert_allclose(sx @ sy - sy @ sx, 2j * sz, atol=1e-14)


def test_boson_matches_qutip():
    np.testing.assert_allclose(qb.destroy(7), qutip.destroy(7).full(), atol=1e-14)
    np.testing.assert_allclose(qb.number(7), qutip.num(7).full(), atol=1e-14)
    a = qb.destroy(6)
    np.testing.assert_allclose(qb.create(6), a.conj().T)


def test_embed_and_partial_trace_match_qutip():
    rng = np.random.default_rng(1)
    dims = [2, 3, 2]
    rho = qutip.rand_dm(dims, seed=3)
    arr = rho.full()
    for keep in ([0], [1], [2], [0, 2], [2, 0], [1, 2]):
        np.testing.assert_allclose(qb.partial_trace(arr, dims, keep), rho.ptrace(keep).full()
                                   if keep == sorted(keep) else _permuted(rho, keep), atol=1e-13)
    op = rng.normal(size=(3, 3))
    np.testing.assert_allclose(qb.embed(op, 1, dims),
                               qutip.tensor(qutip.qeye(2), qutip.Qobj(op), qutip.qeye(2)).full())
    batch = np.stack([arr, arr])
    assert qb.partial_trace(batch, dims, 1).shape == (2, 3, 3)


def _permuted(rho, keep):
    return rho.ptrace(sorted(keep)).permute([sorted(keep).index(k) for k in keep]).full()


def test_liouvillian_vectorisation_and_dissipator():
    rng = np.random.default_rng(0)
    n = 4
    H = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    H = H + H.conj().T
    L = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    rho = qutip.rand_dm(n, seed=5).full()
    Lsup = qb.liouvillian(H, [L])
    direct = -1j * (H @ rho - rho @ H) + so.apply_dissipator(L, rho)
    np.testing.assert_allclose(so.unvec(Lsup @ so.vec(rho)), direct, atol=1e-12)
    ql = qutip.liouvillian(qutip.Qobj(H), [qutip.Qobj(L)])
    ref = qutip.vector_to_operator(ql * qutip.operator_to_vector(qutip.Qobj(rho))).full()
    np.testing.assert_allclose(direct, ref, atol=1e-12)


def test_gibbs_state_limits():
    H = np.diag([0.0, 1.0, 1.0, 3.0])
    np.testing.assert_allclose(qb.gibbs_state(H, 0.0), np.eye(4) / 4)
    np.testing.assert_allclose(np.diag(qb.gibbs_state(H, np.inf)).real, [1, 0, 0, 0])
    beta = 0.7
    p = np.exp(-beta * np.diag(H))
    np.testing.assert_allclose(np.diag(qb.gibbs_state(H, beta)).real, p / p.sum(), atol=1e-14)
    big = qb.gibbs_state(np.diag([0.0, 1e4]), 10.0)  # no overflow
    assert np.isfinite(big).all()


def test_states():
    assert np.isclose(np.linalg.norm(qb.coherent_state(30, 1.5 - 0.5j)), 1.0)
    a = qb.destroy(30)
    psi = qb.coherent_state(30, 1.5 - 0.5j)
    np.testing.assert_allclose(a @ psi, (1.5 - 0.5j) * psi, atol=1e-6)
    np.testing.assert_allclose(qb.dicke_state(1.5, -1.5), [1, 0, 0, 0])
    th = qb.thermal_state(60, 0.8)
    assert abs(np.trace(th @ qb.number(60)).real - 0.8) < 1e-10
    assert qb.product_state(qb.plus_state(), qb.ground()).shape == (4,)
    assert qb.product_state(qb.ket2dm(qb.plus_state()), qb.ground()).shape == (4, 4)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: qb.destroy(1), "cutoff"),
        (lambda: qb.destroy(2.5), "cutoff"),
        (lambda: qb.jz(0.3), "j"),
        (lambda: qb.dicke_state(1, 2), "m"),
        (lambda: qb.gibbs_state(np.array([[0, 1], [0, 0]]), 1.0), "H"),
        (lambda: qb.gibbs_state(np.eye(2), -1.0), "beta"),
        (lambda: qb.gibbs_state(np.eye(2), float("nan")), "beta"),
        (lambda: qb.embed(np.eye(3), 0, [2, 2]), "op"),
        (lambda: qb.partial_trace(np.eye(4) / 4, [2, 3], 0), "rho"),
        (lambda: qb.density_matrix(np.eye(2)), "rho"),
        (lambda: qb.density_matrix(np.diag([1.5, -0.5])), "rho"),
        (lambda: qb.density_matrix(np.ones((2, 3))), "rho"),
        (lambda: qb.fock(3, 3), "n"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(qb.InvalidParameterError) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(f"{name} = ") and "expected" in msg and "\n" not in msg


def test_qobj_inputs_dense_and_sparse_backed():
    from qbattery._checks import as_hermitian

    dense = qutip.Qobj(np.diag([1.0, 2.0]))
    np.testing.assert_allclose(as_hermitian(dense, "H"), np.diag([1.0, 2.0]))
    big = qutip.num(100)  # sparse-backed
    out = as_hermitian(big, "H")
    assert out.shape == (100, 100)
    psi = qb.density_matrix(qutip.basis(3, 1))
    np.testing.assert_allclose(np.diag(psi).real, [0, 1, 0])
