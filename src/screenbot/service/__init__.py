"""The screening service: one inbound event in, one transaction, the replies out."""

from screenbot.service.envelope import Identity, Inbound, Turn
from screenbot.service.screening import ScreeningService

__all__ = ["Identity", "Inbound", "ScreeningService", "Turn"]
