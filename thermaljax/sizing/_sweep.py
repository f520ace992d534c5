"""``sweep``: evaluate many designs in fixed-size batches, on every device, resumably.

The designs are split into chunks of ``chunk_size``; the last chunk is padded with copies of
its first design, so every chunk runs the same compiled ``vmap`` of
:func:`~thermaljax.sizing.evaluate_problem` and memory stays bounded by the chunk, not by the
number of designs. Each chunk is split evenly over the local devices (:func:`shard`: a
``NamedSharding`` over a one-axis mesh; XLA partitions the program, every device evaluates
its slice), and may be kept on disk so that an interrupted sweep resumes.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import os
import zipfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import launch as _launch
from .. import mass as _mass
from .._status import MESSAGES, Status
from ..io import atomic_write_bytes
from ..system._spec import Design, Scenario
from ._evaluate import Evaluation, Requirements, evaluate_problem, problem
from ._optimize import DESIGN_FIELDS, _digest


def design_grid(axes: Mapping[str, Sequence[float]], base: Design | None = None) -> Design:
    """The Cartesian product of ``axes`` (design field -> values) as a batch of designs.

    Fields without an axis keep ``base``'s value (default :meth:`Design.default`). The first
    axis varies slowest. Returns a :class:`Design` whose fields have shape ``(n,)``.

    Example:
        >>> import thermaljax as tj
        >>> d = tj.sizing.design_grid({"radiator_area_m2": [80.0, 100.0],
        ...                            "battery_capacity_Wh": [6e4, 8e4, 1e5]})
        >>> d.radiator_area_m2.shape, float(d.array_area_m2[0])
        ((6,), 320.0)
    """
    base = Design.default() if base is None else base
    if not isinstance(base, Design):
        raise ValueError(f"base must be a thermaljax.Design, got {type(base).__name__}")
    if not axes:
        raise ValueError("axes must name at least one design field")
    for k, vals in axes.items():
        if k not in DESIGN_FIELDS:
            raise ValueError(f"axes has an unknown design field {k!r}; fields are "
                             f"{DESIGN_FIELDS}")
        if np.ndim(vals) != 1 or len(vals) == 0:
            raise ValueError(f"axes[{k!r}] must be a non-empty 1-D sequence of values")
    names = list(axes)
    rows = np.array(list(itertools.product(*(np.asarray(axes[k], np.float64) for k in names))))
    dtype = np.asarray(base.radiator_area_m2).dtype
    fields = {}
    for k in DESIGN_FIELDS:
        col = rows[:, names.index(k)] if k in names else np.full(len(rows),
                                                                  float(getattr(base, k)))
        fields[k] = col.astype(dtype)
    return Design(**fields)  # every value checked (field, unit, range)


def latin_hypercube(bounds: Mapping[str, tuple[float, float]], n: int, *, seed: int = 0,
                    log: bool = False, base: Design | None = None) -> Design:
    """``n`` designs by Latin hypercube sampling of ``bounds`` (design field -> (low, high)).

    Each field's range is cut into ``n`` equal strata (in log space with ``log=True``); every
    stratum holds exactly one sample, at a uniform position inside it, and the strata of the
    fields are paired by independent random permutations (McKay, Beckman & Conover 1979).
    Deterministic for a given ``seed``. Fields without bounds keep ``base``'s value.

    Example:
        >>> import thermaljax as tj
        >>> d = tj.sizing.latin_hypercube({"radiator_area_m2": (60.0, 120.0)}, 4, seed=1)
        >>> sorted(int((float(x) - 60.0) // 15.0) for x in d.radiator_area_m2)  # one per stratum
        [0, 1, 2, 3]
    """
    base = Design.default() if base is None else base
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (designs), got {n!r}")
    if not bounds:
        raise ValueError("bounds must name at least one design field")
    rng = np.random.default_rng(seed)
    dtype = np.asarray(base.radiator_area_m2).dtype
    fields = {k: np.full(n, float(getattr(base, k))) for k in DESIGN_FIELDS}
    for k, lohi in bounds.items():
        if k not in DESIGN_FIELDS:
            raise ValueError(f"bounds has an unknown design field {k!r}; fields are "
                             f"{DESIGN_FIELDS}")
        lo, hi = (float(v) for v in lohi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) or (log and lo <= 0):
            raise ValueError(f"bounds[{k!r}] = ({lo:g}, {hi:g}): need finite low < high"
                             + (" and low > 0 for log sampling" if log else ""))
        u = (rng.permutation(n) + rng.uniform(size=n)) / n
        a, b = (math.log(lo), math.log(hi)) if log else (lo, hi)
        x = a + u * (b - a)
        fields[k] = np.exp(x) if log else x
    return Design(**{k: v.astype(dtype) for k, v in fields.items()})


def designs_from_table(columns: Mapping[str, Sequence[float]],
                       base: Design | None = None) -> Design:
    """A batch of designs from a table: column name (a design field) -> values.

    Columns must have one length; fields without a column keep ``base``'s value. (Read a CSV
    with ``csv.DictReader`` or ``numpy.genfromtxt(..., names=True)`` and pass its columns.)
    """
    base = Design.default() if base is None else base
    if not columns:
        raise ValueError("the table must have at least one column (a design field)")
    lengths = set()
    for k, v in columns.items():
        if k not in DESIGN_FIELDS:
            import difflib

            close = difflib.get_close_matches(k, DESIGN_FIELDS, n=1)
            raise ValueError(f"unknown design field {k!r} in the table"
                             + (f"; did you mean {close[0]}?" if close else "")
                             + f" (fields: {', '.join(DESIGN_FIELDS)})")
        lengths.add(len(v))
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"table columns must be non-empty and of one length, got {sorted(lengths)}")
    n = lengths.pop()
    dtype = np.asarray(base.radiator_area_m2).dtype
    fields = {}
    for k in DESIGN_FIELDS:
        if k in columns:
            try:
                fields[k] = np.asarray(columns[k], dtype=np.float64).astype(dtype)
            except (TypeError, ValueError):
                raise ValueError(f"table column {k!r} holds a value that is not a number") \
                    from None
        else:
            fields[k] = np.full(n, float(getattr(base, k)), dtype)
    return Design(**fields)  # every value checked (field, unit, range)


_batched = eqx.filter_jit(jax.vmap(evaluate_problem, in_axes=(0, None)))


def shard(designs: Design, devices: Sequence[jax.Device] | None = None) -> Design:
    """Place a batch of designs on ``devices`` (default: every local device), split evenly
    along the design axis with a :class:`jax.sharding.NamedSharding` over a one-axis
    :class:`~jax.sharding.Mesh` named ``"designs"``.

    A jitted function of the placed batch (e.g. a ``vmap`` of
    :func:`~thermaljax.sizing.evaluate_problem`) then runs on every device at once, each on its
    own slice (XLA's SPMD partitioner; no data moves between devices). The batch size must be
    a multiple of the number of devices (:func:`sweep` pads its chunks to one).
    """
    devices = list(jax.local_devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must hold at least one jax.Device")
    n = np.broadcast_shapes(*(np.shape(getattr(designs, k)) for k in DESIGN_FIELDS))
    if len(n) != 1 or n[0] % len(devices):
        raise ValueError(f"a sharded batch needs 1-D design fields whose length is a multiple "
                         f"of the {len(devices)} devices, got shape {n}")
    mesh = Mesh(np.array(devices), ("designs",))
    return jax.device_put(designs, NamedSharding(mesh, PartitionSpec("designs")))


def _replicate(tree, devices):
    mesh = Mesh(np.array(devices), ("designs",))
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def failure_reason(status) -> np.ndarray:
    """The reason of each design's failure as text (``""`` for a design that succeeded)."""
    status = np.asarray(status)
    text = {int(k): ("" if k == Status.SUCCESS else v) for k, v in MESSAGES.items()}
    return np.array([text.get(int(s), f"unknown status {int(s)}") for s in status.reshape(-1)],
                    dtype=object).reshape(status.shape)


def _chunk_digest(prob_digest: str, chunk: list[np.ndarray]) -> str:
    h = hashlib.sha256(prob_digest.encode())
    for c in chunk:
        h.update(np.ascontiguousarray(c).tobytes())
    return h.hexdigest()


def _load_chunk(path: Path, digest: str, treedef):
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["digest"]) != digest:
                return None
            leaves = [data[f"leaf_{i}"] for i in range(treedef.num_leaves)]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # a partial or foreign file: evaluate the chunk again
    return jax.tree.unflatten(treedef, leaves)


def _save_chunk(path: Path, digest: str, ev) -> None:
    buf = io.BytesIO()
    np.savez(buf, digest=np.array(digest),
             **{f"leaf_{i}": np.asarray(a) for i, a in enumerate(jax.tree.leaves(ev))})
    atomic_write_bytes(path, buf.getvalue())


def sweep(designs: Design, scenarios: Scenario | Sequence[Scenario], *,
          objective: str = "launch_mass", vehicle: _launch.LaunchVehicle = _launch.FALCON_9,
          mass_model: _mass.MassModel | None = None, costs: _launch.CostModel | None = None,
          requirements: Requirements | None = None, chunk_size: int = 256,
          callback: Callable[[int, int], None] | None = None,
          devices: Sequence[jax.Device] | None = None,
          folder: str | os.PathLike | None = None) -> Evaluation:
    """Evaluate a batch of designs (fields of shape ``(n,)``) in chunks, on every device.

    Each chunk is padded to ``chunk_size`` (rounded up to a multiple of the number of devices)
    and placed with :func:`shard`, so one compiled program serves every chunk and every
    device evaluates its own slice. With ``folder``, each evaluated chunk is written there
    atomically (``chunk_<first>_<last>.npz``, with a digest of the problem and of the chunk's
    designs); a later call with the same folder and inputs loads those chunks instead of
    evaluating them again, so an interrupted sweep resumes where it stopped.

    Args:
        designs: :class:`thermaljax.Design` with 1-D fields (e.g. from :func:`design_grid`).
        scenarios, objective, vehicle, mass_model, costs, requirements: as in
            :func:`~thermaljax.sizing.evaluate`.
        chunk_size: designs per compiled batch (bounds the memory).
        callback: called after each chunk with ``(designs done, total)``.
        devices: devices to spread each chunk over (default: every local device).
        folder: where to keep evaluated chunks (resume); ``None`` keeps nothing.

    Returns:
        :class:`~thermaljax.sizing.Evaluation` with NumPy arrays of leading axis ``n``. A design
        whose simulation failed has ``status != 0`` (:func:`failure_reason` gives the text)
        and is kept; the others are unaffected.
    """
    if not isinstance(designs, Design):
        raise ValueError(f"designs must be a thermaljax.Design, got {type(designs).__name__}")
    if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) \
            or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1 (designs), got {chunk_size!r}")
    cols = [np.asarray(getattr(designs, k)) for k in DESIGN_FIELDS]
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    if len(shape) != 1:
        raise ValueError(f"designs must have 1-D fields (a batch), got shape {shape}")
    n = shape[0]
    cols = [np.broadcast_to(c, shape) for c in cols]
    prob = problem(scenarios, objective=objective, vehicle=vehicle, mass_model=mass_model,
                   costs=costs, requirements=requirements)
    devices = list(jax.local_devices() if devices is None else devices)
    k = len(devices)
    size = -(-min(chunk_size, n) // k) * k  # a multiple of the device count
    placed_prob = _replicate(prob, devices) if k > 1 else prob
    store = None if folder is None else Path(folder)
    treedef = None
    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        pdig = _digest(prob)
    out = []
    for start in range(0, n, size):
        chunk = [c[start:start + size] for c in cols]
        m = len(chunk[0])
        ev = None
        if store is not None:
            path = store / f"chunk_{start:010d}_{start + m - 1:010d}.npz"
            digest = _chunk_digest(pdig, chunk)
            if path.exists() and treedef is None:  # the layout of an Evaluation (traced once)
                treedef = jax.tree.structure(
                    jax.eval_shape(_batched, Design(*(c[:1] for c in cols)), prob))
            ev = _load_chunk(path, digest, treedef) if path.exists() else None
        if ev is None:
            pad = [np.concatenate([c, np.repeat(c[:1], size - m)]) for c in chunk]
            d = Design(*pad)
            ev = _batched(shard(d, devices) if k > 1 else d, placed_prob)
            ev = jax.tree.map(lambda a, m=m: np.asarray(a)[:m], ev)
            treedef = jax.tree.structure(ev)
            if store is not None:
                _save_chunk(path, digest, ev)
        out.append(ev)
        if callback is not None:
            callback(start + m, n)
    return jax.tree.map(lambda *a: np.concatenate(a), *out)
