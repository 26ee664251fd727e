"""The demo news web: the static site in demoweb/site served over real HTTP on loopback.

Used by `make demo` and by the tests. "{{base}}" in text files is replaced by the
server's own base URL, so feeds, sitemaps and canonical links point back at it.
Every request is logged (method, path, status) so tests can count what was fetched.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import mimetypes
import os
import posixpath
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from starcity.config import ROOT

SITE_DIR = ROOT / "demoweb" / "site"
_TEXT_SUFFIXES = {".html", ".xml", ".txt", ".json", ".rss", ".atom"}
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    user_agent: str
    at: float = field(default_factory=time.monotonic)


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer
    server_version = "StarCityDemoWeb/1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # requests are recorded in server.requests instead of printed

    def _resolve(self) -> Path | None:
        path = posixpath.normpath(unquote(urlsplit(self.path).path))
        target = (self.server.root / path.lstrip("/")).resolve()
        if self.server.root not in (target, *target.parents):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _test_endpoint(self) -> bool:
        """Misbehaving pages for the tests (only with DemoWeb(test_endpoints=True)).

        /_test/status/CODE?retry-after=N   that status, with Retry-After when asked
        /_test/flaky/KEY?fail=N&code=C&retry-after=S
                                           C for the first N requests, then a small feed
        /_test/redirect-loop               a redirect to itself, forever
        /_test/redirect?to=PATH            a permanent redirect to PATH
        /_test/feed?links=P1,P2            an RSS feed whose items link to those paths
        /_test/slow?seconds=N              a feed, after N seconds
        /_test/sitemap-index.xml           a sitemap index naming the gzipped sitemap below
        /_test/news-sitemap.xml.gz         the news sitemap, gzipped
        /_test/gnews-decode?id=ID          a stand-in for Google's decoding of a Google
                                           News link of /gnews/rss.xml: {"decoded_url"},
                                           404 for an id that names no demo page
        """
        parts = urlsplit(self.path)
        if not self.server.test_endpoints or not parts.path.startswith("/_test/"):
            return False
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        status, headers, body = 200, {"Content-Type": _TYPES[".rss"]}, _TEST_FEED
        if parts.path.startswith("/_test/status/"):
            status = int(parts.path.rsplit("/", 1)[-1])
            body = b"status\n"
        elif parts.path.startswith("/_test/flaky/"):
            key = parts.path
            with self.server._lock:
                seen = self.server.counters.get(key, 0)
                self.server.counters[key] = seen + 1
            if seen < int(query.get("fail", "1")):
                status, body = int(query.get("code", "429")), b"busy\n"
        elif parts.path == "/_test/redirect-loop":
            status, headers, body = 302, {"Location": self.path}, b""
        elif parts.path == "/_test/redirect":
            status, headers, body = 301, {"Location": query.get("to", "/")}, b""
        elif parts.path == "/_test/feed":
            items = "".join(
                f"<item><title>Star City {n}</title>"
                f"<link>{self.server.base_url}{link}</link></item>"
                for n, link in enumerate(query.get("links", "").split(","))
                if link
            )
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                f"<link>{self.server.base_url}/</link><description>d</description>{items}"
                "</channel></rss>"
            ).encode()
        elif parts.path == "/_test/slow":
            time.sleep(float(query.get("seconds", "5")))
        elif parts.path == "/_test/sitemap-index.xml":
            headers = {"Content-Type": _TYPES[".xml"]}
            body = (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9"><sitemap><loc>{self.server.base_url}/_test/news-sitemap.xml.gz'
                "</loc></sitemap></sitemapindex>"
            ).encode()
        elif parts.path == "/_test/gnews-decode":
            headers = {"Content-Type": _TYPES[".json"]}
            try:
                ident = query.get("id", "")
                path = base64.urlsafe_b64decode(ident + "=" * (-len(ident) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                path = ""
            page = (self.server.root / path.lstrip("/")).resolve()
            if path.startswith("/") and (page.is_file() or (page / "index.html").is_file()):
                body = json.dumps({"decoded_url": self.server.base_url + path}).encode()
            else:
                status, body = 404, b'{"error": "not decoded"}'
        elif parts.path == "/_test/news-sitemap.xml.gz":
            headers = {"Content-Type": "application/gzip"}
            plain = (self.server.root / "news-sitemap.xml").read_bytes()
            body = gzip.compress(plain.replace(b"{{base}}", self.server.base_url.encode()))
        if "retry-after" in query and status != 200:
            headers["Retry-After"] = query["retry-after"]
        self.server.record(self.command, self.path, status, self.headers.get("User-Agent", ""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def _send(self, head_only: bool) -> None:
        if self._test_endpoint():
            return
        target = self._resolve()
        validators: dict[str, str] = {}
        answer = self.server.answers.get(urlsplit(self.path).path)
        extra = {
            name: value.replace("{{base}}", self.server.base_url)
            for name, value in (answer[1] if answer else {}).items()
        }
        if answer and "Location" in extra:
            status, body, ctype = answer[0], b"", "text/html"
        elif target is None:
            status, body, ctype = HTTPStatus.NOT_FOUND, b"not found\n", "text/plain"
        else:
            status = answer[0] if answer else HTTPStatus.OK
            body = target.read_bytes()
            if target.suffix in _TEXT_SUFFIXES:
                body = body.replace(b"{{base}}", self.server.base_url.encode())
            ctype = _TYPES.get(target.suffix) or (
                mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            )
            # Validators, as real servers send them, so that conditional GET can be tested.
            validators = {
                "ETag": '"' + hashlib.sha1(body).hexdigest()[:16] + '"',
                "Last-Modified": formatdate(target.stat().st_mtime, usegmt=True),
            }
            if self.headers.get("If-None-Match") == validators["ETag"]:
                status, body = HTTPStatus.NOT_MODIFIED, b""
        self.server.record(self.command, self.path, int(status), self.headers.get("User-Agent", ""))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**validators, **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._send(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(head_only=True)


_TEST_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<link>http://example.invalid/</link><description>d</description></channel></rss>"
)


def _answers(path: Path) -> dict[str, tuple[int, dict[str, str]]]:
    """Pages answered with another status or headers than a plain 200 (a redirect, an
    error page): path -> (status, headers), from the site's answers.txt."""
    answers: dict[str, tuple[int, dict[str, str]]] = {}
    if not path.is_file():
        return answers
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        page, status, *headers = line.split()
        answers[page] = (int(status), dict(h.split("=", 1) for h in headers))
    return answers


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str, port: int, test_endpoints: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.root = root.resolve()
        self.test_endpoints = test_endpoints
        self.counters: dict[str, int] = {}
        self.answers = _answers(self.root / "answers.txt")
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, method: str, path: str, status: int, user_agent: str) -> None:
        with self._lock:
            self.requests.append(LoggedRequest(method, path, status, user_agent))


class DemoWeb:
    """Serve a site tree on a free loopback port in a background thread.

    >>> with DemoWeb() as web:  # doctest: +SKIP
    ...     print(web.url)
    """

    def __init__(
        self,
        root: Path = SITE_DIR,
        host: str = "127.0.0.1",
        port: int = 0,
        test_endpoints: bool = False,
    ) -> None:
        self._server = _DemoServer(root, host, port, test_endpoints)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-web", daemon=True
        )

    @property
    def url(self) -> str:
        return self._server.base_url

    @property
    def requests(self) -> list[LoggedRequest]:
        return list(self._server.requests)

    def start(self) -> DemoWeb:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


DEFAULT_PORT = 8002


def running_demo_web(url: str) -> bool:
    """True when ``url`` answers as a demo web (ours), so a second one need not start."""
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/robots.txt", timeout=2) as response:
            return response.headers.get("Server", "").startswith(_Handler.server_version)
    except OSError:
        return False


def start_or_reuse(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> tuple[DemoWeb | None, str]:
    """Serve the demo web on a fixed port, or reuse the one already serving there.

    The port is fixed (not a free one) because article URLs contain it: the same
    port on every run keeps canonical URLs, and so database rows, the same.
    Returns the server we started (None when reused) and the base URL.
    """
    url = f"http://{host}:{port}"
    try:
        return DemoWeb(host=host, port=port).start(), url
    except OSError as exc:
        if running_demo_web(url):
            return None, url
        raise OSError(
            f"cannot serve the demo web on {host}:{port} ({exc.strerror}); "
            "set STARCITY_DEMO_PORT (make DEMO_PORT=...) to a free port"
        ) from exc


def demo_port() -> int:
    """The demo web's port: STARCITY_DEMO_PORT, else 8002 (part of its article URLs)."""
    return int(os.environ.get("STARCITY_DEMO_PORT") or 8002)
