"""`qbattery reproduce --formats`: chosen figure formats only; invalid ones exit 2, nothing written."""

import subprocess
import sys


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "qbattery.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_formats_png_only(tmp_path):
    r = _run("reproduce", "demo_qubit_charger", "--quick", "-q", "--out", "o", "--formats", "png",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = {p.suffix for p in (tmp_path / "o" / "demo_qubit_charger").iterdir()}
    assert ".png" in files and ".pdf" not in files


def test_formats_invalid(tmp_path):
    r = _run("reproduce", "demo_qubit_charger", "--out", "o", "--formats", "gif", cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "formats" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
