"""The screening service: one inbound event in, one transaction, the replies out."""

from screenbot.service.envelope import Identity, Inbound, Turn
from screenbot.service.screening import ScreeningService
from screenbot.store.database import is_outage
from screenbot.store.outbox import Delivery

__all__ = ["Delivery", "Identity", "Inbound", "ScreeningService", "Turn", "is_outage"]
