"""Nothing unsafe is loaded (issue 10): no pickle, eval, exec, yaml.load or allow_pickle=True.

Static checks of the package source by its syntax tree (ruff's bandit rules "S" run in
`make test` as well). Stored results are NetCDF only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "src" / "qbattery"
FILES = sorted(PKG.rglob("*.py"))

FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "yaml"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def _violations(path: Path, root: Path = PKG) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                out.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                out.append(f"{f.id}(...)")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant)
                                                     and kw.value.value is False):
                    out.append("allow_pickle=<not False>")
    return [f"{path.relative_to(root)}:{v}" for v in out]


def test_package_files_found():
    assert len(FILES) > 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_unsafe_deserialisation_or_dynamic_code(path):
    assert _violations(path) == []


def test_detector_catches_each_pattern(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nfrom yaml import load\neval('1')\nexec('x=1')\n"
                   "import numpy as np\nnp.load('f', allow_pickle=True)\n")
    found = _violations(bad, tmp_path)
    assert len(found) == 5, found
