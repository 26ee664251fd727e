"""A hostile news web for the crawl-safety tests (issue #12): real HTTP servers on 127.0.0.1.

Each `HostileWeb` serves a table of routes (path -> status, headers, body) and records
every request it answers, so a test can tell which server the crawler reached. Two of them
on two ports are two origins of one host, which is how "another port is another site"
is tested. Nothing here listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"

# What a handler may return: (status, headers, body). A callable route is called with the
# handler (to sleep, or to close the connection without answering).
Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], Any]


@dataclass
class HostileWeb:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        web = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "Hostile/1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                web.requests.append(self.path)
                route = web.routes.get(urlsplit(self.path).path)
                if route is None:
                    route = (404, {"Content-Type": "text/plain"}, b"not found\n")
                if callable(route):
                    route = route(self)
                    if route is None:
                        return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str, html: str | bytes, status: int = 200, **headers: str) -> None:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = (status, {"Content-Type": HTML, **headers}, body)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": location}, b"")

    def feed(self, path: str, links: list[str], title: str = "Star City news") -> None:
        """An RSS feed whose items link to ``links`` exactly as given (absolute or not)."""
        items = "".join(
            f"<item><title>Star City item {n}</title><link>{_xml(link)}</link></item>"
            for n, link in enumerate(links)
        )
        self.routes[path] = (
            200,
            {"Content-Type": RSS},
            (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{title}</title><link>{self.url}/</link><description>d</description>"
                f"{items}</channel></rss>"
            ).encode(),
        )

    def hits(self, prefix: str = "/") -> list[str]:
        return [r for r in self.requests if r.startswith(prefix)]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_WORDS = (
    "launch orbit rocket engineer capsule winter archive letter station signal radio"
    " factory border minister pilot doctor theatre harbour railway bridge forest river"
    " summer office garden village market report camera studio costume music score"
).split()


def article(
    title: str,
    paragraphs: list[str] | None = None,
    head: str = "",
    body_extra: str = "",
) -> str:
    """An article page about the show, with ``head`` markup added (canonical, dates ...)."""
    if paragraphs is None:
        # Words of its own for every page (chosen by its title), so that the pages of the
        # hostile web are not near-duplicates of each other.
        rng = random.Random(title)
        filler = " ".join(rng.choice(_WORDS) for _ in range(80))
        paragraphs = [
            f"{title}. Star City, the Apple TV spinoff of For All Mankind, follows the Soviet"
            " space programme and the KGB officers who watch it.",
            f"Rhys Ifans stars as the Chief Designer in the series. {filler}.",
            "The Cold War thriller premieres on Apple TV with two episodes, followed by one"
            " episode weekly.",
        ]
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><article><h1>{title}</h1>{text}{body_extra}</article>"
        "</body></html>"
    )


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection without an answer (the client sees a lost connection)."""
    handler.connection.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
    )
    handler.connection.close()


def cookie_check(html: str) -> Route:
    """A page that first sets a cookie and redirects to itself, then answers with ``html``."""

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if "checked=1" in (handler.headers.get("Cookie") or ""):
            return 200, {"Content-Type": HTML}, html.encode("utf-8")
        return 302, {"Location": handler.path, "Set-Cookie": "checked=1; Path=/"}, b""

    return answer


def many_headers(count: int) -> Route:
    """An answer of ``count`` header lines before a small page (written by hand: the
    handler's own send_header would do, but this is what a hostile server sends)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        lines = [b"HTTP/1.1 200 OK", b"Content-Type: text/html", b"Content-Length: 28"]
        lines += [b"X-%d: v" % n for n in range(count)]
        handler.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n<html><title>x</title></html>")
        handler.close_connection = True

    return answer


def slow(seconds: float, route: tuple[int, dict[str, str], bytes]) -> Route:
    def answer(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(seconds)
        return route

    return answer
