"""Send benchmark: `headcount campaign send` to N synthetic recipients through a local SMTP
sink (a process of its own), optionally SIGKILLed midway and run again; prints one JSON line
with messages/s, what the sink received and the duplicates (recipients sent two or more).

    python benchmarks/send_bench.py --recipients 100000 [--kill-at 0.4] \
        [--connections 4] [--database postgresql://postgres@127.0.0.1/headcount_send_bench]

Defaults to a fresh SQLite store in a temporary folder. Loopback traffic only. The sink
notes when each tenth of the messages had arrived, so the output shows the rate of the first
and the last tenth: a rate that held from the first tenth to the last is what a projection
to 2.4 M (printed, and labelled as one) stands on. A run of 2.4 M takes the machine for
most of an hour: not on a shared machine without asking.
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
from typing import Any

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
        "--connections", type=int, default=None,
        help="--smtp-connections for the send (default: the command's own default)",
    )  # fmt: skip
    parser.add_argument(
        "--kill-at", type=float, default=None,
        help="SIGKILL the send once this share of the recipients has reached the sink, "
        "then run it again",
    )  # fmt: skip
    args = parser.parse_args()
    if args.recipients > 2_400_000:
        parser.error("at most 2,400,000 recipients (the campaign this is measured for)")
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
            "--expect",
            str(args.recipients),
        ]
    )
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": url, "HEADCOUNT_SECRET_KEY": "b" * 48}
    command = [
        str(BIN / "headcount"), "campaign", "send", campaign_id, "--smtp-host", "127.0.0.1",
        "--smtp-port", str(port), "--from", "checkins@agency.example.gov",
        "--base-url", "https://checkin.example.gov",
    ]  # fmt: skip
    if args.connections is not None:
        command += ["--smtp-connections", str(args.connections)]
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
            runs.append(" ".join(second.stdout.decode().split()))
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
    per_message = sender_cpu / received["messages"]
    print(json.dumps(summary(args, url, elapsed, rate, per_message, received, runs)))


def summary(
    args: argparse.Namespace, url: str, elapsed: float, rate: float, per_message: float,
    received: dict[str, Any], runs: list[str],
) -> dict[str, object]:  # fmt: skip
    tenths = received["tenths_s"]  # seconds from the first message to each tenth's last
    tenth = args.recipients / 10
    first_tenth = tenth / tenths[0] if tenths and tenths[0] > 0 else None
    # The last tenth: from 90 % to the last message (a run killed and rerun may fall a few
    # messages short of 100 %: those it left `sending` and never delivered).
    last_tenth = None
    if len(tenths) >= 9 and received["last_s"] > tenths[8]:
        last_tenth = (received["messages"] - 9 * tenth) / (received["last_s"] - tenths[8])
    return {
        "recipients": args.recipients,
        "database": url.split(":")[0],
        "connections": args.connections,
        "killed_at": args.kill_at,
        "seconds": round(elapsed, 1),  # the command(s) from start to exit, set-up included
        "messages_per_s": round(rate, 1),
        "seconds_first_to_last_message": received["last_s"],
        "messages_per_s_first_tenth": round(first_tenth, 1) if first_tenth else None,
        "messages_per_s_last_tenth": round(last_tenth, 1) if last_tenth else None,
        "received": received["messages"],
        "recipients_reached": received["recipients"],
        "missing": args.recipients - received["recipients"],
        "duplicates": received["duplicates"],
        "sender_cpu_ms_per_message": round(1000 * per_message, 3),
        "sink_cpu_ms_per_message": round(1000 * received["cpu_s"] / received["messages"], 3),
        "projection_2_4M_minutes_at_this_rate": round(2_400_000 / rate / 60, 1),
        "projection_2_4M_minutes_sender_cpu": round(2_400_000 * per_message / 60, 1),
        "runs": runs,
    }


if __name__ == "__main__":
    main()
