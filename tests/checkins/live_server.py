"""The web app served by a real uvicorn on a free loopback port, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from smtp_sink import free_port

from headcount.store import Store
from headcount.web import create_app


@contextmanager
def live_server(store: Store, secret: bytes) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(store, secret), host="127.0.0.1", port=port, log_level="warning",
        access_log=False, lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
