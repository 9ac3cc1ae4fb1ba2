"""An SMTP sink for the send benchmark: accepts everything, keeps only a count per
recipient, and on SIGTERM writes {"messages", "recipients", "duplicates", "cpu_s"} as JSON.

    python benchmarks/smtp_count_sink.py --port 8025 --out counts.json

It writes its running total to OUT.progress every 0.2 s, so a caller can kill a sender
midway, and the times a tenth of the expected messages had arrived to OUT.tenths (with
--expect N), so the benchmark can show the rate does not fall as the run goes on.

A process of its own, so it does not share the sender's interpreter, and a bare asyncio
protocol rather than aiosmtpd: this machine has two cores, the sink takes one of them from
the sender, and aiosmtpd's per-command coroutines cost more CPU per message than the
sender being measured. It speaks only what a sender needs (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT; PIPELINING advertised, RFC 2920) and never parses the message: it finds
the end of the data (CRLF.CRLF) and answers 250.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import cast

END = b"\r\n.\r\n"
EHLO = (
    b"250-sink.localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
)


class Tally:
    def __init__(self, expect: int | None) -> None:
        self.seen: set[bytes] = set()
        self.messages = 0
        self.duplicates = 0
        self.expect = expect
        self.tenths: list[float] = []  # monotonic time at 10 %, 20 %, … of `expect`
        self.first: float | None = None
        self.last = 0.0

    def delivered(self, recipients: list[bytes]) -> None:
        self.messages += 1
        for address in recipients:
            if address in self.seen:
                self.duplicates += 1
            else:
                self.seen.add(address)
        self.last = time.monotonic()
        if self.first is None:
            self.first = self.last
        if self.expect and self.messages * 10 >= self.expect * (len(self.tenths) + 1):
            self.tenths.append(time.monotonic())


class Session(asyncio.Protocol):
    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.buffer = b""
        self.in_data = False
        self.data_fresh = False  # no byte of this message's data read yet
        self.recipients: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(b"220 sink.localhost ESMTP count sink\r\n")

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        out: list[bytes] = []
        position = 0
        while True:
            if self.in_data:
                # The data starts right after DATA's line, so an empty message is ".\r\n".
                if self.data_fresh:
                    if len(buffer) - position < 3:
                        break
                    self.data_fresh = False
                    empty = buffer.startswith(b".\r\n", position)
                else:
                    empty = False
                if empty:
                    after = position + 3
                else:
                    end = buffer.find(END, position)
                    if end < 0:
                        # Keep enough of the tail to find a terminator split across reads.
                        position = max(position, len(buffer) - len(END) + 1)
                        break
                    after = end + len(END)
                self.tally.delivered(self.recipients)
                self.recipients = []
                self.in_data = False
                out.append(b"250 2.0.0 accepted\r\n")
                position = after
                continue
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                break
            line = buffer[position:line_end]
            position = line_end + 2
            reply = self.command(line)
            if reply is None:
                out.append(b"221 bye\r\n")
                self.flush(out)
                assert self.transport is not None
                self.transport.close()
                return
            out.append(reply)
        self.buffer = buffer[position:]
        self.flush(out)

    def command(self, line: bytes) -> bytes | None:
        verb = line[:4].upper()
        if verb == b"MAIL":
            self.recipients = []
            return b"250 2.1.0 ok\r\n"
        if verb == b"RCPT":
            start, end = line.find(b"<"), line.find(b">")
            self.recipients.append(line[start + 1 : end] if 0 <= start < end else line[8:])
            return b"250 2.1.5 ok\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 5.5.1 no recipients\r\n"
            self.in_data = self.data_fresh = True
            return b"354 end with <CRLF>.<CRLF>\r\n"
        if verb == b"EHLO":
            return EHLO
        if verb == b"QUIT":
            return None
        if verb == b"RSET":
            self.recipients = []
        return b"250 ok\r\n"  # HELO, RSET, NOOP, anything else

    def flush(self, out: list[bytes]) -> None:
        if out and self.transport is not None:
            self.transport.write(b"".join(out))


async def serve(port: int, out: Path, expect: int | None) -> Tally:
    loop = asyncio.get_running_loop()
    tally = Tally(expect)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await loop.create_server(lambda: Session(tally), "127.0.0.1", port)
    progress = out.with_suffix(".progress")
    while not stop.is_set():
        progress.write_text(str(tally.messages))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
    server.close()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--expect", type=int, default=None, help="messages expected")
    args = parser.parse_args()
    with contextlib.suppress(ImportError):  # uvloop's C event loop, when installed
        import uvloop

        uvloop.install()
    tally = asyncio.run(serve(args.port, args.out, args.expect))
    cpu = os.times()
    start = tally.first or 0.0
    args.out.write_text(
        json.dumps(
            {
                "messages": tally.messages,
                "recipients": len(tally.seen),
                "duplicates": tally.duplicates,
                "cpu_s": round(cpu.user + cpu.system, 3),
                "tenths_s": [round(t - start, 3) for t in tally.tenths],
                "last_s": round(tally.last - start, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
