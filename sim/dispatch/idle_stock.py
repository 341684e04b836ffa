"""No idle stock beside unmet need: the dispatcher's invariant, watched during the run.

A depot **breaches** the invariant when, at a planning tick, it has idle
trucks and a free loading bay and holds stock of an item that a zone it can
reach and knows of still lacks, with nothing on the way — and that has lasted
at least one planning interval in which the depot sent no tour. Each breach episode is recorded (depot,
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
        self._tours: dict[str, int] = {}
        self.episodes: list[dict] = []

    def observe(self, depot_id: str, now: float, interval: float, lacking, items, tours_sent: int = 0) -> None:
        """``lacking[zone, item]``: what the depot could serve and did not (``None``: nothing);
        ``tours_sent``: how many tours the depot has sent so far."""
        sent_since = self._tours.get(depot_id) != tours_sent
        self._tours[depot_id] = tours_sent
        if lacking is None or sent_since:
            self._since.pop(depot_id, None)
            if lacking is None:
                return
        since = self._since.setdefault(depot_id, now)
        if now - since < interval - 1e-9:
            return
        zones = int(np.any(lacking, axis=1).sum())
        names = [items[i] for i in np.flatnonzero(np.any(lacking, axis=0))]
        last = next((e for e in reversed(self.episodes) if e["depot"] == depot_id), None)
        if last is not None and last["until_min"] >= now - interval - 1e-9:
            last.update(until_min=now, zones=max(last["zones"], zones),
                        items=sorted(set(last["items"]) | set(names)))
        else:
            self.episodes.append({"depot": depot_id, "from_min": since, "until_min": now, "zones": zones,
                                  "items": names})

    def nothing_open(self) -> None:
        """A planning tick with no known need open anywhere: every depot's spell ends."""
        self._since.clear()

    def warnings(self) -> list[str]:
        """One line per depot: its episodes and how long they lasted in all."""
        out = []
        for depot in dict.fromkeys(e["depot"] for e in self.episodes):
            mine = [e for e in self.episodes if e["depot"] == depot]
            hours = sum(e["until_min"] - e["from_min"] for e in mine) / 60
            items = sorted({i for e in mine for i in e["items"]})
            spans = ", ".join(f"{e['from_min'] / 60:.1f}-{e['until_min'] / 60:.1f} h" for e in mine[:5])
            more = f" and {len(mine) - 5} more" if len(mine) > 5 else ""
            out.append(f"depot {depot} had idle trucks, a free bay and {', '.join(items)} in stock while up to "
                       f"{max(e['zones'] for e in mine)} zone(s) it serves lacked it, {hours:.1f} h in all "
                       f"({spans}{more})")
        return out
