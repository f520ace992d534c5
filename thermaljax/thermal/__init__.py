"""Lumped thermal networks (SINDA/ESATAN style): transient and steady-state solutions.

Public names:
    Network               nodes (capacitance), GL and GR conductors, radiation to space
    transient             temperatures over time (fixed-step Rodas4 or adaptive Kvaerno5)
    transient_solution    the same, with status and error diagnostics
    TransientSolution     its result type
    steady_state          equilibrium temperatures by Newton's method (implicit gradients)
    steady_state_solution the same, with status and diagnostics
    SteadyStateSolution   its result type
    node_heat_flow_W      net heat into each node for given temperatures and loads
    node_heat_flow_jacobian  its exact Jacobian dP/dT
    radiated_to_space_W   heat each node radiates to the sink
    sink_components       node groups with no path to the sink (well-posedness check)
    DEFAULT_MAX_STEP_S    default longest Rodas4 step [s]
    example_network       the reference stiff GPU/radiator network of tests and benchmarks
    ExampleProblem        its network, initial temperatures and eclipse loads
"""

from ._network import Network as Network
from ._network import node_heat_flow_jacobian as node_heat_flow_jacobian
from ._network import node_heat_flow_W as node_heat_flow_W
from ._network import radiated_to_space_W as radiated_to_space_W
from ._network import sink_components as sink_components
from ._steady import SteadyStateSolution as SteadyStateSolution
from ._steady import steady_state as steady_state
from ._steady import steady_state_solution as steady_state_solution
from ._transient import DEFAULT_MAX_STEP_S as DEFAULT_MAX_STEP_S
from ._transient import TransientSolution as TransientSolution
from ._transient import transient as transient
from ._transient import transient_solution as transient_solution
from ._examples import ExampleProblem as ExampleProblem
from ._examples import example_network as example_network
