"""Sizing: what a design weighs and costs, whether it meets its limits, and its optimum.

Public names (the main ones also at the top level of :mod:`thermaljax`):
:func:`evaluate` (objective, constraints and metrics of a design, one or several
scenarios) returning :class:`Evaluation`; :class:`Requirements` (limits);
:data:`CONSTRAINTS` (units, scales, tolerances) and :data:`OBJECTIVES`; :func:`optimize`
(Optax augmented Lagrangian, multi-start, robust over scenarios) returning
:class:`OptimizeResult`; :func:`trade_study` (one optimum per launch vehicle) returning
:class:`TradeStudy`; :func:`design_grid`, :func:`latin_hypercube` and
:func:`designs_from_table` (batches of designs), :class:`Cases` (designs with per-design
scenario parameters, :data:`SCENARIO_PARAMETERS`: beta angle, altitude, coating, degradation),
:func:`sweep` (many designs in fixed-size chunks, split over every device of every process
with :func:`shard`, resumable from disk) and
:func:`failure_reason`; :func:`problem` / :func:`evaluate_problem` for users who jit or vmap
the evaluation themselves.
"""

from ._evaluate import CONSTRAINTS as CONSTRAINTS
from ._evaluate import OBJECTIVES as OBJECTIVES
from ._evaluate import ConstraintInfo as ConstraintInfo
from ._evaluate import Evaluation as Evaluation
from ._evaluate import Problem as Problem
from ._evaluate import Requirements as Requirements
from ._evaluate import evaluate as evaluate
from ._evaluate import evaluate_problem as evaluate_problem
from ._evaluate import problem as problem
from ._optimize import DESIGN_FIELDS as DESIGN_FIELDS
from ._optimize import CheckpointError as CheckpointError
from ._optimize import OptimizeResult as OptimizeResult
from ._optimize import OptimizerState as OptimizerState
from ._optimize import optimize as optimize
from ._optimize import verify_checkpoint as verify_checkpoint
from ._trade import TradeRow as TradeRow
from ._trade import TradeStudy as TradeStudy
from ._trade import trade_study as trade_study
from ._sweep import SCENARIO_PARAMETERS as SCENARIO_PARAMETERS
from ._sweep import Cases as Cases
from ._sweep import ScenarioParameter as ScenarioParameter
from ._sweep import design_grid as design_grid
from ._sweep import designs_from_table as designs_from_table
from ._sweep import latin_hypercube as latin_hypercube
from ._sweep import failure_reason as failure_reason
from ._sweep import shard as shard
from ._sweep import sweep as sweep
