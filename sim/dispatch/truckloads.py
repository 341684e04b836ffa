"""Splitting an order into truckloads.

An order (items for one zone from one depot) leaves the depot as whole units
in loads of at most a truck's payload; every load carries a proportional mix
of the items, so the first truck to arrive brings some of everything.
"""
from __future__ import annotations

import math

__all__ = ["split_into_truckloads"]


def split_into_truckloads(items: dict[str, float], unit_kg: dict[str, float], payload_kg: float) -> list[dict]:
    """Whole units of ``items`` in loads of at most ``payload_kg``, each a
    proportional mix (so every load, the first included, carries every item)."""
    remaining = {i: float(a) for i, a in items.items() if a > 0}
    loads = []
    while remaining:
        total_kg = sum(a * unit_kg[i] for i, a in remaining.items())
        room = payload_kg
        load: dict[str, float] = {}
        for item, left in remaining.items():
            share = left * unit_kg[item] / total_kg if total_kg > 0 else 0.0
            n = min(left, math.floor(payload_kg * share / unit_kg[item]))
            if n > 0 and n * unit_kg[item] <= room + 1e-9:
                load[item] = n
                room -= n * unit_kg[item]
        # Fill the room the proportional shares left, bulkiest units first.
        for item in sorted(remaining, key=lambda i: -unit_kg[i]):
            n = min(remaining[item] - load.get(item, 0), math.floor((room + 1e-9) / unit_kg[item]))
            if n > 0:
                load[item] = load.get(item, 0) + n
                room -= n * unit_kg[item]
        if not load:
            raise ValueError(f"a payload of {payload_kg} kg cannot carry one unit of {sorted(remaining)}")
        for item, n in load.items():
            remaining[item] -= n
            if remaining[item] <= 1e-9:
                del remaining[item]
        loads.append(load)
    return loads
