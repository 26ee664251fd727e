"""URL normalisation: one spelling per article, without tracking parameters or fragments."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from starcity.urlgate import RefusedURL, host_and_port, request_url, same_site

# Query parameters that only track the visitor and never select content.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_ga|_gl|ref|ref_src|cmpid|ito|itm_\w+|ocid|sr_share|smid|share)$",
    re.I,
)


# AMP variants of an article: "?amp=1", "?outputType=amp", ".../story/amp/", "story.amp.html".
_AMP_PARAMS = re.compile(r"^(amp|_amp|amp_js_v|amp_gsa|usqp)$", re.I)
_AMP_OUTPUT = re.compile(r"^(outputtype|output|format)$", re.I)
_AMP_PATH = re.compile(r"/amp/?$|(?<=\w)\.amp(?=\.html?$)", re.I)


def normalize_url(url: str) -> str:
    """One spelling per article URL.

    Lower-case scheme and host, drop default ports and fragments, tracking parameters
    and AMP markers (``?amp=1``, ``?outputType=amp``, a trailing ``/amp/``, ``.amp.html``).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(k)
        and not _AMP_PARAMS.match(k)
        and not (_AMP_OUTPUT.match(k) and v.lower() == "amp")
    ]
    path = _AMP_PATH.sub(lambda m: "/" if m.group(0).startswith("/") else "", parts.path) or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


# Characters no URL holds unescaped: an unfilled template ("{{base}}/x") or markup.
_NOT_A_URL = re.compile(r"[\s<>{}]")


def _candidate_url(page_url: str, raw: str | None) -> str | None:
    """A canonical candidate as an absolute http(s) address, or None when it is no URL.

    Spelled as the page wrote it (joined to the page's address, not percent-encoded), so
    that keys stay those of rows stored before; the URL gate only judges it.
    """
    if not raw or not raw.strip() or _NOT_A_URL.search(raw.strip()):
        return None
    try:
        absolute = urljoin(page_url, raw.strip())
        requested = request_url(absolute)
        # The host a reader of the spelling sees must be the one the client connects to:
        # "http://b.test\\@a.test/x" is b.test to the client and a.test to urlsplit.
        if host_and_port(absolute) != host_and_port(requested):
            return None
    except (RefusedURL, ValueError):
        return None
    return absolute


def _same_site(url: str, page_url: str) -> bool:
    try:
        return same_site(request_url(url), request_url(page_url))
    except RefusedURL:
        return False


def pick_canonical(page_url: str, candidates: list[tuple[str, str]]) -> tuple[str, str]:
    """Choose the article's canonical URL from (signal, url) candidates, in order of trust.

    A candidate is refused when it points to another site (another registrable domain,
    or another port: a page never keys itself on an address another server answers
    for), to the site's home page (a common template error), or is no http(s) URL at
    all (an unfilled template placeholder, ``javascript:``), so that distinct articles
    are never merged and no page takes over another's row.
    """
    page = urlsplit(page_url)
    for signal, raw in candidates:
        absolute = _candidate_url(page_url, raw)
        if absolute is None or not _same_site(absolute, page_url):
            continue
        if urlsplit(absolute).path in ("", "/") and page.path not in ("", "/"):
            continue
        return normalize_url(absolute), signal
    return normalize_url(page_url), "url"


def canonical_elsewhere(
    page_url: str, candidates: list[tuple[str, str]]
) -> tuple[str | None, str | None]:
    """The canonical address a page declares on another site (a syndicated copy), and the
    signal that declares it; (None, None) when its most trusted canonical is its own site's.

    Such a page is stored under its own address, and linked as a copy of that article
    when the article is stored: the declaration alone never overwrites anything.
    """
    for signal, raw in candidates:
        absolute = _candidate_url(page_url, raw)
        if absolute is None:
            continue
        if _same_site(absolute, page_url) or urlsplit(absolute).path in ("", "/"):
            return None, None
        return normalize_url(absolute), signal
    return None, None


# A Google News article link's path: /rss/articles/<id>, /articles/<id>, /read/<id>.
_GNEWS_ARTICLE = re.compile(r"^/(?:rss/)?(?:articles|read)/[A-Za-z0-9_-]{10,}")


def is_gnews_link(url: str) -> bool:
    """Whether ``url`` has the path of a Google News article link, whose publisher's
    address must be decoded (the host is the source's: news.google.com for Google News,
    whatever serves a stand-in for it)."""
    return bool(_GNEWS_ARTICLE.match(urlsplit(url).path))
