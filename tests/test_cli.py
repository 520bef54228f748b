"""The command line: run, show, reproduce, list; exit codes; one-line errors writing nothing."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qbattery.cli import app

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "tests" / "experiments"

runner = CliRunner()

VALID = """\
name = "t"
metrics = ["energy"]

[model]
name = "driven_qubit"

[model.params]
Omega = 0.5

[dynamics]
kind = "evolve"

[times]
stop = 1.0
num = 5

[sweep.axes]
gamma = [0.0, 0.5]
"""

STEADY = """\
name = "s"
metrics = ["energy"]

[model]
name = "driven_qubit"

[dynamics]
kind = "steady_state"
"""


def _sub(old: str, new: str, base: str = VALID) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


# (id, spec text, text expected in the error line)
MALFORMED = [
    ("toml-syntax", 'name = "t\n', "<toml> (line 1): invalid TOML"),
    ("unknown-top-key", VALID + "colour = 1\n", "colour"),
    ("unknown-top-key-line", "colour = 1\n" + VALID, "colour (line 1): unknown key"),
    ("missing-name", _sub('name = "t"\n', ""), "name: required key is missing"),
    ("bad-name", _sub('name = "t"', 'name = "a b"'), "name (line 1): invalid name"),
    ("name-not-string", _sub('name = "t"', "name = 3"), "name (line 1)"),
    ("missing-model", _sub('[model]\nname = "driven_qubit"\n\n[model.params]\nOmega = 0.5\n', ""),
     "model: required key is missing"),
    ("unknown-model", _sub('name = "driven_qubit"', 'name = "warp_drive"'),
     "model.name (line 5): unknown model 'warp_drive'"),
    ("unknown-param", _sub("Omega = 0.5", "zeta = 1.0"), "model.params.zeta (line 8)"),
    ("param-type", _sub("Omega = 0.5", 'Omega = "fast"'), "model.params.Omega (line 8)"),
    ("param-range", _sub("Omega = 0.5", "Omega = -1.0"), "model.params.Omega (line 8): expected"),
    ("param-nan", _sub("Omega = 0.5", "Omega = nan"), "model.params.Omega (line 8)"),
    ("param-inf", _sub("Omega = 0.5", "Omega = inf"), "model.params.Omega (line 8)"),
    ("param-date", _sub("Omega = 0.5", "Omega = 1979-05-27"), "model.params.Omega (line 8)"),
    ("param-unit", _sub("Omega = 0.5", 'Omega = { value = 0.5, unit = "GHz" }'),
     "model.params.Omega.unit (line 8): 'GHz' differs"),
    ("param-table-key", _sub("Omega = 0.5", 'Omega = { value = 0.5, units = "omega0" }'),
     "model.params.Omega.units (line 8): unknown key"),
    ("param-bad-name", _sub("Omega = 0.5", '"9x" = 1.0'), "model.params.9x (line 8): invalid name"),
    ("dynamics-kind", _sub('kind = "evolve"', 'kind = "magic"'), "dynamics.kind (line 11)"),
    ("dynamics-method", _sub('kind = "evolve"', 'kind = "evolve"\nmethod = "magic"'),
     "dynamics.method (line 12): expected one of"),
    ("dynamics-option", _sub('kind = "evolve"', 'kind = "evolve"\noptions = { tolerance = 1.0 }'),
     "dynamics.options.tolerance (line 12): expected an option of method 'auto'"),
    ("dynamics-option-value", _sub('kind = "evolve"',
                                   'kind = "evolve"\nmethod = "ode"\noptions = { rtol = -1.0 }'),
     "dynamics.options.rtol (line 13)"),
    ("steady-option", STEADY.replace('kind = "steady_state"',
                                     'kind = "steady_state"\noptions = { foo = 1 }'),
     "dynamics.options.foo (line 9): expected an option of steady_state"),
    ("missing-dynamics", _sub('[dynamics]\nkind = "evolve"\n', ""), "dynamics: required key"),
    ("dynamics-unknown-key", _sub('kind = "evolve"', 'kind = "evolve"\nsolver = "rk4"'),
     "dynamics.solver (line 12): unknown key (allowed: kind, method, options)"),
    ("missing-times", _sub("[times]\nstop = 1.0\nnum = 5\n", ""), "times: required when"),
    ("times-for-steady", STEADY + "[times]\nstop = 1.0\nnum = 3\n", "times (line 9): not used"),
    ("times-num-zero", _sub("num = 5", "num = 0"), "times.num (line 15)"),
    ("times-stop-before-start", _sub("stop = 1.0", "start = 2.0\nstop = 1.0"),
     "times.stop (line 15): must be greater than start"),
    ("times-not-increasing", _sub("stop = 1.0\nnum = 5", "values = [0.0, 2.0, 1.0]"),
     "times.values (line 14): times must be strictly increasing"),
    ("times-both-forms", _sub("num = 5", "num = 5\nvalues = [0.0, 1.0]"),
     "times (line 13): give either values"),
    ("times-negative", _sub("stop = 1.0", "start = -1.0\nstop = 1.0"), "times (line 13)"),
    ("metrics-empty", _sub('metrics = ["energy"]', "metrics = []"), "metrics (line 2)"),
    ("metrics-unknown", _sub('metrics = ["energy"]', 'metrics = ["happiness"]'),
     "metrics[0] (line 2): unknown metric 'happiness'"),
    ("metrics-duplicate", _sub('metrics = ["energy"]', 'metrics = ["energy", "energy"]'),
     "metrics[1] (line 2): 'energy' is listed twice"),
    ("metric-needs-time", STEADY.replace('metrics = ["energy"]', 'metrics = ["average_power"]'),
     "metrics[0] (line 2): 'average_power' needs a time axis"),
    ("metrics-not-list", _sub('metrics = ["energy"]', 'metrics = "energy"'), "metrics (line 2)"),
    ("axis-unknown-param", _sub("gamma = [0.0, 0.5]", "zeta = [1.0]"),
     "sweep.axes.zeta (line 18): not a parameter"),
    ("axis-value-range", _sub("gamma = [0.0, 0.5]", "gamma = [0.0, -0.5]"),
     "sweep.axes.gamma[1] (line 18)"),
    ("axis-empty", _sub("gamma = [0.0, 0.5]", "gamma = []"), "sweep.axes.gamma (line 18)"),
    ("axis-duplicates", _sub("gamma = [0.0, 0.5]", "gamma = [0.5, 0.5]"),
     "sweep.axes.gamma (line 18): values must be distinct"),
    ("axis-range-num", _sub("gamma = [0.0, 0.5]", "gamma = { start = 0.0, stop = 1.0, num = 0 }"),
     "sweep.axes.gamma.num (line 18)"),
    ("axis-log-range", _sub("gamma = [0.0, 0.5]",
                            'gamma = { start = 0.0, stop = 1.0, num = 3, spacing = "log" }'),
     "sweep.axes.gamma (line 18): a log-spaced range needs start > 0"),
    ("axis-also-param", _sub("gamma = [0.0, 0.5]", "Omega = [0.1, 0.2]"),
     "sweep.axes.Omega (line 18): also set in model.params"),
    ("axis-too-many-points", _sub("gamma = [0.0, 0.5]",
                                  "gamma = { start = 0.0, stop = 1.0, num = 1000000 }\n"
                                  "delta = [0.0, 1.0]"), "sweep (line 17): 2000000 points"),
    ("cases-different-keys", VALID + "\n[[sweep.cases]]\ndelta = 0.0\n\n[[sweep.cases]]\n"
     "omega0 = 2.0\n", "sweep.cases[1] (line 23): every case must set the same keys"),
    ("case-key-is-axis", VALID + "\n[[sweep.cases]]\ngamma = 0.1\n",
     "sweep.cases[0].gamma (line 21): already a sweep axis"),
    ("initial-state-unknown", 'initial_state = "charged"\n' + VALID,
     "initial_state (line 1): unknown state 'charged'"),
    ("initial-state-index", 'initial_state = { kind = "basis", index = 7 }\n' + VALID,
     "initial_state.index (line 1)"),
    ("initial-state-basis-empty", 'initial_state = { kind = "basis" }\n' + VALID,
     "initial_state (line 1): kind = 'basis' needs exactly one of index or levels"),
    ("initial-state-extra", 'initial_state = { kind = "ground", beta = 1.0 }\n' + VALID,
     "initial_state.beta (line 1): not used by kind = 'ground'"),
    ("check-variable", VALID + '\n[[checks]]\nname = "c"\nvariable = "power"\nexpected = 1.0\n'
     'at = { gamma = 0.0, time = 1.0 }\n', "checks[0].variable (line 22)"),
    ("check-at-unknown", VALID + '\n[[checks]]\nname = "c"\nvariable = "energy"\n'
     'expected = 1.0\nat = { zeta = 0.0 }\n', "checks[0].at.zeta (line 24)"),
    ("check-at-not-on-axis", VALID + '\n[[checks]]\nname = "c"\nvariable = "energy"\n'
     'expected = 1.0\nat = { gamma = 0.3, time = 1.0 }\n',
     "checks[0].at.gamma (line 24): 0.3 is not a value of the sweep axis"),
    ("check-free-dims", VALID + '\n[[checks]]\nname = "c"\nvariable = "energy"\n'
     'expected = 1.0\n', "checks[0] (line 20): selects more than one value"),
    ("check-missing-expected", VALID + '\n[[checks]]\nname = "c"\nvariable = "energy"\n',
     "checks[0].expected (line 20): required key is missing"),
    ("check-negative-tol", VALID + '\n[[checks]]\nname = "c"\nvariable = "energy"\n'
     'expected = 1.0\nreduce = "max"\nrtol = -1.0\n', "checks[0].rtol (line 25)"),
    ("figure-x", VALID + '\n[[figures]]\nname = "f"\ny = "energy"\nx = "omega"\n',
     "figures[0].x (line 23): 'omega' is not a dimension"),
    ("figure-y", VALID + '\n[[figures]]\nname = "f"\ny = ["power"]\nx = "time"\nhue = "gamma"\n',
     "figures[0].y[0] (line 22): 'power' is not a computed metric"),
    ("figure-free-dim", VALID + '\n[[figures]]\nname = "f"\ny = "energy"\nx = "time"\n',
     "figures[0] (line 20): dimension(s) gamma are neither"),
    ("figure-scale", VALID + '\n[[figures]]\nname = "f"\ny = "energy"\nx = "time"\n'
     'hue = "gamma"\nxscale = "symlog"\n', "figures[0].xscale (line 25)"),
    ("units-unknown", VALID + '\n[units]\nlength = "m"\n',
     "units.length (line 21): unknown key (allowed: energy, time)"),
    ("imports-missing", 'imports = ["no_such_module_xyz"]\n' + VALID,
     "imports[0] (line 1): cannot import 'no_such_module_xyz'"),
    ("description-type", 'description = 5\n' + VALID, "description (line 1)"),
]


def _run(args, cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_at_least_thirty_malformed_kinds():
    assert len(MALFORMED) >= 30


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in MALFORMED],
                         ids=[i for i, _, _ in MALFORMED])
def test_malformed_spec_exit_2_one_line_nothing_written(tmp_path, text, expected):
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    res = _run(["run", "spec.toml", "--out", "out", "-q"], tmp_path)
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("spec error: "), err
    assert expected in err, err
    assert "Traceback" not in res.output
    assert res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


@pytest.mark.parametrize(("args", "expected"), [
    (["run", "missing.toml"], "spec error: missing.toml: file not found"),
    (["run", "."], "spec error: .: is a directory"),
    (["run", "latin1.toml"], "spec error: latin1.toml: not UTF-8 text"),
    (["run", "ok.toml", "--executor", "threads"], "error: executor = 'threads' is invalid"),
    (["run", "ok.toml", "--workers", "0", "--executor", "process"], "error: workers = 0"),
    (["run", "ok.toml", "--scheduler", "tcp://x:1", "--executor", "process"], "error: scheduler"),
    (["show", "latin1.toml"], "spec error: latin1.toml: not UTF-8 text"),
    (["reproduce", "no_such_paper"], "error: paper = 'no_such_paper' is invalid"),
    (["reproduce", "--executor", "nope"], "error: executor = 'nope' is invalid"),
    (["list", "planets"], "error: what = 'planets' is invalid"),
])
def test_invalid_input_exit_2_nothing_written(tmp_path, args, expected):
    (tmp_path / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    (tmp_path / "ok.toml").write_text(VALID)
    before = sorted(p.name for p in tmp_path.iterdir())
    res = _run([*args, "--out", "out"] if args[0] in ("run", "reproduce") else args, tmp_path)
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(expected), res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_version_and_list(tmp_path):
    res = _run(["--version"], tmp_path)
    assert res.exit_code == 0 and res.stdout.startswith("qbattery ")
    res = _run(["list"], tmp_path)
    assert res.exit_code == 0
    assert "demo_qubit_charger" in res.stdout and "figure charging" in res.stdout
    assert "driven_qubit(" in res.stdout and "ergotropy" in res.stdout


def test_show_prints_resolved_spec_and_hash(tmp_path):
    (tmp_path / "s.toml").write_text(VALID)
    res = _run(["show", "s.toml"], tmp_path)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("# hash: ") and len(lines[0].split()[-1]) == 64
    assert lines[1] == f"# store: {Path('results') / ('t-' + lines[0].split()[-1][:12])}"
    assert "omega0 = { value = 1.0, unit = \"omega0\" }" in res.stdout  # defaults filled in
    assert not (tmp_path / "results").exists()
    res = _run(["show", "s.toml", "--json"], tmp_path)
    assert res.exit_code == 0 and '"points": 2' in res.stdout


def test_run_then_rerun_reuses_points(tmp_path):
    (tmp_path / "s.toml").write_text(VALID + '\n[[figures]]\nname = "f"\ny = "energy"\n'
                                     'x = "time"\nhue = "gamma"\n')
    res = _run(["run", "s.toml", "--out", "store", "-q"], tmp_path)
    assert res.exit_code == 0, res.output
    assert "2 points: 2 computed, 0 reused, 0 failed" in res.stdout
    (entry,) = (tmp_path / "store").iterdir()
    assert (entry / "dataset.nc").is_file() and (entry / "spec.toml").is_file()
    assert (entry / "figures" / "f.png").is_file() and (entry / "figures" / "f.pdf").is_file()
    assert len(list((entry / "points").glob("*.nc"))) == 2
    res = _run(["run", "s.toml", "--out", "store", "-q"], tmp_path)
    assert "2 points: 0 computed, 2 reused, 0 failed" in res.stdout


def test_failed_point_exit_3(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HELPERS))
    spec = ('imports = ["exp_helpers"]\n' + VALID).replace('"driven_qubit"', '"test_failing_qubit"')
    (tmp_path / "s.toml").write_text(spec)
    res = _run(["run", "s.toml", "--out", "store", "-q"], tmp_path)
    assert res.exit_code == 3, res.output
    assert "1 computed, 0 reused, 1 failed" in res.stdout
    assert "failed point gamma=0.5" in res.stderr and "simulated failure" in res.stderr
    (entry,) = (tmp_path / "store").iterdir()
    assert len(list((entry / "failed").glob("*.json"))) == 1
    assert (entry / "dataset.nc").is_file()


def test_failed_check_exit_1(tmp_path):
    (tmp_path / "s.toml").write_text(VALID + '\n[[checks]]\nname = "wrong"\nvariable = "energy"\n'
                                     'expected = 5.0\nreduce = "max"\natol = 1e-3\n')
    res = _run(["run", "s.toml", "--out", "store", "-q"], tmp_path)
    assert res.exit_code == 1, res.output
    assert "[FAIL] wrong" in res.stdout
    (entry,) = (tmp_path / "store").iterdir()
    rows = list(csv.DictReader((entry / "checks.csv").open()))
    assert rows[0]["check"] == "wrong" and rows[0]["passed"] == "false"


def test_reproduce_quick_demo(tmp_path):
    res = _run(["reproduce", "demo_qubit_charger", "--quick", "--out", "out", "-q"], tmp_path)
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    for f in ("charging", "steady_state"):
        for ext in ("nc", "png", "pdf"):
            assert (out / "demo_qubit_charger" / f"{f}.{ext}").is_file()
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    rows = list(csv.DictReader((out / "demo_qubit_charger" / "checks.csv").open()))
    assert list(rows[0]) == ["check", "source", "expected", "computed", "tolerance", "passed",
                            "kind", "note"]
    assert rows and all(r["passed"] == "true" for r in rows)
    md = (out / "report.md").read_text()
    assert "demo_qubit_charger/charging.png" in md and "Modelling choices" in md
    assert "Mollow" in md and "| check | source | paper | computed | tolerance | result |" in md
    html = (out / "report.html").read_text()
    assert "<img src='demo_qubit_charger/charging.png'" in html


def test_entry_point_subprocess_no_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text(_sub("Omega = 0.5", "Omega = -1.0"))
    exe = Path(sys.executable).with_name("qbattery")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "qbattery.cli"]
    proc = subprocess.run([*cmd, "run", "bad.toml", "--out", "out"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("spec error: model.params.Omega (line 8)")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_exits_130_and_the_rerun_resumes(tmp_path):
    import glob
    import signal
    import time

    (tmp_path / "big.toml").write_text(STEADY + '\n[sweep.axes]\n'
                                       'Omega = { start = 0.0, stop = 3.0, num = 40 }\n'
                                       'gamma = [0.5, 1.0]\n')
    exe = Path(sys.executable).with_name("qbattery")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "qbattery.cli"]
    # the test runner may ignore SIGINT; the child must see the default (KeyboardInterrupt)
    proc = subprocess.Popen([*cmd, "run", "big.toml", "-q"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    t0 = time.monotonic()
    while len(glob.glob(str(tmp_path / "results" / "s-*" / "points" / "*.nc"))) < 10:
        assert proc.poll() is None and time.monotonic() - t0 < 60, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("interrupted") and "Traceback" not in err
    (points,) = (tmp_path / "results").glob("s-*/points")
    n = len(list(points.glob("*.nc")))
    assert 10 <= n < 80
    assert not [p for p in points.iterdir() if not p.name.endswith(".nc")]  # no partial files
    res = _run(["run", "big.toml", "-q"], tmp_path)
    assert res.exit_code == 0, res.output
    assert f"80 points: {80 - n} computed, {n} reused, 0 failed" in res.stdout
