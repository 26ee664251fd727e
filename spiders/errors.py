"""Name the kind of a failed fetch, for one clear log line and a per-kind error count."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

# (exception types, error kind, readable reason)
_KINDS: list[tuple[tuple[type[BaseException], ...], str, str]] = [
    ((CannotResolveHostError, twisted_error.DNSLookupError), "dns", "host name does not resolve"),
    (
        (DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError),
        "timeout",
        "timed out",
    ),
    (
        (DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError),
        "connection_refused",
        "connection refused",
    ),
    ((twisted_error.ConnectError,), "connect", "cannot connect"),
]


def classify_failure(failure: Failure) -> tuple[str, str]:
    """Return (kind, reason) for a failed request, e.g. ``("http_404", "HTTP 404")``."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}", f"HTTP {status}"
    for types, kind, reason in _KINDS:
        if isinstance(exc, types):
            return kind, reason
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "request ignored"
        if "robots" in text.lower():
            return "robots_forbidden", "forbidden by robots.txt"
        if "redirect" in text.lower():
            return "too_many_redirects", "too many redirects"
        return "ignored", text
    return type(exc).__name__.lower(), str(exc) or type(exc).__name__
