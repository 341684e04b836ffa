"""The event log: what happened, when, to whom — the run's single record.

Agents append one row per event: ``time_min``, ``kind``, ``agent``, ``zone``,
``item``, ``amount``. Metrics, plots and the exercise timeline are computed
from this log (and the final agent states), never from the agents' internals.

Kinds: ``report`` (a zone's needs reach command), ``order`` (a trip ordered),
``load`` (stock onto a truck), ``depart``, ``arrive``, ``deliver``,
``return``, ``returned`` (a load brought back), ``abandon`` (a stop no longer
reachable), ``stuck`` (a truck that can reach nothing), ``reroute``,
``stock_arrival`` (agreement, production or inbound mutual-aid stock),
``transfer_in`` (stock moved between depots ahead of the event),
``transship_in`` (a district truck unloading into a township reserve),
``aid_in`` / ``aid_request`` / ``aid_out`` (mutual aid in, a neighbour's
request, units handed over to it), ``last_mile`` (porters, boats or a
helicopter delivering to a cut-off zone), ``shelter`` (people sheltered),
``relieved`` (people relieved), ``first_supply`` (a zone's first delivery
from any reserve tier), ``task_start``/``task_end`` (team work), ``road``
(road state change), plus hazard kinds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["EventLog", "EVENT_COLUMNS"]

EVENT_COLUMNS = ("time_min", "kind", "agent", "zone", "item", "amount")
#: Columns of text (``string`` dtype in the frame); the others are floats.
TEXT_COLUMNS = ("kind", "agent", "zone", "item")


class EventLog:
    """An append-only log held as column lists (cheap appends)."""

    __slots__ = ("time_min", "kind", "agent", "zone", "item", "amount")

    def __init__(self) -> None:
        for c in EVENT_COLUMNS:
            setattr(self, c, [])

    def add(self, time_min: float, kind: str, agent: str = "", zone: str = "", item: str = "",
            amount: float = 0.0) -> None:
        self.time_min.append(float(time_min))
        self.kind.append(kind)
        self.agent.append(agent)
        self.zone.append(zone)
        self.item.append(item)
        self.amount.append(float(amount))

    def __len__(self) -> int:
        return len(self.time_min)

    def to_frame(self) -> pd.DataFrame:
        """The log as a frame: ``time_min`` and ``amount`` as floats, the text columns as
        ``string`` (the text handed to Arrow as it is, when the strings are stored in Arrow
        and every entry is text or ``None``)."""
        text = pd.StringDtype()
        if text.storage != "pyarrow":
            return self.frame_of_lists()
        columns = {"time_min": np.array(self.time_min, dtype=float)}
        try:
            for c in TEXT_COLUMNS:
                columns[c] = pd.arrays.ArrowStringArray(pa.array(getattr(self, c), type=pa.large_string()),
                                                        dtype=text)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            return self.frame_of_lists()
        columns["amount"] = np.array(self.amount, dtype=float)
        return pd.DataFrame(columns, copy=False)

    def frame_of_lists(self) -> pd.DataFrame:
        """:meth:`to_frame` by pandas from the column lists, each text column converted to ``string``."""
        df = pd.DataFrame({c: getattr(self, c) for c in EVENT_COLUMNS})
        for c in TEXT_COLUMNS:
            df[c] = df[c].astype("string")
        return df
