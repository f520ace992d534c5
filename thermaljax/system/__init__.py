"""The orbiting GPU rack as one coupled system: design, scenario, simulation.

Public names (also re-exported at the top level of :mod:`thermaljax`):
:class:`Design`, :class:`Scenario` and its parts (:class:`OrbitSpec`, :class:`EnvironmentSpec`,
:class:`RackSpec`, :class:`LoopSpec`, :class:`PowerSpec`, :class:`SimulationSpec`,
:class:`Coating` with presets ``OSR_BOL``, ``OSR_EOL``, ``WHITE_PAINT_BOL``,
``WHITE_PAINT_EOL``), :func:`simulate` returning :class:`SimulationResult` with its
:class:`Summary`, :func:`steps_per_orbit`, and :func:`ode` (the same equations as an ODE
for other integrators); reporting helpers :func:`limit_checks` (:class:`LimitCheck`),
:func:`summary_dict`, :func:`inputs_dict`, :func:`timeseries_columns`.
"""

from ._report import LimitCheck as LimitCheck
from ._report import inputs_dict as inputs_dict
from ._report import limit_checks as limit_checks
from ._report import summary_dict as summary_dict
from ._report import timeseries_columns as timeseries_columns
from ._simulate import SimulationResult as SimulationResult
from ._simulate import Summary as Summary
from ._simulate import ode as ode
from ._simulate import simulate as simulate
from ._simulate import steps_per_orbit as steps_per_orbit
from ._spec import DEFAULT_EPOCH as DEFAULT_EPOCH
from ._spec import OSR_BOL as OSR_BOL
from ._spec import OSR_EOL as OSR_EOL
from ._spec import SHUNT_DESTINATIONS as SHUNT_DESTINATIONS
from ._spec import WHITE_PAINT_BOL as WHITE_PAINT_BOL
from ._spec import WHITE_PAINT_EOL as WHITE_PAINT_EOL
from ._spec import Coating as Coating
from ._spec import Design as Design
from ._spec import EnvironmentSpec as EnvironmentSpec
from ._spec import LoopSpec as LoopSpec
from ._spec import OrbitSpec as OrbitSpec
from ._spec import PowerSpec as PowerSpec
from ._spec import RackSpec as RackSpec
from ._spec import Scenario as Scenario
from ._spec import SimulationSpec as SimulationSpec
