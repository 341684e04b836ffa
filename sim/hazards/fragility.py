"""What shaking does to bridges, streets, buildings and the people trapped in them.

Bridges follow Hazus-MH lognormal fragility curves (FEMA, *Hazus Earthquake
Model Technical Manual*, highway bridges, Table 7.9 in Hazus 6.1): the chance
that a bridge reaches damage state k or worse is

    P(ds ≥ k | Sa) = Φ( ln(Sa / median_k) / β ),   β = 0.6,

with Sa the 5 %-damped spectral acceleration at 1.0 s in g. The site
intensity is turned into PGA by GB/T 17742-2020
(:func:`sim.hazards.intensity.pga_g_from_intensity`) and PGA into Sa(1.0 s) by
the design spectrum of GB 50011-2010 §5.1.5: α(T) = (Tg/T)^0.9 · αmax with
αmax = 2.25·PGA (the code's ratio of αmax to design PGA, e.g. 0.90 vs 0.40 g
for rare shaking at VIII) and Tg = 0.55 s (site class III, design group 2,
the Beijing plain), so Sa(1.0) ≈ 1.31·PGA. Hazus restoration functions
(normal distributions, days; Hazus technical manual, highway bridges) give
each damaged bridge a repair time: slight 0.6 ± 0.6, moderate 2.5 ± 2.7,
extensive 75 ± 42, complete 230 ± 110.

Streets are mostly cut by the debris of collapsed buildings beside them (the
mechanism of Argyroudis et al. 2015, *Computer-Aided Civil and Infrastructure
Engineering* 30:524: blockage when debris width exceeds the free street
width). Hazus has no shaking fragility for roads (only ground failure, which
needs soil data the graph does not carry, so liquefaction is not modelled).
Here each 100 m of street frontage is blocked with probability
``blockage_share[class] × P(collapse)`` of the local building mix; the shares
(narrow local lanes 0.5 … expressways 0) are this model's assumption.

Buildings: the damage of "ordinary buildings" (old-style houses and brick
houses without seismic design) on the Chinese intensity scale is given by the
scale's mean damage index (GB/T 17742-1999, reproduced with the 2020 scale's
PGA values in the Wikipedia article "China seismic intensity scale"): VI
0–0.10, VII 0.11–0.30, VIII 0.31–0.50, IX 0.51–0.70, X 0.71–0.90, XI
0.91–1.00. The centres of these ranges, interpolated in I, set the parameter
of a binomial damage distribution over the five Chinese damage grades
(intact, slight, moderate, severe, destroyed; GB/T 24335), the classic
damage-probability-matrix form of Braga, Dolce & Liberatore (1982). With
index d the grade k has probability C(4,k)·d^k·(1−d)^(4−k), so the mean
damage index equals d. At VIII this gives 2.7 % destroyed, 16 % severe and
35 % moderate — "a few severe, most moderate or slight" as the scale says.
Buildings designed to the seismic code (GB 50011, fortified to VIII in
Beijing) are taken to respond like ordinary ones one degree lower (an
assumption, in line with the code's aim "repairable under the design
earthquake, no collapse under a rare one").

People: residents of buildings with moderate or worse damage are displaced;
of the residents of destroyed buildings, those at home (occupancy by hour)
times a trapped share are trapped, the factors M2 and M3 of Coburn & Spence
(*Earthquake Protection*, 1992/2002). The values used (0.9 at night, 0.5 by
day; trapped share 0.5) are representative, not fitted. Survival of the
trapped over time is the Tangshan 1976 rescue record (share of people
extricated alive: 99.3 % within 30 min, 81.0 % on day 1, 53.7 % day 2,
36.7 % day 3, 19.0 % day 4, 7.4 % day 5), the basis of the Chinese "golden
72 hours".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from sim.network.graph import RoadClass

__all__ = [
    "DAMAGE_STATES", "BridgeFragility", "HAZUS_BRIDGES", "BRIDGE_CLASS_BY_ROAD",
    "sa10_g_from_pga_g", "exceedance_probabilities", "damage_state_from_uniform",
    "BRIDGE_RESTORATION_DAYS", "BRIDGE_SPEED_FACTOR", "repair_time_min",
    "BLOCKAGE_SHARE_PER_100M", "debris_blockage_probability",
    "BUILDING_GRADES", "mean_damage_index", "building_damage_distribution",
    "occupancy_at", "TRAPPED_SHARE_OF_COLLAPSE", "survival_probability", "SURVIVAL_LOG_CURVE",
]

#: Hazus damage states of bridges, in order (state 0 is "none").
DAMAGE_STATES = ("slight", "moderate", "extensive", "complete")


@dataclass(frozen=True)
class BridgeFragility:
    """Medians of Sa(1.0 s) in g for slight … complete damage, and the dispersion."""

    hazus_class: str
    description: str
    medians_g: tuple[float, float, float, float]
    beta: float = 0.6


#: Hazus 6.1 Table 7.9 medians (Sa(1.0 s), g), β = 0.6, for the classes used.
HAZUS_BRIDGES: dict[str, BridgeFragility] = {
    "HWB17": BridgeFragility("HWB17", "multi-column bent, simple support, prestressed concrete, conventional",
                             (0.25, 0.35, 0.45, 0.70)),
    "HWB19": BridgeFragility("HWB19", "multi-column bent, simple support, prestressed concrete, seismic design",
                             (0.50, 0.80, 1.10, 1.70)),
    "HWB23": BridgeFragility("HWB23", "continuous prestressed concrete, seismic design",
                             (0.90, 0.90, 1.10, 1.50)),
}

#: Bridge class by road class: expressway viaducts are continuous girders built
#: after the 1989 seismic code; village and local bridges are older simple spans.
BRIDGE_CLASS_BY_ROAD: dict[RoadClass, str] = {
    RoadClass.EXPRESSWAY: "HWB23",
    RoadClass.ARTERIAL: "HWB19",
    RoadClass.COLLECTOR: "HWB19",
    RoadClass.LOCAL: "HWB17",
    RoadClass.RURAL: "HWB17",
}

#: Site period Tg (s) of GB 50011-2010 Table 5.1.4-2, site class III, group 2.
SITE_TG_S = 0.55
#: αmax / PGA in the GB 50011 design spectrum.
SPECTRAL_AMPLIFICATION = 2.25


def sa10_g_from_pga_g(pga_g):
    """Sa(1.0 s) from PGA by the GB 50011-2010 design spectrum (descending branch)."""
    return np.asarray(pga_g, dtype=float) * SPECTRAL_AMPLIFICATION * (SITE_TG_S / 1.0) ** 0.9


def exceedance_probabilities(demand, medians, beta: float = 0.6) -> np.ndarray:
    """``P(ds ≥ k)`` for k = 1…4, shape ``(n, 4)``, lognormal in the demand.

    ``medians`` is ``(4,)`` or ``(n, 4)`` (per-site scaled medians) and must be
    non-decreasing along the states, so the probabilities are non-increasing.
    """
    demand = np.atleast_1d(np.asarray(demand, dtype=float))
    medians = np.asarray(medians, dtype=float)
    if medians.ndim == 1:
        medians = np.broadcast_to(medians, (len(demand), len(medians)))
    if np.any(np.diff(medians, axis=-1) < 0) or np.any(medians <= 0):
        raise ValueError("fragility medians must be positive and non-decreasing from slight to complete")
    with np.errstate(divide="ignore"):
        z = np.log(np.maximum(demand, 0.0)[:, None] / medians) / beta
    return ndtr(z)


def damage_state_from_uniform(u, p_exceed) -> np.ndarray:
    """Damage state 0…4 from one uniform draw per asset (common random numbers).

    The state is the number of thresholds with ``u < P(ds ≥ k)``. A stronger
    asset (higher medians → lower probabilities) on the same draw therefore
    never ends in a worse state.
    """
    u = np.asarray(u, dtype=float)
    return (u[:, None] < np.asarray(p_exceed)).sum(axis=1).astype(np.int8)


#: Hazus restoration of highway bridges: (mean, standard deviation) in days by state 1…4.
BRIDGE_RESTORATION_DAYS = {1: (0.6, 0.6), 2: (2.5, 2.7), 3: (75.0, 42.0), 4: (230.0, 110.0)}

#: Speed factor while damaged: slight keeps traffic, moderate runs one lane /
#: weight-restricted (half speed, an assumption), extensive and complete close.
BRIDGE_SPEED_FACTOR = {0: 1.0, 1: 1.0, 2: 0.5, 3: 0.0, 4: 0.0}


def repair_time_min(states, u) -> np.ndarray:
    """Repair time (min) of each asset from its state and one uniform draw.

    Normal restoration distributions (Hazus) are sampled by their quantile
    function and floored at a tenth of the mean (the normal's lower tail has no
    physical meaning). State 0 repairs in 0.
    """
    states = np.asarray(states)
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    out = np.zeros(len(states))
    for state, (mean, sd) in BRIDGE_RESTORATION_DAYS.items():
        sel = states == state
        days = np.maximum(mean + sd * ndtri(u[sel]), 0.1 * mean)
        out[sel] = days * 1440.0
    return out


#: Share of 100 m frontage units whose collapse debris blocks the carriageway.
BLOCKAGE_SHARE_PER_100M: dict[RoadClass, float] = {
    RoadClass.EXPRESSWAY: 0.0,   # grade-separated, no frontage
    RoadClass.ARTERIAL: 0.05,    # 40–60 m red lines, several lanes
    RoadClass.COLLECTOR: 0.2,
    RoadClass.LOCAL: 0.5,        # lanes and hutongs narrower than a house is high
    RoadClass.RURAL: 0.3,        # village streets lined with single-storey houses
}


#: :data:`BLOCKAGE_SHARE_PER_100M` indexed by road class number.
_BLOCKAGE_SHARE_BY_CLASS = np.array([BLOCKAGE_SHARE_PER_100M[RoadClass(k)] for k in range(len(RoadClass))])


#: The frontage unit whose blockage is drawn: one 100 m stretch of street.
BLOCKAGE_UNIT_M = 100.0


def _unit_blockage(p_collapse, road_class) -> np.ndarray:
    """Probability that one 100 m stretch of street is blocked by collapse debris."""
    share = _BLOCKAGE_SHARE_BY_CLASS[_road_class_numbers(road_class)]
    return np.clip(share * np.asarray(p_collapse, dtype=float), 0.0, 1.0)


def debris_blockage_probability(p_collapse, length_m, road_class) -> np.ndarray:
    """Probability that a street segment is blocked by collapse debris: that one of its
    100 m stretches is, each independently."""
    units = np.maximum(np.asarray(length_m, dtype=float) / BLOCKAGE_UNIT_M, 0.0)
    return 1.0 - (1.0 - _unit_blockage(p_collapse, road_class)) ** units


def blocked_length_m(p_collapse, length_m, road_class) -> np.ndarray:
    """Expected metres of a blocked street segment that debris covers: its blocked 100 m
    stretches given that one is, E[K | K ≥ 1] = n·q / (1 − (1 − q)^n) stretches for n
    stretches each blocked with probability q (the draw of
    :func:`debris_blockage_probability`), at most the segment's length."""
    length = np.maximum(np.asarray(length_m, dtype=float), 0.0)
    units, q = length / BLOCKAGE_UNIT_M, _unit_blockage(p_collapse, road_class)
    p_any = 1.0 - (1.0 - q) ** units
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(p_any > 0, units * q / p_any, 1.0)       # q → 0: one stretch
    return np.minimum(length, BLOCKAGE_UNIT_M * np.maximum(expected, 1.0))


def _road_class_numbers(road_class) -> np.ndarray:
    """Road classes as int64 class numbers (1-d); ``ValueError`` for a number that is no
    :class:`~sim.network.graph.RoadClass`."""
    numbers = np.atleast_1d(np.asarray(road_class)).astype(np.int64)
    bad = np.flatnonzero((numbers < 0) | (numbers >= len(RoadClass)))
    if len(bad):
        raise ValueError(f"{numbers[bad[0]]} is not a valid RoadClass")
    return numbers


#: Chinese damage grades of buildings (GB/T 24335), index 0…4.
BUILDING_GRADES = ("intact", "slight", "moderate", "severe", "destroyed")

#: Centres of the mean damage index ranges of ordinary buildings by intensity (GB/T 17742-1999).
_INDEX_INTENSITY = np.array([5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0])
_INDEX_VALUE = np.array([0.0, 0.05, 0.205, 0.405, 0.605, 0.805, 0.955, 1.0])

#: Intensity reduction for buildings designed to the seismic code (assumption).
FORTIFIED_INTENSITY_REDUCTION = 1.0


def mean_damage_index(intensity) -> np.ndarray:
    """Mean damage index of ordinary buildings, 0 below V, linear between scale centres."""
    return np.interp(np.asarray(intensity, dtype=float), _INDEX_INTENSITY, _INDEX_VALUE)


def building_damage_distribution(intensity, fortified_share: float = 0.0) -> np.ndarray:
    """Share of buildings in each grade (intact … destroyed), shape ``(n, 5)``.

    A mix of ordinary buildings and ``fortified_share`` code-designed ones.
    """
    intensity = np.atleast_1d(np.asarray(intensity, dtype=float))
    k = np.arange(5)
    binom = np.array([1, 4, 6, 4, 1], dtype=float)

    def dist(i):
        d = mean_damage_index(i)[:, None]
        return binom * d ** k * (1.0 - d) ** (4 - k)

    ordinary = dist(intensity)
    fortified = dist(intensity - FORTIFIED_INTENSITY_REDUCTION)
    return (1.0 - fortified_share) * ordinary + fortified_share * fortified


#: Share of the occupants of a destroyed building who are trapped (Coburn & Spence M3).
TRAPPED_SHARE_OF_COLLAPSE = 0.5
_NIGHT_OCCUPANCY = 0.9
_DAY_OCCUPANCY = 0.5


def occupancy_at(clock_hour: float) -> float:
    """Share of residents at home at a local hour (Coburn & Spence M2, representative).

    0.9 from 22:00 to 06:00, 0.5 from 08:00 to 18:00, linear in between.
    """
    h = float(clock_hour) % 24.0
    hours = [0.0, 6.0, 8.0, 18.0, 22.0, 24.0]
    values = [_NIGHT_OCCUPANCY, _NIGHT_OCCUPANCY, _DAY_OCCUPANCY, _DAY_OCCUPANCY, _NIGHT_OCCUPANCY,
              _NIGHT_OCCUPANCY]
    return float(np.interp(h, hours, values))


# Tangshan 1976: share extricated alive by rescue time, placed at 30 min and
# at the middle of days 1–5; interpolated log-linearly, extrapolated at the
# day-4 → day-5 rate.
_SURVIVAL_T_MIN = np.array([0.0, 30.0, 12 * 60.0, 36 * 60.0, 60 * 60.0, 84 * 60.0, 108 * 60.0])
_SURVIVAL_P = np.array([1.0, 0.993, 0.810, 0.537, 0.367, 0.190, 0.074])
_LOG_P = np.log(_SURVIVAL_P)
_TAIL_RATE = (_LOG_P[-1] - _LOG_P[-2]) / (_SURVIVAL_T_MIN[-1] - _SURVIVAL_T_MIN[-2])
#: The curve :func:`survival_probability` follows: the knot times (min), the log of the
#: survival probability at each, and the log rate per minute beyond the last knot.
SURVIVAL_LOG_CURVE = (_SURVIVAL_T_MIN, _LOG_P, float(_TAIL_RATE))


def survival_probability(t_min):
    """Probability that a person trapped at t = 0 is still alive when reached at ``t_min``.

    Non-increasing in time: 1 at 0, 0.993 at 30 min, 0.81 at 12 h, 0.37 at
    60 h, 0.074 at 108 h, then falling by the same daily factor.
    """
    t = np.maximum(np.asarray(t_min, dtype=float), 0.0)
    log_p = np.interp(t, _SURVIVAL_T_MIN, _LOG_P)
    tail = t > _SURVIVAL_T_MIN[-1]
    if tail.any():
        log_p = np.where(tail, _LOG_P[-1] + _TAIL_RATE * (t - _SURVIVAL_T_MIN[-1]), log_p)
    p = np.exp(log_p)
    return float(p) if p.ndim == 0 else p
