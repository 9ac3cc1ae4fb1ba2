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
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, make_url, select

from headcount.checkins.links import Signer
from headcount.store import Campaign, CampaignAgency, Link, Recipient, Reply, Store, utcnow

BIN = Path(sys.executable).parent
AGENCIES = ("VA", "GSA", "DOI", "SSA")
BATCH = 20_000
TICKS = os.sysconf("SC_CLK_TCK")
BULLETS = ["Closed {n} tickets", "Reviewed contract {n}", "Trained a new colleague"]


def make_campaign(store: Store, campaign_id: str, n: int, signer: Signer) -> list[str]:
    """Campaign, roster snapshot and one link per employee, inserted in bulk; the tokens."""
    deadline = utcnow() + timedelta(days=1)
    with store.begin() as s:
        s.add(
            Campaign(
                id=campaign_id, title="Load test", question="What did you do?",
                deadline=deadline, roster_source="synthetic", contact_email="",
                sent_at=utcnow(),
                agencies=[CampaignAgency(agency=a, policy="voluntary") for a in AGENCIES],
            )
        )  # fmt: skip
    with store.begin() as s:
        for start in range(0, n, BATCH):
            s.execute(
                insert(Recipient),
                [
                    {
                        "campaign_id": campaign_id, "employee_id": f"L{i:08d}",
                        "first_name": "Load", "last_name": f"Tester{i}",
                        "work_email": f"l{i:08d}@load.example.gov",
                        "agency": AGENCIES[i % 4], "org_code": f"ORG{i % 40:02d}",
                    }
                    for i in range(start, min(n, start + BATCH))
                ],
            )  # fmt: skip
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


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _client(
    port: int, jobs: asyncio.Queue[tuple[int, bytes]], latencies: list[float],
    outcomes: dict[str, int], timeout: float,
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while not jobs.empty():
            _, raw = jobs.get_nowait()
            for _attempt in range(5):
                started = time.perf_counter()
                try:
                    status = await asyncio.wait_for(_request(reader, writer, raw), timeout)
                    break
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    outcomes["retried"] += 1
            else:
                outcomes["failed"] += 1
                continue
            latencies.append(time.perf_counter() - started)
            outcomes["accepted" if status in (200, 201) else "rejected"] += 1
    finally:
        writer.close()


def _requests(tokens: list[str]) -> list[tuple[int, bytes]]:
    out = []
    for n, token in enumerate(tokens):
        body = json.dumps(
            {"token": token, "bullets": [b.format(n=n) for b in BULLETS], "submission_id": f"s{n}"}
        ).encode()
        head = (
            "POST /api/v1/replies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        out.append((n, head + body))
    return out


async def _burst(
    port: int, requests: list[tuple[int, bytes]], concurrency: int, timeout: float
) -> tuple[list[float], dict[str, int], float]:
    jobs: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for job in requests:
        jobs.put_nowait(job)
    latencies: list[float] = []
    outcomes = {"accepted": 0, "rejected": 0, "retried": 0, "failed": 0}
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(port, jobs, latencies, outcomes, timeout) for _ in range(concurrency))
    )
    return latencies, outcomes, time.perf_counter() - started


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


def _wait_ready(port: int, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
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


def _per_reply(cpu_seconds: float, replies: int) -> float | None:
    return round(cpu_seconds * 1000 / replies, 3) if replies else None


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
    store.upgrade()
    campaign_id = f"load-{secrets.token_hex(4)}"
    t0 = time.perf_counter()
    tokens = make_campaign(store, campaign_id, args.replies, Signer(secret.encode()))
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
        server_before = _cpu_seconds(_tree(server.pid))
        db_before = _cpu_seconds(_db_backends(args.database))
        client_before = time.process_time()
        latencies, outcomes, seconds = asyncio.run(
            _burst(args.port, requests, args.concurrency, args.timeout)
        )
        client_cpu = time.process_time() - client_before
        server_cpu = _used(server_before, _cpu_seconds(_tree(server.pid)))
        db_cpu = _used(db_before, _cpu_seconds(_db_backends(args.database)))
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
            s.execute(delete(Campaign).where(Campaign.id == campaign_id))
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
