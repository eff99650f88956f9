from datetime import date

import pytest

from shipping_quotes import Parcel, quote


def test_domestic_price_adds_weight_rate_to_base() -> None:
    assert quote(Parcel(2.0, "domestic"), date(2026, 11, 23)).price == 6.70


def test_delivery_skips_the_weekend() -> None:
    # Shipped on a Friday, two working days later is the Tuesday.
    assert quote(Parcel(1.0, "domestic"), date(2026, 11, 20)).delivery == date(2026, 11, 24)


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(ValueError):
        Parcel(1.0, "moon")
