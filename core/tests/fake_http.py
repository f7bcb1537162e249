"""A local fake HTTP server for the tests of outside services (SMS gateways, WeChat's OAuth).

It runs in a thread of the test, on 127.0.0.1 and a free port; it records every request and answers
with whatever the test scripted (``answer`` is a function of the recorded request, or a fixed
(status, JSON body) pair; a third item adds headers). Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def form(self) -> dict:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def json(self):
        return json.loads(self.body.decode() or "null")


@dataclass
class FakeServer:
    answer: object = (200, {})
    content_type: str = "application/json"  # as Tencent's API sends it (its SDK compares it exactly)
    requests: list = field(default_factory=list)
    url: str = ""
    host: str = ""

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                fake.requests.append(recorded)
                status, body, *extra = fake.answer(recorded) if callable(fake.answer) else fake.answer
                payload = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in (extra[0] if extra else {}).items():  # e.g. a redirect's Location
                    self.send_header(name, value)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args):  # keep the test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self.url = f"http://{self.host}"
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
