"""The terminal as a channel: a candidate types, options are numbered, answers persist.

Resuming is by name: the same `--as NAME` finds the same candidate and picks up where they were.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from screenbot.clock import Clock, utcnow
from screenbot.engine.events import ChoicePicked, InboundEvent, Started, parse_text
from screenbot.engine.messages import Ask, Completed, Outbound, render_plain
from screenbot.service import Delivery, Identity, Inbound, ScreeningService

CHANNEL = "console"
QUIT = {"/quit", "/exit"}
_NUMBERS = re.compile(r"^\s*\d+(?:\s*[, ]\s*\d+)*\s*$")

ReadLine = Callable[[], Awaitable[str | None]]
Write = Callable[[str], None]


def to_event(line: str, last_ask: Ask | None) -> InboundEvent:
    """Numbers answer the options on screen; anything else is text or a command."""
    if last_ask is not None and last_ask.options and _NUMBERS.match(line):
        picks = [int(n) for n in re.split(r"[\s,]+", line.strip())]
        if all(1 <= n <= len(last_ask.options) for n in picks):
            ids = tuple(dict.fromkeys(last_ask.options[n - 1].id for n in picks))
            return ChoicePicked(last_ask.prompt_key, ids)
    return parse_text(line)


class ConsoleChat:
    """One candidate's terminal session against the screening service."""

    def __init__(
        self,
        service: ScreeningService,
        name: str,
        read_line: ReadLine,
        write: Write,
        clock: Clock = utcnow,
    ) -> None:
        self.service = service
        self.identity = Identity(CHANNEL, name, address=name, display_name=name)
        self._read_line = read_line
        self._write = write
        self._clock = clock
        self._last_ask: Ask | None = None

    async def run(self, flow_id: str | None = None) -> None:
        """Screen until the candidate finishes or quits; `flow_id` picks the opening, else the
        service does. Replies a crash kept from being shown are shown first."""
        await self._flush_pending()
        self._write("(type /help for commands, /quit to leave: your answers are kept)")
        finished = await self._send(Started(flow_id))
        while not finished:
            line = await self._read_line()
            if line is None or line.strip().lower() in QUIT:
                self._write("Bye for now. Run the same command again to carry on.")
                return
            if not line.strip():
                continue
            finished = await self._send(to_event(line, self._last_ask))

    async def _send(self, event: InboundEvent) -> bool:
        key = f"{CHANNEL}:{self.identity.external_id}:{uuid.uuid4().hex}"
        turn = await self.service.handle(Inbound(key, self.identity, event, self._clock()))
        completed = self._show(turn.deliveries)
        await self.service.delivered(turn.deliveries)
        return completed

    def _show(self, deliveries: tuple[Delivery, ...] | list[Delivery]) -> bool:
        completed = False
        for delivery in deliveries:
            self._print(delivery.message)
            completed = completed or isinstance(delivery.message, Completed)
        return completed

    def _print(self, message: Outbound) -> None:
        self._write(render_plain(message))
        self._last_ask = message if isinstance(message, Ask) else self._last_ask

    async def _flush_pending(self) -> None:
        """Show replies a crash kept from being shown last time, before anything new."""
        mine = await self.service.unsent(CHANNEL, self.identity.address)
        self._show(mine)
        await self.service.delivered(mine)
