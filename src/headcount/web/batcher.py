"""Group commit for the burst path: concurrent link replies in one worker are applied in
batches, one transaction and one commit each, off the event loop (burst.apply_batch). A
reply is answered only after the commit that holds it, so an acknowledged reply is durable."""

from __future__ import annotations

import asyncio

from anyio import to_thread

from headcount.checkins import burst
from headcount.checkins.links import Signer
from headcount.store import Store

MAX_BATCH = 64
# Batches being applied at once per worker. A reply never lingers: with a slot free it goes
# at once, alone if need be; under load replies gather while the slots are busy, so batches
# grow with the load. Two slots let one batch be prepared while the other commits; four
# made smaller batches and cost more CPU per reply (docs/benchmarks.md).
MAX_IN_FLIGHT = 2


class Batcher:
    def __init__(self, store: Store, signer: Signer) -> None:
        self.store, self.signer = store, signer
        self._waiting: list[tuple[burst.LinkReply, asyncio.Future[burst.Outcome]]] = []
        self._in_flight = 0

    async def apply(self, item: burst.LinkReply) -> burst.Outcome:
        future: asyncio.Future[burst.Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._start()
        return await future

    def _start(self) -> None:
        while self._waiting and self._in_flight < MAX_IN_FLIGHT:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self._in_flight += 1
            asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(
        self, batch: list[tuple[burst.LinkReply, asyncio.Future[burst.Outcome]]]
    ) -> None:
        try:
            items = [item for item, _ in batch]
            outcomes = await to_thread.run_sync(burst.apply_batch, self.store, self.signer, items)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
        except Exception as exc:  # nothing committed: every reply in the batch gets the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        finally:
            self._in_flight -= 1
            self._start()
