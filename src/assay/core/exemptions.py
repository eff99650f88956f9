"""Exemptions: the one shape of every accepted exception to a rule.

A gate waived, a vulnerability suppressed (a VEX-style statement that it does not apply)
and a committed secret allowed are the same decision: someone accountable (the owner)
says why (the reason) until when (the expiry). Past that date the exemption no longer
applies and the rule judges again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["Exemption"]


@dataclass(frozen=True)
class Exemption:
    subject: str
    """What is exempted: a gate id, a vulnerability id or alias, a secret's fingerprint."""
    owner: str
    reason: str
    expires: date
    ticket: str | None = None

    def active(self, today: date) -> bool:
        return today <= self.expires
