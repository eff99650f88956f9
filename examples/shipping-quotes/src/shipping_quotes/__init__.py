"""Parcel shipping quotes: price by weight and zone, delivery date by service level."""

from shipping_quotes.quotes import Parcel, Quote, quote

__all__ = ["Parcel", "Quote", "quote"]
