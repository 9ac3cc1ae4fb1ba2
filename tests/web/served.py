"""`headcount serve` as an operator runs it: its own process (so its memory can be read from
/proc), on a free loopback port, over a SQLite store in a folder of its own; and a raw HTTP
client for bodies no ordinary client would send."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HEADCOUNT = str(Path(sys.executable).parent / "headcount")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Served:
    port: int
    pid: int
    database: str
    stderr: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_memory(self) -> int:
        """The server process's peak resident set (VmHWM), in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(folder: Path, *options: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database = f"sqlite:///{folder / 'headcount.db'}"
    stderr = folder / "serve.stderr"
    command = [
        HEADCOUNT, "serve", "--port", str(port), "--database", database,
        "--secret-file", str(folder / "headcount.key"), *options,
    ]  # fmt: skip
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})}
        )
    try:
        server = Served(port, process.pid, database, stderr)
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Served, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a start-up guard on a busy machine, not a measure
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {server.stderr.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/api/v1/health", timeout=10) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError("serve did not start")


def _status(sock: socket.socket) -> int:
    sock.setblocking(True)
    sock.settimeout(120)
    head = b""
    while b"\r\n" not in head:
        data = sock.recv(4096)
        if not data:
            raise ConnectionError(f"closed before a status line: {head!r}")
        head += data
    return int(head.split(b" ", 2)[1])


def stream_body(
    port: int, path: str, total: int, headers: Mapping[str, str] | None = None
) -> tuple[int, int]:
    """POST `total` bytes to `path` in chunked encoding (no Content-Length), produced a chunk
    at a time and sent only while the server reads them. Stops as soon as the server answers;
    returns (status, body bytes sent by then)."""
    fields = {"Host": f"127.0.0.1:{port}", "Transfer-Encoding": "chunked", **(headers or {})}
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    chunk = memoryview(b"%x\r\n" % CHUNK + b"a" * CHUNK + b"\r\n")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n")
        sock.setblocking(False)
        sent = offset = 0
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 120)
            if readable:  # the answer came before the body was all sent
                break
            if not writable:
                raise TimeoutError("the server neither read nor answered")
            try:
                n = sock.send(chunk[offset:])
            except (BrokenPipeError, ConnectionResetError):
                break
            offset += n
            if offset == len(chunk):
                offset = 0
                sent += CHUNK
        else:
            sock.setblocking(True)
            sock.sendall(b"0\r\n\r\n")
        return _status(sock), sent


def declared_body(port: int, path: str, length: int) -> int:
    """Announce a `length`-byte body and send none of it; the status the server answers."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode("latin-1"))
        return _status(sock)
