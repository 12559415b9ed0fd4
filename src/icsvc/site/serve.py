"""`icsvc site --serve`: the built site on this machine only (the standard library's
server, bound to the loopback address), to look at it before publishing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the folder; says nothing per request (the command line owns the terminal)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve(folder: Path, port: int, ready: Callable[[str], None]) -> None:
    """Serve `folder` on http://127.0.0.1:PORT/ (`port` 0: a free one) until interrupted;
    `ready` is told the address once it answers. OSError when the port is taken."""
    handler = functools.partial(_Quiet, directory=str(folder))
    with ThreadingHTTPServer((HOST, port), handler) as server:
        ready(f"http://{HOST}:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            return
