"""The README's Python example runs as printed and its numbers match the closed forms."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    code = blocks[0]
    assert len(code.strip().splitlines()) <= 22
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert (tmp_path / "charging.nc").exists()
    # Mollow steady state for Omega = 0.5, gamma = 0.1: rho_ee = 4 Omega^2 / (gamma^2 + 8 Omega^2)
    gamma, omega = 0.1, 0.5
    ree = 4 * omega**2 / (gamma**2 + 8 * omega**2)
    w = 0.5 * gamma * ((gamma**2 + 16 * omega**2) ** 0.5 - gamma) / (gamma**2 + 8 * omega**2)
    assert f"energy {ree:.4f}, ergotropy {w:.4f}" in out
