"""Mutual aid between regions: supplies coming in, and a neighbour's request going out.

The Beijing plan [BJ14] expects city supplies to reach a site within 6 h and
to be able to support Tianjin and Hebei within 24 h. The scenario's
``mutual_aid`` section models both directions:

``inbound``
    Supplies a neighbouring region (or the national reserve) sends: they are
    at a depot of this region ``lead_time`` after the event (default 24 h —
    the plan's own promise to its neighbours, assumed to hold the other way)
    and are dispatched from there like its own stock.
``requests``
    A neighbour asks for supplies at ``at`` (from the event), to be handed
    over at ``exit`` (a road node at the region's edge) within ``within``
    (default 24 h [BJ14]), from ``depot`` (default: the city depot). The
    run reports whether the request was met in time, and — from a second run
    of the same scenario and seed without the requests — whether sending it
    cost the region any of its own targets.
"""
from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenarios.fields import text
from sim.scenarios.resources import AgentId, ItemAmounts, Location, Strict
from sim.scenarios.units import duration

__all__ = ["MutualAid", "InboundAid", "AidRequest", "MAX_AID_ENTRIES"]

MAX_AID_ENTRIES = 100

Region = text(200, description="the region that sends or asks, shown in reports")
InboundLead = duration("time from the event until the aid is at the depot (default 24 h, after [BJ14]; an "
                       "assumption)", at_most="30d")
RequestAt = duration("when the neighbour's request reaches the region, from the event", at_most="30d")
RequestWithin = duration("the request is met if everything is handed over within this time of the request "
                         "(default 24 h [BJ14])", at_least="1min", at_most="30d")


def _with_stock(entry):
    """``entry`` unless its stock is empty (then its ``_no_stock`` reason as a validation error)."""
    if not entry.stock.as_dict(nonzero=True):
        raise ValueError(f"{entry._no_stock}; give units of at least one item")
    return entry


class InboundAid(Strict):
    """Supplies from a neighbouring region or the national reserve."""

    region: Region = Field(..., description="who sends the aid")
    depot: AgentId | None = Field(None, description="depot id where it arrives (default: the first city "
                                                    "depot, else the first district depot)")
    lead_time: InboundLead = "24h"
    stock: ItemAmounts = Field(..., description="units per item")

    _no_stock = "an inbound aid with no stock brings nothing"

    @model_validator(mode="after")
    def _something(self):
        return _with_stock(self)


class AidRequest(Strict):
    """A neighbouring region's request for supplies."""

    region: Region = Field(..., description="the region asking")
    at: RequestAt = "0min"
    within: RequestWithin = "24h"
    depot: AgentId | None = Field(None, description="depot id that sends (default: the first city depot)")
    exit: Location = Field(..., description="where the supplies are handed over (a road node at the region's "
                                            "edge)")
    stock: ItemAmounts = Field(..., description="units per item asked for")

    _no_stock = "a request for no stock asks for nothing"

    @model_validator(mode="after")
    def _something(self):
        return _with_stock(self)


class MutualAid(Strict):
    """Aid coming in and requests going out (see the module docstring)."""

    inbound: list[InboundAid] = Field(default_factory=list, max_length=MAX_AID_ENTRIES,
                                      description="supplies sent to the region")
    requests: list[AidRequest] = Field(default_factory=list, max_length=MAX_AID_ENTRIES,
                                       description="neighbours' requests for the region's supplies")
