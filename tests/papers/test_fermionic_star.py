"""The fermionic_star_steady_state paper: closed forms used by its checks, the figure datasets'
interface, and one quick `reproduce` run (every check must pass)."""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.experiments.registry import get_paper
from qbattery.models import fermi_dirac
from qbattery.models.fermionic_network import FermionicNetworkSolver
from qbattery.papers import fermionic_star_steady_state as fss

VARS = ("ergotropy_norm", "energy", "kernel_dim", "residual")


def test_registered_with_five_figures():
    paper = get_paper("fermionic_star_steady_state")
    assert [f.name for f in paper.figures] == ["fig2", "fig3", "fig4", "fig5", "fig6"]
    text = " ".join(paper.choices) + paper.description
    assert "|g" in text and "unique" in text  # the report states the initial state and the finding


def test_closed_forms():
    mu = np.linspace(-3, 12, 61)
    for T in (0.05, 0.7, 3.0):
        n = fermi_dirac(1.0, mu, T)
        np.testing.assert_allclose(fss.star_equilibrium_ergotropy(mu, T),
                                   np.maximum(0, np.tanh((mu - 1) / (2 * T))), atol=1e-15)
        ok = (mu - 1) / T < 30  # where 1 - n does not round to 0 in the naive r = n/(1 - n)
        r = n[ok] / (1 - n[ok])
        np.testing.assert_allclose(fss.chain_even_sector_population(mu[ok], T),
                                   r * (r + 0.5) / (1 + r + r * r), rtol=1e-12)
    # no overflow deep in the tails
    assert fss.chain_even_sector_population(1e3, 1e-3) == pytest.approx(1.0)
    assert fss.chain_even_sector_population(-1e3, 1e-3) == 0.0
    s = FermionicNetworkSolver(3, "chain", "equilibrium")
    for m, T in [(0.5, 1.0), (3.0, 0.4)]:
        assert s.solve(mu=m, T=T).p_excited == pytest.approx(
            float(fss.chain_even_sector_population(m, T)), abs=1e-12)


@pytest.mark.parametrize("fn,args,dims", [
    (fss.fig2_point, ("star", 1.0), ("mu",)),
    (fss.fig3_point, ("chain", 1.0), ("delta_mu",)),
    (fss.fig4_point, ("star",), ("J",)),
    (fss.fig5_point, ("chain",), ("T",)),
    (fss.fig6_point, (5,), ("delta_mu",)),
])
def test_point_datasets(fn, args, dims):
    ds = fn(*args)
    for v in VARS:
        assert ds[v].dims == dims
    assert ds["residual"].max() < 1e-12
    assert np.all((ds["ergotropy_norm"] >= 0) & (ds["ergotropy_norm"] <= 1 + 1e-12))


def test_quick_reproduce_passes_every_check(tmp_path):
    import xarray as xr

    from qbattery.experiments.reproduce import reproduce

    res = reproduce(["fermionic_star_steady_state"], out=tmp_path, quick=True, progress=False)
    assert not res.errors
    assert res.checks_passed, [str(c) for c in res.checks if not c.passed]
    out = tmp_path / "fermionic_star_steady_state"
    for name in ("fig2", "fig3", "fig4", "fig5", "fig6"):
        assert (out / f"{name}.nc").exists() and (out / f"{name}.png").exists()
    with xr.open_dataset(out / "fig2.nc") as ds:
        assert ds["ergotropy_norm"].dims == ("topology", "T", "mu")
        assert {"energy", "kernel_dim", "residual", "ergotropy_norm_mixed"} <= set(ds.data_vars)
        assert int(ds["kernel_dim_full"].min()) == int(ds["kernel_dim_full"].max()) == 2
    with xr.open_dataset(out / "fig6.nc") as ds:
        assert ds["ergotropy_norm"].dims == ("N", "delta_mu")
        assert int(ds["kernel_dim"].max()) == 1
