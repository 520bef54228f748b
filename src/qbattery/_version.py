"""Package version (single source: pyproject.toml, read from installed metadata)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qbattery")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
