"""The ``qbattery`` command line: a thin layer where every command is a library call.

Exit codes: 0 success; 1 a check failed (or a figure could not be made); 2 invalid input (one
line on stderr, no traceback, nothing written); 3 at least one sweep point failed (its error is
recorded in the store and the other points completed); 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ._version import __version__

app = typer.Typer(
    name="qbattery",
    help="Open quantum batteries: models, dynamics, steady states and figures of merit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_CHECKS_FAILED = 1
EXIT_INVALID = 2
EXIT_POINTS_FAILED = 3
EXIT_INTERRUPTED = 130

_RESULTS = Path("results")
_EXECUTOR_HELP = ("Where points run: serial (default, deterministic), process (all cores) or "
                  "dask (a local cluster on 127.0.0.1, or --scheduler).")


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"qbattery {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    """Open quantum batteries: models, dynamics, steady states and figures of merit."""
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)


def _fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    typer.echo(message.splitlines()[0] if message else "error", err=True)
    raise typer.Exit(code)


@contextmanager
def _input_errors() -> Iterator[None]:
    """Invalid input -> one line on stderr and exit code 2 (no traceback); Ctrl-C -> 130."""
    from .errors import QBatteryError
    from .experiments.spec import SpecError

    try:
        yield
    except SpecError as exc:
        _fail(str(exc))
    except QBatteryError as exc:
        _fail(f"error: {exc}")
    except KeyboardInterrupt:
        _fail("interrupted: finished points are stored; run the same command again to resume",
              EXIT_INTERRUPTED)


def _progress(quiet: bool) -> bool | None:
    return False if quiet else None


def _rel(p: Path) -> str:
    try:
        return os.path.relpath(p)
    except ValueError:  # pragma: no cover
        return str(p)


# ---------------------------------------------------------------------- run / show
@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="Experiment spec (TOML).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Result store directory.")] = _RESULTS,
    executor: str = typer.Option("serial", "--executor", "-e", help=_EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", "-j", help="Worker processes "
                                       "(process, local dask); default: all cores."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Address of a running dask "
                                         "scheduler (implies --executor dask)."),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw the spec's figures."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a spec: compute the missing points, merge the dataset, evaluate checks and figures."""
    from .experiments.executors import check_executor_args
    from .experiments.runner import run_spec
    from .experiments.spec import load_spec

    with _input_errors():
        s = load_spec(spec)
        check_executor_args(executor, workers, scheduler)
        result = run_spec(s, store=out, executor=executor, workers=workers, scheduler=scheduler,
                          progress=_progress(quiet), figures=figures)
    sw = result.sweep
    typer.echo(f"spec {s.name} (hash {s.short_hash})")
    typer.echo(sw.summary().split(" [")[0])
    if result.entry is not None:
        typer.echo(f"dataset: {_rel(result.entry.dataset_path)}")
    for f in result.files:
        if f.suffix in (".png", ".csv"):
            typer.echo(f"{'checks' if f.suffix == '.csv' else 'figure'}: {_rel(f)}")
    for c in result.checks:
        typer.echo(str(c))
    for rec in sw.failures:
        typer.echo(f"failed point {rec['key']}: {rec['error_type']}: {rec['message']}", err=True)
    for e in result.errors:
        typer.echo(f"error: {e}", err=True)
    if sw.failures:
        raise typer.Exit(EXIT_POINTS_FAILED)
    if result.errors or not all(c.passed for c in result.checks if not c.is_claim):
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command()
def show(
    spec: Annotated[Path, typer.Argument(help="Experiment spec (TOML).", show_default=False)],
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of TOML."),
    out: Annotated[Path, typer.Option("--out", "-o", help="Result store directory.")] = _RESULTS,
) -> None:
    """Print the resolved spec (every default filled in), its hash and its store directory."""
    from .experiments.spec import load_spec
    from .experiments.store import Store

    with _input_errors():
        s = load_spec(spec)
    entry = Store(out).entry(s.name, s.hash)
    if as_json:
        typer.echo(json.dumps({"hash": s.hash, "store": str(entry.path), "points": len(s.grid()),
                               "spec": s.to_dict()}, indent=2))
        return
    typer.echo(f"# hash: {s.hash}")
    typer.echo(f"# store: {entry.path}")
    typer.echo(f"# points: {len(s.grid())}")
    typer.echo(s.to_toml(), nl=False)


# ---------------------------------------------------------------------- reproduce / list
@app.command()
def reproduce(
    papers: Annotated[list[str] | None, typer.Argument(
        help="Papers to reproduce (default: all registered).", show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = _RESULTS,
    quick: bool = typer.Option(False, "--quick", help="Reduced grids (smoke test)."),
    executor: str = typer.Option("serial", "--executor", "-e", help=_EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", "-j", help="Worker processes."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Address of a running dask "
                                         "scheduler (implies --executor dask)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    formats: str | None = typer.Option(
        None, "--formats", help="Figure formats, comma separated (default png,pdf or "
        "$QBATTERY_FIGURE_FORMATS), e.g. --formats png to skip the PDFs."),
) -> None:
    """Reproduce papers: datasets, figures, checks.csv per paper, report.md and report.html."""
    from .experiments.checks import summary
    from .experiments.executors import check_executor_args
    from .experiments.reproduce import check_paper_names
    from .experiments.reproduce import reproduce as _reproduce

    with _input_errors():
        check_paper_names(papers or [])
        check_executor_args(executor, workers, scheduler)
        fmts = None if formats is None else tuple(f.strip() for f in formats.split(",") if f.strip())
        result = _reproduce(papers or None, out=out, quick=quick, executor=executor,
                            workers=workers, scheduler=scheduler, progress=_progress(quiet),
                            formats=fmts)
    for p in result.papers:
        checks = p.all_checks
        fp = sum(len(f.failures) for f in p.figures)
        typer.echo(f"{p.name}: {len(p.figures)} figures, {summary(checks)}, {fp} failed points "
                   f"({p.wall_time:.1f} s)")
        for c in checks:
            if not c.passed:
                typer.echo(f"  {c}")
    for e in result.errors:
        typer.echo(f"figure error: {e}", err=True)
    typer.echo(f"report: {_rel(result.report_html)} and {_rel(result.report_md)}")
    if result.n_failed_points:
        raise typer.Exit(EXIT_POINTS_FAILED)
    if result.errors or not result.checks_passed:
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command("list")
def list_(
    what: str = typer.Argument("all", help="papers, models, metrics or all."),
) -> None:
    """List registered papers (with their figures), models and metrics."""
    from .experiments import registry as reg

    if what not in ("all", "papers", "models", "metrics", "figures"):
        _fail(f"error: what = {what!r} is invalid: expected one of all, papers, models, metrics")
    reg.load_plugins()
    if what in ("all", "papers", "figures"):
        typer.echo("papers:")
        for name in reg.paper_names():
            p = reg.get_paper(name)
            typer.echo(f"  {name}: {p.title}")
            for f in p.figures:
                typer.echo(f"    figure {f.name}" + (f": {f.caption}" if f.caption else ""))
    if what in ("all", "models"):
        typer.echo("models:")
        for name in reg.model_names():
            m = reg.get_model(name)
            params = ", ".join(
                f"{k}" + (f" [{p.unit}]" if p.unit else "")
                + ("" if p.required else f" = {p.default!r}") for k, p in m.params.items())
            typer.echo(f"  {name}({params})" + (f": {m.description}" if m.description else ""))
    if what in ("all", "metrics"):
        typer.echo("metrics: " + ", ".join(reg.metric_names()))
    for mod, err in reg.plugin_errors().items():
        typer.echo(f"warning: could not import {mod}: {err.splitlines()[0]}", err=True)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
