"""Pricing rules for parcels."""

from __future__ import annotations

from datetime import date

import attrs
from dateutil.relativedelta import MO, relativedelta

ZONE_RATES = {"domestic": 4.50, "europe": 9.00, "world": 17.50}
PER_KG = {"domestic": 1.10, "europe": 2.40, "world": 5.80}
TRANSIT_DAYS = {"domestic": 2, "europe": 5, "world": 9}


@attrs.frozen
class Parcel:
    """A parcel to ship."""

    weight_kg: float = attrs.field(validator=attrs.validators.gt(0))
    zone: str = attrs.field(validator=attrs.validators.in_(ZONE_RATES))


@attrs.frozen
class Quote:
    """The price and expected delivery date of a parcel."""

    price: float
    delivery: date


def quote(parcel: Parcel, shipped: date) -> Quote:
    """Price ``parcel`` and estimate its delivery when shipped on ``shipped``."""
    price = round(ZONE_RATES[parcel.zone] + PER_KG[parcel.zone] * parcel.weight_kg, 2)
    return Quote(price=price, delivery=_add_working_days(shipped, TRANSIT_DAYS[parcel.zone]))


def _add_working_days(start: date, days: int) -> date:
    current = start
    for _ in range(days):
        current += relativedelta(days=1)
        if current.weekday() >= 5:
            current += relativedelta(weekday=MO)
    return current
