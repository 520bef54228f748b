"""The self_discharge paper: closed forms, anchors of the normalisation, the figure datasets'
interface, the checks, and one `reproduce --quick` run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbattery.experiments.registry import get_model, get_paper
from qbattery.papers import self_discharge as sd


def test_printed_numbers_and_closed_forms():
    assert sd.HALF_LIFE_CLASSICAL == pytest.approx(0.3646431135879092, abs=1e-15)
    assert round(sd.HALF_LIFE_CLASSICAL, 2) == 0.36
    assert sd.HALF_LIFE_QUANTUM == pytest.approx(0.6438711751763552, abs=1e-15)
    assert sd.TAU_C == pytest.approx(2 * math.log(2))
    # the closed forms hit the anchors exactly
    assert float(sd.eq9_classical(sd.HALF_LIFE_CLASSICAL)) == pytest.approx(0.5, abs=1e-15)
    assert float(sd.eq9_quantum(sd.HALF_LIFE_QUANTUM)) == pytest.approx(0.5, abs=1e-15)
    assert float(sd.eq8_ergotropy(sd.TAU_C)) == pytest.approx(0.0, abs=1e-15)
    assert float(sd.eq8_energy(sd.TAU_D)) == pytest.approx(math.exp(-1), abs=1e-15)
    assert float(sd.eq9_classical(sd.DEATH_CLASSICAL)) == pytest.approx(0.0, abs=1e-15)
    assert float(sd.eq9_classical(0.0)) == float(sd.eq9_quantum(0.0)) == 1.0


def test_fig2_interface_and_checks():
    ds = sd.single_cell_point(num=121)
    assert ds["ergotropy"].dims == ("state", "gamma_t")
    assert list(ds["state"].values) == ["classical", "quantum"]
    assert ds["half_life"].dims == ("state",)
    for name in ("ergotropy", "energy", "xi", "coherence_l1", "concurrence_avg"):
        assert name in ds
    checks = sd._fig2_checks(ds)
    assert all(c.passed for c in checks), [str(c) for c in checks if not c.passed]
    assert ds["half_life"].sel(state="quantum") == pytest.approx(sd.HALF_LIFE_QUANTUM, abs=1e-10)


def test_amplitude_damping_normalisation_fails_the_anchor():
    ds = sd.single_cell_point(relaxation="amplitude_damping", num=61)
    assert float(ds["half_life"].sel(state="quantum")) == pytest.approx(2 * math.log(8 / 5),
                                                                        abs=1e-10)
    failed = [c for c in sd._fig2_checks(ds) if not c.passed]
    assert any("quantum" in c.check for c in failed)


def test_full_charge_and_phase_damping():
    full = sd.full_charge_point(num=61)
    assert all(c.passed for c in sd._full_checks(full))
    pd = sd.phase_damping_point(num=61)
    assert pd["ergotropy"].dims == ("state", "gamma_t")
    assert all(c.passed for c in sd._phase_checks(pd))


def test_network_point_symmetries():
    ds = sd.network_point("linear", N=3, num=41)
    assert ds["xi"].dims == ("state", "gamma_t")
    assert float(ds["xi"].sel(state="classical")[0]) == pytest.approx(2 / 3, abs=1e-14)
    assert float(ds["xi"].sel(state="quantum")[0]) == pytest.approx(1.0, abs=1e-14)
    assert float(ds["psd_bound"]) == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    # relabelling the graph does not change the physics (star centred on 0 or on 2)
    a = sd.network_point([(0, 1), (0, 2), (0, 3)], N=4, num=21)
    b = sd.network_point([(2, 0), (2, 1), (2, 3)], N=4, num=21)
    assert np.max(np.abs(a["xi"].values - b["xi"].values)) < 1e-12
    assert np.max(np.abs(a["half_life"].values - b["half_life"].values)) < 1e-10


def test_scan_point_ranking():
    ds = sd.scan_point(N=4, Gamma_d=0.5, n_rank=6, num=31)
    assert int(ds["n_graphs"]) == 6
    hl = ds["half_life"].sel(state="quantum").values
    assert np.all(np.diff(hl) <= 0)  # ranked, longest first
    assert str(ds["graph"].values[0]) == "star"
    assert str(ds["graph"].values[-1]) == "complete"
    padded = sd.scan_point(N=4, Gamma_d=0.5, n_rank=8, num=31)
    assert str(padded["graph"].values[-1]) == "" and np.isnan(padded["half_life"].values[-1]).all()


def test_registered_model_and_states():
    entry = get_model("self_discharge_cells")
    m = entry.builder(geometry="central", N=3, Gamma_d=0.5, J=2.0)
    assert m.dims == (2, 2, 2)
    rho = entry.state("quantum", {"N": 3})
    assert rho.shape == (8, 8)


def test_reproduce_quick_writes_the_interface(tmp_path):
    import xarray as xr

    from qbattery.experiments.reproduce import reproduce

    res = reproduce(["self_discharge"], out=tmp_path, quick=True, progress=False)
    assert res.checks_passed, [str(c) for c in res.checks if not c.passed]
    assert not res.errors
    out = tmp_path / "self_discharge"
    paper = get_paper("self_discharge")
    for fig in paper.figures:
        assert (out / f"{fig.name}.nc").exists() and (out / f"{fig.name}.png").exists()
    with xr.open_dataset(out / "fig2.nc") as ds:
        assert ds["half_life"].dims == ("state",)
        assert ds["ergotropy"].dims == ("state", "gamma_t")
    with xr.open_dataset(out / "phase_damping.nc") as ds:
        assert ds["ergotropy"].dims == ("state", "gamma_t")
    with xr.open_dataset(out / "fig3.nc") as ds:
        assert ds["xi"].dims == ("N", "state", "gamma_t")
    with xr.open_dataset(out / "fig4.nc") as ds:
        assert set(ds["geometry"].values) == set(sd.GEOMETRIES)
        assert ds["energy"].dims == ("geometry", "state", "gamma_t")
    with xr.open_dataset(out / "fig5.nc") as ds:
        assert {"coherence_l1", "concurrence_avg"} <= set(ds.data_vars)
    with xr.open_dataset(out / "geometry_scan.nc") as ds:
        assert ds["half_life"].dims == ("Gamma_d", "N", "rank", "state")
    assert (out / "checks.csv").exists()
