"""Figures: line, scatter and map kinds, per-variable selection, limits, panels and composed
figures, formats and timings, and the report's finding paragraphs and quick constants."""

from __future__ import annotations

import exp_helpers as h
import numpy as np
import pytest
import xarray as xr

from qbattery.errors import InvalidParameterError
from qbattery.experiments.registry import unregister_paper
from qbattery.experiments.reproduce import reproduce
from qbattery.experiments.sweep import Grid
from qbattery.papers.base import Paper, PaperFigure, register
from qbattery.plotting import FigureSpec, default_formats, draw_figure, plot_dataset
from qbattery.plotting.figure import OVERLAY_COLOR, check_formats


@pytest.fixture(scope="module")
def ds():
    t = np.linspace(0.0, 3.0, 31)
    n = np.arange(4)
    pop = np.exp(-np.outer(t, n + 1.0))
    return xr.Dataset(
        {"energy": ("t", 1.0 + t, {"units": "omega"}),
         "population": (("t", "n"), pop),
         "series": (("g", "t"), np.outer([1.0, 2.0, 3.0], t))},
        coords={"t": t, "n": n, "g": [0.1, 0.2, 0.3]})


@pytest.fixture(scope="module")
def map_ds():
    a = np.linspace(0.0, 1.0, 11)
    p2 = np.linspace(0.0, 0.25, 6)
    A, Q = np.meshgrid(a, p2, indexing="ij")
    W = np.where(Q <= A * (1 - A) + 1e-12, Q + 0.1 * A, np.nan)
    return xr.Dataset({"w": (("a", "p2"), W), "edge": ("a", a * (1 - a))},
                      coords={"a": a, "p2": p2})


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg is not None else []


def test_per_variable_selection_mixes_a_scalar_with_slices(ds, tmp_path):
    spec = FigureSpec("mix", ("energy", "population"), "t", sel={"population": {"n": [0, 1]}},
                      labels={"energy": "$E$", "population": r"$\rho_{n}$"},
                      colors={"energy": "0.4"})
    assert spec.sel == (("population", (("n", (0, 1)),)),)
    # per variable, only the plotted ones count ("series" has the free dimension g)
    assert spec.check_against(dict(ds.sizes), list(ds.data_vars),
                              {v: ds[v].dims for v in ds.data_vars}) is None
    fig = draw_figure(ds[["energy", "population"]], spec)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3
    assert _legend_texts(ax) == ["$E$", r"$\rho_0$", r"$\rho_1$"]
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), ds["population"].sel(n=1))
    assert ax.get_lines()[0].get_color() == "0.4"
    # a label without a field for the slice gets the coordinates appended
    fig = draw_figure(ds[["population"]], FigureSpec("p", "population", "t",
                                                     sel={"population": {"n": [0, 2]}}))
    assert _legend_texts(fig.axes[0]) == ["population (n = 0)", "population (n = 2)"]
    assert plot_dataset(ds[["energy", "population"]], spec, tmp_path / "mix",
                        formats=("png",))[0].is_file()


def test_free_dimensions_are_checked_per_variable(ds):
    dims = dict(ds.sizes)
    var_dims = {v: ds[v].dims for v in ds.data_vars}
    spec = FigureSpec("x", ("energy", "population"), "t", sel={"population": {"n": 0}})
    assert spec.check_against(dims, list(ds.data_vars), var_dims) is None
    assert "n are neither" in FigureSpec("x", ("energy", "population"), "t").check_against(
        dims, list(ds.data_vars), var_dims)
    assert "sel.nope" in FigureSpec("x", "energy", "t", sel={"nope": {"n": 0}}).check_against(
        dims, list(ds.data_vars), var_dims)
    with pytest.raises(ValueError, match="n are neither"):
        draw_figure(ds, FigureSpec("x", "population", "t"))


def test_xlim_and_ylim_are_honoured_and_data_outside_are_not_drawn(ds):
    spec = FigureSpec("lim", "energy", "t", xlim=(1.0, 2.0), ylim=(0.0, None), marker="o")
    ax = draw_figure(ds, spec).axes[0]
    assert ax.get_xlim() == (1.0, 2.0)
    assert ax.get_ylim()[0] == 0.0
    x = ax.get_lines()[0].get_xdata()
    assert x.min() >= 0.9 - 1e-12 and x.max() <= 2.1 + 1e-12  # one neighbour each side
    assert ax.get_lines()[0].get_marker() == "o"


def test_scatter_kind_draws_markers_only_and_log_scale_masks_zeros(ds):
    d = ds.copy()
    d["population"][:, 0] = 0.0
    spec = FigureSpec("sc", "population", "n", hue="t", kind="scatter", yscale="log",
                      select={"t": [0.0, 1.5]}, hue_format="$t = {value:g}$")
    ax = draw_figure(d, spec).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2 and all(ln.get_linestyle() == "None" for ln in lines)
    assert {ln.get_marker() for ln in lines} == {"o"}
    assert _legend_texts(ax) == ["$t = 0$", "$t = 1.5$"]
    assert ax.get_yscale() == "log"


def test_map_draws_nan_blank_with_colour_bar_and_red_overlay(map_ds, tmp_path):
    spec = FigureSpec("m", "w", "a", kind="map", ydim="p2", overlays="edge",
                      labels={"edge": "$a(1-a)$"}, clabel="$W$", xlim=(0.0, 1.0))
    fig = draw_figure(map_ds, spec)
    ax, cax = fig.axes
    (mesh,) = ax.collections
    arr = mesh.get_array()
    assert np.ma.isMaskedArray(arr)
    nan = np.isnan(map_ds["w"].transpose("p2", "a").values)
    assert nan.any() and np.array_equal(np.ma.getmaskarray(arr).reshape(nan.shape), nan)
    assert cax.get_ylabel() == "$W$"
    (line,) = ax.get_lines()
    assert line.get_color() == OVERLAY_COLOR
    np.testing.assert_allclose(line.get_ydata(), map_ds["edge"])
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 0.25)
    assert _legend_texts(ax) == ["$a(1-a)$"]
    paths = plot_dataset(map_ds, spec, tmp_path / "m")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size for p in paths)
    with pytest.raises(ValueError, match="ydim"):
        FigureSpec("m", "w", "a", kind="map")
    with pytest.raises(ValueError, match="only used by kind"):
        FigureSpec("m", "w", "a", ydim="p2")


def test_panel_titles_use_panel_format_and_identical_legends_are_shared(ds):
    spec = FigureSpec("pan", "series", "t", panels="g", panel_format="$g = {value:g}$",
                      hue_format="unused {value}")
    fig = draw_figure(ds, spec)
    assert [ax.get_title() for ax in fig.axes] == ["$g = 0.1$", "$g = 0.2$", "$g = 0.3$"]
    two = FigureSpec("two", "series", "t", hue="g", panels="variable")
    d = ds.assign(other=ds["series"] * 2)
    fig = draw_figure(d, FigureSpec("two", ("series", "other"), "t", hue="g",
                                    panels="variable"))
    legends = [ax.get_legend() for ax in fig.axes]
    assert legends[0] is None and legends[1] is not None  # one legend for both panels
    assert two.panel_format == "{name} = {value:g}"


def test_hue_with_several_variables_gets_a_factorised_legend(ds):
    d = ds.assign(other=ds["series"] * 2)
    ax = draw_figure(d, FigureSpec("f", ("series", "other"), "t", hue="g")).axes[0]
    assert len(ax.get_lines()) == 6
    assert _legend_texts(ax) == ["g = 0.1", "g = 0.2", "g = 0.3", "series", "other"]


def test_composed_figure_draws_different_panels(ds, map_ds):
    spec = FigureSpec.compose(
        "c", FigureSpec("a", "energy", "t", title="(a)", xlim=(0, 1)),
        FigureSpec("b", "population", "t", sel={"population": {"n": [0, 1]}}, title="(b)",
                   yscale="log"))
    assert spec.y == ("energy", "population") and spec.x == "t"
    fig = draw_figure(ds, spec)
    assert [ax.get_title() for ax in fig.axes] == ["(a)", "(b)"]
    assert fig.axes[0].get_xlim() == (0.0, 1.0) and fig.axes[1].get_yscale() == "log"
    bad = FigureSpec.compose("c", FigureSpec("a", "energy", "t"), FigureSpec("b", "nope", "t"))
    var_dims = {v: ds[v].dims for v in ds.data_vars}
    assert bad.check_against(dict(ds.sizes), list(ds.data_vars), var_dims).startswith(
        "panel 2 (b): variable 'nope'")
    d = spec.to_dict()
    assert [s["name"] for s in d["subplots"]] == ["a", "b"]
    assert d["subplots"][1]["sel"] == {"population": {"n": [0, 1]}}
    assert hash(spec) == hash(FigureSpec.compose(
        "c", FigureSpec("a", "energy", "t", title="(a)", xlim=(0, 1)),
        FigureSpec("b", "population", "t", sel={"population": {"n": [0, 1]}}, title="(b)",
                   yscale="log")))
    with pytest.raises(ValueError, match="one panel"):
        FigureSpec.compose("c", FigureSpec("a", "series", "t", panels="g"))


def test_spec_validation_and_to_dict_of_new_fields():
    with pytest.raises(ValueError, match="kind"):
        FigureSpec("k", "e", "t", kind="bars")
    with pytest.raises(ValueError, match="xlim"):
        FigureSpec("k", "e", "t", xlim=(0.0,))
    spec = FigureSpec("k", "e", "t", kind="scatter", xlim=(0, None), select={"g": [1, 2]},
                      legend_loc="upper right")
    assert spec.to_dict() == {"name": "k", "y": ["e"], "x": "t", "kind": "scatter",
                              "xlim": [0.0, None], "select": {"g": [1, 2]},
                              "legend_loc": "upper right"}
    assert FigureSpec("f", "e", "t", hue="g").to_dict() == {"name": "f", "y": ["e"], "x": "t",
                                                            "hue": "g"}


def test_formats_setting_and_timings(ds, tmp_path, monkeypatch):
    monkeypatch.delenv("QBATTERY_FIGURE_FORMATS", raising=False)
    assert default_formats() == ("png", "pdf")
    monkeypatch.setenv("QBATTERY_FIGURE_FORMATS", "png")
    assert default_formats() == ("png",)
    timings: dict[str, float] = {}
    paths = plot_dataset(ds, FigureSpec("f", "energy", "t"), tmp_path / "f", timings=timings)
    assert [p.name for p in paths] == ["f.png"] and not (tmp_path / "f.pdf").exists()
    assert set(timings) == {"draw", "png"} and all(v >= 0 for v in timings.values())
    assert check_formats([".PNG", "svg", "png"]) == ("png", "svg")
    with pytest.raises(ValueError, match="'jpg'"):
        check_formats(["jpg"])
    monkeypatch.setenv("QBATTERY_FIGURE_FORMATS", "png,tiff")
    with pytest.raises(InvalidParameterError, match="QBATTERY_FIGURE_FORMATS"):
        reproduce(["demo_qubit_charger"], out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- report findings
def _finding(ds, quick):
    return f"Peak *y* of <b> = {float(ds['peak'].max()):.3f} (quick = {quick})."


def _broken_finding(ds):
    raise RuntimeError("no finding")


def _paper_finding(datasets):
    return f"Figures with data: {', '.join(sorted(datasets))}."


def test_findings_appear_in_the_report_and_quick_constants_apply(tmp_path):
    register(Paper(
        name="test_findings_paper", title="Findings", citation="A. Author (2025)",
        figures=(PaperFigure(name="waves", point=h.wave,
                             grid=Grid(axes={"a": [1.0], "b": [0.0]}),
                             constants={"scale": 1.0}, quick_constants={"scale": 2.0},
                             plot=FigureSpec("waves", "y", "time", kind="scatter",
                                             xlim=(0.0, 0.5)),
                             findings=(_finding, _broken_finding)),),
        findings=(_paper_finding,)))
    try:
        res = reproduce(["test_findings_paper"], out=tmp_path, quick=True, progress=False,
                        formats=("png",))
        (p,) = res.papers
        (f,) = p.figures
        peak = float(np.max(2.0 * np.sin(h.TIMES)))  # scale = 2 from quick_constants
        assert f.findings == (f"Peak *y* of <b> = {peak:.3f} (quick = True).",)
        assert f.finding_errors and "RuntimeError: no finding" in f.finding_errors[0]
        assert any("no finding" in e for e in res.errors)
        assert p.findings == ["Figures with data: waves."]
        assert [i.suffix for i in f.images] == [".png"] and set(f.plot_times) == {"draw", "png"}
        md = (tmp_path / "report.md").read_text()
        assert f"**Finding.** Peak \\*y\\* of \\<b> = {peak:.3f} (quick = True)." in md
        assert "### Findings" in md and "Figures with data: waves." in md
        assert "finding _broken_finding raised" in md.replace("\\_", "_")
        html = (tmp_path / "report.html").read_text()
        assert "<p class='finding'><b>Finding.</b> Peak *y* of &lt;b&gt;" in html
        full = reproduce(["test_findings_paper"], out=tmp_path / "full", progress=False,
                         formats=("png",))
        assert f"{float(np.max(np.sin(h.TIMES))):.3f} (quick = False)" in \
            full.papers[0].figures[0].findings[0]
    finally:
        unregister_paper("test_findings_paper")


def test_quick_constants_are_checked_against_the_point_function():
    with pytest.raises(InvalidParameterError, match="quick_constants"):
        PaperFigure(name="w", point=h.wave, grid=Grid(axes={"a": [1.0], "b": [0.0]}),
                    quick_constants={"scal": 2.0}, plot=FigureSpec("w", "y", "time"))
    with pytest.raises(InvalidParameterError, match="spec figure"):
        PaperFigure(name="w", spec={"name": "w"}, quick_constants={"x": 1},
                    plot=FigureSpec("w", "y", "time"))
