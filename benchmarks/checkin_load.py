"""Load benchmark: a burst of check-in replies over real HTTP, then count what was stored.

Creates a campaign for N synthetic employees (one signed link each) in the store, starts
`headcount serve` on a loopback port, and has C concurrent keep-alive connections each POST
replies to /api/v1/replies. A request whose connection fails is retried with the same
submission_id (so a retry can never make a second reply). Then it counts the rows and prints
one JSON line: accepted, rejected, lost (accepted but not stored), duplicated (stored more
than once), rate_per_s, p50_ms, p99_ms and the settings.

    python benchmarks/checkin_load.py --database postgresql://postgres@127.0.0.1/headcount_bench \
        --replies 100000 --concurrency 64 [--workers 2] [--keep]

Only loopback traffic; bounded by N requests and --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import cast

import uvloop
from sqlalchemy import delete, func, insert, make_url, select

from bench_campaign import BATCH, make_campaign
from headcount.checkins.links import Signer
from headcount.checkins.models import Campaign, Link, Recipient, Reply
from headcount.migrations import upgrade
from headcount.store import Store, utcnow

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
BULLETS = ["Closed {n} tickets", "Reviewed contract {n}", "Trained a new colleague"]


def make_linked_campaign(store: Store, campaign_id: str, n: int, signer: Signer) -> list[str]:
    """Campaign, roster snapshot and one link per employee, inserted in bulk; the tokens."""
    deadline = make_campaign(
        store, campaign_id, n, letter="L", question="What did you do?", sent_at=utcnow()
    )
    tokens: list[str] = []
    exp = int(deadline.timestamp())
    with store.begin() as s:
        ids = s.scalars(
            select(Recipient.id).where(Recipient.campaign_id == campaign_id).order_by(Recipient.id)
        ).all()
        for start in range(0, len(ids), BATCH):
            rows = []
            for rid in ids[start : start + BATCH]:
                jti = secrets.token_urlsafe(12)
                rows.append({"jti": jti, "recipient_id": rid, "expires_at": deadline})
                tokens.append(signer.dumps([rid, jti, exp]))
            s.execute(insert(Link), rows)
    return tokens


class _Burst:
    """One burst's shared state: requests not yet sent (retries first), and what came back.
    Connections are callback protocols on uvloop with pre-built requests, so the client
    spends little CPU of the two cores it shares with the server and the database."""

    def __init__(self, port: int, requests: list[bytes], timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.todo = list(reversed(requests))  # popped from the end
        self.attempts: dict[bytes, int] = {}
        self.latencies: list[float] = []
        self.outcomes = {"accepted": 0, "rejected": 0, "retried": 0, "failed": 0}
        self.connections: set[_Connection] = set()
        self.finished = asyncio.get_running_loop().create_future()

    def open(self) -> None:
        connection = _Connection(self)
        self.connections.add(connection)
        asyncio.get_running_loop().create_task(self._connect(connection))

    async def _connect(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: connection, "127.0.0.1", self.port)
        except OSError:
            self.closed(connection, None)

    def closed(self, connection: _Connection, pending: bytes | None) -> None:
        """A connection ended; a request it had in flight is retried on a new one."""
        self.connections.discard(connection)
        if pending is not None:
            self.attempts[pending] = self.attempts.get(pending, 1) + 1
            if self.attempts[pending] > 5:
                self.outcomes["failed"] += 1
            else:
                self.outcomes["retried"] += 1
                self.todo.append(pending)
        if self.todo:
            self.open()
        elif not self.connections and not self.finished.done():
            self.finished.set_result(None)

    async def watch(self) -> None:
        """Abort a connection whose request has waited longer than the timeout."""
        while not self.finished.done():
            await asyncio.sleep(1)
            now = time.perf_counter()
            for connection in list(self.connections):
                if connection.pending is not None and now - connection.started > self.timeout:
                    connection.abort()


def _content_length(head: bytes) -> int:
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at + 2)
    return int(head[at + 17 : stop if stop >= 0 else len(head)])


class _Connection(asyncio.Protocol):
    """A keep-alive HTTP/1.1 connection: send a request, read its answer, send the next."""

    def __init__(self, burst: _Burst) -> None:
        self.burst = burst
        self.transport: asyncio.Transport | None = None
        self.pending: bytes | None = None
        self.started = 0.0
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._send_next()

    def _send_next(self) -> None:
        assert self.transport is not None
        if not self.burst.todo:
            self.transport.close()
            return
        self.pending = self.burst.todo.pop()
        self.started = time.perf_counter()
        self.transport.write(self.pending)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = _content_length(head)
        if len(self.buffer) < end + 4 + length:
            return
        self.burst.latencies.append(time.perf_counter() - self.started)
        status = int(head[9:12])
        self.burst.outcomes["accepted" if status in (200, 201) else "rejected"] += 1
        self.buffer, self.pending = self.buffer[end + 4 + length :], None
        self._send_next()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.burst.closed(self, self.pending)


def _requests(tokens: list[str]) -> list[bytes]:
    out = []
    for n, token in enumerate(tokens):
        body = json.dumps(
            {"token": token, "bullets": [b.format(n=n) for b in BULLETS], "submission_id": f"s{n}"}
        ).encode()
        head = (
            "POST /api/v1/replies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        out.append(head + body)
    return out


async def _burst(
    port: int, requests: list[bytes], concurrency: int, timeout: float
) -> tuple[list[float], dict[str, int], float]:
    burst = _Burst(port, requests, timeout)
    started = time.perf_counter()
    if not requests:
        burst.finished.set_result(None)
    for _ in range(min(concurrency, len(requests))):
        burst.open()
    watch = asyncio.get_running_loop().create_task(burst.watch())
    await burst.finished
    seconds = time.perf_counter() - started
    watch.cancel()
    return burst.latencies, burst.outcomes, seconds


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn's supervisor and its worker processes)."""
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        for task in Path(f"/proc/{found[-1]}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return found


def _db_backends(database: str) -> list[int]:
    """PostgreSQL backends connected to the benchmark's database (their title names it)."""
    name = f" {make_url(database).database} "
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if name in cmdline.read_bytes().decode(errors="replace"):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User+system CPU seconds of each live process (from /proc/<pid>/stat)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return out


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _wait_ready(port: int, proc: subprocess.Popen[bytes], limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("headcount serve exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("headcount serve did not start")


def _drop(store: Store, campaign_id: str) -> None:
    with store.begin() as s:  # recipients, links, sessions and replies go with it (cascade)
        s.execute(delete(Campaign).where(Campaign.id == campaign_id))


def _per_reply(cpu_seconds: float | None, replies: int) -> float | None:
    return round(cpu_seconds * 1000 / replies, 3) if replies and cpu_seconds is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the campaign afterwards")
    args = parser.parse_args()

    secret = secrets.token_urlsafe(48)
    store = Store.open(args.database)
    upgrade(store)
    campaign_id = f"load-{secrets.token_hex(4)}"
    t0 = time.perf_counter()
    tokens = make_linked_campaign(store, campaign_id, args.replies, Signer(secret.encode()))
    setup_s = time.perf_counter() - t0
    env = {**os.environ, "HEADCOUNT_SECRET_KEY": secret, "HEADCOUNT_DB_POOL": "20"}
    server = subprocess.Popen(
        [
            str(BIN / "headcount"), "serve", "--database", args.database, "--port",
            str(args.port), "--workers", str(args.workers), "--log-level", "warning",
        ],
        env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_ready(args.port, server)
        requests = _requests(tokens)
        load_before = os.getloadavg()[0]
        server_before = _cpu_seconds(_tree(server.pid))
        db_before = _cpu_seconds(_db_backends(args.database))
        client_before = time.process_time()
        latencies, outcomes, seconds = uvloop.run(
            _burst(args.port, requests, args.concurrency, args.timeout)
        )
        client_cpu = time.process_time() - client_before
        server_cpu = _used(server_before, _cpu_seconds(_tree(server.pid)))
        # SQLite runs inside the server processes: no separate database CPU to count.
        db_cpu = (
            _used(db_before, _cpu_seconds(_db_backends(args.database)))
            if store.backend == "postgresql"
            else None
        )
    except BaseException:  # the server failed or the run was interrupted: leave nothing behind
        if not args.keep:
            _drop(store, campaign_id)
        raise
    finally:
        server.terminate()
        server.wait(30)
    with store.begin() as s:
        in_campaign = select(Recipient.id).where(Recipient.campaign_id == campaign_id)
        stored = (
            s.scalar(
                select(func.count()).select_from(Reply).where(Reply.recipient_id.in_(in_campaign))
            )
            or 0
        )
        distinct = (
            s.scalar(
                select(func.count(func.distinct(Reply.recipient_id))).where(
                    Reply.recipient_id.in_(in_campaign)
                )
            )
            or 0
        )
    if not args.keep:
        _drop(store, campaign_id)
    store.close()
    latencies.sort()
    result = {
        "accepted": outcomes["accepted"],
        "rejected": outcomes["rejected"] + outcomes["failed"],
        "lost": max(outcomes["accepted"] - distinct, 0),
        "duplicated": stored - distinct,
        "rate_per_s": round(outcomes["accepted"] / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2)
        if latencies
        else None,
        # CPU milliseconds per accepted reply: the figure a shared machine does not distort.
        "cpu_ms_server": _per_reply(server_cpu, outcomes["accepted"]),
        "cpu_ms_db": _per_reply(db_cpu, outcomes["accepted"]),
        "cpu_ms_client": _per_reply(client_cpu, outcomes["accepted"]),
        # The machine's 1-minute load average before and after the burst (others' jobs too).
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "replies": args.replies,
        "stored": stored,
        "retried": outcomes["retried"],
        "concurrency": args.concurrency,
        "workers": args.workers,
        "backend": store.backend,
        "seconds": round(seconds, 2),
        "setup_seconds": round(setup_s, 2),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
