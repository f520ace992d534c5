"""``sweep``: evaluate many designs in fixed-size batches (one compiled program).

The designs are split into chunks of ``chunk_size``; the last chunk is padded with copies of
its first design, so every chunk runs the same compiled ``vmap`` of
:func:`~thermaljax.sizing.evaluate_problem` and memory stays bounded by the chunk, not by the
number of designs.
"""

from __future__ import annotations

import itertools
from typing import Callable, Mapping, Sequence

import equinox as eqx
import jax
import numpy as np

from .. import launch as _launch
from .. import mass as _mass
from ..system._spec import Design, Scenario
from ._evaluate import Evaluation, Requirements, evaluate_problem, problem
from ._optimize import DESIGN_FIELDS


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


_batched = eqx.filter_jit(jax.vmap(evaluate_problem, in_axes=(0, None)))


def sweep(designs: Design, scenarios: Scenario | Sequence[Scenario], *,
          objective: str = "launch_mass", vehicle: _launch.LaunchVehicle = _launch.FALCON_9,
          mass_model: _mass.MassModel | None = None, costs: _launch.CostModel | None = None,
          requirements: Requirements | None = None, chunk_size: int = 256,
          callback: Callable[[int, int], None] | None = None) -> Evaluation:
    """Evaluate a batch of designs (fields of shape ``(n,)``) in chunks.

    Args:
        designs: :class:`thermaljax.Design` with 1-D fields (e.g. from :func:`design_grid`).
        scenarios, objective, vehicle, mass_model, costs, requirements: as in
            :func:`~thermaljax.sizing.evaluate`.
        chunk_size: designs per compiled batch (bounds the memory).
        callback: called after each chunk with ``(designs done, total)``.

    Returns:
        :class:`~thermaljax.sizing.Evaluation` with NumPy arrays of leading axis ``n``. A design
        whose simulation failed has ``status != 0`` and is kept (the others are unaffected).
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
    size = min(chunk_size, n)
    out = []
    for start in range(0, n, size):
        chunk = [c[start:start + size] for c in cols]
        m = len(chunk[0])
        pad = [np.concatenate([c, np.repeat(c[:1], size - m)]) for c in chunk]
        ev = _batched(Design(*pad), prob)
        out.append(jax.tree.map(lambda a, m=m: np.asarray(a)[:m], ev))
        if callback is not None:
            callback(start + m, n)
    return jax.tree.map(lambda *a: np.concatenate(a), *out)
