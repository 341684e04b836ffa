"""What counts as a community's first batch of supplies, for the first-supplies targets.

The plans promise the *first batch* of supplies on site within hours; they give
no quantity. A delivery of a few litres of water for a village of thousands, or
a bundle of quilts while water and food are still to come, is a delivery but
not that batch: counted as one, it would meet the target on paper and take the
community off the district's list of first batches. A community therefore has
its first supplies (its first district, its first city supplies) once the
deliveries from those tiers hold at least ``targets.first_batch.min_kg`` of the
``targets.first_batch.items`` in all — or everything it needs of them on its
first day, when that is less (a hamlet of a dozen people) — to within one
unit of the heaviest of those items, as loads are whole units. Defaults: water
and food, 100 kg (assumptions, in the scenario).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["FirstBatchRule"]



@dataclass(frozen=True)
class FirstBatchRule:
    """The scenario's ``targets.first_batch``, with the items' unit weights."""

    items: tuple[str, ...]
    unit_kg: tuple[float, ...]
    min_kg: float

    @classmethod
    def of(cls, scenario) -> "FirstBatchRule":
        rule = scenario.targets.first_batch
        weights = scenario.item_weights_kg.model_dump()
        return cls(tuple(rule.items), tuple(float(weights[i]) for i in rule.items), float(rule.min_kg))

    @property
    def one_unit_kg(self) -> float:
        """The heaviest unit of the batch's items: loads of whole units under a cap fall short of
        it by less than that."""
        return max(self.unit_kg)

    def kg(self, amounts: Mapping[str, float]) -> float:
        """Kilograms of the batch's items in ``amounts`` (units by item)."""
        return sum(float(amounts.get(item, 0.0)) * kg for item, kg in zip(self.items, self.unit_kg))

    def columns(self, items: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The batch's items as columns of an item axis ordered as ``items``, and their unit weights."""
        return (np.array([items.index(i) for i in self.items], dtype=np.int64),
                np.array(self.unit_kg, dtype=float))

    def complete(self, had_kg: float, first_day_kg: float) -> bool:
        """Whether ``had_kg`` of the batch's items make a first batch for a community needing
        ``first_day_kg`` of them on its first day."""
        return had_kg >= min(self.min_kg, first_day_kg) - self.one_unit_kg

    def complete_transfer(self, had_kg: float) -> bool:
        """Whether ``had_kg`` of the batch's items moved into a township reserve make the
        district's first batch for its township."""
        return had_kg >= self.min_kg - self.one_unit_kg
