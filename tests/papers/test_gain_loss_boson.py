"""The gain_loss_boson paper: closed forms, numerics against evolve and qutip.mesolve, the
figure datasets' interface, the checks, and one full `reproduce` run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbattery.dynamics import evolve
from qbattery.errors import TruncationWarning
from qbattery.experiments.registry import get_model, get_paper
from qbattery.metrics import ergotropy, ergotropy_coherent, ergotropy_incoherent
from qbattery.models.boson import diagonal_ergotropy, gain_loss_boson
from qbattery.papers import gain_loss_boson as glb
from qbattery.quantum.operators import destroy, number
from qbattery.symmetry import evolve_sectors

S = np.array([0.0, 0.3, 0.75, 1.0, 1.5, 2.0, 5.0, 7.5, 15.0])


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("k", range(0, 9))
def test_generating_function_populations_are_normalised_with_mean_k_plus_gamma_t(k):
    n = np.arange(2000)
    P = glb.fock_populations(k, S[:, None], n[None, :])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(P @ n, k + S, atol=1e-9)
    assert np.min(P) > -1e-15


def test_printed_equations_agree_with_the_generating_function():
    n = np.arange(60)
    np.testing.assert_allclose(glb.eq6(S[:, None], n), glb.fock_populations(0, S[:, None], n),
                               atol=1e-15)
    np.testing.assert_allclose(glb.eq7(S[:, None], n), glb.fock_populations(1, S[:, None], n),
                               atol=1e-15)
    for k in range(1, 9):
        P = glb.fock_populations(k, S, np.zeros_like(S, dtype=int))
        np.testing.assert_allclose(glb.eq8(k, S), P, atol=1e-15)
        np.testing.assert_allclose(glb.eq9(k, S), glb.fock_populations(k, S, np.ones(S.size, int)),
                                   atol=1e-15)
        # rho_0 = rho_1 exactly at gamma t = k
        assert glb.eq8(k, float(k)) == pytest.approx(float(glb.eq9(k, float(k))), rel=1e-14)
    s = np.linspace(0.01, 20, 500)
    np.testing.assert_allclose(glb.eq9(1, s), glb.eq7(s, 1), atol=1e-15)
    # printed form of Eq. (7): (gt + n/gt) (gt)^n / (1 + gt)^(n+2)
    s2 = np.array([0.5, 2.0])[:, None]
    n2 = np.arange(1, 8)[None, :]
    np.testing.assert_allclose(glb.eq7(s2, n2), (s2 + n2 / s2) * s2**n2 / (1 + s2) ** (n2 + 2),
                               rtol=1e-13)


def test_eq10_closed_form_ergotropy():
    H = np.diag([0.0, 1.0])
    for a, p2 in [(0.5, 0.25), (0.2, 0.1), (0.9, 0.05), (0.3, 0.0)]:
        rho = glb.eq10_state(2, a, math.sqrt(p2))
        assert ergotropy(rho, H) == pytest.approx(float(glb.eq10_initial_ergotropy(a, p2)),
                                                  abs=1e-14)


# ----------------------------------------------------------------------------- numerics
@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_sector_populations_match_closed_forms(k):
    c = glb._cutoff(glb._fock_pops(k), 5.0).cutoff
    times = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 5.0])
    traj = evolve_sectors(gain_loss_boson(c), glb._fock(c, k), times, store_states=False)
    assert traj.stats.max_top_population <= 1e-10
    P = traj.populations
    np.testing.assert_allclose(P[:, 0], glb.eq8(k, times), atol=1e-10)
    if k >= 1:
        np.testing.assert_allclose(P[:, 1], glb.eq9(k, times), atol=1e-10)
    np.testing.assert_allclose(P, glb.fock_populations(k, times[:, None], np.arange(c)[None, :]),
                               atol=1e-10)


@pytest.mark.filterwarnings("ignore::qbattery.errors.TruncationWarning")
def test_sector_path_matches_full_evolve_and_qutip_mesolve():
    qutip = pytest.importorskip("qutip")
    c = 20
    model = gain_loss_boson(c, 1.0)
    times = np.linspace(0.0, 1.0, 6)
    rho0 = glb.eq10_state(c, 0.3, 0.4 * np.exp(0.7j))
    sec = evolve_sectors(model, rho0, times)
    full = evolve(model, rho0, times)
    np.testing.assert_allclose(sec.states, full.states, atol=1e-10)
    b = destroy(c)
    res = qutip.mesolve(qutip.Qobj(number(c)), qutip.Qobj(rho0), times,
                        [qutip.Qobj(b), qutip.Qobj(b.conj().T)],
                        options={"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**6})
    qt = np.array([s.full() for s in res.states])
    np.testing.assert_allclose(sec.states, qt, atol=1e-8)


def test_diagonal_ergotropy_matches_library_metric_on_the_paper_states():
    c = glb._cutoff(glb._fock_pops(2), 3.0).cutoff
    traj = evolve_sectors(gain_loss_boson(c), glb._fock(c, 2), np.linspace(0, 3, 7))
    H = number(c)
    np.testing.assert_allclose(diagonal_ergotropy(traj.populations, np.arange(c)),
                               ergotropy(traj.states, H), atol=1e-12)


def test_vanishing_time_is_k():
    for k in (1, 2, 5):
        c = glb._cutoff(glb._fock_pops(k), float(k) + 1.0).cutoff
        times = np.linspace(0.0, k + 1.0, 41)
        P = evolve_sectors(gain_loss_boson(c), glb._fock(c, k), times, store_states=False,
                           orders=[0]).populations
        assert glb.vanishing_time(glb._fock(c, k), times, P, c) == pytest.approx(k, abs=1e-9)


def test_truncation_warning_at_a_small_cutoff():
    with pytest.warns(TruncationWarning):
        evolve_sectors(gain_loss_boson(10), glb._fock(10, 0), [0.0, 15.0])


def test_coherence_parts_match_library_metrics():
    c = glb._cutoff((0.0, 1.0), 2.0).cutoff
    times = np.array([0.0, 0.5, 2.0])
    P0, P1, X, _ = glb._eq10_parts(c, times)
    a, p2 = 0.25, 0.1
    rho_t = evolve_sectors(gain_loss_boson(c), glb.eq10_state(c, a, math.sqrt(p2)), times)
    H = number(c)
    diag = a * P0 + (1 - a) * P1
    W = glb._tridiagonal_ergotropy(diag, math.sqrt(p2) * np.abs(X), diag @ np.arange(c),
                                   np.arange(c, dtype=float))
    np.testing.assert_allclose(W, ergotropy(rho_t.states, H), atol=1e-12)
    np.testing.assert_allclose(diagonal_ergotropy(diag, np.arange(c)),
                               ergotropy_incoherent(rho_t.states, H), atol=1e-12)
    assert np.all(ergotropy_coherent(rho_t.states, H) >= p2 - 1e-12 - diagonal_ergotropy(
        diag, np.arange(c)))


# ----------------------------------------------------------------------------- datasets
@pytest.fixture(scope="module")
def datasets():
    return {name: getattr(glb, f"{name}_point")() for name in
            ("fig2", "fig2_inset", "fig3", "fock_k", "fig5", "coherence", "collision")}


def test_dataset_interface(datasets):
    d = datasets
    assert d["fig2"]["population"].dims == ("gamma_t", "n")
    np.testing.assert_allclose(d["fig2"]["gamma_t"], [0.0, 0.75, 1.5, 7.5, 15.0])
    assert set(d["fig2_inset"].data_vars) >= {"energy", "ergotropy"}
    assert d["fig2_inset"]["energy"].dims == ("gamma_t",)
    assert d["fig3"]["population"].dims == ("gamma_t", "n")
    np.testing.assert_array_equal(d["fig3"]["n"], [0, 1])
    assert d["fock_k"]["ergotropy"].dims == ("k", "gamma_t")
    assert d["fock_k"]["t_c"].dims == ("k",)
    np.testing.assert_array_equal(d["fock_k"]["k"], np.arange(1, 9))
    assert d["fig5"]["ergotropy"].dims == ("a", "p2")
    W = d["fig5"]["ergotropy"].values
    a, p2 = d["fig5"]["a"].values, d["fig5"]["p2"].values
    outside = p2[None, :] > a[:, None] * (1 - a[:, None]) + 1e-12
    assert np.all(np.isnan(W[outside])) and not np.any(np.isnan(W[~outside]))
    for name, ds in d.items():
        assert int(ds.attrs["cutoff"]) >= 2, name
        assert 0.0 <= float(ds.attrs["max_top_population"]) <= 1e-10, name
    assert d["fig2"].attrs["cutoff"] > 300  # (15/16)^n tail at gamma t = 15


def test_all_figure_checks_pass(datasets):
    paper = get_paper("gain_loss_boson")
    rows = []
    for fig in paper.figures:
        rows += fig.run_checks(datasets[fig.name], False)
    for fn in paper.checks:
        rows += list(fn(datasets))
    failed = [str(r) for r in rows if not r.passed]
    assert not failed, failed
    names = " ".join(r.check for r in rows)
    for needle in ("Eq. (6)", "Eq. (7)", "Eq. (8)", "Eq. (9)", "mean photon number",
                   "ergotropy identically 0", "gamma t_c = 8"):
        assert needle in names, needle


def test_coherence_finding_is_computed_from_the_data(datasets):
    ds = datasets["coherence"]
    text = ds.attrs["finding"]
    w = float(ds["ergotropy"].sel(a=0.5, coherence=1.0).values[-1])
    assert f"{w:.4f}" in text
    assert glb.coherence_finding(ds) == text
    # the numbers respond to the data
    ds2 = ds.copy(deep=True)
    ds2["ergotropy"].loc[{"a": 0.5, "coherence": 1.0}] = ds2["ergotropy"].sel(
        a=0.5, coherence=1.0) + 0.01
    assert glb.coherence_finding(ds2) != text


def test_collision_figure_converges_at_first_order(datasets):
    ds = datasets["collision"]
    assert 0.9 < ds.attrs["fitted_order"] < 1.1
    assert ds["trace_distance"].sel(tau=0.0) == 0.0
    assert float(ds["trace_distance"].sel(tau=0.0125)) < 0.02


def test_registered_model_builds_the_battery():
    entry = get_model("gain_loss_boson")
    m = entry.build(entry.resolve_params({"cutoff": 12}))
    assert m.dim == 12 and m.truncated == (0,)
    np.testing.assert_allclose(entry.state("fock1", {"cutoff": 12}), glb._fock(12, 1))


# ----------------------------------------------------------------------------- end to end
def test_reproduce_writes_the_interface(tmp_path):
    import xarray as xr

    from qbattery.experiments.reproduce import reproduce

    res = reproduce(["gain_loss_boson"], out=tmp_path, progress=False)
    assert res.checks_passed, [str(c) for c in res.checks if not c.passed]
    assert not res.errors
    out = tmp_path / "gain_loss_boson"
    for name in ("fig2", "fig2_inset", "fig3", "fock_k", "fig5", "coherence", "collision"):
        assert (out / f"{name}.nc").exists() and (out / f"{name}.png").exists()
    with xr.open_dataset(out / "fig2.nc") as ds:
        assert ds["population"].dims == ("gamma_t", "n")
        assert "cutoff" in ds.attrs and "max_top_population" in ds.attrs
    assert (out / "checks.csv").exists()
