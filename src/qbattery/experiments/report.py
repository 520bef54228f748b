"""The reproduction report: ``report.md`` and ``report.html`` in the output directory.

Per paper: title and citation, the modelling choices, and each figure next to the table of its
checks (quantity, value printed in the paper, computed value, tolerance, pass/fail) and under it
the paragraphs computed from its data (findings), then the paper-level findings and checks and
the timings (computing, drawing, writing each format). Images are linked relatively (``<paper>/<figure>.png``), so
the directory can be moved or archived as a whole.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import re
from pathlib import Path
from typing import Any

from .checks import Check, summary
from .provenance import git_commit, versions
from .store import atomic_write_text

__all__ = ["render_html", "render_markdown", "write_report"]


def _num(x: Any) -> str:
    if isinstance(x, float):
        if math.isnan(x):
            return "-"
        return f"{x:.6g}"
    return str(x)


def _rel(path: Path | None, base: Path) -> str:
    if path is None:
        return ""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # pragma: no cover - other drive on Windows
        return Path(path).as_posix()


def _header_info(result) -> dict[str, str]:
    v = versions()
    return {
        "date": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "qbattery": v.get("qbattery", "?"),
        "commit": git_commit() or "n/a",
        "stack": ", ".join(f"{k} {v[k]}" for k in ("python", "numpy", "scipy", "qutip", "xarray")),
        "mode": "quick (reduced grids)" if result.quick else "full",
        "executor": result.executor,
    }


def _md_escape(s: str) -> str:
    """Text for a table cell: pipes escaped, "<b>"-like tags shown as written."""
    return _MD_TAG.sub(r"\\<", str(s).replace("|", "\\|").replace("\n", " "))


# What Markdown would interpret inside a paragraph: emphasis and code markers, and "<" opening
# a tag (e.g. "<b>" in "|<b>|^2"); other punctuation is left as written, for raw reading.
_MD_SPECIAL = re.compile(r"([\\`*_]|<(?=[A-Za-z/!?]))")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def _md_code(s: str) -> str:
    """Text for an inline code span (nothing inside is interpreted)."""
    return str(s).replace("\n", " ").replace("`", "'")


def _md_text(s: str) -> str:
    """Plain text as one Markdown paragraph (``<b>``, ``*``, ``_`` are shown, not rendered)."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(s).split()))
    return "\\" + text if text[:1] in "#>-+=|[" and text else text


def _plot_times(f) -> str:
    """``plot 0.72 s (draw 0.31, png 0.25, pdf 0.16)``."""
    parts = ", ".join(f"{k} {v:.2f}" for k, v in getattr(f, "plot_times", {}).items())
    return f"plot {f.plot_s:.2f} s" + (f" ({parts})" if parts else "")


def _md_checks(checks: list[Check] | tuple[Check, ...]) -> list[str]:
    if not checks:
        return ["*No checks.*", ""]
    lines = ["| check | source | paper | computed | tolerance | result |",
             "|---|---|---|---|---|---|"]
    for c in checks:
        mark = c.verdict if (c.passed or c.is_claim) else "**FAIL**"
        mark = f"claim {mark}" if c.is_claim else mark
        note = f" ({_md_escape(c.note)})" if c.note else ""
        lines.append(f"| {_md_escape(c.check)} | {_md_escape(c.source)} | {_num(c.expected)} | "
                     f"{_num(c.computed)} | {_num(c.tolerance)} | {mark}{note} |")
    lines.append("")
    return lines


def _split(result) -> str:
    """``computing 3.1 s, figures 4.2 s (png, pdf)``."""
    compute = sum(f.compute_s for p in result.papers for f in p.figures)
    plot = sum(f.plot_s for p in result.papers for f in p.figures)
    fmts = ", ".join(getattr(result, "formats", ()) or ())
    return f"computing {compute:.1f} s, figures {plot:.1f} s" + (f" ({fmts})" if fmts else "")


def render_markdown(result) -> str:
    """The Markdown report of a :class:`~qbattery.experiments.reproduce.ReproduceResult`."""
    info = _header_info(result)
    base = Path(result.out)
    checks = result.checks
    lines = [
        "# qbattery reproduction report", "",
        f"Generated {info['date']} by qbattery {info['qbattery']} (git {info['commit']}); "
        f"{info['stack']}.", "",
        f"Mode: {info['mode']}. Executor: {info['executor']}. Total time: "
        f"{result.wall_time:.1f} s ({_split(result)}).", "",
        f"**{summary(checks)}; {result.n_failed_points} failed points; "
        f"{len(result.errors)} figure errors.**", "",
        "| paper | figures | checks passed | failed points | time (s) |",
        "|---|---|---|---|---|",
    ]
    for p in result.papers:
        pc = p.all_checks
        fp = sum(len(f.failures) for f in p.figures)
        lines.append(f"| [{_md_escape(p.name)}](#{p.name}) | {len(p.figures)} | "
                     f"{summary(pc)} | {fp} | {p.wall_time:.1f} |")
    lines.append("")
    for p in result.papers:
        lines += [f"## {p.title} <a id=\"{p.name}\"></a>", "", f"`{p.name}`", "",
                  f"> {p.citation}", ""]
        if p.url:
            lines += [f"<{p.url}>", ""]
        if p.description:
            lines += [p.description, ""]
        if p.choices:
            lines += ["### Modelling choices", ""] + [f"- {c}" for c in p.choices] + [""]
        for f in p.figures:
            lines += [f"### Figure `{f.name}`", ""]
            if f.error:
                lines += [f"**Error:** `{_md_code(f.error)}`", ""]
            png = next((i for i in f.images if i.suffix == ".png"), None)
            if png is not None:
                lines += [f"![{f.name}]({_rel(png, base)})", ""]
            if f.caption:
                lines += [f"*{_md_text(f.caption)}*", ""]
            for text in getattr(f, "findings", ()):
                lines += [f"**Finding.** {_md_text(text)}", ""]
            for err in getattr(f, "finding_errors", ()):
                lines += [f"**Error:** `{_md_code(err)}`", ""]
            lines += _md_checks(f.checks)
            data = _rel(f.dataset_path, base)
            lines += [f"Data: `{data or 'not written'}`; hash `{f.spec_hash[:12]}`; "
                      f"{f.n_points} points ({f.n_computed} computed, {f.n_reused} reused, "
                      f"{len(f.failures)} failed); compute {f.compute_s:.2f} s, "
                      f"{_plot_times(f)}.", ""]
            for rec in f.failures:
                lines.append(f"- failed point `{rec.get('key')}`: {rec.get('error_type')}: "
                             f"{_md_escape(rec.get('message', ''))}")
            if f.failures:
                lines.append("")
        p_findings = getattr(p, "findings", ())
        p_errors = getattr(p, "finding_errors", ())
        if p_findings or p_errors:
            lines += ["### Findings", ""]
            lines += [x for t in p_findings for x in (_md_text(t), "")]
            lines += [x for e in p_errors for x in (f"**Error:** `{_md_code(e)}`", "")]
        if p.checks:
            lines += ["### Paper-level checks", "", *_md_checks(p.checks)]
        lines += [f"Checks: `{_rel(p.checks_path, base)}`. Time: {p.wall_time:.2f} s.", ""]
    return "\n".join(lines)


_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 1200px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1, h2, h3 { font-weight: 600; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em;
       margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #0a7d32; font-weight: 600; } .fail { color: #b00020; font-weight: 600; }
.figure { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin: 1em 0; }
.figure img { max-width: 560px; width: 100%; border: 1px solid #eee; }
.figure .side { flex: 1; min-width: 320px; }
.meta, .caption { color: #555; font-size: 0.9em; } blockquote { color: #444; margin-left: 0;
       padding-left: 1em; border-left: 3px solid #ccc; }
.error { color: #b00020; font-family: monospace; }
.finding { max-width: 1100px; background: #f6f8fa; border-left: 3px solid #0072B2;
       padding: .5em .9em; margin: .6em 0 1.2em 0; }
"""


def _h(s: Any) -> str:
    return html.escape(str(s))


def _html_checks(checks) -> str:
    if not checks:
        return "<p class='meta'>No checks.</p>"
    rows = ["<table><tr><th>check</th><th>source</th><th>paper</th><th>computed</th>"
            "<th>tolerance</th><th>result</th></tr>"]
    for c in checks:
        if c.is_claim:
            mark = f"<span class='{'pass' if c.passed else 'fail'}'>claim {c.verdict}</span>"
        else:
            mark = ("<span class='pass'>pass</span>" if c.passed
                    else "<span class='fail'>FAIL</span>")
        note = f"<br><span class='meta'>{_h(c.note)}</span>" if c.note else ""
        rows.append(f"<tr><td>{_h(c.check)}</td><td>{_h(c.source)}</td>"
                    f"<td class='num'>{_h(_num(c.expected))}</td>"
                    f"<td class='num'>{_h(_num(c.computed))}</td>"
                    f"<td class='num'>{_h(_num(c.tolerance))}</td><td>{mark}{note}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def render_html(result) -> str:
    """The HTML report (self-contained CSS, images linked relatively)."""
    info = _header_info(result)
    base = Path(result.out)
    checks = result.checks
    out = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
           "<title>qbattery reproduction report</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>qbattery reproduction report</h1>",
           f"<p class='meta'>Generated {_h(info['date'])} by qbattery {_h(info['qbattery'])} "
           f"(git {_h(info['commit'])}); {_h(info['stack'])}.<br>Mode: {_h(info['mode'])}. "
           f"Executor: {_h(info['executor'])}. Total time: {result.wall_time:.1f} s "
           f"({_h(_split(result))}).</p>",
           f"<p><b>{_h(summary(checks))}; {result.n_failed_points} failed points; "
           f"{len(result.errors)} figure errors.</b></p>",
           "<table><tr><th>paper</th><th>figures</th><th>checks passed</th>"
           "<th>failed points</th><th>time (s)</th></tr>"]
    for p in result.papers:
        pc = p.all_checks
        fp = sum(len(f.failures) for f in p.figures)
        out.append(f"<tr><td><a href='#{_h(p.name)}'>{_h(p.name)}</a></td>"
                   f"<td class='num'>{len(p.figures)}</td>"
                   f"<td class='num'>{_h(summary(pc))}</td>"
                   f"<td class='num'>{fp}</td><td class='num'>{p.wall_time:.1f}</td></tr>")
    out.append("</table>")
    for p in result.papers:
        out += [f"<h2 id='{_h(p.name)}'>{_h(p.title)}</h2>",
                f"<p class='meta'><code>{_h(p.name)}</code></p>",
                f"<blockquote>{_h(p.citation)}</blockquote>"]
        if p.url:
            out.append(f"<p><a href='{_h(p.url)}'>{_h(p.url)}</a></p>")
        if p.description:
            out.append(f"<p>{_h(p.description)}</p>")
        if p.choices:
            out.append("<h3>Modelling choices</h3><ul>")
            out += [f"<li>{_h(c)}</li>" for c in p.choices]
            out.append("</ul>")
        for f in p.figures:
            out.append(f"<h3>Figure <code>{_h(f.name)}</code></h3>")
            if f.error:
                out.append(f"<p class='error'>Error: {_h(f.error)}</p>")
            png = next((i for i in f.images if i.suffix == ".png"), None)
            out.append("<div class='figure'>")
            if png is not None:
                out.append(f"<div><img src='{_h(_rel(png, base))}' alt='{_h(f.name)}'>"
                           + (f"<p class='caption'>{_h(f.caption)}</p>" if f.caption else "")
                           + "</div>")
            out.append("<div class='side'>" + _html_checks(f.checks))
            data = _rel(f.dataset_path, base)
            out.append(f"<p class='meta'>Data: <code>{_h(data or 'not written')}</code>; hash "
                       f"<code>{_h(f.spec_hash[:12])}</code>; {f.n_points} points "
                       f"({f.n_computed} computed, {f.n_reused} reused, {len(f.failures)} "
                       f"failed); compute {f.compute_s:.2f} s, {_h(_plot_times(f))}.</p>")
            if f.failures:
                out.append("<ul>" + "".join(
                    f"<li class='error'>{_h(r.get('key'))}: {_h(r.get('error_type'))}: "
                    f"{_h(r.get('message', ''))}</li>" for r in f.failures) + "</ul>")
            out.append("</div></div>")
            out += [f"<p class='finding'><b>Finding.</b> {_h(t)}</p>"
                    for t in getattr(f, "findings", ())]
            out += [f"<p class='error'>Error: {_h(e)}</p>"
                    for e in getattr(f, "finding_errors", ())]
        p_findings = getattr(p, "findings", ())
        p_errors = getattr(p, "finding_errors", ())
        if p_findings or p_errors:
            out.append("<h3>Findings</h3>")
            out += [f"<p class='finding'>{_h(t)}</p>" for t in p_findings]
            out += [f"<p class='error'>Error: {_h(e)}</p>" for e in p_errors]
        if p.checks:
            out += ["<h3>Paper-level checks</h3>", _html_checks(p.checks)]
        out.append(f"<p class='meta'>Checks: <code>{_h(_rel(p.checks_path, base))}</code>. "
                   f"Time: {p.wall_time:.2f} s.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(result) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``result.out`` (atomically)."""
    base = Path(result.out)
    md = atomic_write_text(base / "report.md", render_markdown(result))
    ht = atomic_write_text(base / "report.html", render_html(result))
    return md, ht
