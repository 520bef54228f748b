"""A small TOML writer for specs (nested tables, arrays of tables, scalars, arrays).

Only what specs need, so that writing a spec does not require a third-party package. Floats are
written with ``repr`` (exact round trip); strings as TOML basic strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        r = repr(v)
        return r if any(c in r for c in ".eEn") else r + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + " }" \
            if v else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table(v: Any) -> bool:
    return isinstance(v, Mapping)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(isinstance(x, Mapping) for x in v)


def _emit(lines: list[str], table: Mapping[str, Any], path: tuple[str, ...], *,
          array_item: bool = False) -> None:
    def inline(v: Any) -> bool:
        # Small leaf tables deep in the document read better inline: gamma = { value = 1, ... }.
        return (_is_table(v) and (len(path) >= 2 or array_item)
                and not any(_is_table(x) or _is_table_array(x) for x in v.values()))

    scalars = [(k, v) for k, v in table.items()
               if (not _is_table(v) or inline(v)) and not _is_table_array(v)]
    tables = [(k, v) for k, v in table.items() if _is_table(v) and not inline(v)]
    arrays = [(k, v) for k, v in table.items() if _is_table_array(v)]
    if path and (scalars or array_item or not (tables or arrays)):
        if lines:
            lines.append("")
        header = ".".join(_key(p) for p in path)
        lines.append(f"[[{header}]]" if array_item else f"[{header}]")
    for k, v in scalars:
        lines.append(f"{_key(str(k))} = {_value(v)}")
    for k, v in tables:
        _emit(lines, v, (*path, str(k)))
    for k, v in arrays:
        for item in v:
            _emit(lines, item, (*path, str(k)), array_item=True)


def dumps(doc: Mapping[str, Any]) -> str:
    """TOML text of a mapping (keys in the given order)."""
    lines: list[str] = []
    _emit(lines, doc, ())
    return "\n".join(lines) + "\n"
