"""The ``qbattery`` command line: a thin layer where every command is a library call.

Invalid input exits with code 2 and one line on stderr (no traceback).
"""

from __future__ import annotations

import sys

import typer

from ._version import __version__

app = typer.Typer(
    name="qbattery",
    help="Open quantum batteries: models, dynamics, steady states and figures of merit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"qbattery {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Open quantum batteries: models, dynamics, steady states and figures of merit."""


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
