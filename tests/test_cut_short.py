"""What the end of a run cuts short is said in summary.json's warnings, so that a site struck
after the end, or too close to it for its target window, is not read as a failure of the plan."""
from __future__ import annotations

from types import SimpleNamespace

from sim.analysis.metrics import _cut_short_warnings


def _site(hit_h: float):
    return SimpleNamespace(hit_time_min=hit_h * 60)


def test_sites_struck_after_the_end_or_too_close_to_it_and_late_requests_are_named():
    targets = SimpleNamespace(district_supplies=[180.0], basic_relief=[480.0, 720.0])
    world = SimpleNamespace(aid_requests=[SimpleNamespace(region="Tianjin", due_min=124 * 60.0),
                                          SimpleNamespace(region="Hebei", due_min=20 * 60.0)])
    sites = [_site(h) for h in (0.0, 50.0, 62.0, 70.0, 71.5, 72.0, 80.0)]
    assert _cut_short_warnings(world, sites, targets, 72 * 60.0) == [
        "2 site(s) needing relief are struck at or after the end of the run (from 72.0 h; the run ends at 72 h): "
        "they count as not served — make the duration cover the hazard and the target times after it",
        "2 site(s) are struck less than 3 h before the end of the run: their first supplies window runs past it, "
        "and they count as not met unless served by the end",
        "3 site(s) are struck less than 12 h before the end of the run: their relief window runs past it, and they "
        "count as not met unless served by the end",
        "the aid request of Tianjin is due at 124 h, after the run ends (72 h): it is judged on what was handed over "
        "by the end",
    ]


def test_a_run_that_covers_every_window_says_nothing():
    targets = SimpleNamespace(district_supplies=[180.0], basic_relief=[480.0])
    sites = [_site(h) for h in (0.0, 10.0, 64.0)]
    assert _cut_short_warnings(SimpleNamespace(aid_requests=[]), sites, targets, 72 * 60.0) == []
