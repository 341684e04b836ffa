"""The relief items a scenario can stock, need and deliver.

The catalogue follows the item categories the plans list (tents, food and
water, warm clothing, bedding, medicines [TZ]); one unit of each is what a
planner counts: a litre of drinking water, a one-day food ration, a set of
bedding, a family tent, a set of warm clothing, a first-aid kit. Keeping the
catalogue fixed lets the scenario schema catch a misspelt item
(``water_ltr``) instead of silently stocking a new one nobody needs.

Unit weights (kg) decide how much a truck carries; they are defaults a
scenario overrides in ``item_weights_kg``.
"""
from __future__ import annotations

ITEMS: tuple[str, ...] = ("water_l", "food_ration", "bedding", "tent", "warm_clothing", "medical_kit")

#: Shipping weight of one unit, kg (packaged water 1.05 kg/L; a one-day
#: ration of instant food ~0.8 kg; a quilt set ~2.5 kg; a 12 m2 relief tent
#: ~35 kg; a cotton-padded coat set ~1.5 kg; a family first-aid kit ~1 kg).
DEFAULT_UNIT_WEIGHT_KG: dict[str, float] = {
    "water_l": 1.05,
    "food_ration": 0.8,
    "bedding": 2.5,
    "tent": 35.0,
    "warm_clothing": 1.5,
    "medical_kit": 1.0,
}

#: Units one affected person needs on the first day (water 3 L for drinking,
#: the survival figure of the Sphere Handbook 2018; one ration; one bedding set).
DEFAULT_NEEDS_PER_PERSON: dict[str, float] = {
    "water_l": 3.0,
    "food_ration": 1.0,
    "bedding": 1.0,
}

#: Shelter area per sheltered person, m2 [TZ].
SHELTER_M2_PER_PERSON = 1.8
