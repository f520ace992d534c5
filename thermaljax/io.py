"""Atomic file output: nothing half-written is ever left behind.

Every file is written to a temporary file in the destination folder and renamed over the target
(``os.replace`` is atomic on POSIX and Windows), so a crash or Ctrl-C leaves either the old file
or the new one, never a truncated mix.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # NumPy or JAX array
        a = np.asarray(x)
        return _jsonable(a.item() if a.ndim == 0 else a.tolist())
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return _jsonable(x.item())
    if isinstance(x, (_dt.datetime, _dt.date)):
        return x.isoformat()
    if isinstance(x, float) and not np.isfinite(x):
        return None  # JSON has no inf/nan: an absent value
    return x


def write_json(path: str | os.PathLike, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as indented JSON, atomically: arrays become lists, dates ISO 8601
    strings, and non-finite numbers ``null`` (JSON has no inf or NaN)."""
    return atomic_write_text(path, json.dumps(_jsonable(data), indent=2, sort_keys=False) + "\n")


def write_csv(path: str | os.PathLike, columns: Mapping[str, Any]) -> Path:
    """Write equal-length 1-D ``columns`` (header = keys, units in the names) atomically."""
    arrays = {k: np.asarray(v).reshape(-1) for k, v in columns.items()}
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
        raise ValueError(f"all CSV columns must have the same length, got {sorted(lengths)}")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(arrays.keys())
    for row in zip(*arrays.values()):
        w.writerow([f"{float(v):.10g}" for v in row])
    return atomic_write_text(path, buf.getvalue())
