"""``optimize(scenarios)``: size the radiator, array and battery with exact gradients (Optax).

Method
------
Variables: the free design fields in log space, ``z = log x``, projected onto the user's box
``[log lo, log hi]`` after every step, so every iterate is positive and inside the bounds.

Constraints: an augmented Lagrangian (Powell-Hestenes-Rockafellar form for inequalities)

    L(z; lam, rho) = f(x) / f(x0) + sum_i [max(0, lam_i + rho g_i(x) / s_i)^2 - lam_i^2] / (2 rho)

minimised by Adam (Optax) with a cosine-decaying step; every ``inner_steps`` steps the
multipliers move to ``lam_i <- max(0, lam_i + rho g_i / s_i)`` and ``rho`` doubles (up to
1e4) if the largest violation did not fall below a quarter of the previous one.
Why not a quadratic penalty with continuation: a penalty meets the constraints only as
``rho -> inf``, which makes the landscape ever more ill-conditioned for a first-order method
just where the answer is decided (the optimum of a sizing problem always sits on its active
constraints: the radiator on the junction limit, the array on the energy balance, the battery
on the SOC floor). The augmented Lagrangian meets them at a finite ``rho`` because the
multipliers absorb the constraint forces, and the converged ``lam_i`` are shadow prices
(reported in the result): the relative change of the objective per scaled unit of each limit.

Scaling: the objective is divided by its value at the first start, and each constraint by
the norm of its gradient in log space there (secants over 5 % steps, one batched
evaluation), floored at the :data:`~thermaljax.sizing.CONSTRAINTS` scale. A scaled
constraint is then about the relative design change that separates the point from its
boundary (1 K of junction temperature is ~1 % of radiator area), and every term of ``L`` has
a gradient of order one: without it the penalty of a sensitive constraint (the SOC balance
moves by ~1 per unit of log array area, in units where 1e-5 matters) is stiff enough to stall
a first-order method. Gradients are clipped to unit norm before Adam for the same reason.
Each step is one jitted call, ``vmap``-ed over the starting designs; everything a user may
change between runs (free fields, bounds, limits, prices, objective, step count) is a traced
number, so every run of the same scenario structure reuses one compiled step. A step whose simulation fails (non-finite) is rejected and the start stays where it
was. The result is the best feasible iterate over all starts (feasible: every constraint
within its tolerance); when none is feasible, the least-violating one, with a report of which
constraints cannot be met and by how much.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import os
import time
import zipfile
from pathlib import Path
from typing import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import launch as _launch
from .. import mass as _mass
from .._checks import check_range
from ..io import atomic_write_bytes
from ..system._spec import Design, Scenario
from ._evaluate import CONSTRAINTS, Evaluation, Problem, Requirements, evaluate_problem, problem

DESIGN_FIELDS = ("radiator_area_m2", "array_area_m2", "battery_capacity_Wh",
                 "coolant_flow_kg_s", "battery_radiator_area_m2")
_UNITS = {"radiator_area_m2": "m^2", "array_area_m2": "m^2", "battery_capacity_Wh": "W h",
          "coolant_flow_kg_s": "kg/s", "battery_radiator_area_m2": "m^2"}
_NAMES = tuple(CONSTRAINTS)
_FLOORS = np.array([CONSTRAINTS[k].scale for k in _NAMES])
_TOLS = np.array([CONSTRAINTS[k].tolerance for k in _NAMES])
_RHO0, _RHO_MAX = 10.0, 1e4
_LR_FLOOR = 0.02  # final learning rate, as a fraction of the initial one


@dataclasses.dataclass(frozen=True)
class OptimizeResult:
    """Outcome of :func:`optimize`.

    Attributes:
        design: the best design found (best feasible over all starts, else least violating).
        evaluation: its :class:`~thermaljax.sizing.Evaluation`.
        feasible: every constraint within its tolerance (:data:`CONSTRAINTS`).
        message: what happened, naming the constraints that cannot be met and by how much.
        objective_name: which objective was minimised.
        free: the design fields the optimiser changed.
        bounds: field -> (low, high) used.
        active_bounds: free fields that ended at a bound (within 0.1 %).
        multipliers: constraint -> Lagrange multiplier of the chosen start (per unit of the
            scaled constraint; the relative objective change per scale unit of the limit).
        history: ``objective`` (physical units), ``max_violation`` (largest scaled constraint,
            <= 0 when feasible), ``grad_norm`` (of the augmented Lagrangian), each
            ``(steps, starts)``.
        start_objectives, start_feasible: (starts,) final best objective and feasibility of
            each start.
        steps, starts, evaluations: steps taken, starts, and evaluations of a design (each
            simulating every scenario): the scale probes, one value-and-gradient per step and
            start, and three final candidates per start.
        wall_time_s, compile_time_s: time of the whole run, and of its first evaluation and
            first step (almost all compilation when the program is new).
        start_evaluation: the :class:`~thermaljax.sizing.Evaluation` of the first starting
            design (``design0``), for comparison.
    """

    design: Design
    evaluation: Evaluation
    feasible: bool
    message: str
    objective_name: str
    free: tuple[str, ...]
    bounds: dict
    active_bounds: tuple[str, ...]
    multipliers: dict
    history: dict
    start_objectives: np.ndarray
    start_feasible: np.ndarray
    steps: int
    starts: int
    evaluations: int
    wall_time_s: float
    compile_time_s: float
    start_evaluation: Evaluation


class OptimizerState(eqx.Module):
    """State of every start (leading axis = starts); a pytree, so it can be checkpointed."""

    z: jax.Array  # (starts, 5) log of every design field (fixed ones pinned by their bounds)
    opt_state: optax.OptState
    lam: jax.Array  # (starts, n_constraints)
    rho: jax.Array  # (starts,)
    prev_violation: jax.Array  # (starts,) largest scaled violation at the last multiplier update
    best_z: jax.Array  # (starts, 5) best feasible iterate
    best_objective: jax.Array  # (starts,) physical units, inf until a feasible iterate
    best_violation: jax.Array  # (starts,) least scaled violation seen
    least_z: jax.Array  # (starts, 5) the least-violating iterate
    step: jax.Array  # () int


class _Config(eqx.Module):
    """Numbers of a run, all leaves: one compiled step serves every choice of free fields,
    bounds, step count and objective."""

    lo: jax.Array  # (5,) log bounds; equal for fixed fields
    hi: jax.Array
    free: jax.Array  # (5,) 1.0 for free fields
    f_scale: jax.Array
    scales: jax.Array  # (n_constraints,) constraint scales
    learning_rate: jax.Array
    steps: jax.Array  # () int: length of the learning-rate schedule
    inner_steps: jax.Array  # () int


def _design(cfg: _Config, z) -> Design:
    x = jnp.exp(jnp.clip(z, cfg.lo, cfg.hi))
    return Design(*(x[..., i] for i in range(len(DESIGN_FIELDS))))  # checks skip tracers


def _learning_rate(cfg: _Config, count):
    """Cosine decay from ``learning_rate`` to 2 % of it over ``steps``."""
    frac = jnp.minimum(count / jnp.maximum(cfg.steps, 1), 1.0)
    cosine = 0.5 * (1.0 + jnp.cos(jnp.pi * frac))
    return cfg.learning_rate * (_LR_FLOOR + (1.0 - _LR_FLOOR) * cosine)


def _optimizer(cfg: _Config):
    # Clipping first: a step into a violated constraint returns a penalty gradient orders of
    # magnitude above the objective's, which would otherwise dominate Adam's moments for
    # hundreds of steps.
    return optax.chain(optax.clip_by_global_norm(1.0), optax.scale_by_adam(),
                       optax.scale_by_schedule(lambda k: -_learning_rate(cfg, k)))


def _stacked(ev: Evaluation):
    return jnp.stack([ev.constraints[k] for k in _NAMES], axis=-1)


def _lagrangian(z, lam, rho, cfg: _Config, prob: Problem):
    ev = evaluate_problem(_design(cfg, z), prob)
    g = _stacked(ev) / cfg.scales
    psi = (jnp.maximum(0.0, lam + rho * g) ** 2 - lam**2) / (2.0 * rho)
    return ev.objective / cfg.f_scale + jnp.sum(psi), (ev, g)


def _feasible(ev: Evaluation):
    g = _stacked(ev)
    return jnp.all(g <= jnp.asarray(_TOLS, g.dtype), axis=-1) & (ev.status == 0) & \
        jnp.isfinite(ev.objective)


def _one_step(s: OptimizerState, cfg: _Config, prob: Problem):
    """One step of one start (``s`` holds that start's slice of the state)."""
    (value, (ev, g)), grad = jax.value_and_grad(_lagrangian, has_aux=True)(s.z, s.lam, s.rho,
                                                                           cfg, prob)
    grad = grad * cfg.free
    ok = jnp.isfinite(value) & jnp.all(jnp.isfinite(grad)) & (ev.status == 0)
    violation = jnp.max(g)
    # Book-keeping of the point just evaluated (before the update).
    better = _feasible(ev) & ok & (ev.objective < s.best_objective)
    less = ok & (violation < s.best_violation)
    # Adam step in log space, projected onto the box; rejected if anything is non-finite.
    grad = jnp.where(ok, grad, 0.0)
    updates, new_opt = _optimizer(cfg).update(grad, s.opt_state, s.z)
    z_new = jnp.clip(optax.apply_updates(s.z, updates), cfg.lo, cfg.hi)
    # Multiplier update at the end of each inner cycle.
    outer = ((s.step + 1) % cfg.inner_steps == 0) & ok
    grow = outer & (violation > 0.25 * s.prev_violation) & (violation > 0.0)
    new = dataclasses.replace(
        s,
        z=jnp.where(ok, z_new, s.z),
        opt_state=jax.tree.map(lambda a, b: jnp.where(ok, a, b), new_opt, s.opt_state),
        lam=jnp.where(outer, jnp.maximum(0.0, s.lam + s.rho * g), s.lam),
        rho=jnp.where(grow, jnp.minimum(2.0 * s.rho, _RHO_MAX), s.rho),
        prev_violation=jnp.where(outer, jnp.maximum(violation, 0.0), s.prev_violation),
        best_z=jnp.where(better, s.z, s.best_z),
        best_objective=jnp.where(better, ev.objective, s.best_objective),
        best_violation=jnp.where(less, violation, s.best_violation),
        least_z=jnp.where(less, s.z, s.least_z))
    return new, (ev.objective, violation, jnp.linalg.norm(grad))


_TRACES = [0]  # times _step has been traced (a retrace check for the tests)
# vmap axes of the state: every field per start, the step counter shared.
_STATE_AXES = OptimizerState(*([0] * 9), step=None)


@eqx.filter_jit
def _step(state: OptimizerState, cfg: _Config, prob: Problem):
    _TRACES[0] += 1  # Python side effect: runs only while tracing
    new, row = jax.vmap(_one_step, in_axes=(_STATE_AXES, None, None),
                        out_axes=(_STATE_AXES, 0))(state, cfg, prob)
    return dataclasses.replace(new, step=state.step + 1), row


@eqx.filter_jit
def _evaluate_many(z, cfg: _Config, prob: Problem):
    return jax.vmap(lambda zi: evaluate_problem(_design(cfg, zi), prob))(z)


def _evaluate_padded(z, size: int, cfg: _Config, prob: Problem) -> Evaluation:
    """Evaluate the rows of ``z``, padded to ``size`` rows (one compiled shape per run)."""
    n = z.shape[0]
    pad = jnp.concatenate([z, jnp.broadcast_to(z[:1], (size - n, z.shape[1]))])
    return jax.tree.map(lambda a: a[:n], _evaluate_many(pad, cfg, prob))


def _check_bounds(bounds, design0: Design, free: tuple[str, ...]):
    bounds = {} if bounds is None else dict(bounds)
    for k in bounds:
        if k not in DESIGN_FIELDS:
            raise ValueError(f"bounds has an unknown design field {k!r}; fields are "
                             f"{DESIGN_FIELDS}")
    out = {}
    for k in free:
        x0 = np.asarray(getattr(design0, k), dtype=np.float64)
        lo, hi = bounds.get(k, (float(np.min(x0)) / 10.0, float(np.max(x0)) * 10.0))
        unit = _UNITS[k]
        for what, v in (("lower", lo), ("upper", hi)):
            if not (isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v)
                    and v > 0):
                raise ValueError(f"bounds[{k!r}] {what} bound must be a finite number > 0 "
                                 f"[{unit}], got {v!r}")
        if not lo < hi:
            raise ValueError(f"bounds[{k!r}] = ({lo:g}, {hi:g}) {unit}: the lower bound must be "
                             "below the upper bound")
        if np.any(x0 < lo) or np.any(x0 > hi):
            raise ValueError(f"design0.{k} = {np.array2string(x0, precision=6)} {unit} is "
                             f"outside its bounds [{lo:g}, {hi:g}] {unit}")
        out[k] = (float(lo), float(hi))
    return out


_CHECKPOINT_FORMAT = 1


def _digest(prob: Problem, *numbers) -> str:
    """SHA-256 of everything that decides a run's trajectory (problem leaves and structure,
    starting points, bounds, options), so a checkpoint is only resumed by the same run."""
    h = hashlib.sha256()
    leaves, treedef = jax.tree.flatten(prob)
    h.update(str(treedef).encode())
    for x in [*leaves, *numbers]:
        a = np.asarray(x)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _save_checkpoint(path: Path, digest: str, state: OptimizerState, cfg: _Config,
                     rows: list) -> None:
    arrays = {f"state_{i}": np.asarray(a) for i, a in enumerate(jax.tree.leaves(state))}
    arrays |= {f"cfg_{i}": np.asarray(a) for i, a in enumerate(jax.tree.leaves(cfg))}
    n = len(rows)
    for j, name in enumerate(("objective", "max_violation", "grad_norm")):
        arrays[f"history_{name}"] = (np.stack([r[j] for r in rows]) if n else
                                     np.zeros((0, state.z.shape[0]), np.asarray(state.z).dtype))
    arrays["meta"] = np.array([digest, str(_CHECKPOINT_FORMAT)])
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def _restore(prefix: str, data, template):
    leaves, treedef = jax.tree.flatten(template)
    out = []
    for i, ref in enumerate(leaves):
        a = data[f"{prefix}_{i}"]
        ref = np.asarray(ref)
        if a.shape != ref.shape or a.dtype != ref.dtype:
            raise ValueError(f"{prefix} array {i} has shape {a.shape} {a.dtype}, expected "
                             f"{ref.shape} {ref.dtype}")
        out.append(jnp.asarray(a))
    return jax.tree.unflatten(treedef, out)


def _load_checkpoint(path: Path, digest: str, state: OptimizerState, cfg: _Config):
    """State, config and history rows from a checkpoint written by the same run."""
    if not path.is_file():
        raise CheckpointError(f"cannot resume: checkpoint file {str(path)!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = [str(m) for m in data["meta"]]
            if meta[1] != str(_CHECKPOINT_FORMAT):
                raise CheckpointError(f"format {meta[1]}, expected {_CHECKPOINT_FORMAT}")
            if meta[0] != digest:
                raise _Mismatch()
            state = _restore("state", data, state)
            cfg = _restore("cfg", data, cfg)
            hist = [data[f"history_{k}"] for k in ("objective", "max_violation", "grad_norm")]
    except _Mismatch:
        raise CheckpointError(
            f"cannot resume from {str(path)!r}: it was written by a run with different inputs "
            "(scenario, design, objective, prices, requirements, free fields, bounds, steps or "
            "optimiser options); rerun with the same inputs, or start afresh without resume"
        ) from None
    except (OSError, KeyError, IndexError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"cannot resume: {str(path)!r} is not a readable thermaljax "
                              f"checkpoint ({exc})") from None
    if hist[0].shape[0] != int(state.step):
        raise CheckpointError(f"cannot resume: {str(path)!r} is inconsistent (history of "
                              f"{hist[0].shape[0]} steps, state at step {int(state.step)})")
    rows = [tuple(h[k] for h in hist) for k in range(hist[0].shape[0])]
    return state, cfg, rows


def verify_checkpoint(checkpoint: str | os.PathLike, scenarios, design0: Design | None = None,
                      **options) -> int:
    """Check, without compiling anything, that ``checkpoint`` can resume
    ``optimize(scenarios, design0, **options)``; return the number of steps it holds.

    Raises:
        CheckpointError: missing, unreadable, or written by a run with other inputs.
    """
    options.pop("resume", None)
    options.pop("checkpoint", None)
    return optimize(scenarios, design0, checkpoint=checkpoint, resume=True, _verify_only=True,
                    **options)


class _Mismatch(Exception):
    pass


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed (missing, unreadable, or from other inputs)."""


def _report(ev: Evaluation, feasible: bool, active: tuple[str, ...]) -> str:
    if feasible:
        msg = "converged to a feasible design"
        if active:
            msg += f"; at a bound: {', '.join(active)}"
        return msg
    bad = []
    for k in _NAMES:
        v = float(ev.constraints[k])
        if v > CONSTRAINTS[k].tolerance:
            bad.append(f"{k} violated by {v:.4g} {CONSTRAINTS[k].unit} "
                       f"({CONSTRAINTS[k].meaning})")
    if int(ev.status) != 0:
        bad.append("the simulation failed (non-finite state)")
    msg = "no feasible design found: " + "; ".join(bad)
    if active:
        msg += f". Free fields at a bound: {', '.join(active)} (widen the bounds"
        msg += " or relax the requirement)"
    return msg


def optimize(scenarios: Scenario | Sequence[Scenario], design0: Design | None = None, *,
             objective: str = "launch_mass", vehicle: _launch.LaunchVehicle = _launch.FALCON_9,
             mass_model: _mass.MassModel | None = None, costs: _launch.CostModel | None = None,
             requirements: Requirements | None = None, free: Sequence[str] | None = None,
             bounds: dict | None = None, steps: int = 300, starts: int = 1, seed: int = 0,
             learning_rate: float = 0.05, inner_steps: int = 25,
             callback: Callable[[int, dict], None] | None = None,
             checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 20,
             resume: bool = False, _verify_only: bool = False) -> OptimizeResult:
    """Minimise the objective of :func:`~thermaljax.sizing.evaluate` subject to its constraints.

    Args:
        scenarios: one :class:`thermaljax.Scenario` or a list (robust design: constraints
            are the worst case over the list, e.g. hot case at beta_max with end-of-life
            coatings, eclipse season, beginning and end of life).
        design0: starting design (default :meth:`Design.default`); its fixed (non-free)
            fields are kept. Fields may carry a leading axis of starts.
        objective: ``"launch_mass"`` [kg], ``"launch_cost"`` [USD] or
            ``"cost_per_gpu_hour"`` [USD/h].
        vehicle, mass_model, costs, requirements: as in :func:`~thermaljax.sizing.evaluate`.
        free: design fields to optimise (default all five).
        bounds: field -> (low, high) [field unit], both > 0; default (x0 / 10, 10 x0).
        steps: optimisation steps (each one value-and-gradient per start and scenario).
        starts: number of starting designs: the first is ``design0``, the others are drawn
            log-uniformly inside the bounds from ``seed`` (deterministic). Ignored when
            ``design0`` already carries a batch of starts.
        seed: random seed of the extra starts.
        learning_rate: initial Adam step in log space (0.05 = 5 % per step), decayed by a
            cosine schedule to 2 % of it.
        inner_steps: steps between multiplier updates.
        callback: called after every step with ``(step, row)``, ``row`` holding the best
            objective so far, the current max violation and gradient norm (NumPy); for
            progress display.
        checkpoint: file (``.npz``) that receives the optimiser's full state, written
            atomically every ``checkpoint_every`` steps, after the last step, and when the run
            is interrupted (``KeyboardInterrupt``, re-raised after the write).
        checkpoint_every: steps between checkpoints (>= 1).
        resume: continue from ``checkpoint`` instead of starting afresh. The checkpoint must
            come from a run with the same inputs (scenarios, design0, objective, prices,
            requirements, free fields, bounds and every option above; checked by a digest);
            the resumed run then ends with the same result, bit for bit, as one that was
            never interrupted.

    Returns:
        :class:`OptimizeResult` (never NaN, never outside the bounds).

    Example:
        >>> import thermaljax as tj
        >>> from thermaljax.system import SimulationSpec
        >>> sc = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=60.0,
        ...                                                           warmup_orbits=1))
        >>> res = tj.optimize(sc, free=("radiator_area_m2",), steps=60)
        >>> res.feasible, bool(abs(res.evaluation.constraints["junction_K"]) < 0.5)
        (True, True)
    """
    t_start = time.perf_counter()
    prob = problem(scenarios, objective=objective, vehicle=vehicle, mass_model=mass_model,
                   costs=costs, requirements=requirements)
    if design0 is None:
        design0 = Design.default()
    if not isinstance(design0, Design):
        raise ValueError(f"design0 must be a thermaljax.Design, got {type(design0).__name__}")
    free = DESIGN_FIELDS if free is None else tuple(free)
    if not free or len(set(free)) != len(free):
        raise ValueError(f"free must name distinct design fields among {DESIGN_FIELDS}, got "
                         f"{free!r}")
    for k in free:
        if k not in DESIGN_FIELDS:
            raise ValueError(f"free has an unknown design field {k!r}; fields are "
                             f"{DESIGN_FIELDS}")
    for name, value, lo in (("steps", steps, 1), ("starts", starts, 1),
                            ("inner_steps", inner_steps, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    check_range("learning_rate", learning_rate, "(log units per step)", low=0.0, high=1.0,
                low_inclusive=False)
    bnds = _check_bounds(bounds, design0, free)

    # Starting points: (starts, 5) in log space; fixed fields pinned (equal bounds).
    cols = [np.asarray(getattr(design0, k), np.float64) for k in DESIGN_FIELDS]
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    if len(shape) > 1:
        raise ValueError(f"design0 fields must be scalars or 1-D (a batch of starts), got shape "
                         f"{shape}")
    x0 = np.stack([np.broadcast_to(c, shape) for c in cols], axis=-1).reshape(-1, 5)
    is_free = np.array([k in free for k in DESIGN_FIELDS])
    lo_x = np.array([bnds[k][0] if k in bnds else x0[0, j] for j, k in enumerate(DESIGN_FIELDS)])
    hi_x = np.array([bnds[k][1] if k in bnds else x0[0, j] for j, k in enumerate(DESIGN_FIELDS)])
    if not shape and starts > 1:
        u = np.random.default_rng(seed).uniform(size=(starts - 1, 5))
        extra = np.exp(np.log(lo_x) + u * (np.log(hi_x) - np.log(lo_x)))
        x0 = np.concatenate([x0, np.where(is_free, extra, x0[0])])
    n_starts = x0.shape[0]
    dtype = jnp.result_type(*[getattr(design0, k) for k in DESIGN_FIELDS])
    lo, hi = jnp.log(jnp.asarray(lo_x, dtype)), jnp.log(jnp.asarray(hi_x, dtype))
    z0 = jnp.clip(jnp.log(jnp.asarray(x0, dtype)), lo[None], hi[None])

    # Objective and constraint scales from the first start and 5 % secants around it
    # (a step down where the step up would leave the box).
    batch = max(6, 2 * n_starts)
    h = 0.05
    eye = jnp.eye(5, dtype=dtype)[is_free]
    up = z0[:1] + h * eye
    probes = jnp.concatenate([z0[:1], jnp.where(up > hi[None], z0[:1] - h * eye, up)])
    as_leaf = lambda x, t=dtype: jnp.asarray(x, t)  # noqa: E731
    cfg = _Config(lo, hi, as_leaf(is_free), as_leaf(1.0), jnp.ones(len(_NAMES), dtype),
                  as_leaf(learning_rate), as_leaf(steps, jnp.int32),
                  as_leaf(inner_steps, jnp.int32))
    n_con = len(_NAMES)
    state = OptimizerState(
        z=z0, opt_state=jax.vmap(_optimizer(cfg).init)(z0),
        lam=jnp.zeros((n_starts, n_con), dtype), rho=jnp.full((n_starts,), _RHO0, dtype),
        prev_violation=jnp.full((n_starts,), jnp.inf, dtype), best_z=z0,
        best_objective=jnp.full((n_starts,), jnp.inf, dtype),
        best_violation=jnp.full((n_starts,), jnp.inf, dtype), least_z=z0,
        step=jnp.zeros((), jnp.int32))
    ckpt = None if checkpoint is None else Path(checkpoint)
    if not isinstance(checkpoint_every, (int, np.integer)) or isinstance(checkpoint_every, bool) \
            or checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be an integer >= 1 (steps), got "
                         f"{checkpoint_every!r}")
    if resume and ckpt is None:
        raise CheckpointError("resume=True needs the checkpoint file to resume from")
    digest = _digest(prob, x0, lo_x, hi_x, is_free, objective, steps, seed, learning_rate,
                     inner_steps)

    probe_s = 0.0
    if resume:
        state, cfg, rows = _load_checkpoint(ckpt, digest, state, cfg)
        if _verify_only:  # see verify_checkpoint
            return len(rows)
        start_ev = jax.tree.map(lambda a: a[0], _evaluate_padded(z0[:1], batch, cfg, prob))
    else:
        t_probe = time.perf_counter()
        ev0 = _evaluate_padded(probes, batch, cfg, prob)
        f0 = float(ev0.objective[0])
        probe_s = time.perf_counter() - t_probe  # mostly compilation of the batched evaluation
        if not (math.isfinite(f0) and f0 > 0.0) or int(ev0.status[0]) != 0:
            raise ValueError(f"the starting design cannot be evaluated (objective {f0!r}, status "
                             f"{int(ev0.status[0])}); check design0 and the scenario")
        g0 = np.asarray(_stacked(ev0))
        dz = np.asarray(probes[1:] - probes[:1]).sum(axis=1)  # +-h per probe
        slopes = (g0[1:] - g0[:1]) / dz[:, None]
        slopes = np.where(np.isfinite(slopes), slopes, 0.0)
        scales = np.maximum(np.sqrt(np.sum(slopes**2, axis=0)), _FLOORS)
        cfg = eqx.tree_at(lambda c: (c.f_scale, c.scales), cfg,
                          (as_leaf(f0), jnp.asarray(scales, dtype)))
        rows = []
        start_ev = jax.tree.map(lambda a: a[0], ev0)
    scales = np.asarray(cfg.scales)

    compile_s = 0.0
    first = len(rows)
    # ``done`` is replaced in one assignment, so an interrupt anywhere in the loop finds a
    # consistent (state, number of rows) pair to checkpoint.
    done = (state, first)
    try:
        for k in range(first, steps):
            t0 = time.perf_counter()
            new_state, row = _step(state, cfg, prob)
            row = tuple(np.asarray(r) for r in row)
            if k == first:
                compile_s = probe_s + time.perf_counter() - t0
            rows.append(row)
            state = new_state
            done = (state, k + 1)
            if ckpt is not None and ((k + 1) % checkpoint_every == 0 or k + 1 == steps):
                _save_checkpoint(ckpt, digest, state, cfg, rows)
            if callback is not None:
                callback(k, {"objective": row[0],
                             "best_objective": np.asarray(state.best_objective),
                             "max_violation": row[1], "grad_norm": row[2]})
    except KeyboardInterrupt:
        if ckpt is not None:
            _save_checkpoint(ckpt, digest, done[0], cfg, rows[:done[1]])
        raise
    if ckpt is not None and first == steps:
        _save_checkpoint(ckpt, digest, state, cfg, rows)

    # Final iterate of every start, then the best over all starts.
    cand = jnp.concatenate([state.z, state.best_z, state.least_z])
    if cand.shape[0] > batch:  # evaluate in two padded batches of the compiled size
        evs = [_evaluate_padded(cand[i:i + batch], batch, cfg, prob)
               for i in range(0, cand.shape[0], batch)]
        ev_all = jax.tree.map(lambda *a: jnp.concatenate(a), *evs)
    else:
        ev_all = _evaluate_padded(cand, batch, cfg, prob)
    feas = np.asarray(jax.vmap(_feasible)(ev_all))
    obj = np.asarray(ev_all.objective)
    viol = np.max(np.asarray(_stacked(ev_all)) / scales, axis=1)
    viol = np.where(np.isfinite(viol) & (np.asarray(ev_all.status) == 0), viol, np.inf)
    per_start_obj = np.where(feas, obj, np.inf).reshape(3, n_starts)
    start_feasible = np.isfinite(per_start_obj).any(axis=0)
    if feas.any():
        j = int(np.argmin(np.where(feas, obj, np.inf)))
    else:
        j = int(np.argmin(viol))
    i = j % n_starts
    z_best = cand[j]
    ev = jax.tree.map(lambda a: a[j], ev_all)
    feasible = bool(feas[j])
    x_best = np.exp(np.asarray(z_best, np.float64))
    for c, k in enumerate(DESIGN_FIELDS):  # exp(log(hi)) may round one ulp past hi
        x_best[c] = np.clip(x_best[c], *bnds[k]) if k in bnds else x0[0, c]
    design = Design(*(jnp.asarray(x, dtype) for x in x_best))  # validated by the constructor
    at = dict(zip(DESIGN_FIELDS, x_best))
    active = tuple(k for k in free
                   if at[k] <= bnds[k][0] * 1.001 or at[k] >= bnds[k][1] / 1.001)
    hist = {name: np.stack([r[j] for r in rows]) for j, name in
            enumerate(("objective", "max_violation", "grad_norm"))}
    lam = np.asarray(state.lam[i])
    return OptimizeResult(
        design=design, evaluation=ev, feasible=feasible,
        message=_report(ev, feasible, active), objective_name=prob.objective, free=free,
        bounds=bnds, active_bounds=active,
        multipliers={k: float(lam[j]) for j, k in enumerate(_NAMES)}, history=hist,
        start_objectives=np.where(start_feasible, per_start_obj.min(axis=0), obj[:n_starts]),
        start_feasible=start_feasible, steps=steps, starts=n_starts,
        evaluations=len(free) + 1 + (steps + 3) * n_starts, wall_time_s=time.perf_counter() - t_start,
        compile_time_s=compile_s, start_evaluation=start_ev)
