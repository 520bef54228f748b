"""Canonical JSON and content hashes of specs, grids and points.

A hash must be the same in every process, on every run and for every key order, so Python's
``hash()`` is never used: objects are turned into canonical JSON (sorted keys, no whitespace,
floats written with ``repr``, which round-trips exactly) and hashed with SHA-256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["NUMERICS_VERSION", "canonical", "canonical_json", "digest"]

#: Version of the numerics behind stored results. Bump it when a change in qbattery alters the
#: numbers a spec produces (solver defaults, metric definitions): every store key changes, so old
#: results are never mixed with new ones. Not tied to the package version on purpose: releases that
#: do not change numbers keep their caches.
NUMERICS_VERSION = "1"


def canonical(obj: Any) -> Any:
    """A JSON-able, normalised copy of ``obj``.

    Mappings get string keys; tuples, lists and 1-d arrays become lists; NumPy scalars become
    Python scalars; ``-0.0`` becomes ``0.0``; frozen dataclasses become dicts of their fields.
    NaN and infinities are refused (they have no canonical JSON form).
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if not math.isfinite(v):
            raise ValueError(f"cannot hash the non-finite number {v!r}")
        return v + 0.0  # -0.0 -> 0.0
    if isinstance(obj, (complex, np.complexfloating)):
        return {"re": canonical(obj.real), "im": canonical(obj.imag)}
    if isinstance(obj, Mapping):
        return {str(k): canonical(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, np.ndarray):
        return [canonical(x) for x in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [canonical(x) for x in obj]
    raise TypeError(f"cannot hash an object of type {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """Canonical JSON text: sorted keys, compact separators, ASCII only, exact floats."""
    return json.dumps(canonical(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def digest(obj: Any, *, numerics_version: str = NUMERICS_VERSION) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj`` together with the numerics version."""
    payload = canonical_json({"numerics_version": numerics_version, "content": obj})
    return hashlib.sha256(payload.encode("ascii")).hexdigest()
