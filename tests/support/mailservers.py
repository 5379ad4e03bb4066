"""Real servers for the notification tests: an SMTP server (aiosmtpd) and a webhook receiver.

Both run in the test process on free local ports and keep what they received. A webhook
receiver answers with the status its `status` attribute says (500 to make it fail); `silent`
and `refusing` give the addresses of servers that never answer and that refuse connections.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class MailBox:
    """What the SMTP server received: (envelope recipients, parsed message) pairs."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        """Keep the message; answer 250."""
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, MailBox]]:
    """Run an aiosmtpd server on a free port; yield (port, mailbox)."""
    from aiosmtpd.controller import Controller

    box = MailBox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Hook:
    """A webhook receiver: its URL, what it received, and the status it answers with."""

    url: str
    status: int = 200
    received: list[tuple[dict, dict]] = field(default_factory=list)  # (headers, JSON body)

    def texts(self) -> list[str]:
        """Return the `text` of every payload received, in order."""
        return [body["text"] for _, body in self.received]


@contextmanager
def webhook_server() -> Iterator[Hook]:
    """Run an HTTP server in a thread that records POSTed JSON; yield its Hook."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    hook = Hook(url=f"http://127.0.0.1:{server.server_port}/hooks/team")
    lock = threading.Lock()
    server.hook, server.lock = hook, lock
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's hook name)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        hook = self.server.hook
        with self.server.lock:
            if hook.status < 300:
                hook.received.append((dict(self.headers), body))
        self.send_response(hook.status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if hook.status < 300 else b"internal error: try later")

    def log_message(self, *args):
        pass


def free_port() -> int:
    """Return a local TCP port nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def silent() -> Iterator[int]:
    """Listen on a port but never accept or answer: clients time out. Yield the port."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]
