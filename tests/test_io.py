"""Atomic writes: complete files or none, and the usual permissions."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from thermaljax.io import atomic_write_text, write_csv, write_json


def test_write_json_and_csv_roundtrip(tmp_path):
    write_json(tmp_path / "a.json", {"x": np.float64(1.5), "v": np.arange(3)})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 1.5, "v": [0, 1, 2]}
    write_csv(tmp_path / "b.csv", {"t_s": [0.0, 1.0], "T_K": np.array([300.0, 301.5])})
    assert (tmp_path / "b.csv").read_text().splitlines() == ["t_s,T_K", "0,300", "1,301.5"]
    mode = stat.S_IMODE(os.stat(tmp_path / "a.json").st_mode)
    assert mode & stat.S_IRGRP  # not the 0600 of a bare temporary file


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "c.json"
    atomic_write_text(target, "old")

    class Boom:
        pass

    with pytest.raises(TypeError):
        write_json(target, {"x": Boom()})  # fails while serialising, before any write
    with pytest.raises(ValueError, match="same length"):
        write_csv(target, {"a": [1, 2], "b": [1]})
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]


def test_interrupted_replace_keeps_old_file(tmp_path, monkeypatch):
    """A failure after the temporary file is written (here: the rename) cleans it up."""
    target = tmp_path / "d.json"
    atomic_write_text(target, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_json(target, {"x": 1})
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json"]


def test_write_json_is_strict_json(tmp_path):
    """Dates become ISO strings and non-finite numbers null, inside arrays too: the file is
    valid JSON for any parser (Python's own would otherwise write Infinity)."""
    import datetime as dt

    from thermaljax.io import write_json

    path = write_json(tmp_path / "s.json", {
        "when": dt.datetime(2026, 12, 21, 12, tzinfo=dt.timezone.utc),
        "a": np.array([1.0, np.inf, np.nan]), "b": float("inf"), "c": np.float32(2.5)})
    text = path.read_text()
    assert "Infinity" not in text and "NaN" not in text
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data == {"when": "2026-12-21T12:00:00+00:00", "a": [1.0, None, None], "b": None,
                    "c": 2.5}
