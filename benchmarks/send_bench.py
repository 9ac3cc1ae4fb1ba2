"""Send benchmark: `headcount campaign send` to N synthetic recipients through a local SMTP
sink (a process of its own), optionally SIGKILLed midway and run again; prints one JSON line
with messages/s, what the sink received and the duplicates (recipients sent two or more).

    python benchmarks/send_bench.py --recipients 100000 [--kill-at 0.4] \
        [--database postgresql://postgres@127.0.0.1/headcount_send_bench]

Defaults to a fresh SQLite store in a temporary folder. Loopback traffic only. Do not run it
at 2.4 M on a shared machine: the extrapolation below is what the figures are for.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_campaign import make_campaign
from headcount.migrations import upgrade
from headcount.store import Store

BIN = Path(sys.executable).parent
HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sent_so_far(progress: Path) -> int:
    try:
        return int(progress.read_text() or 0)
    except (OSError, ValueError):
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--database", default=None)
    parser.add_argument(
        "--kill-at", type=float, default=None,
        help="SIGKILL the send once this share of the recipients has reached the sink, "
        "then run it again",
    )  # fmt: skip
    args = parser.parse_args()
    if args.recipients > 100_000:
        parser.error("at most 100,000 recipients on a shared machine")
    work = Path(tempfile.mkdtemp(prefix="send_bench_"))
    url = args.database or f"sqlite:///{work / 'headcount.db'}"
    store = Store.open(url)
    upgrade(store)
    campaign_id = f"bench-{int(time.time())}"
    make_campaign(
        store, campaign_id, args.recipients, letter="S",
        question="What did you accomplish last week? Three to five bullets, please.",
        contact_email="hr@agency.example.gov",
    )  # fmt: skip
    store.close()
    port = free_port()
    counts = work / "counts.json"
    sink = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "smtp_count_sink.py"),
            "--port",
            str(port),
            "--out",
            str(counts),
        ]
    )
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": url, "HEADCOUNT_SECRET_KEY": "b" * 48}
    command = [
        str(BIN / "headcount"), "campaign", "send", campaign_id, "--smtp-host", "127.0.0.1",
        "--smtp-port", str(port), "--from", "checkins@agency.example.gov",
        "--base-url", "https://checkin.example.gov",
    ]  # fmt: skip
    time.sleep(1.0)  # the sink is listening
    runs = []
    started = time.perf_counter()
    try:
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=work)
        if args.kill_at is not None:
            target = int(args.recipients * args.kill_at)
            while sent_so_far(counts.with_suffix(".progress")) < target and first.poll() is None:
                time.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            runs.append("killed")
            first.wait()
            second = subprocess.run(command, env=env, capture_output=True, cwd=work, check=True)
            runs.append(second.stdout.decode().splitlines()[0])
        else:
            out, _ = first.communicate()
            assert first.returncode == 0
            runs.append(out.decode().splitlines()[0])
        elapsed = time.perf_counter() - started
        # The senders' CPU (the sink is not reaped yet, so not counted): what the machine's
        # load cannot change, and what an extrapolation can stand on.
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        sender_cpu = usage.ru_utime + usage.ru_stime
        time.sleep(0.5)  # the last replies are counted
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=60)
    received = json.loads(counts.read_text())
    rate = received["messages"] / elapsed
    print(
        json.dumps(
            {
                "recipients": args.recipients,
                "database": url.split(":")[0],
                "killed_at": args.kill_at,
                "seconds": round(elapsed, 1),
                "messages_per_s": round(rate, 1),
                "received": received["messages"],
                "recipients_reached": received["recipients"],
                "missing": args.recipients - received["recipients"],
                "duplicates": received["duplicates"],
                "sender_cpu_ms_per_message": round(1000 * sender_cpu / received["messages"], 2),
                "extrapolated_2_4M_minutes_at_this_rate": round(2_400_000 / rate / 60, 1),
                "extrapolated_2_4M_minutes_one_free_core": round(
                    2_400_000 * sender_cpu / received["messages"] / 60, 1
                ),
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
