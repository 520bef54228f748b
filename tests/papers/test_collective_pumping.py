"""The collective_pumping_multi_battery paper: model, small datasets' interface, checks logic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from qbattery.experiments.registry import get_paper
from qbattery.papers import collective_pumping_multi_battery as cp

SMALL = {"num": 9, "ex_sizes": (4, 1), "mf_sizes": (200.0, 2.0), "t_max": 10.0,
         "t_min": 1e-4, "window": (1e-2, 1.0, 0.1)}


def test_registered_with_figures_choices_and_findings():
    paper = get_paper("collective_pumping_multi_battery")
    names = [f.name for f in paper.figures]
    assert names[:7] == ["fig2a", "fig2b", "fig2c", "fig2d", "fig2e", "fig2f", "fig2_inset"]
    assert {"limits", "pump_threshold", "mf_error"} <= set(names)
    assert paper.choices and paper.findings and paper.checks


def test_channels_use_core_rate_two_gamma():
    ch = cp.channels(3, 2.0)
    assert [c.kind for c in ch] == ["lower"] * 3 + ["raise"]
    assert [c.rate for c in ch] == [2.0, 2.0, 2.0, 4.0]
    assert ch[1].coeffs == (1, 0, 1, 0)
    assert len(cp.channels(2, 0.0)) == 2


def test_single_battery_limit_approaches_one():
    # m = 1, N_B = 1 without pumping: E_B(inf) = (N_C/(N_C + 1))^2 (observed, exact solver);
    # 1 - N_B/N_C is only approximate (0.9008 at N_C = 20, N_B = 2)
    for nc in (4, 10, 20):
        assert cp.steady_battery_energy(1, 0.0, nc, 1) == pytest.approx((nc / (nc + 1)) ** 2,
                                                                         abs=1e-9)
    assert cp.steady_battery_energy(1, 0.0, 20, 2) == pytest.approx(0.9008461, abs=1e-6)


def test_pumped_steady_state_does_not_depend_on_the_initial_charger():
    full = cp.steady_battery_energy(2, 1.0, 6, 1, charger0=1.0)
    empty = cp.steady_battery_energy(2, 1.0, 6, 1, charger0=0.0)
    assert full == pytest.approx(empty, abs=1e-9)
    assert 0 < full < 1


def test_panel_dataset_interface():
    ds = cp.panel_point("fig2c", **SMALL)
    e = ds["energy_density"]
    assert e.dims == ("method", "ensemble", "t")
    assert list(ds["method"].values) == ["exact", "mean_field"]
    assert list(ds["ensemble"].values) == ["C", "B1", "B2"]
    assert int(ds["m"]) == 2 and float(ds["gamma_up"]) == 1.0
    assert list(ds["N_C"].values) == [4.0, 200.0]
    # pumped: log grid plus the linear window, mean field over the whole range
    assert ds.sizes["t"] == 9 + 10  # 9 log points and the window 0.01, 0.11, .., 0.91
    assert np.all(np.isfinite(e.values)) and np.all((e.values > -1e-6) & (e.values < 1 + 1e-6))
    ex = e.sel({"method": "exact"}).values
    np.testing.assert_allclose(ex[1], ex[2], atol=1e-9)  # identical batteries
    # the stored fixed point is where the mean field ends up
    mf_end = float(e.sel({"method": "mean_field", "ensemble": "B1"})[-1])
    assert ds.attrs["mean_field_fixed_point_B"] == pytest.approx(mf_end, abs=1e-3)
    assert ds.attrs["mean_field_fixed_point_abscissa"] < 0
    unpumped = cp.panel_point("fig2b", **SMALL)
    assert unpumped.sizes["t"] == 9 and math.isnan(unpumped.attrs["mean_field_fixed_point_B"])


def test_panel_times_window():
    t = cp.panel_times(1e-3, 10.0, 5, window=(0.05, 0.5, 0.1))
    assert np.all(np.diff(t) > 0) and t[0] == pytest.approx(1e-3) and t[-1] == pytest.approx(10)
    assert np.any(np.isclose(t, 0.35))


def test_limits_and_threshold_datasets():
    lim = cp.limits_point(N_Cs=(6, 10), N_Bs=(1,), ms=(1, 2), mf_t=5.0)
    f = lim["final_energy_density"]
    assert f.dims == ("method", "m", "N_B", "N_C")
    assert float(f.sel({"method": "exact", "m": 1, "N_B": 1, "N_C": 10.0})) == pytest.approx(
        (10 / 11) ** 2, abs=1e-9)
    assert np.all(np.isfinite(f.sel({"method": "mean_field"}).values))
    assert list(lim["claimed_limit"].sel(N_C=6.0).values) == [1.0, 0.5]
    pt = cp.pump_threshold_point(ms=(1, 2, 5), gammas=(0.0, 0.5, 1.0, 2.0), sizes=(4, 1),
                                 max_m_exact=2, iters=2, mf_sizes=(200.0, 2.0), mf_iters=1)
    assert pt["gamma_up_min"].dims == ("m", "target")
    assert np.all(np.isnan(pt["gamma_up_min"].sel(m=5).values))
    assert float(pt["gamma_up_min"].sel(m=1, target=0.5)) == 0.0  # no pumping needed
    s = pt["steady_energy_density"].sel(m=1).values
    assert np.all((s > 0) & (s < 1))
    peak = pt["mean_field_peak_energy_density"]
    # mean field only below the charger's collective threshold gamma_up < m gamma_down
    assert np.isnan(float(peak.sel(m=1, gamma_up=1.0))) and np.isnan(
        float(peak.sel(m=2, gamma_up=2.0)))
    assert np.all(np.isfinite(peak.sel(m=5).values))
    assert pt["gamma_up_min_mean_field"].dims == ("m", "target")


def test_mf_error_dataset():
    ds = cp.mf_error_point(N_Cs=(3, 5), panels=("fig2a", "fig2c"), num=6)
    assert ds["energy_density"].dims == ("method", "panel", "N_C", "t")
    e = ds["energy_density"].values
    np.testing.assert_allclose(ds["abs_error"].values, np.abs(e[1] - e[0]))
    np.testing.assert_allclose(ds["max_abs_error"].values, ds["abs_error"].values.max(axis=-1))
    assert list(ds["m"].values) == [1, 2] and list(ds["gamma_up"].values) == [0.0, 1.0]
    # exact t -> infinity: (N_C/(N_C + 1))^2 for m = 1, N_B = 1 (test above)
    fe = ds["final_energy_density"].sel({"method": "exact", "panel": "fig2a", "N_C": 5.0})
    assert float(fe) == pytest.approx((5 / 6) ** 2, abs=1e-9)
    # pumped: the exact evolution has reached the unique steady state by t = 100
    fin = ds["final_energy_density"].sel({"method": "exact", "panel": "fig2c"}).values
    np.testing.assert_allclose(e[0, 1, :, -1], fin, atol=1e-6)


def test_threshold_bisection_logic():
    # a fake monotone curve E(g) = g / (1 + g): E >= 0.5 from g = 1
    g = np.array([0.25, 0.5, 2.0, 4.0])
    f = lambda x: x / (1 + x)  # noqa: E731
    assert cp._threshold(f(g), g, 0.5, f, iters=30) == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(cp._threshold(f(g), g, 0.9, f, iters=3))
    assert cp._threshold(f(g), g, 0.1, f, iters=3) == 0.25  # the first grid value charges


def _fake_panel(name, ex_b, mf_b, mf_peak=None):
    m, gu, _ = cp.PANELS[name]
    t = np.array([1e-3, 1e-2, 1e2])
    e = np.zeros((2, m + 1, 3))
    e[0, 1:, :] = ex_b
    e[1, 1:, :] = mf_b
    if mf_peak is not None:
        e[1, 1:, 1] = mf_peak
    fp = mf_b if gu > 0 else math.nan
    return xr.Dataset({"energy_density": (("method", "ensemble", "t"), e)},
                      coords={"method": ["exact", "mean_field"],
                              "ensemble": list(cp._names(m)), "t": t,
                              "N_C": ("method", [12.0, 1e7]), "N_B": ("method", [1.0, 1e2]),
                              "m": m, "gamma_up": gu},
                      attrs={"mean_field_fixed_point_B": fp, "mean_field_fixed_point_C": 0.0,
                             "mean_field_fixed_point_abscissa": -2.0,
                             "mean_field_fixed_point_re": -3.0,
                             "mean_field_fixed_point_im": 116.6,
                             "mean_field_full_charge_from": 1e-6 if mf_peak and mf_peak > 0.99
                             else math.nan,
                             "mean_field_full_charge_until": 1e-2 if mf_peak and mf_peak > 0.99
                             else math.nan})


def test_checks_report_the_paper_claims_honestly():
    lim = xr.Dataset(
        {"final_energy_density": (("method", "m", "N_B", "N_C"),
                                  np.array([[[[0.9, 0.9995]], [[0.27, 0.29]], [[0.12, 0.15]]],
                                            [[[0.99, 0.999]], [[0.01, 0.005]], [[0.01, 0.004]]]]))},
        coords={"method": ["exact", "mean_field"], "m": [1, 2, 3], "N_B": [1],
                "N_C": [10.0, 2000.0]})
    data = {"limits": lim,
            "fig2a": _fake_panel("fig2a", 0.9, 1.0),
            "fig2b": _fake_panel("fig2b", 0.27, 0.005, mf_peak=0.4998),
            "fig2c": _fake_panel("fig2c", 0.46, 0.5, mf_peak=0.9999),
            "fig2e": _fake_panel("fig2e", 0.32, 0.51, mf_peak=0.86),
            "fig2f": _fake_panel("fig2f", 0.42, 0.5, mf_peak=0.9999),
            "fig2_inset": _fake_panel("fig2_inset", 0.42, 0.0)}
    rows = {c.check: c for c in cp._paper_checks(data)}
    assert all(c.kind == "claim" and isinstance(c.passed, bool) for c in rows.values())

    def find(*words):
        hits = [c for k, c in rows.items() if all(w in k for w in words)]
        assert hits, words
        return hits[0]

    assert find("m = 1 charges fully (N_C >> N_B): exact").passed
    lim2 = find("m = 2 without pumping: E_B -> 0.5")
    assert not lim2.passed and lim2.computed == pytest.approx(0.29)
    assert "mean field" in lim2.note  # both solvers reported
    assert find("m = 2 without pumping cannot pass", "exact").passed
    assert find("m = 2 without pumping cannot pass", "mean-field").passed
    assert find("plateau").passed
    assert not find("m = 2 without pumping: mean-field E_B at t").passed
    # pumped: full charge is a transient of the mean field, the steady state is 1/2
    assert find("m = 2, gamma_up = gamma_down charges fully (transient)").passed
    assert not find("m = 2, gamma_up = gamma_down charges fully (steady state): mean").passed
    assert not find("m = 2, gamma_up = gamma_down charges fully (steady state): exact").passed
    assert find("m = 3, gamma_up = gamma_down half-charges (steady state): mean").passed
    assert not find("m = 3, gamma_up = gamma_down half-charges: mean-field max").passed
    assert not find("m = 3, gamma_up = gamma_down half-charges (steady state): exact").passed
    assert find("m = 3, gamma_up = 2 gamma_down charges fully (transient)").passed
    inset = [c for k, c in rows.items() if k.startswith("no transfer")]
    assert [c.passed for c in inset][-2:] == [True, False]


def test_finding_is_computed_from_the_data():
    data = {"fig2b": _fake_panel("fig2b", 0.27, 0.005, mf_peak=0.4998),
            "fig2c": _fake_panel("fig2c", 0.46, 0.5, mf_peak=0.9999)}
    text = cp._finding(data)
    assert "0.4998" in text and "transient" in text
    assert "fixed point E_B = 0.5000" in text and "stable" in text
