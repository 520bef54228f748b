"""Papers, reproduce, report and figures: the demo study end to end, and a custom paper."""

from __future__ import annotations

import exp_helpers as h
import numpy as np
import pytest
import xarray as xr

from qbattery.experiments.checks import compare, read_checks_csv
from qbattery.experiments.registry import get_paper, paper_names, unregister_paper
from qbattery.experiments.reproduce import reproduce
from qbattery.experiments.sweep import Grid
from qbattery.metrics import energy, ergotropy
from qbattery.papers import demo
from qbattery.papers.base import Paper, PaperFigure, register
from qbattery.plotting import FigureSpec, plot_dataset
from qbattery.quantum.superoperators import unvec


def _steady_state_by_nullspace(model) -> np.ndarray:
    L = model.liouvillian().toarray()
    _, _, vh = np.linalg.svd(L)
    rho = unvec(vh[-1].conj())
    rho = rho / np.trace(rho)
    return 0.5 * (rho + rho.conj().T)


@pytest.mark.parametrize(("Omega", "gamma"), [(0.0, 1.0), (0.3, 1.0), (0.549, 1.0), (2.0, 0.5),
                                              (1.0, 3.0)])
def test_demo_closed_forms_against_the_liouvillian(Omega, gamma):
    model = demo.driven_qubit(omega0=1.3, Omega=Omega, gamma=gamma)
    rho = _steady_state_by_nullspace(model)
    assert energy(rho, model.H_battery) == pytest.approx(
        float(demo.steady_energy(1.3, Omega, gamma)), abs=1e-12)
    assert ergotropy(rho, model.H_battery) == pytest.approx(
        float(demo.steady_ergotropy(1.3, Omega, gamma)), abs=1e-12)


def test_demo_maximum_steady_ergotropy():
    x = np.linspace(0.01, 3, 200001)
    w = demo.steady_ergotropy(1.0, x, 1.0)
    assert w.max() == pytest.approx(demo.W_MAX, abs=1e-10)
    assert x[w.argmax()] == pytest.approx(np.sqrt(1 + np.sqrt(2)) / (2 * np.sqrt(2)), abs=1e-4)


def test_demo_is_registered():
    assert "demo_qubit_charger" in paper_names()
    paper = get_paper("demo_qubit_charger")
    assert [f.name for f in paper.figures] == ["charging", "steady_state"]
    assert paper.choices and "Mollow" in paper.citation


def test_reproduce_demo_quick(tmp_path):
    res = reproduce(["demo_qubit_charger"], out=tmp_path, quick=True, progress=False)
    assert not res.errors and res.n_failed_points == 0
    assert res.checks and res.checks_passed, [str(c) for c in res.checks if not c.passed]
    (paper,) = res.papers
    assert paper.checks_path == tmp_path / "demo_qubit_charger" / "checks.csv"
    assert len(read_checks_csv(paper.checks_path)) == len(paper.all_checks)
    ds = xr.open_dataset(tmp_path / "demo_qubit_charger" / "charging.nc").load()
    assert ds["energy"].dims == ("gamma", "time")
    assert ds.attrs["paper"] == "demo_qubit_charger" and ds.attrs["quick"] == 1
    assert ds["energy"].attrs["units"] == "omega0" and ds["time"].attrs["units"] == "1/omega0"
    for key in ("qbattery_version", "numpy_version", "scipy_version", "qutip_version",
                "git_commit", "spec", "spec_hash", "created", "dynamics_kind"):
        assert key in ds.attrs, key
    # a second run reuses every point
    again = reproduce(["demo_qubit_charger"], out=tmp_path, quick=True, progress=False)
    assert all(f.n_computed == 0 and f.n_reused == f.n_points for f in again.papers[0].figures)


def _custom_checks(ds):
    yield compare("peak at a=1, b=0", ds["peak"].sel(a=1, b=0.0).values,
                  float(np.max(np.sin(h.TIMES))), atol=1e-12, source="Eq. (1)")


def _raising_check(ds):
    raise RuntimeError("broken check")


def _paper_check(datasets):
    return [compare("figures computed", len(datasets), 1, source="-")]


def test_custom_paper_with_point_function_figures(tmp_path):
    register(Paper(
        name="test_custom_paper", title="Custom", citation="A. Author, J. Test 1, 1 (2025)",
        choices=("choice one",),
        figures=(
            PaperFigure(name="waves", point=h.wave_failing,
                        grid=Grid(axes={"a": [1, 2, 3], "b": [0.0, 0.5]}),
                        quick_grid=Grid(axes={"a": [1, 2], "b": [0.0]}),
                        plot=FigureSpec("waves", "y", "time", hue="a", select={"b": 0.0}),
                        checks=(_custom_checks, _raising_check)),
            PaperFigure(name="unplottable", point=h.wave, grid=Grid(axes={"a": [1], "b": [0.0]}),
                        plot=FigureSpec("unplottable", "nope", "time")),
        ),
        checks=(_paper_check,)))
    try:
        res = reproduce(["test_custom_paper"], out=tmp_path, quick=True, progress=False)
        (p,) = res.papers
        waves, bad = p.figures
        assert waves.n_points == 2 and len(waves.failures) == 1 and res.n_failed_points == 1
        assert [c.passed for c in waves.checks] == [True, False]
        assert "broken check" in waves.checks[1].note
        assert bad.error.startswith("ValueError: figure 'unplottable'")
        assert (tmp_path / "test_custom_paper" / "waves.png").is_file()
        assert p.checks[0].passed is False  # both figures produced data (2 != 1)
        md = (tmp_path / "report.md").read_text()
        assert "choice one" in md and "failed point" in md and "**Error:**" in md
    finally:
        unregister_paper("test_custom_paper")


def test_figure_spec_validation_and_plot(tmp_path):
    ds = xr.Dataset({"e": (("g", "t"), np.random.default_rng(0).random((3, 5))),
                     "w": (("g", "t"), np.zeros((3, 5)))},
                    coords={"g": [0.1, 0.2, 0.3], "t": np.arange(5.0), "k": ("k", [1])})
    spec = FigureSpec("f", ("e", "w"), "t", hue="g", labels={"e": "$E$"})
    assert spec.check_against(dict(ds.sizes), list(ds.data_vars)) is None
    assert "neither" in FigureSpec("f", "e", "t").check_against(dict(ds.sizes), ["e"])
    assert "not in the data" in FigureSpec("f", "x", "t").check_against(dict(ds.sizes), ["e"])
    paths = plot_dataset(ds, spec, tmp_path / "f")
    assert [p.suffix for p in paths] == [".png", ".pdf"]
    first = paths[0].read_bytes()
    plot_dataset(ds, spec, tmp_path / "f")
    assert paths[0].read_bytes() == first  # same data, same bytes
    panels = FigureSpec("p", ("e", "w"), "t", hue="g", panels="variable", yscale="linear")
    assert plot_dataset(ds, panels, tmp_path / "p", formats=("png",))[0].is_file()
    sel = FigureSpec("s", "e", "t", select={"g": 0.21})  # nearest for float coords
    assert plot_dataset(ds, sel, tmp_path / "s", formats=("png",))[0].is_file()
    with pytest.raises(ValueError, match="xscale"):
        FigureSpec("x", "e", "t", xscale="symlog")
    assert FigureSpec("f", "e", "t", hue="g").to_dict() == {"name": "f", "y": ["e"], "x": "t",
                                                            "hue": "g"}


def test_reproduce_rejects_unknown_papers_before_writing(tmp_path):
    from qbattery.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="registered paper"):
        reproduce(["nope"], out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unregister_and_duplicate_papers():
    from qbattery.errors import InvalidParameterError

    p = Paper(name="test_dup", title="t", citation="c", module="m1")
    register(p)
    try:
        with pytest.raises(InvalidParameterError):
            register(Paper(name="test_dup", title="t2", citation="c", module="m2"))
    finally:
        unregister_paper("test_dup")
