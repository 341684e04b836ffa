"""The idle-stock watch: a depot idle beside need it should serve, for at least a planning interval."""
from __future__ import annotations

import numpy as np

from sim.dispatch.idle_stock import IdleStockWatch

ITEMS = ("water_l", "food_ration")
LACKING = np.array([[True, False], [False, False]])


def test_a_spell_of_one_interval_without_a_tour_is_a_breach():
    watch = IdleStockWatch()
    watch.observe("d1", 0.0, 30.0, LACKING, ITEMS, tours_sent=3)
    watch.observe("d1", 30.0, 30.0, LACKING, ITEMS, tours_sent=3)
    assert watch.episodes == [{"depot": "d1", "from_min": 0.0, "until_min": 30.0, "zones": 1, "items": ["water_l"]}]


def test_a_depot_that_sent_a_tour_in_the_interval_is_not_idle():
    watch = IdleStockWatch()
    watch.observe("d1", 0.0, 30.0, LACKING, ITEMS, tours_sent=3)
    watch.observe("d1", 30.0, 30.0, LACKING, ITEMS, tours_sent=4)
    assert watch.episodes == []


def test_ticks_with_nothing_open_end_the_spell():
    # Need at 8 h, none open from 8.5 h to 11.5 h, need again at 12 h: no 4 h breach.
    watch = IdleStockWatch()
    watch.observe("d1", 480.0, 30.0, LACKING, ITEMS, tours_sent=18)
    for t in np.arange(510.0, 720.0, 30.0):
        watch.nothing_open()
    watch.observe("d1", 720.0, 30.0, LACKING, ITEMS, tours_sent=18)
    assert watch.episodes == []
