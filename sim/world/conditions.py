"""The conditions of the affected, zone by zone: who is where, with what reserve.

From the impact on people (:class:`~sim.world.impact.ZoneImpact`: affected,
displaced, sleeping outdoors, without lifelines) and the scenario's
``needs`` and ``household_reserve`` this builds the
:class:`~sim.world.needs.NeedsTable` of the run:

* the **displaced** split into those seeking a public shelter place
  (``needs.public_shelter_share``) and those staying with relatives or
  friends (the Hazus-MH shelter-needs model: only a fraction of displaced
  households seek public shelter, 0.13–0.62 by household income; FEMA
  Earthquake Technical Manual, ch. 14);
* the affected at home: **outdoors** (first nights; in a zone still without
  water when they go back in, until it is back), **without lifelines**
  (until water and power are back), or at **home** with lifelines;
* in each condition, the households holding a usable **reserve**
  (``household_reserve.share``; a displaced household has lost it with
  ``lost_when_displaced``) need water and food only from the day their
  reserve (``days``) runs out;
* per person and condition the units of ``needs`` (with ``needs.winter``
  added in winter), plus ``extra_water_l`` a day for people needing relief
  in a water outage's area.

Splits are rounded expectations (no random draw), so a before/after pair
splits the same people the same way.
"""
from __future__ import annotations

import numpy as np

from sim.hazards.outages import zones_hit_by
from sim.world.needs import CONDITIONS, NeedsTable

__all__ = ["build_needs", "water_outage_warnings", "GROUPS"]

#: Groups of the needs table: every condition, without and with a household reserve.
GROUPS: tuple[tuple[str, bool], ...] = tuple((c, r) for c in CONDITIONS for r in (False, True))


def _split(n: np.ndarray, share: float) -> np.ndarray:
    return np.floor(np.asarray(n, dtype=float) * share + 0.5).astype(np.int64)


def build_needs(scenario, impact, zone_table, items: tuple) -> NeedsTable:
    """The needs table of a run (see the module docstring)."""
    needs, reserve = scenario.needs, scenario.household_reserve
    n_zones = len(impact.affected)
    displaced = np.minimum(impact.displaced, impact.affected)
    public = _split(displaced, needs.public_shelter_share)
    outdoors = np.minimum(impact.outdoors, impact.affected - displaced)
    no_lifelines = np.minimum(impact.no_lifelines, impact.affected - displaced - outdoors)
    lifelines_until = np.array(impact.lifelines_until_min, dtype=float, copy=True)
    for window in scenario.outages.water:            # no piped water: everyone affected at home is without it
        hit = zones_hit_by(window, zone_table)
        no_lifelines = np.where(hit, impact.affected - displaced - outdoors, no_lifelines)
        lifelines_until = np.where(hit, np.maximum(lifelines_until, window.end), lifelines_until)
    home = impact.affected - displaced - outdoors - no_lifelines
    in_condition = {"public_shelter": public, "relatives": displaced - public, "outdoors": outdoors,
                    "no_lifelines": no_lifelines, "home": home}
    keep_share = {"public_shelter": reserve.share * (1.0 - reserve.lost_when_displaced),
                  "relatives": reserve.share * (1.0 - reserve.lost_when_displaced)}
    people = np.zeros((n_zones, len(GROUPS)), dtype=np.int64)
    for condition in CONDITIONS:
        with_reserve = _split(in_condition[condition], keep_share.get(condition, reserve.share))
        people[:, GROUPS.index((condition, False))] = in_condition[condition] - with_reserve
        people[:, GROUPS.index((condition, True))] = with_reserve

    table = needs.table(winter=scenario.season == "winter")
    per_person = np.zeros((n_zones, len(GROUPS), len(items)))
    for g, (condition, _) in enumerate(GROUPS):
        for item, n in table.get(condition, {}).items():
            per_person[:, g, items.index(item)] = n
    # Overlapping water outages are one outage: a zone's extra water is the largest of those over it.
    extra_water = np.zeros(n_zones)
    for window in scenario.outages.water:
        extra_water = np.where(zones_hit_by(window, zone_table), np.maximum(extra_water, window.extra_water_l),
                               extra_water)
    relief = [g for g, (c, _) in enumerate(GROUPS) if c in table]
    per_person[:, relief, items.index("water_l")] += extra_water[:, None]

    first_day = np.array([reserve.days if has else 0 for _, has in GROUPS], dtype=float)
    until = np.full((n_zones, len(GROUPS)), np.inf)
    # Back indoors from the outdoor nights, people of a zone still without water go on needing it.
    without = (no_lifelines > 0) & (lifelines_until > impact.outdoors_until_min)
    outdoors_until = np.where(without, lifelines_until, impact.outdoors_until_min)
    for has in (False, True):
        until[:, GROUPS.index(("outdoors", has))] = outdoors_until
        until[:, GROUPS.index(("no_lifelines", has))] = lifelines_until
    return NeedsTable(items, people, per_person, first_day, until,
                      np.array([c == "public_shelter" for c, _ in GROUPS]), impact.time_min,
                      [c for c, _ in GROUPS], [r for _, r in GROUPS])


def water_outage_warnings(scenario, impact, zone_table) -> list[str]:
    """Water outages that start after the hit of zones they cover: the needs table counts
    those people without water from the hit (a stated limit of the model), so say so."""
    out = []
    for k, window in enumerate(scenario.outages.water):
        hit = zones_hit_by(window, zone_table) & (np.asarray(impact.affected) > 0)
        late = hit & (float(window.start) > np.asarray(impact.time_min, dtype=float))
        if late.any():
            out.append(f"water outage {k + 1} starts at {float(window.start) / 60:g} h, after the hit of "
                       f"{int(late.sum())} zone(s) it covers: their people are counted without water, and "
                       f"needing its extra {window.extra_water_l:g} L a day, from the hit")
    return out
