"""No idle stock beside unmet need: the dispatcher's invariant, watched during the run.

A depot **breaches** the invariant when, at a planning tick, it has idle
trucks and a free loading bay and holds stock of an item that a zone it can
reach and knows of still lacks, with nothing on the way — and that has lasted
at least one planning interval. Each breach episode is recorded (depot,
from, until, items, zones) and reported in ``summary.json`` warnings; the
property tests require none on the shipped scenarios with the default
policy.
"""
from __future__ import annotations

import numpy as np

__all__ = ["IdleStockWatch"]


class IdleStockWatch:
    """Breach episodes per depot (see the module docstring)."""

    def __init__(self) -> None:
        self._since: dict[str, float] = {}
        self.episodes: list[dict] = []

    def observe(self, depot_id: str, now: float, interval: float, lacking, items) -> None:
        """``lacking[zone, item]``: what the depot could serve and did not (``None``: nothing)."""
        if lacking is None:
            self._since.pop(depot_id, None)
            return
        since = self._since.setdefault(depot_id, now)
        if now - since < interval - 1e-9:
            return
        zones = int(np.any(lacking, axis=1).sum())
        names = [items[i] for i in np.flatnonzero(np.any(lacking, axis=0))]
        last = self.episodes[-1] if self.episodes else None
        if last is not None and last["depot"] == depot_id and last["until_min"] >= now - interval - 1e-9:
            last.update(until_min=now, zones=max(last["zones"], zones),
                        items=sorted(set(last["items"]) | set(names)))
        else:
            self.episodes.append({"depot": depot_id, "from_min": since, "until_min": now, "zones": zones,
                                  "items": names})

    def warnings(self) -> list[str]:
        out = []
        for e in self.episodes:
            out.append(f"depot {e['depot']} had idle trucks, a free bay and {', '.join(e['items'])} in stock while "
                       f"{e['zones']} zone(s) in its reach lacked it, from {e['from_min'] / 60:.1f} h to "
                       f"{e['until_min'] / 60:.1f} h")
        return out
