"""Plumbing shared by the doubles: a threaded stdlib WSGI server and request parsing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

REASONS = {
    200: "OK", 202: "Accepted", 206: "Partial Content", 302: "Found", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
    422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable",
}  # fmt: skip


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, list[str]]
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    json: Any = None

    def param(self, name: str, default: str = "") -> str:
        """A query, form or JSON parameter (Mastodon reads them all the same way)."""
        for source in (self.form, self.query):
            if name in source:
                return source[name][-1]
        if isinstance(self.json, dict) and name in self.json:
            return str(self.json[name])
        return default

    def params(self, name: str) -> list[str]:
        """An array parameter: ``name[]=a&name[]=b`` or a JSON list."""
        for source in (self.form, self.query):
            if f"{name}[]" in source:
                return source[f"{name}[]"]
            if name in source:
                return source[name]
        if isinstance(self.json, dict) and isinstance(self.json.get(name), list):
            return [str(v) for v in self.json[name]]
        return []


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list → JSON, bytes/str → as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, Upload]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    form: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form.setdefault(name, []).append(payload.decode("utf-8", "replace"))
        else:
            files[name] = Upload(filename, part.get_content_type(), payload)
    return form, files


def parse(environ: dict[str, Any]) -> Request:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
    }
    content_type = environ.get("CONTENT_TYPE", "")
    headers["content-type"] = content_type
    req = Request(
        method=environ["REQUEST_METHOD"],
        path=environ.get("PATH_INFO", "/"),
        headers=headers,
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
    )
    if content_type.startswith("multipart/form-data"):
        req.form, req.files = _multipart(content_type, body)
    elif content_type.startswith("application/json") and body:
        req.json = json.loads(body)
    elif body:
        req.form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return req


def wsgi_app(handle: Callable[[Request], Response]) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        resp = handle(parse(environ))
        if isinstance(resp.body, (dict, list)):
            data = json.dumps(resp.body).encode()
        elif isinstance(resp.body, str):
            data = resp.body.encode()
        else:
            data = resp.body or b""
        headers = [("Content-Type", resp.content_type), ("Content-Length", str(len(data)))]
        headers += list(resp.headers.items())
        start_response(f"{resp.status} {REASONS.get(resp.status, 'Unknown')}", headers)
        return [data]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Running:
    """A WSGI app served on 127.0.0.1 from a background thread."""

    def __init__(self, app: Callable[..., Iterable[bytes]], port: int = 0) -> None:
        self.server = make_server(
            "127.0.0.1", port, app, server_class=_Server, handler_class=_QuietHandler
        )
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
