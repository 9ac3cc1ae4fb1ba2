"""An SMTP sink for the send benchmark: accepts everything, keeps only a count per
recipient, and on SIGTERM writes {"messages", "recipients", "duplicates"} as JSON.

    python benchmarks/smtp_count_sink.py --port 8025 --out counts.json

It writes its running total to OUT.progress every 0.2 s, so a caller can kill a sender
midway. One process of its own, so it does not share the sender's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Counting:
    def __init__(self) -> None:
        self.per_recipient: Counter[str] = Counter()
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.per_recipient.update(envelope.rcpt_tos)
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    progress = args.out.with_suffix(".progress")
    stop = asyncio.Event()

    async def report() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        while not stop.is_set():
            progress.write_text(str(handler.messages))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    asyncio.run(report())
    controller.stop()
    counts = handler.per_recipient
    args.out.write_text(
        json.dumps(
            {
                "messages": handler.messages,
                "recipients": len(counts),
                "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            }
        )
    )


if __name__ == "__main__":
    main()
