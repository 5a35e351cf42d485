"""A stand-in monitoring function run as a real http1 process: it records every CloudEvent.

Started by the engine like `python -m functions` would be: it listens on 127.0.0.1:$PORT and
appends one JSON line per request (headers and body) to $RECORD_FILE, answering 202.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode("utf-8", "replace")}
        with _LOCK, open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        print(f"recorder: {format % args}", flush=True)


if __name__ == "__main__":
    print(f"recorder {os.environ.get('HYDRO_FUNCTION')} listening on {os.environ['PORT']}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
