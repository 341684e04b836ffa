"""Which zones a rainstorm warning flags: a noisy estimate of the zones that flood.

Pre-positioning acts on the warning, and the warning is a forecast. Its skill
is stated as two rates of the standard 2 × 2 verification table (Hogan &
Mason, ch. 3 of Jolliffe & Stephenson, eds., *Forecast Verification*, 2nd
ed., Wiley 2012): the **hit rate**
H = P(flagged | the zone floods) and the **false-alarm rate** (probability of
false detection) F = P(flagged | the zone does not flood). Each zone gets one
uniform draw u from the run's ``forecast`` stream; a zone that floods is
flagged if u < H, one that does not if u < F. One draw per zone of the zone
table, whatever the storm, keeps common random numbers: raising H never
unflags a zone that was flagged, and a before/after pair shares the flags.

A flagged zone that will not flood is expected to need what a flooding zone
of its size needs: the first-day need per resident over the zones that
flood (:func:`expected_need`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["flag_zones", "expected_need", "forecast_figures"]


def flag_zones(floods, uniforms, hit_rate: float, false_alarm_rate: float) -> np.ndarray:
    """Zones the warning flags: ``floods`` and ``uniforms`` have one value per zone."""
    floods = np.asarray(floods, dtype=bool)
    u = np.asarray(uniforms, dtype=float)
    if floods.shape != u.shape:
        raise ValueError(f"floods and uniforms differ in shape ({floods.shape}, {u.shape})")
    if not (0.0 <= hit_rate <= 1.0 and 0.0 <= false_alarm_rate <= 1.0):
        raise ValueError(f"hit_rate ({hit_rate}) and false_alarm_rate ({false_alarm_rate}) must lie in [0, 1]")
    return np.where(floods, u < hit_rate, u < false_alarm_rate)


def expected_need(population, floods, first_day_need) -> np.ndarray:
    """What the forecast expects each zone to need if it flooded, ``[zone, item]``: its residents
    times the first-day need per resident over the zones that flood (zero if none floods)."""
    population = np.asarray(population, dtype=float)
    floods = np.asarray(floods, dtype=bool)
    need = np.asarray(first_day_need, dtype=float)
    residents = population[floods].sum()
    if residents <= 0:
        return np.zeros_like(need)
    return population[:, None] * (need[floods].sum(axis=0) / residents)[None, :]


def forecast_figures(floods, flagged, hit_rate: float, false_alarm_rate: float) -> dict:
    """The warning's contingency table for ``summary.json``."""
    floods = np.asarray(floods, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    return {"hit_rate": float(hit_rate), "false_alarm_rate": float(false_alarm_rate),
            "zones_flooding": int(floods.sum()), "zones_flagged": int(flagged.sum()),
            "hits": int((floods & flagged).sum()), "misses": int((floods & ~flagged).sum()),
            "false_alarms": int((~floods & flagged).sum())}
