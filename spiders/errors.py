"""Name the kind of a failed fetch, for one clear log line and a per-kind error count."""

from __future__ import annotations

import gzip
import re
import zlib

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from starcity.hygiene import printable
from starcity.walls import BOT_CHALLENGE, challenge_marker


class RefusedRequest(IgnoreRequest):
    """A request the URL gate refused (a scheme, a site, a loop); ``kind`` names the error."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


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
    (
        (ResponseDataLossError,),
        "data_loss",
        "the server sent less than the length it announced",
    ),
    ((UnsupportedURLSchemeError,), "refused_scheme", "an address of a scheme we never fetch"),
    (
        (twisted_error.ConnectionLost, twisted_error.ConnectionDone),
        "connection_lost",
        "the server closed the connection before answering",
    ),
]

# "[<twisted.python.failure.Failure twisted.internet.error.ConnectionLost: Connection to
# the other side was lost in a non-clean fashion.>]" -> the message inside.
_FAILURE_REPR = re.compile(r"<twisted\.python\.failure\.Failure [\w.]+?(?:: (.*?))?>", re.S)


# b'...' reprs of bytes a server sent, and reprs of Scrapy's objects.
_BYTES_REPR = re.compile(r"""b(['"])(?:\\.|(?!\1).){0,200}\1""")
_OBJECT_REPR = re.compile(r"<(?:GET|POST|HEAD|\d{3}) [^>]{0,300}>")


def _readable(text: str) -> str:
    """A message without Python reprs (of Twisted failures, of bytes, of requests), on one
    line."""
    text = _FAILURE_REPR.sub(lambda m: m.group(1) or "", text)
    text = _BYTES_REPR.sub("(what the server sent)", text)
    text = _OBJECT_REPR.sub("the response", text)
    return printable(text.strip("[]() ,") or "no reason given")


def _message(failure: Failure) -> str:
    """A failure's message in words: its first argument when that is text (Twisted's
    ParseError carries the bytes the server sent as its second)."""
    args = getattr(failure.value, "args", ())
    if args and isinstance(args[0], str):
        return args[0]
    return failure.getErrorMessage()


def _failed_download(exc: DownloadFailedError) -> tuple[str, str]:
    """What a connection that broke during the exchange says (TLS, a dropped connection)."""
    cause = exc.__cause__
    reasons = getattr(cause, "reasons", None) or []
    messages = [_message(r) for r in reasons if isinstance(r, Failure)]
    names = " ".join(
        type(r.value).__module__ + "." + type(r.value).__name__
        for r in reasons
        if isinstance(r, Failure)
    )
    detail = _readable("; ".join(messages) if messages else str(exc))
    if "SSL" in names or "ssl" in names.lower() or "certificate" in detail.lower():
        return "tls", f"TLS failed: {detail}"
    if "TooManyHeaders" in names:
        return "too_large", f"the response's headers are too long: {detail}"
    if "ParseError" in names or "BadHeaders" in names or "non-integer status" in detail:
        return "bad_response", f"the server's answer is not valid HTTP: {detail}"
    return "connection_lost", f"the connection broke before the answer was complete: {detail}"


# What a broken gzip, deflate or zstd body raises while Scrapy decompresses it.
_DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    zlib.error,
    gzip.BadGzipFile,
)


def classify_failure(failure: Failure) -> tuple[str, str]:
    """Return (kind, reason) for a failed request, e.g. ``("http_404", "HTTP 404")``.

    The reason is written for people: no Python or Twisted reprs, one line.
    """
    exc = failure.value
    if isinstance(exc, HttpError):
        response = exc.response
        status = response.status
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        marker = challenge_marker(response.body[:65536].decode("utf-8", "replace"), headers)
        if marker:  # a firewall's "checking your browser" page, sent as 403 or 503
            return BOT_CHALLENGE, f"HTTP {status}: a bot challenge ({printable(marker)})"
        return f"http_{status}", f"HTTP {status}"
    if isinstance(exc, RefusedRequest):
        return exc.kind, printable(exc.reason)
    for types, kind, reason in _KINDS:
        if isinstance(exc, types):
            return kind, reason
    if isinstance(exc, DownloadFailedError):
        return _failed_download(exc)
    if isinstance(exc, DownloadCancelledError):
        text = str(exc)
        if "max size" in text or "maxsize" in text:
            return "too_large", "larger than the download size limit (DOWNLOAD_MAXSIZE)"
        return "cancelled", _readable(text)
    if isinstance(exc, _DECOMPRESSION_ERRORS) or type(exc).__module__.startswith("brotli"):
        return "bad_encoding", "the compressed answer cannot be decompressed"
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "request ignored"
        if "DOWNLOAD_MAXSIZE" in text or "max size" in text:
            return "too_large", "larger than the download size limit (DOWNLOAD_MAXSIZE)"
        if "robots" in text.lower():
            return "robots_forbidden", "forbidden by robots.txt"
        if "redirect" in text.lower():
            return "too_many_redirects", "too many redirects"
        return "ignored", _readable(text)
    # Kinds of errors named nowhere above keep the exception's name, as before.
    return type(exc).__name__.lower(), _readable(str(exc) or type(exc).__name__)
