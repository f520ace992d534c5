"""Orbit geometry and the environmental heat loads on flat plates (pure JAX functions).

Everything is SI (m, s, W/m^2) with angles in radians; functions broadcast elementwise over
scalars and same-shape arrays, and work under ``jax.jit``, ``jax.vmap`` and ``jax.grad`` with
finite gradients everywhere a user can go. Concrete arguments are range-checked before tracing
(``ValueError`` naming the argument, its unit and the allowed range); traced ones are not.

Conventions
-----------
* Orbits are circular about a spherical Earth of radius ``EARTH_RADIUS_M``; ``a = R_E + h``,
  altitudes ``h`` in [150 km, 35,786 km (GEO)].
* Orbit-plane frame: x toward the projection of the Sun direction onto the orbit plane,
  z along the orbit normal (angular momentum), y = z x x. The Sun is
  ``s = (cos beta, 0, sin beta)``.
* ``orbit_angle`` theta is measured in the direction of motion from orbit noon (theta = 0 is the
  point of the orbit closest to the Sun); the satellite is at ``r_hat = (cos theta, sin theta, 0)``
  and the eclipse is centred at theta = pi.
* Beta angle: elevation of the Sun above the orbit plane, in [-pi/2, pi/2], positive on the
  orbit-normal side: ``sin beta = cos delta sin i sin(Omega - alpha) + sin delta cos i`` with
  the Sun's apparent right ascension alpha and declination delta of date, and the RAAN Omega in
  the true-of-date equatorial frame. Inclination in [0, pi].
* LVLH frame (CCSDS): ``z_L`` = nadir = ``-r_hat``, ``y_L`` = minus the orbit normal,
  ``x_L = y_L x z_L`` (velocity direction). Sun in LVLH:
  ``s_L = (-cos beta sin theta, -sin beta, -cos beta cos theta)``; the cosine of the solar
  zenith angle at the sub-satellite point is ``cos zeta = cos beta cos theta``.
* Plates: an attitude gives the FRONT face's unit normal in LVLH; the back face's is its
  negative. ``angle_from_nadir`` is measured from ``z_L``. Fluxes are incident irradiance on one
  face per unit area [W/m^2], before absorptance/emissivity.
* Epochs: ``datetime`` (UTC) or days since J2000.0 TT (numbers are traceable), 1950-2100.

Public names
------------
Kepler: :func:`period`, :func:`mean_motion`, :func:`orbit_angle`, :func:`raan_drift_rate`,
:func:`sun_synchronous_inclination`.
Sun: :func:`days_since_j2000`, :func:`sun_position` (:class:`SunPosition`),
:func:`sun_unit_vector`, :func:`beta_angle`, :func:`solar_flux`.
Shadow: :func:`beta_star`, :func:`eclipse_fraction`, :func:`sunlit_fraction`.
View factors: :func:`plate_sphere_view_factor`, :func:`earth_view_factor`.
Attitudes: :class:`AbstractAttitude`, :class:`FixedLVLH`, :class:`SunTracking`,
:class:`EdgeOnSun`, :func:`sun_direction_lvlh`, :func:`sun_incidence`.
Loads: :func:`earth_ir_flux`, :func:`albedo_flux`, :func:`plate_environment`
(:class:`PlateEnvironment`).
"""

from ._attitude import AbstractAttitude as AbstractAttitude
from ._attitude import EdgeOnSun as EdgeOnSun
from ._attitude import FixedLVLH as FixedLVLH
from ._attitude import SunTracking as SunTracking
from ._attitude import sun_direction_lvlh as sun_direction_lvlh
from ._attitude import sun_incidence as sun_incidence
from ._environment import PlateEnvironment as PlateEnvironment
from ._environment import albedo_flux as albedo_flux
from ._environment import earth_ir_flux as earth_ir_flux
from ._environment import plate_environment as plate_environment
from ._ephemeris import EPOCH_MAX_DAYS as EPOCH_MAX_DAYS
from ._ephemeris import EPOCH_MIN_DAYS as EPOCH_MIN_DAYS
from ._ephemeris import SunPosition as SunPosition
from ._ephemeris import beta_angle as beta_angle
from ._ephemeris import days_since_j2000 as days_since_j2000
from ._ephemeris import solar_flux as solar_flux
from ._ephemeris import sun_position as sun_position
from ._ephemeris import sun_unit_vector as sun_unit_vector
from ._kepler import MAX_SUN_SYNCHRONOUS_ALTITUDE_M as MAX_SUN_SYNCHRONOUS_ALTITUDE_M
from ._kepler import mean_motion as mean_motion
from ._kepler import orbit_angle as orbit_angle
from ._kepler import period as period
from ._kepler import raan_drift_rate as raan_drift_rate
from ._kepler import sun_synchronous_inclination as sun_synchronous_inclination
from ._shadow import beta_star as beta_star
from ._shadow import eclipse_fraction as eclipse_fraction
from ._shadow import sunlit_fraction as sunlit_fraction
from ._view_factor import earth_view_factor as earth_view_factor
from ._view_factor import plate_sphere_view_factor as plate_sphere_view_factor
