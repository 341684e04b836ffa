"""A zone's counts at the hit and its tally of deliveries, against the table's arrays."""
from __future__ import annotations

import numpy as np
import pytest
from test_needs import ITEMS, _random_table

from sim.agents.zone import Zone
from sim.world.event_log import EventLog


@pytest.mark.parametrize("seed", range(6))
def test_the_people_seeking_shelter_and_needing_first_day_relief_are_the_table_s_sums(seed):
    rng = np.random.default_rng(seed)
    table = _random_table(rng, 12, int(rng.integers(1, 9)))
    for z in range(table.n_zones):
        view = table.zone(z)
        zone = Zone(f"Z{z}", z, z, "T01", 1000, 0.2, EventLog())
        zone.hit(800, 300, 20, 0.0, view)
        seeking = int(view.people[0, view.needs_place].sum())
        needing = int(view.people[0][view.first_day_needing[0]].sum())
        assert (zone.seeking_shelter, type(zone.seeking_shelter)) == (seeking, int)
        assert (zone.needing_first_day, type(zone.needing_first_day)) == (needing, int)


@pytest.mark.parametrize("seed", range(4))
def test_deliveries_add_up_item_by_item_in_the_zone_and_its_table_columns(seed):
    rng = np.random.default_rng(seed)
    table = _random_table(rng, 3, 4)
    zone = Zone("Z0", 0, 0, "T01", 1000, 0.2, EventLog())
    zone.hit(800, 300, 20, 0.0, table.zone(0))
    want: dict[str, float] = {item: 0.0 for item in ITEMS}
    for k in range(40):
        items = {item: float(rng.choice([0.5, 1.0, 3.0, 17.25])) for item in rng.permutation(ITEMS + ("radio",))[:3]}
        zone.receive(10.0 * k, items, "d1", str(rng.choice(["district", "community", "ngo"])))
        for item, amount in items.items():
            want[item] = want.get(item, 0.0) + amount
        assert zone.received == want
        np.testing.assert_array_equal(zone._received_units[0], [want[item] for item in ITEMS])
    assert zone.relieved >= table.zone(0).first_day_relieved(390.0, [want[i] for i in ITEMS], 0.0)
