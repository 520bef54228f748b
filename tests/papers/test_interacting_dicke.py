"""The interacting_dicke_battery paper: symmetry blocks, the block evolution against QuTiP, the
recharging thermodynamics (closed form, the metric, the full space), the checks, and the paper
through the registry (a fast interface run and a slow `reproduce --quick`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery.errors import InvalidParameterError
from qbattery.experiments.registry import get_paper
from qbattery.metrics import recharging_thermodynamics
from qbattery.models.dicke_cavity import (
    dicke_cavity_battery,
    dicke_cavity_initial_state,
    parity_liouville_sectors,
)
from qbattery.models.multilevel import three_level_cavity_battery, three_level_initial_state
from qbattery.papers import interacting_dicke_battery as idb

PAPER = "interacting_dicke_battery"


# ------------------------------------------------------------------ symmetry blocks
def test_involution_isometry_is_the_plus_one_eigenspace():
    perm = np.array([1, 0, 2, 3, 5, 4])
    sign = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    V = idb.involution_isometry(perm, sign).toarray()
    S = np.zeros((6, 6))
    S[np.arange(6), perm] = sign  # (S v)_f = sign_f v_perm(f)
    assert V.shape == (6, 3)  # pair {0,1}, fixed 2 (+1), pair {4,5}; fixed 3 (-1) dropped
    assert np.allclose(V.T @ V, np.eye(3), atol=1e-15)
    assert np.allclose(S @ V, V, atol=1e-15)
    assert np.linalg.matrix_rank(np.eye(6) + S) == 3  # the whole +1 eigenspace
    with pytest.raises(InvalidParameterError):
        idb.involution_isometry(np.array([1, 2, 0]), np.ones(3))  # not an involution
    with pytest.raises(InvalidParameterError):
        idb.involution_isometry(np.array([1, 0]), np.array([1.0, -1.0]))  # S^2 != 1


def test_swap_isometry_and_hermitian_basis():
    dims = (2, 3, 3)
    D = 18
    V = idb.swap_isometry(dims, 1, 2)
    assert V.shape == ((D * D), (D * D + 2 * 3 * 2 * 3) // 2)  # (n + fixed pairs) / 2
    rng = np.random.default_rng(1)
    A = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
    P = np.eye(D)[np.swapaxes(np.arange(D).reshape(dims), 1, 2).reshape(-1)]
    rho = A + A.conj().T
    rho = rho + P @ rho @ P.T  # Hermitian and exchange symmetric
    U = (V @ idb.hermitian_basis(V)).toarray()
    assert U.shape[1] == V.shape[1]
    assert np.allclose(U.conj().T @ U, np.eye(U.shape[1]), atol=1e-14)
    x = U.conj().T @ rho.reshape(-1)
    assert np.max(np.abs(x.imag)) < 1e-12  # Hermitian operators have real coordinates
    assert np.allclose(U @ x.real, rho.reshape(-1), atol=1e-12)
    with pytest.raises(InvalidParameterError):
        idb.swap_isometry((2, 3, 2), 1, 2)


def test_parity_block_generator_is_real_and_exact():
    N, cutoff = 2, 5
    m = dicke_cavity_battery(N, cutoff, g=0.7, g_c=0.5, kappa=0.3)
    same, _ = parity_liouville_sectors(N, cutoff)
    V = sp.csr_matrix((np.ones(same.size), (same, np.arange(same.size))),
                      shape=(m.dim ** 2, same.size))
    U = V @ idb.hermitian_basis(V)
    B = (U.conj().T @ m.liouvillian() @ U).toarray()
    assert np.max(np.abs(B.imag)) < 1e-13
    # the block generator reproduces L on the block (no leakage out of it)
    L = m.liouvillian()
    assert abs(L @ U - U @ sp.csr_matrix(B)).max() < 1e-12


# ------------------------------------------------------------------ dynamics vs QuTiP
def _qutip_energy(model, psi, times, dims, N):
    qutip = pytest.importorskip("qutip")

    def q(x):
        return qutip.Qobj(sp.csr_matrix(x), dims=[list(dims), list(dims)])

    HB = model.H_battery
    HB = HB.toarray() if sp.issparse(HB) else np.asarray(HB)
    envd = dims[0]
    res = qutip.mesolve(q(model.H), qutip.Qobj(psi, dims=[list(dims), list(dims)]), times,
                        [q(c) for c in model.c_ops], e_ops=[q(np.kron(np.eye(envd), HB))],
                        options={"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**6,
                                 "progress_bar": False})
    E = np.asarray(res.expect[0], dtype=float)
    return (E - E[0]) / N


def test_fig2_curve_matches_qutip():
    N, cutoff, kappa, g = 2, 8, 0.5, -1.0
    times = np.linspace(0.0, 4.0, 21)
    ds = idb.cavity_curve(N, kappa, g, cutoff=cutoff, t_max=4.0, num=21)
    m = dicke_cavity_battery(N, cutoff, g=g, g_c=idb.G_C, kappa=kappa)
    psi = dicke_cavity_initial_state(N, cutoff)
    ref = _qutip_energy(m, np.outer(psi, psi.conj()), times, (cutoff, N + 1), N)
    # DOP853 rtol 1e-9 vs QuTiP adams rtol 1e-10: both ~1e-8
    assert np.max(np.abs(ds["energy_density"].values - ref)) < 1e-7
    assert ds["energy_density"].values[0] == 0.0
    assert float(ds["trace_error"]) < 1e-8
    assert 0 <= float(ds["top_population"]) < 1e-3
    assert np.all(ds["ergotropy"].values >= -1e-12)


def test_fig4_curve_matches_qutip():
    cutoff = 4
    times = np.linspace(0.0, 3.0, 13)
    ds = idb.three_level_curve(0.2, 0.1, 1.0, 0.5, cutoff=cutoff, t_max=3.0, num=13)
    m = three_level_cavity_battery(2, g=0.5, gamma_e=0.2, gamma_m=0.1, cutoff=cutoff)
    ref = _qutip_energy(m, three_level_initial_state(2, cutoff, 2), times, (cutoff, 3, 3), 2)
    assert np.max(np.abs(ds["energy_density"].values - ref)) < 1e-7
    assert ds.attrs["block_size"] == (cutoff * 9) ** 2 // 2 + cutoff ** 2 * 9 // 2


def test_g_point_stacks_curves_and_rejects_bad_input():
    ds = idb.cavity_point(2, 0.5, g_values=(1.0, -1.0), cutoff=6, t_max=1.0, num=5)
    assert ds["energy_density"].dims == ("g", "omega_q_t")
    assert list(ds["g"].values) == [1.0, -1.0]
    skipped = idb.fig2_point(2, 0.05, cutoff=6, t_max=1.0, num=5)  # not in the Fig. 2 design
    assert set(skipped.data_vars) == set(idb.fig2_point(2, 0.5, cutoff=6, t_max=1.0,
                                                        num=5).data_vars)
    assert skipped["energy_density"].dims == ("g", "omega_q_t")
    assert np.isnan(skipped["energy_density"].values).all()
    with pytest.raises(InvalidParameterError):
        idb.cavity_point(2, 0.5, g_values=())
    with pytest.raises(InvalidParameterError):
        idb.cavity_curve(2, 0.5, 0.0, num=1)
    with pytest.raises(InvalidParameterError):
        idb.three_level_curve(delta_p=0.0)


def test_driven_point_dims_and_energy_zero_at_start():
    ds = idb.driven_point(3, 0.4, 0.5, g_values=(1.0, 0.0), t_max=2.0, num=9)
    assert ds["energy_density"].dims == ("g", "omega_q_t")
    assert np.all(ds["energy_density"].isel(omega_q_t=0).values == 0.0)
    assert "top_population" not in ds  # no cavity


# ------------------------------------------------------------------ recharging
@pytest.mark.parametrize("N", [1, 2, 3, 4, 7])
def test_dicke_spectrum_multiplicities(N):
    _, _, mult = idb.dicke_spectrum(N, 1.3, space="full")
    assert int(mult.sum()) == 2 ** N
    sq, s0, sm = idb.dicke_spectrum(N, 1.3, space="symmetric")
    assert sq.size == N + 1 and np.all(sm == 1)
    assert np.allclose(s0, np.arange(N + 1) - N / 2)
    with pytest.raises(InvalidParameterError):
        idb.dicke_spectrum(N, 1.0, space="half")


@pytest.mark.parametrize("g", [0.5, 3.0, 4.0, 10.0, 60.0])
@pytest.mark.parametrize("beta", [0.3, 1.0, 2.0])
def test_recharging_closed_form_two_atoms(g, beta):
    # j = 1: E_Q(m) = m + (g/2)(1 - m^2), E_0 = m. For g > 2 the levels order m = -1, 1, 0:
    # W = (p0 - p1)(g/2 - 1), Q_R = -(p0 - p1), eta = 1 - 2/g; for g <= 2 passive.
    p = np.exp(-beta * np.array([-1.0, 0.0, 1.0]))
    p /= p.sum()
    r = idb.recharging_point(2, g, beta)
    if g > 2:
        assert r.W == pytest.approx((p[1] - p[2]) * (g / 2 - 1), abs=1e-12)
        assert r.Q_R == pytest.approx(-(p[1] - p[2]), abs=1e-12)
        assert r.eta == pytest.approx(1 - 2 / g, abs=1e-12)
    else:
        assert r.W == r.W_R == r.Q_R == 0.0


def test_recharging_from_spectra_matches_the_metric():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 12))
        eq = np.round(rng.normal(size=n), 1)  # rounding makes degeneracies
        e0 = np.round(rng.normal(size=n), 1)
        mult = rng.integers(1, 4, size=n)
        for beta in (0.0, 0.7, 3.0, math.inf):
            a = idb.recharging_from_spectra(eq, e0, beta, mult)
            r = recharging_thermodynamics(np.diag(np.repeat(eq, mult)),
                                          np.diag(np.repeat(e0, mult)), beta)
            assert (a.W, a.W_R, a.Q_R, a.eta) == pytest.approx((r.W, r.W_R, r.Q_R, r.eta),
                                                               abs=1e-12)
    for N in (3, 5):
        for g in (2.0, 7.0):
            a = idb.recharging_point(N, g, 1.0, space="full")
            eq, e0, mult = idb.dicke_spectrum(N, g, space="full")
            r = recharging_thermodynamics(np.diag(np.repeat(eq, mult)),
                                          np.diag(np.repeat(e0, mult)), 1.0)
            assert a.eta == pytest.approx(r.eta, abs=1e-12)
    with pytest.raises(InvalidParameterError):
        idb.recharging_from_spectra([0.0, 1.0], [0.0], 1.0)
    with pytest.raises(InvalidParameterError):
        idb.recharging_from_spectra([0.0, 1.0], [0.0, 1.0], 1.0, [1, 0])


def test_linear_fit():
    x = np.linspace(0, 10, 11)
    f = idb.linear_fit(x, 3 * x - 2)
    assert f["slope"] == pytest.approx(3) and f["intercept"] == pytest.approx(-2)
    assert f["r2"] == pytest.approx(1.0) and f["max_rel_residual"] < 1e-12
    assert math.isnan(idb.linear_fit([1.0], [2.0])["slope"])


def test_scaling_point_fits_and_symmetric_is_exactly_linear_at_large_g():
    ds = idb.scaling_point(4, g_max=60.0, num_g=31)
    assert ds["W"].dims == ("space", "g")
    assert float(ds["W_r2"].sel(space="symmetric")) == pytest.approx(1.0, abs=1e-12)
    # past the last level crossing eta = 1 - |Q_R|/W_R with constant Q_R
    q = ds["Q_R"].sel(space="symmetric").values[ds["g"].values >= 30]
    assert np.ptp(q) < 1e-12


# ------------------------------------------------------------------ checks
def test_convention_checks_pass():
    checks = idb.convention_checks()
    assert len(checks) == 6
    assert all(c.passed and not c.is_claim for c in checks), [str(c) for c in checks]


def test_charging_checks_see_the_ordering():
    import xarray as xr

    t = np.linspace(0.0, 10.0, 11)
    gs = [1.0, 0.0, -1.0]
    E = np.array([[0.0] + [0.3 + 0.1 * g] * 10 for g in gs])[None, None]
    ds = xr.Dataset({"energy_density": (("N", "kappa", "g", "omega_q_t"), E)},
                    coords={"N": [2], "kappa": [0.5], "g": gs, "omega_q_t": t})
    rows = idb._fig2_checks(ds)
    assert all(c.passed for c in rows), [str(c) for c in rows if not c.passed]
    vals = ds["energy_density"].values
    vals[..., -1] = vals[..., -1][..., ::-1].copy()  # final values now decrease with g
    failed = [c for c in idb._fig2_checks(ds) if not c.passed]
    assert {c.kind for c in failed} == {"claim"}
    assert any("final E increases" in c.check for c in failed)
    assert any("ends at a constant" in c.check for c in failed)


# ------------------------------------------------------------------ the paper via the registry
def test_registered_figures_interface_fast():
    paper = get_paper(PAPER)
    assert [f.name for f in paper.figures] == ["fig2", "fig3", "fig4", "fig5", "fig6", "fig7"]
    fig5 = paper.figure("fig5")
    ds = fig5.point(N=4, **fig5.constants_for(True))
    for v in ("eta", "W", "W_R", "Q_R", "ergotropy"):
        assert ds[v].dims == ("space", "g")
    rows = fig5.run_checks(ds.expand_dims(N=[4]), True)
    assert all(c.passed for c in rows if not c.is_claim), [str(c) for c in rows]
    fig6 = paper.figure("fig6")
    ds6 = fig6.point(N=6, **fig6.constants_for(True))
    assert "beta" in ds6.dims
    fig2 = paper.figure("fig2")
    const = {**fig2.constants_for(True), "t_max": 1.0, "num": 5}
    ds2 = fig2.point(N=2, kappa=0.5, **const)
    assert ds2["energy_density"].dims == ("g", "omega_q_t")
    assert {"ergotropy", "top_population", "photon_number"} <= set(ds2.data_vars)
    fig4 = paper.figure("fig4")
    ds4 = fig4.point(gamma_e=0.1, gamma_m=0.01, delta_p=1.0,
                     **{**fig4.constants_for(True), "t_max": 1.0, "num": 5})
    assert "delta_m_t" in ds4.dims


@pytest.mark.slow
def test_reproduce_quick_writes_the_interface(tmp_path):
    import xarray as xr

    from qbattery.experiments.reproduce import reproduce

    res = reproduce([PAPER], out=tmp_path, quick=True, progress=False, formats=("png",))
    assert res.checks_passed, [str(c) for c in res.checks if not c.passed and not c.is_claim]
    assert not res.errors
    out = tmp_path / PAPER
    for name in ("fig2", "fig3", "fig4", "fig5", "fig6", "fig7"):
        assert (out / f"{name}.nc").exists() and (out / f"{name}.png").exists()
    with xr.open_dataset(out / "fig2.nc") as ds:
        assert ds["energy_density"].dims == ("N", "kappa", "g", "omega_q_t")
        assert "top_population" in ds
    with xr.open_dataset(out / "fig3.nc") as ds:
        assert ds["energy_density"].dims == ("gamma", "N", "omega", "g", "omega_q_t")
    with xr.open_dataset(out / "fig4.nc") as ds:
        assert "delta_m_t" in ds["energy_density"].dims
    for name, x in (("fig5", "g"), ("fig6", "beta"), ("fig7", "g")):
        with xr.open_dataset(out / f"{name}.nc") as ds:
            for v in ("eta", "W", "W_R", "Q_R"):
                assert ds[v].dims == ("N", "space", x)
    assert (out / "checks.csv").exists()
