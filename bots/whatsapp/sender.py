"""`WhatsAppSender`: the outbox's `Sender` for channel ``whatsapp``, and the replies of the
webhook.

One attempt per message, no retry inside (the dispatcher decides what follows a failure), with
three WhatsApp rules kept here:

* **Pacing.** At most ``rate`` messages per second from the number (default 80, the Cloud
  API's throughput per number) and one message per person every ``pacing`` seconds (WhatsApp
  refuses a burst to one person with error 131056), through a limiter of its own; or, with
  ``paced_by_dispatcher``, through the dispatcher's, set to those values.
* **The 24-hour window.** A `WindowedReply` whose window is closed goes as its template, never
  as free-form text; without a template it is not sent (failed). A free-form message refused
  because the window closed meanwhile (131047, "re-engagement") is sent again at once as the
  template.
* **The tier.** At most ``daily_limit`` business-initiated conversations (templates to people
  outside the window) per rolling 24 hours: beyond it, templates to new people wait (a retry
  after the oldest conversation ends), and the limit is logged once when reached.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

from bots.whatsapp.cloudapi import Answer, CloudApi
from bots.whatsapp.messages import messages
from bots.whatsapp.window import WindowedReply
from conversations.ports import Outcome, Sender, SendResult
from conversations.values import Reply
from scheduler.ratelimit import RateLimiter

log = logging.getLogger(__name__)

DAY = 24 * 3600.0


async def send_reply(api: CloudApi, number: str, reply: Reply) -> Answer:
    """Every message of one reply, in order; stops at the first one not sent."""
    answer = Answer(SendResult(Outcome.FAILED, detail="nothing to send: the message is empty"))
    for message in messages(reply):
        answer = await api.send(number, message)
        if answer.result.outcome is not Outcome.SENT:
            return answer
    return answer


class WhatsAppSender(Sender):
    def __init__(
        self,
        api: CloudApi,
        *,
        rate: float = 80.0,
        pacing: float = 6.0,
        daily_limit: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        paced_by_dispatcher: bool = False,
    ) -> None:
        self._api = api
        # With WhatsApp the only channel, the dispatcher's own limiter is set to WhatsApp's rate
        # and pacing, and a second limiter here would only hold every permit twice as long.
        self._limiter = None if paced_by_dispatcher else RateLimiter(rate, chat_interval=pacing)
        self._daily_limit = daily_limit
        self._clock = clock
        self._conversations: OrderedDict[str, float] = OrderedDict()
        """Whom a template opened a conversation with, and when (oldest first)."""
        self._limit_logged = False
        self.templates_sent = 0
        self.free_form_sent = 0

    async def send(self, address: str, reply: Reply) -> SendResult:
        if isinstance(reply, WindowedReply) and not reply.window_open:
            return await self._template(address, reply)
        async with self._turn(address):
            answer = await send_reply(self._api, address, reply)
        if answer.re_engagement and isinstance(reply, WindowedReply):
            return await self._template(address, reply)
        if answer.result.outcome is Outcome.SENT:
            self.free_form_sent += 1
        return answer.result

    async def _template(self, address: str, reply: WindowedReply) -> SendResult:
        if reply.template is None:
            return SendResult(
                Outcome.FAILED, None, "outside the 24-hour window and no template for it"
            )
        wait = self._tier_wait(address)
        if wait is not None:
            return SendResult(Outcome.RETRY, wait, "the daily limit of conversations is reached")
        async with self._turn(address):
            answer = await self._api.send(address, reply.template.message())
        if answer.result.outcome is Outcome.SENT:
            self.templates_sent += 1
            self._conversations[address] = self._clock()
            self._conversations.move_to_end(address)
        return answer.result

    @contextlib.asynccontextmanager
    async def _turn(self, address: str) -> AsyncIterator[None]:
        if self._limiter is None:
            yield
            return
        await self._limiter.acquire(address)
        try:
            yield
        finally:
            self._limiter.release(address)

    def _tier_wait(self, address: str) -> float | None:
        """None when a template may go to ``address`` now; else seconds until one may."""
        now = self._prune()
        if address in self._conversations or len(self._conversations) < self._daily_limit:
            self._limit_logged = False
            return None
        if not self._limit_logged:
            log.warning(
                "WhatsApp: the daily limit of %d business-initiated conversations is reached; "
                "templates to others wait until the oldest of them is 24 hours old",
                self._daily_limit,
            )
            self._limit_logged = True
        oldest = next(iter(self._conversations.values()))
        return min(max(DAY - (now - oldest), 1.0), 3600.0)

    def _prune(self) -> float:
        """Forget conversations a day old; the time now."""
        now = self._clock()
        while self._conversations and now - next(iter(self._conversations.values())) >= DAY:
            self._conversations.popitem(last=False)
        return now

    @property
    def conversations_today(self) -> int:
        """Business-initiated conversations opened in the last 24 hours (by this process)."""
        self._prune()
        return len(self._conversations)
