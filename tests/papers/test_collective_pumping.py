"""The collective_pumping_multi_battery paper: model, small datasets' interface, checks logic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from qbattery.experiments.registry import get_paper
from qbattery.papers import collective_pumping_multi_battery as cp

SMALL = {"num": 9, "ex_sizes": (4, 1), "mf_sizes": (200.0, 2.0), "t_max": 10.0,
         "t_min": 1e-4, "mf_pumped_t_max": 1.0}


def test_registered_with_figures_choices_and_findings():
    paper = get_paper("collective_pumping_multi_battery")
    names = [f.name for f in paper.figures]
    assert names[:7] == ["fig2a", "fig2b", "fig2c", "fig2d", "fig2e", "fig2f", "fig2_inset"]
    assert {"limits", "pump_threshold"} <= set(names)
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
    mf = e.sel({"method": "mean_field"})
    late = ds["t"].values > 1.0
    assert np.all(np.isnan(mf.values[:, late])) and np.all(np.isfinite(mf.values[:, ~late]))
    ex = e.sel({"method": "exact"}).values
    assert np.all(np.isfinite(ex)) and np.all((ex > -1e-9) & (ex < 1 + 1e-9))
    # identical batteries
    np.testing.assert_allclose(ex[1], ex[2], atol=1e-9)


def test_limits_and_threshold_datasets():
    lim = cp.limits_point(N_Cs=(6, 10), N_Bs=(1,), ms=(1, 2), mf_t=5.0)
    f = lim["final_energy_density"]
    assert f.dims == ("method", "m", "N_B", "N_C")
    assert float(f.sel({"method": "exact", "m": 1, "N_B": 1, "N_C": 10.0})) == pytest.approx(
        (10 / 11) ** 2, abs=1e-9)
    assert list(lim["claimed_limit"].sel(N_C=6.0).values) == [1.0, 0.5]
    pt = cp.pump_threshold_point(ms=(1, 2, 5), gammas=(0.0, 0.5, 1.0, 2.0), sizes=(4, 1),
                                 max_m_exact=2, iters=2)
    assert pt["gamma_up_min"].dims == ("m", "target")
    assert np.all(np.isnan(pt["gamma_up_min"].sel(m=5).values))
    assert float(pt["gamma_up_min"].sel(m=1, target=0.5)) == 0.0  # no pumping needed
    s = pt["steady_energy_density"].sel(m=1).values
    assert np.all((s > 0) & (s < 1))


def test_threshold_bisection_logic(monkeypatch):
    # a fake monotone steady state E(g) = g / (1 + g): E >= 0.5 from g = 1
    monkeypatch.setattr(cp, "steady_battery_energy", lambda m, g, nc, nb: g / (1 + g))
    g = np.array([0.25, 0.5, 2.0, 4.0])
    got = cp._threshold(1, 0.5, g, g / (1 + g), 4, 1, iters=30)
    assert got == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(cp._threshold(1, 0.9, g, g / (1 + g), 4, 1, iters=3))


def _fake_panel(name, ex_b, mf_b, mf_peak=None):
    m, gu, _ = cp.PANELS[name]
    t = np.array([1e-3, 1e-2, 1e2])
    e = np.zeros((2, m + 1, 3))
    e[0, 1:, :] = ex_b
    e[1, 1:, :] = mf_b
    if mf_peak is not None:
        e[1, 1:, 1] = mf_peak
    if gu > 0:
        e[1, :, 2] = np.nan
    return xr.Dataset({"energy_density": (("method", "ensemble", "t"), e)},
                      coords={"method": ["exact", "mean_field"],
                              "ensemble": list(cp._names(m)), "t": t,
                              "N_C": ("method", [12.0, 1e7]), "N_B": ("method", [1.0, 1e2]),
                              "m": m, "gamma_up": gu},
                      attrs={"mean_field_t_max": 1e-2 if gu > 0 else 1e2})


def test_checks_report_the_paper_claims_honestly():
    lim = xr.Dataset(
        {"final_energy_density": (("method", "m", "N_B", "N_C"),
                                  np.array([[[[0.9, 0.9995]], [[0.27, 0.29]], [[0.12, 0.15]]]] * 2))},
        coords={"method": ["exact", "mean_field"], "m": [1, 2, 3], "N_B": [1],
                "N_C": [10.0, 2000.0]})
    data = {"limits": lim,
            "fig2a": _fake_panel("fig2a", 0.9, 1.0),
            "fig2b": _fake_panel("fig2b", 0.27, 0.005, mf_peak=0.4998),
            "fig2e": _fake_panel("fig2e", 0.32, 0.51),
            "fig2f": _fake_panel("fig2f", 0.42, 0.99),
            "fig2_inset": _fake_panel("fig2_inset", 0.42, 0.0)}
    rows = {c.check: c for c in cp._paper_checks(data)}
    assert all(isinstance(c.passed, bool) for c in rows.values())
    m1 = [c for k, c in rows.items() if k.startswith("m = 1 charges fully (N_C >> N_B): exact")]
    assert m1 and m1[0].passed
    lim2 = [c for k, c in rows.items() if k.startswith("m = 2 without pumping: E_B -> 0.5")]
    assert lim2 and not lim2[0].passed and lim2[0].computed == pytest.approx(0.29)
    bound2 = [c for k, c in rows.items() if k.startswith("m = 2 without pumping cannot pass")]
    assert bound2 and bound2[0].passed
    plateau = [c for k, c in rows.items() if "plateau" in k]
    assert plateau and plateau[0].passed
    late = [c for k, c in rows.items() if "m = 2" in k and "mean-field E_B at t" in k]
    assert late and not late[0].passed
    half_mf = [c for k, c in rows.items() if k.startswith("m = 3, gamma_up = gamma_down")
               and "mean-field" in k]
    half_ex = [c for k, c in rows.items() if k.startswith("m = 3, gamma_up = gamma_down")
               and "exact" in k]
    assert half_mf[0].passed and not half_ex[0].passed
    inset = [c for k, c in rows.items() if k.startswith("no transfer")]
    assert [c.passed for c in inset] == [True, True, False]


def test_finding_is_computed_from_the_data():
    data = {"fig2b": _fake_panel("fig2b", 0.27, 0.005, mf_peak=0.4998)}
    text = cp._finding(data)
    assert "0.4998" in text and "transient" in text
