"""Provenance: what produced a dataset (versions, git commit, spec, hash, date).

Every dataset written by the experiments engine carries these as NetCDF attributes. Attributes
that change from run to run (the date and timings) are listed in :data:`VOLATILE_ATTRS`; compare
datasets with :func:`strip_volatile` applied to both sides.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from .hashing import NUMERICS_VERSION

__all__ = ["VOLATILE_ATTRS", "git_commit", "provenance", "strip_volatile", "versions"]

log = logging.getLogger(__name__)

#: Dataset attributes that legitimately differ between two runs of the same spec.
VOLATILE_ATTRS = ("created", "wall_time_s", "hostname")

_PACKAGES = ("qbattery", "numpy", "scipy", "qutip", "xarray", "netCDF4")


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Versions of Python, qbattery and the numerical stack."""
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        out[pkg] = _version(pkg)
    return out


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The git commit of the qbattery source tree (``+dirty`` if modified), or ``""``.

    Only meaningful for an editable install from a git checkout; a wheel has no commit.
    """
    src = Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    if git is None:
        return ""
    try:
        # fixed argument list, absolute git path, no shell
        out = subprocess.run([git, "-C", str(src), "rev-parse", "HEAD"], capture_output=True,  # noqa: S603
                             text=True, timeout=5, check=False)
        if out.returncode != 0:
            return ""
        commit = out.stdout.strip()
        dirty = subprocess.run([git, "-C", str(src), "status", "--porcelain",  # noqa: S603
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=False)
        if dirty.returncode == 0 and dirty.stdout.strip():
            commit += "+dirty"
        return commit
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance(**extra: Any) -> dict[str, Any]:
    """Provenance attributes: versions, git commit, numerics version, creation date, ``extra``.

    Keys are prefixed so that they read well in ``ncdump -h``: ``qbattery_version``,
    ``numpy_version``, ..., ``git_commit``, ``numerics_version``, ``created`` (UTC, ISO 8601).
    """
    attrs: dict[str, Any] = {f"{k}_version": v for k, v in versions().items()}
    attrs["git_commit"] = git_commit()
    attrs["numerics_version"] = NUMERICS_VERSION
    attrs["created"] = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    attrs.update(extra)
    return attrs


def strip_volatile(ds):
    """A copy of ``ds`` without the attributes that differ between identical runs."""
    ds = ds.copy(deep=False)
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in VOLATILE_ATTRS}
    return ds
