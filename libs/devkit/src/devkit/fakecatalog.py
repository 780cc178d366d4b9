"""A small stand-in for catalog-svc, served over real HTTP, for the tests of the services that read it.

intake-svc and interop-svc call two catalog paths: ``GET /api/v1/catalog/procedures/{code}`` (optionally
``?revision=N``) and ``GET /api/v1/catalog/agencies``. This server answers exactly those, from
``fakecatalog.json``: the answers the real catalog gives for a few procedures of its demo catalog and for
its demo agencies. catalog-svc's ``test_fake_catalog_contract.py`` asks the real service the same questions
and fails when the answers differ in fields or types, so this stand-in cannot drift from the real one.

It runs in a thread (``http.server``), so it serves whatever event loop the test uses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DATA_FILE = Path(__file__).with_name("fakecatalog.json")
PROCEDURES_PATH = "/api/v1/catalog/procedures/"
AGENCIES_PATH = "/api/v1/catalog/agencies"


def load_data() -> dict[str, Any]:
    """``{"procedures": {code: procedure}, "agencies": [agency]}``: what the fake serves."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        data = self.server.data
        if url.path == AGENCIES_PATH:
            return self._send(200, data["agencies"])
        if url.path.startswith(PROCEDURES_PATH) and "/" not in url.path[len(PROCEDURES_PATH):]:
            procedure = data["procedures"].get(unquote(url.path[len(PROCEDURES_PATH):]))
            wanted = parse_qs(url.query).get("revision")
            if procedure is not None and (not wanted or wanted[0] == str(procedure["revision"])):
                return self._send(200, procedure)
            return self._send(404, {"type": "about:blank", "title": "Not Found", "status": 404,
                                    "detail": "Không tìm thấy thủ tục."}, "application/problem+json")
        return self._send(404, {"type": "about:blank", "title": "Not Found", "status": 404,
                                "detail": "The fake catalog does not serve this path."}, "application/problem+json")

    def _send(self, status: int, body: Any, media_type: str = "application/json") -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.data = data


@contextmanager
def fake_catalog(data: dict[str, Any] | None = None) -> Iterator[str]:
    """Serves the fake catalog on a free loopback port while the block runs; yields its base URL."""
    server = _Server(data if data is not None else load_data())
    thread = threading.Thread(target=server.serve_forever, name="fake-catalog", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
