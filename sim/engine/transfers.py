"""Stock moved between depots during the run: ``prestock`` on a warning.

A ``prestock`` intervention against a hazard with a warning moves stock from
one depot to another when the warning is issued; the move takes the
intervention's ``lead`` (loading, driving, unloading), so the stock is at
the target ``lead`` after the warning — perhaps after the rain has begun.
Only stock not already promised to trips leaves. While on the way the stock
is counted as in transit by the supply audit.
"""
from __future__ import annotations

from sim.engine.timers import at
from sim.scenarios.interventions import Prestock, prestock_on_warning

__all__ = ["schedule_prestock"]


def schedule_prestock(world, warning_min: float | None) -> None:
    """Schedule the scenario's ``prestock`` moves that start on the warning."""
    if warning_min is None or not prestock_on_warning(world.scenario):
        return
    depots = {d.depot_id: d for d in world.depots}
    for iv in world.scenario.applied_interventions:
        if isinstance(iv, Prestock):
            source, target = depots[iv.from_depot], depots[iv.to_depot]
            at(world.env, warning_min, lambda s=source, d=target, iv=iv: _move(world, s, d, iv))


def _move(world, source, target, iv) -> None:
    sent = source.send_transfer(iv.stock.as_dict(nonzero=True))
    for item, amount in sent.items():
        world.log.add(world.env.now, "transfer_out", agent=source.depot_id, zone=target.depot_id, item=item,
                      amount=amount)
    if sent:
        at(world.env, world.env.now + iv.lead, lambda: target.receive_transfer(sent, source.depot_id))
