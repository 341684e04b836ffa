"""Routing: shortest travel times and routes on the road graph's current state.

Everything outside this package talks to a :class:`Router` — travel time or
route between two crossroads, times from a depot to every node or to a list
of shelters, a depots × shelters table — and changes road state through
:meth:`Router.set_speed_factor`. Behind it sit a customizable contraction
hierarchy (:mod:`~sim.routing.cch`: order, contraction, customization, PHAST
and elimination-tree queries in their own modules) and numba-compiled
Dijkstra kernels (:mod:`~sim.routing.kernels`,
:mod:`~sim.routing.point_to_point`, chosen by :mod:`~sim.routing.search`),
the oracle and fallback. The Router chooses between them (``algorithm``
keyword, ``"auto"`` by default); callers need not.

Importing this package compiles nothing: kernels compile on first use and are
cached on disk, so later processes load them ready-made.
"""
from .route import Route, edge_time_min
from .router import Router

__all__ = ["Route", "Router", "edge_time_min"]
