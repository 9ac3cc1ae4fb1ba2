"""The sender's journal: which deliveries a run marked `sending`, and which it began to hand
to the relay, so that a rerun after a crash can send what was marked but never tried.

The database marks a batch of deliveries `sending` in one commit (outbox.BATCH), so that a
commit is not paid per message. A killed run leaves the whole batch `sending`, and the
database alone cannot tell the messages handed over from those never begun: under the
at-most-once rule none could be sent again. This file can. Before a batch is marked, a line
`M id:attempts` is appended for each of its deliveries; before each message's first SMTP
command, `T id:attempts`. Each line is one `write` to a file opened for appending, which
the kernel keeps even if the process is SIGKILLed the next instant; no fsync is paid per
message, so a power cut (not a kill) can lose lines, and a lost `M` line only means the
delivery is treated as tried (never sent twice, possibly never sent).

On the next run, a delivery still `sending` with an `M` line and no `T` line for the same
attempt was never begun: it goes back to `queued` (or `deferred`, after earlier attempts)
and is sent. One with a `T` line, or with no line at all (a journal lost, or a run on
another machine), stays `sending` and is never sent again: at most the message each
connection had in hand.

The journal lives outside the store (the store may be a remote PostgreSQL), in
`HEADCOUNT_OUTBOX_DIR`, else `$XDG_STATE_HOME/headcount/outbox`, else
`~/.local/state/headcount/outbox`, one file per store, campaign (and its creation time, so a
campaign id reused in a new store never reads an old file) and kind of message.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

ENV_DIR = "HEADCOUNT_OUTBOX_DIR"


def journal_dir() -> Path:
    given = os.environ.get(ENV_DIR, "").strip()
    if given:
        return Path(given)
    state = os.environ.get("XDG_STATE_HOME", "").strip()
    base = Path(state) if state else Path.home() / ".local" / "state"
    return base / "headcount" / "outbox"


class Journal:
    """One campaign's journal for one kind of message (see the module's docstring)."""

    def __init__(self, store_url: str, campaign_id: str, created: datetime, kind: str) -> None:
        key = f"{store_url}|{campaign_id}|{created.isoformat()}|{kind}"
        self.path = journal_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.log"
        self._fd: int | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _write(self, tag: str, entries: list[tuple[int, int]]) -> None:
        assert self._fd is not None, "the journal is not open"
        os.write(self._fd, "".join(f"{tag} {d}:{a}\n" for d, a in entries).encode())

    def marking(self, entries: list[tuple[int, int]]) -> None:
        """Before the commit that marks these (delivery id, attempts) `sending`."""
        self._write("M", entries)

    def trying(self, delivery_id: int, attempts: int) -> None:
        """Before the first SMTP command of this delivery's message."""
        self._write("T", [(delivery_id, attempts)])

    def untried(self) -> set[tuple[int, int]]:
        """(delivery id, attempts) marked and never begun, by any earlier run."""
        marked: set[tuple[int, int]] = set()
        tried: set[tuple[int, int]] = set()
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return set()
        for line in text.splitlines():
            tag, _, entry = line.partition(" ")
            delivery, _, attempts = entry.partition(":")
            if not (delivery.isdigit() and attempts.isdigit()):
                continue  # a line cut short by a power cut: read as if absent
            (marked if tag == "M" else tried if tag == "T" else set()).add(
                (int(delivery), int(attempts))
            )
        return marked - tried

    def keep_only(self, in_doubt: list[tuple[int, int]]) -> None:
        """Rewrite the journal with just the deliveries left in doubt (`sending`, begun), so
        it never grows past what a crash can leave."""
        tmp = self.path.with_suffix(".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.write_text("".join(f"T {d}:{a}\n" for d, a in in_doubt), encoding="ascii")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
