"""A stand-in for the Hugging Face hub on 127.0.0.1, for fault tests.

Serves the files of one local checkpoint folder at
``/<repo>/resolve/main/<file>`` with the headers ``huggingface_hub`` reads
(X-Repo-Commit, ETag, Content-Length, Range). In ``drop`` mode the first
GET of the weights sends half of the body and closes the connection, and
every later GET of them closes at once: a download that breaks halfway
and stays broken until the mode is switched back to ``ok``.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repo: str, folder: Path, *, weights: str = "model.safetensors"):
        self.repo, self.folder, self.weights = repo, Path(folder), weights
        self.mode = "ok"
        self.weight_gets = 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _file(self) -> Path | None:
                prefix = f"/{hub.repo}/resolve/main/"
                path = self.path.split("?", 1)[0]
                if not path.startswith(prefix):
                    return None
                f = hub.folder / path[len(prefix) :]
                return f if f.is_file() and f.parent == hub.folder else None

            def _missing(self) -> None:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _headers(self, f: Path, status: int, start: int, size: int) -> None:
                self.send_response(status)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", '"' + hashlib.sha256(f.read_bytes()).hexdigest() + '"')
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(size - start))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                self.end_headers()

            def do_HEAD(self):
                f = self._file()
                if f is None:
                    return self._missing()
                self._headers(f, 200, 0, f.stat().st_size)

            def do_GET(self):
                f = self._file()
                if f is None:
                    return self._missing()
                data = f.read_bytes()
                start = 0
                rng = self.headers.get("Range", "")
                if rng.startswith("bytes="):
                    start = int(rng[6:].split("-", 1)[0] or 0)
                if f.name == hub.weights:
                    hub.weight_gets += 1
                    if hub.mode == "drop":
                        if hub.weight_gets > 1:
                            self.close_connection = True
                            self.connection.shutdown(2)
                            return
                        self._headers(f, 200, 0, len(data))
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                self._headers(f, 206 if start else 200, start, len(data))
                self.wfile.write(data[start:])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
