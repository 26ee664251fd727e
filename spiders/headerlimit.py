"""A bound on the response headers a server may send.

Scrapy's DOWNLOAD_MAXSIZE counts the body only, and Twisted's HTTP client keeps every
header line it is sent: 15 MB of "X-1: v" lines in front of a small page took a crawl to
1.2 GB. No setting of either bounds them, so this extension wraps the data handler of
Twisted's HTTP client parser (twisted.web._newclient.HTTPParser, a private class: the
tests cover the wrap, so an upgrade that moves it fails loudly) to give up on a response
whose header section is longer than STARCITY_MAX_RESPONSE_HEADERS lines or
STARCITY_MAX_RESPONSE_HEADER_BYTES bytes. The fetch then fails and is counted as
``too_large``.

The data handler, not the line handler, is wrapped: Scrapy's own parser subclass
replaces the line handler, while every subclass hands its bytes to this one.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.crawler import Crawler

# The blank line that ends a header section (servers send CRLF or bare LF).
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class TooManyHeaders(Exception):
    """A response whose header section is longer than the crawl accepts."""


def header_part(tail: bytes, data: bytes) -> tuple[bytes, bool]:
    """How much of ``data`` belongs to a header section, given the last bytes of the
    section before it (``tail``), and whether the section ends in ``data``."""
    joined = tail + data
    end = _HEADER_END.search(joined)
    if end is None:
        return data, False
    return data[: max(0, end.end() - len(tail))], True


def limit_response_headers(max_lines: int, max_bytes: int) -> None:
    """Make Twisted's HTTP client give up on longer header sections (once per process;
    later calls change the limits)."""
    from twisted.web import _newclient

    parser: Any = _newclient.HTTPParser
    parser._starcity_limits = (max_lines, max_bytes)
    if getattr(parser, "_starcity_wrapped", False):
        return
    # HTTPParser defines no data handler of its own: this is LineReceiver's, which
    # HTTPClientParser.dataReceived calls as HTTPParser.dataReceived.
    original = parser.dataReceived

    def data_received(self: Any, data: bytes) -> Any:
        if getattr(self, "state", None) in (_newclient.STATUS, _newclient.HEADER):
            tail = getattr(self, "_starcity_tail", b"")
            part, _ended = header_part(tail, data)
            self._starcity_tail = (tail + part)[-3:]
            self._starcity_lines = getattr(self, "_starcity_lines", 0) + part.count(b"\n")
            self._starcity_bytes = getattr(self, "_starcity_bytes", 0) + len(part)
            lines, size = _newclient.HTTPParser._starcity_limits
            if self._starcity_lines > lines or self._starcity_bytes > size:
                raise TooManyHeaders(
                    f"more than {lines:,} header lines or {size:,} bytes of headers"
                )
        return original(self, data)

    parser.dataReceived = data_received
    parser._starcity_wrapped = True


class ResponseHeaderLimit:
    """Scrapy extension: installs the bound when a crawl starts."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseHeaderLimit:
        settings = crawler.settings
        limit_response_headers(
            settings.getint("STARCITY_MAX_RESPONSE_HEADERS", 500),
            settings.getint("STARCITY_MAX_RESPONSE_HEADER_BYTES", 256 * 1024),
        )
        return cls()
