"""``sweep``: evaluate many designs in fixed-size batches, on every device, resumably.

The designs are split into chunks of ``chunk_size``; the last chunk is padded with copies of
its first design, so every chunk runs the same compiled ``vmap`` of
:func:`~thermaljax.sizing.evaluate_problem` and memory stays bounded by the chunk, not by the
number of designs. Each chunk is split evenly over the local devices (:func:`shard`: a
``NamedSharding`` over a one-axis mesh; XLA partitions the program, every device evaluates
its slice), and may be kept on disk so that an interrupted sweep resumes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import math
import os
import zipfile
from pathlib import Path
from typing import Callable, Mapping, NamedTuple, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import constants, orbit
from .. import launch as _launch
from .. import mass as _mass
from .._status import MESSAGES, Status
from ..io import atomic_write_bytes
from ..orbit._shadow import check_smoothing
from ..system._simulate import steps_per_orbit
from ..system._spec import Design, OrbitSpec, Scenario
from ._evaluate import (Evaluation, Problem, Requirements, _as_list, _Group, evaluate_problem,
                        problem)
from ._optimize import DESIGN_FIELDS, _digest


class ScenarioParameter(NamedTuple):
    """A scenario quantity that a sweep may vary design by design (:data:`SCENARIO_PARAMETERS`)."""

    unit: str
    low: float
    high: float
    meaning: str


SCENARIO_PARAMETERS: dict[str, ScenarioParameter] = {
    "beta_deg": ScenarioParameter(
        "deg", -90.0, 90.0, "Sun elevation above the orbit plane (sets eclipse length and the "
        "radiator's sunlit side); replaces the orbit's beta angle"),
    "altitude_m": ScenarioParameter(
        "m", constants.MIN_ALTITUDE_M, constants.MAX_ALTITUDE_M,
        "orbit altitude (period, eclipse, Earth view factors); the beta angle is kept"),
    "solar_flux_W_m2": ScenarioParameter("W/m^2", 0.0, 3000.0, "solar irradiance"),
    "albedo": ScenarioParameter("", 0.0, 1.0, "Earth albedo"),
    "olr_W_m2": ScenarioParameter("W/m^2", 0.0, 500.0, "Earth outgoing long-wave radiation"),
    "radiator_absorptance": ScenarioParameter(
        "", 0.0, 1.0, "solar absorptance of the main radiator's coating (BOL -> EOL "
        "degradation)"),
    "radiator_emissivity": ScenarioParameter(
        "", 0.0, 1.0, "IR emissivity of the main radiator's coating"),
    "pv_degradation": ScenarioParameter(
        "", 0.0, 1.0, "remaining PV power fraction (radiation; 1 at beginning of life)"),
    "battery_capacity_retention": ScenarioParameter(
        "", 0.0, 1.0, "remaining battery capacity fraction (1 at beginning of life)"),
}
"""Scenario quantities a sweep may vary per design: name -> unit, allowed range, meaning.

None of them changes a limit of :class:`~thermaljax.sizing.Requirements` or the mass model, so
the worst case over the scenarios and the mass stay comparable across the sweep. When the beta
angle or the altitude varies, the orbit starts at eclipse entry of each case (as
:class:`~thermaljax.system.OrbitSpec` does by default), and with the altitude the number of
steps per orbit is set by the highest altitude (the step stays at most ``step_s``)."""


def _names_hint() -> str:
    return (f"design fields: {', '.join(DESIGN_FIELDS)}; scenario parameters: "
            f"{', '.join(SCENARIO_PARAMETERS)}")


def _check_name(k: str, what: str, allow_parameters: bool) -> None:
    if k in DESIGN_FIELDS or (allow_parameters and k in SCENARIO_PARAMETERS):
        return
    if k in SCENARIO_PARAMETERS:
        raise ValueError(f"{what} {k!r} is a scenario parameter, not a design field: use "
                         "thermaljax.sizing.Cases (and sweep(cases, ...)) to vary it")
    import difflib

    names = list(DESIGN_FIELDS) + (list(SCENARIO_PARAMETERS) if allow_parameters else [])
    close = difflib.get_close_matches(k, names, n=1)
    raise ValueError(f"{what} {k!r} is unknown" + (f"; did you mean {close[0]}?" if close else "")
                     + f" ({_names_hint() if allow_parameters else 'fields: ' + ', '.join(DESIGN_FIELDS)})")


def _grid_columns(axes: Mapping[str, Sequence[float]], allow_parameters: bool) -> dict:
    if not axes:
        raise ValueError("axes must name at least one design field")
    for k, vals in axes.items():
        _check_name(k, "axis", allow_parameters)
        if np.ndim(vals) != 1 or len(vals) == 0:
            raise ValueError(f"axes[{k!r}] must be a non-empty 1-D sequence of values")
    names = list(axes)
    rows = np.array(list(itertools.product(*(np.asarray(axes[k], np.float64) for k in names))))
    return {k: rows[:, i] for i, k in enumerate(names)}


def _lhs_columns(bounds: Mapping[str, tuple[float, float]], n, seed, log,
                 allow_parameters: bool) -> dict:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (designs), got {n!r}")
    if not bounds:
        raise ValueError("bounds must name at least one design field")
    rng = np.random.default_rng(seed)
    out = {}
    for k, lohi in bounds.items():
        _check_name(k, "bounds entry", allow_parameters)
        lo, hi = (float(v) for v in lohi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) or (log and lo <= 0):
            raise ValueError(f"bounds[{k!r}] = ({lo:g}, {hi:g}): need finite low < high"
                             + (" and low > 0 for log sampling" if log else ""))
        u = (rng.permutation(n) + rng.uniform(size=n)) / n
        a, b = (math.log(lo), math.log(hi)) if log else (lo, hi)
        x = a + u * (b - a)
        out[k] = np.exp(x) if log else x
    return out


def _table_columns(columns: Mapping[str, Sequence[float]], allow_parameters: bool) -> dict:
    if not columns:
        raise ValueError("the table must have at least one column (a design field)")
    lengths = set()
    out = {}
    for k, v in columns.items():
        _check_name(k, "table column", allow_parameters)
        try:
            out[k] = np.asarray(v, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"table column {k!r} holds a value that is not a number") from None
        lengths.add(len(out[k]))
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"table columns must be non-empty and of one length, got {sorted(lengths)}")
    return out


def _to_design(columns: dict, base: Design | None, n: int | None = None) -> Design:
    base = Design.default() if base is None else base
    if not isinstance(base, Design):
        raise ValueError(f"base must be a thermaljax.Design, got {type(base).__name__}")
    n = len(next(iter(columns.values()))) if n is None else n
    dtype = np.asarray(base.radiator_area_m2).dtype
    fields = {k: (columns[k] if k in columns else np.full(n, float(getattr(base, k))))
              .astype(dtype) for k in DESIGN_FIELDS}
    return Design(**fields)  # every value checked (field, unit, range)


def _check_parameters(parameters: Mapping[str, Sequence[float]], n: int | None) -> dict:
    out = {}
    for k, v in parameters.items():
        if k not in SCENARIO_PARAMETERS:
            import difflib

            close = difflib.get_close_matches(k, list(SCENARIO_PARAMETERS), n=1)
            raise ValueError(f"unknown scenario parameter {k!r}"
                             + (f"; did you mean {close[0]}?" if close else "")
                             + f" (parameters: {', '.join(SCENARIO_PARAMETERS)})")
        p = SCENARIO_PARAMETERS[k]
        try:
            a = np.asarray(v, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"scenario parameter {k!r} holds a value that is not a number") \
                from None
        if n is not None and len(a) != n:
            raise ValueError(f"scenario parameter {k!r} has {len(a)} values for {n} designs")
        bad = ~np.isfinite(a) | (a < p.low) | (a > p.high)
        if bad.any():
            unit = f" [{p.unit}]" if p.unit else ""
            raise ValueError(f"scenario parameter {k} = {a[bad][0]:g}{unit} is outside the "
                             f"allowed range [{p.low:g}, {p.high:g}]")
        out[k] = a
    return out


class Cases(NamedTuple):
    """A batch of sweep cases: designs and, per design, values of scenario parameters.

    Attributes:
        designs: :class:`thermaljax.Design` with fields of shape ``(n,)``.
        parameters: scenario parameter (a key of :data:`SCENARIO_PARAMETERS`) -> ``(n,)``
            values replacing that quantity in every scenario of the sweep, case by case.

    Build one with :meth:`grid`, :meth:`latin_hypercube` or :meth:`from_table` (names may be
    design fields or scenario parameters) and pass it to :func:`sweep`.

    Example:
        >>> import thermaljax as tj
        >>> c = tj.sizing.Cases.grid({"radiator_area_m2": [80.0, 100.0],
        ...                           "beta_deg": [0.0, 60.0, 75.0]})
        >>> c.designs.radiator_area_m2.shape, c.parameters["beta_deg"].tolist()
        ((6,), [0.0, 60.0, 75.0, 0.0, 60.0, 75.0])
    """

    designs: Design
    parameters: dict

    @classmethod
    def _from_columns(cls, columns: dict, base: Design | None) -> "Cases":
        n = len(next(iter(columns.values())))
        params = _check_parameters({k: v for k, v in columns.items()
                                    if k in SCENARIO_PARAMETERS}, n)
        design = _to_design({k: v for k, v in columns.items() if k in DESIGN_FIELDS}, base, n)
        return cls(design, params)

    @classmethod
    def grid(cls, axes: Mapping[str, Sequence[float]], base: Design | None = None) -> "Cases":
        """The Cartesian product of ``axes`` (design field or scenario parameter -> values);
        the first axis varies slowest; design fields without an axis keep ``base``'s value."""
        return cls._from_columns(_grid_columns(axes, True), base)

    @classmethod
    def latin_hypercube(cls, bounds: Mapping[str, tuple[float, float]], n: int, *,
                        seed: int = 0, log: bool = False,
                        base: Design | None = None) -> "Cases":
        """``n`` cases by Latin hypercube sampling of ``bounds`` (see :func:`latin_hypercube`),
        whose names may be design fields or scenario parameters."""
        return cls._from_columns(_lhs_columns(bounds, n, seed, log, True), base)

    @classmethod
    def from_table(cls, columns: Mapping[str, Sequence[float]],
                   base: Design | None = None) -> "Cases":
        """Cases from a table: column (design field or scenario parameter) -> values."""
        return cls._from_columns(_table_columns(columns, True), base)

    @property
    def n(self) -> int:
        """Number of cases."""
        return int(np.shape(self.designs.radiator_area_m2)[0])


def design_grid(axes: Mapping[str, Sequence[float]], base: Design | None = None) -> Design:
    """The Cartesian product of ``axes`` (design field -> values) as a batch of designs.

    Fields without an axis keep ``base``'s value (default :meth:`Design.default`). The first
    axis varies slowest. Returns a :class:`Design` whose fields have shape ``(n,)``. (To vary
    scenario parameters such as the beta angle as well, use :meth:`Cases.grid`.)

    Example:
        >>> import thermaljax as tj
        >>> d = tj.sizing.design_grid({"radiator_area_m2": [80.0, 100.0],
        ...                            "battery_capacity_Wh": [6e4, 8e4, 1e5]})
        >>> d.radiator_area_m2.shape, float(d.array_area_m2[0])
        ((6,), 320.0)
    """
    return _to_design(_grid_columns(axes, False), base)


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
    return _to_design(_lhs_columns(bounds, n, seed, log, False), base)


def designs_from_table(columns: Mapping[str, Sequence[float]],
                       base: Design | None = None) -> Design:
    """A batch of designs from a table: column name (a design field) -> values.

    Columns must have one length; fields without a column keep ``base``'s value. (Read a CSV
    with ``csv.DictReader`` or ``numpy.genfromtxt(..., names=True)`` and pass its columns.)
    """
    return _to_design(_table_columns(columns, False), base)


def _set_parameters(prob: Problem, params: dict) -> Problem:
    """``prob`` with each scenario parameter replaced by a (traced) scalar, in every scenario."""
    if not params:
        return prob

    def edit(s: Scenario) -> Scenario:
        def put(get, value):
            nonlocal s
            leaf = get(s)
            s = eqx.tree_at(get, s, jnp.broadcast_to(jnp.asarray(value, leaf.dtype),
                                                     jnp.shape(leaf)))

        p = params
        if "beta_deg" in p:
            put(lambda x: x.orbit.beta_rad, jnp.deg2rad(p["beta_deg"]))
        if "altitude_m" in p:
            put(lambda x: x.orbit.altitude_m, p["altitude_m"])
        if "beta_deg" in p or "altitude_m" in p:  # start at eclipse entry, as OrbitSpec does
            f = orbit.eclipse_fraction(s.orbit.altitude_m, s.orbit.beta_rad)
            put(lambda x: x.orbit.orbit_angle0_rad, jnp.pi * (1.0 - f))
        paths = {"solar_flux_W_m2": lambda x: x.environment.solar_flux_W_m2,
                 "albedo": lambda x: x.environment.albedo,
                 "olr_W_m2": lambda x: x.environment.olr_W_m2,
                 "radiator_absorptance": lambda x: x.loop.radiator_coating.absorptance,
                 "radiator_emissivity": lambda x: x.loop.radiator_coating.emissivity,
                 "pv_degradation": lambda x: x.power.pv_degradation,
                 "battery_capacity_retention": lambda x: x.power.battery_capacity_retention}
        for k, get in paths.items():
            if k in p:
                put(get, p[k])
        return s

    groups = tuple(eqx.tree_at(lambda g: g.scenarios, g, edit(g.scenarios))
                   for g in prob.groups)
    return eqx.tree_at(lambda q: (q.groups, q.first), prob, (groups, edit(prob.first)))


def _with_steps_for(prob: Problem, altitudes: np.ndarray, scenarios: list[Scenario]) -> Problem:
    """The groups' steps per orbit for the highest swept altitude (step stays <= step_s)."""
    top = float(np.max(altitudes))
    for s in scenarios:
        check_smoothing(s.environment.penumbra_smoothing_rad, np.asarray(altitudes))
    groups = []
    for g in prob.groups:
        steps = max(steps_per_orbit(scenarios[i].replace(
            orbit=OrbitSpec(top, scenarios[i].orbit.beta_rad))) for i in g.order)
        groups.append(_Group(g.scenarios, g.limits, steps, g.order))
    return dataclasses.replace(prob, groups=tuple(groups))


def _evaluate_case(design: Design, parameters: dict, prob: Problem) -> Evaluation:
    return evaluate_problem(design, _set_parameters(prob, parameters))


_batched = eqx.filter_jit(jax.vmap(_evaluate_case, in_axes=(0, 0, None)))


def shard(designs: Design, devices: Sequence[jax.Device] | None = None) -> Design:
    """Place a batch of designs on ``devices`` (default: every device, :func:`jax.devices`),
    split evenly along the design axis with a :class:`jax.sharding.NamedSharding` over a
    one-axis :class:`~jax.sharding.Mesh` named ``"designs"``.

    A jitted function of the placed batch (e.g. a ``vmap`` of
    :func:`~thermaljax.sizing.evaluate_problem`) then runs on every device at once, each on its
    own slice (XLA's SPMD partitioner; no data moves between devices). The batch size must be
    a multiple of the number of devices (:func:`sweep` pads its chunks to one). Under
    :func:`jax.distributed.initialize` every process passes the same whole batch and each
    places only its own devices' slices (:func:`jax.make_array_from_callback`).
    """
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must hold at least one jax.Device")
    n = np.broadcast_shapes(*(np.shape(getattr(designs, k)) for k in DESIGN_FIELDS))
    if len(n) != 1 or n[0] % len(devices):
        raise ValueError(f"a sharded batch needs 1-D design fields whose length is a multiple "
                         f"of the {len(devices)} devices, got shape {n}")
    return _place(designs, devices)


def _put(tree, devices, spec: PartitionSpec):
    sharding = NamedSharding(Mesh(np.array(devices), ("designs",)), spec)

    def one(x):
        if not eqx.is_array_like(x) or isinstance(x, (bool, int, float, complex)):
            return x
        host = np.asarray(x)
        return jax.make_array_from_callback(host.shape, sharding, lambda i: host[i])

    return jax.tree.map(one, tree)


def _place(tree, devices):
    """Every array leaf split along its first axis over ``devices`` (all processes)."""
    return _put(tree, devices, PartitionSpec("designs"))


def _replicate(tree, devices):
    """Every array leaf copied to each of ``devices`` (all processes)."""
    return _put(tree, devices, PartitionSpec())


def _broadcast(tree):
    """``tree`` as held by process 0, on every process."""
    from jax.experimental import multihost_utils

    return multihost_utils.broadcast_one_to_all(tree)


def _to_host(tree):
    """A (possibly multi-process) pytree of arrays as NumPy arrays, the same on every process
    (one gather for the whole tree)."""
    if all(getattr(a, "is_fully_addressable", True) for a in jax.tree.leaves(tree)):
        return jax.tree.map(np.asarray, tree)
    from jax.experimental import multihost_utils

    return jax.tree.map(np.asarray, multihost_utils.process_allgather(tree, tiled=True))


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


def sweep(designs: Design | Cases, scenarios: Scenario | Sequence[Scenario], *,
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
    cases); a later call with the same folder and inputs loads those chunks instead of
    evaluating them again, so an interrupted sweep resumes where it stopped.

    Args:
        designs: :class:`thermaljax.Design` with 1-D fields (e.g. from :func:`design_grid`),
            or :class:`Cases` (designs and per-design scenario parameters such as the beta
            angle, altitude or coating absorptance: :data:`SCENARIO_PARAMETERS`).
        scenarios, objective, vehicle, mass_model, costs, requirements: as in
            :func:`~thermaljax.sizing.evaluate`; scenario parameters of ``Cases`` replace
            their quantity in every scenario.
        chunk_size: designs per compiled batch (bounds the memory).
        callback: called after each chunk with ``(designs done, total)``.
        devices: devices to spread each chunk over (default: every device of every process,
            :func:`jax.devices`; on one host, the local devices). Under
            :func:`jax.distributed.initialize`, every process runs the same call and holds
            the whole result; each evaluates its own devices' share of every chunk.
        folder: where to keep evaluated chunks (resume); ``None`` keeps nothing. With several
            processes, only process 0 writes.

    Returns:
        :class:`~thermaljax.sizing.Evaluation` with NumPy arrays of leading axis ``n``. A design
        whose simulation failed has ``status != 0`` (:func:`failure_reason` gives the text)
        and is kept; the others are unaffected.
    """
    if isinstance(designs, Cases):
        designs, params = designs.designs, dict(designs.parameters)
    elif isinstance(designs, Design):
        params = {}
    else:
        raise ValueError("designs must be a thermaljax.Design or thermaljax.sizing.Cases, got "
                         f"{type(designs).__name__}")
    if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) \
            or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1 (designs), got {chunk_size!r}")
    cols = [np.asarray(getattr(designs, k)) for k in DESIGN_FIELDS]
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    if len(shape) != 1:
        raise ValueError(f"designs must have 1-D fields (a batch), got shape {shape}")
    n = shape[0]
    cols = [np.broadcast_to(c, shape) for c in cols]
    pnames = sorted(params)
    params = _check_parameters(params, n)
    dtype = cols[0].dtype
    pcols = [params[k].astype(dtype) for k in pnames]
    prob = problem(scenarios, objective=objective, vehicle=vehicle, mass_model=mass_model,
                   costs=costs, requirements=requirements)
    if "altitude_m" in params:
        prob = _with_steps_for(prob, params["altitude_m"], _as_list(scenarios))
    devices = list(jax.devices() if devices is None else devices)
    k = len(devices)
    size = -(-min(chunk_size, n) // k) * k  # a multiple of the device count
    placed_prob = _replicate(prob, devices) if k > 1 else prob
    store = None if folder is None else Path(folder)
    writer = jax.process_index() == 0
    multi = jax.process_count() > 1
    shapes = None
    if store is not None:
        if writer:
            store.mkdir(parents=True, exist_ok=True)
        pdig = _digest(prob) + ",".join(pnames)

    def split(c):
        return Design(*c[:len(DESIGN_FIELDS)]), dict(zip(pnames, c[len(DESIGN_FIELDS):]))

    out = []
    for start in range(0, n, size):
        chunk = [c[start:start + size] for c in cols + pcols]
        m = len(chunk[0])
        ev = None
        if store is not None:
            path = store / f"chunk_{start:010d}_{start + m - 1:010d}.npz"
            digest = _chunk_digest(pdig, chunk)
            exists = path.exists() if writer else False
            if multi:  # process 0 decides for all: every process must run the same programs
                exists = bool(_broadcast(np.int32(exists)))
            if exists and shapes is None:  # the layout of an Evaluation (traced once)
                d1, p1 = split([c[:1] for c in chunk])
                shapes = jax.eval_shape(_batched, d1, p1, prob)
            ev = _load_chunk(path, digest, jax.tree.structure(shapes)) \
                if exists and writer else None
            if multi and exists:  # the loaded chunk (or its absence) to every process
                ok = bool(_broadcast(np.int32(ev is not None)))
                if ok:
                    ev = _broadcast(ev if writer else jax.tree.map(
                        lambda x, m=m: np.zeros((m,) + x.shape[1:], x.dtype), shapes))
                    ev = jax.tree.map(np.asarray, ev)
                else:
                    ev = None
        if ev is None:
            pad = [np.concatenate([c, np.repeat(c[:1], size - m)]) for c in chunk]
            d, p = split(pad)
            if k > 1:
                d, p = _place((d, p), devices)
            ev = _batched(d, p, placed_prob)
            ev = jax.tree.map(lambda a, m=m: a[:m], _to_host(ev))
            if store is not None and writer:
                _save_chunk(path, digest, ev)
        out.append(ev)
        if callback is not None:
            callback(start + m, n)
    return jax.tree.map(lambda *a: np.concatenate(a), *out)
