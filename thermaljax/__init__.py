"""thermaljax: differentiable thermal and power physics for data centres in orbit.

Public namespace (everything else is private and may change):
    thermaljax.constants   physical constants with their sources
    thermaljax.orbit       orbit geometry, solar ephemeris, eclipses, environmental fluxes
    thermaljax.thermal     lumped thermal networks: transient and steady state
    thermaljax.pv          photovoltaic arrays: power with temperature and degradation, heat
    thermaljax.battery     Thevenin equivalent-circuit battery with Arrhenius resistances, fade
    thermaljax.rack        GPU presets, junction temperature, smooth throttling
    thermaljax.system      the coupled rack: Design, Scenario and its parts, simulate
    Design, Scenario, simulate, SimulationResult, Summary   (re-exported from system)
    thermaljax.mass        launch mass by subsystem (MassModel, mass_breakdown)
    thermaljax.launch      launch vehicles (Falcon 9, Falcon Heavy, Starship), costs
    thermaljax.sizing      evaluate / optimize (Optax) / trade_study, Requirements
    evaluate, optimize, trade_study, Requirements          (re-exported from sizing)
    thermaljax.io          atomic JSON/CSV/bytes output
    thermaljax.plots       review figures (matplotlib, Agg)
    thermaljax.cli         the `thermaljax` command line
    Status                 run-time outcome codes of the solvers
"""

from . import battery as battery
from . import constants as constants
from . import launch as launch
from . import mass as mass
from . import orbit as orbit
from . import pv as pv
from . import rack as rack
from . import sizing as sizing
from . import system as system
from . import thermal as thermal
from ._status import Status as Status
from .sizing import Requirements as Requirements
from .sizing import evaluate as evaluate
from .sizing import optimize as optimize
from .sizing import trade_study as trade_study
from .system import Design as Design
from .system import Scenario as Scenario
from .system import SimulationResult as SimulationResult
from .system import Summary as Summary
from .system import simulate as simulate
from ._version import __version__ as __version__
