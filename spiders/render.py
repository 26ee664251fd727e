"""Article pages rendered in a headless browser before extraction (issue #19).

Some publishers, and most show pages of streaming services and studios, build the
article in the browser: the HTML a plain fetch gets holds no text. A source that says
``render: true`` (or a pattern of the addresses to render) has those article requests
fetched by scrapy-playwright's download handler, which drives Debian's Chromium
(STARCITY_CHROMIUM, never a browser Playwright downloads); the rendered document goes on
as the response, to the same extraction. The handler is installed only for a crawl with
a rendering source (starcity/crawl.py): a crawl without one never starts a browser.

Bounded (settings.py): one browser context (PLAYWRIGHT_MAX_CONTEXTS at most) of
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT pages at once, a time limit per page
(PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT); images, fonts, media and style sheets are never
loaded, nor anything off the source's sites (the URL gate's rule, for the requests the
page itself makes: scripts, data, frames).
"""

from __future__ import annotations

import asyncio
import functools
import re
import weakref
from typing import Any

from scrapy_playwright.page import PageMethod

from starcity.config import Source
from starcity.urlgate import Sites

# What a rendered article never needs (its text is in the document).
BLOCKED_RESOURCES = frozenset({"image", "imageset", "font", "media", "stylesheet"})
# Schemes a page may use for what it makes itself (no request leaves the browser).
_INLINE_SCHEMES = ("data:", "blob:", "about:")

# The sites of the source each open page renders for (read by abort_request).
_SITES: weakref.WeakKeyDictionary[Any, Sites] = weakref.WeakKeyDictionary()
# The address off the source's sites a server redirected the browser to, by the address of
# the request it was rendering (read by the spider's errback: the page then fails).
_REFUSED_HOPS: dict[str, str] = {}
# Requests each open page has under way (read by settle).
_INFLIGHT: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
# settle: how often it looks, how many quiet looks in a row make a page settled, and how
# long it waits at most.
SETTLE_STEP, SETTLE_QUIET, SETTLE_MAX = 0.25, 3, 10.0
# Where the browser's requests to other sites go: nowhere (a closed port on loopback).
_NOWHERE = "http://127.0.0.1:1"


def renders(source: Source, url: str) -> bool:
    """Whether ``source`` has ``url`` rendered in the browser."""
    return bool(source.render) and re.search(source.render or "", url) is not None


async def _remember_sites(page: Any, request: Any, sites: Sites) -> None:
    _SITES[page] = sites
    _INFLIGHT[page] = 0
    start = request.url

    def began(_: Any) -> None:
        _INFLIGHT[page] = _INFLIGHT.get(page, 0) + 1

    def ended(_: Any) -> None:
        _INFLIGHT[page] = max(0, _INFLIGHT.get(page, 0) - 1)

    page.on("request", began)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)

    def navigation(asked: Any) -> None:
        # Playwright routes no redirect: a hop off the sites is seen here, and refused by
        # the browser's confinement (browser_confinement).
        redirected = asked.redirected_from is not None and asked.is_navigation_request()
        main = redirected and asked.frame.parent_frame is None  # not an embedded frame's
        if main and not sites.allows(asked.url):
            _REFUSED_HOPS[start] = asked.url

    page.on("request", navigation)


async def settle(page: Any) -> None:
    """Wait until the page has built itself: none of its requests under way and its text
    the same length for SETTLE_QUIET looks in a row, SETTLE_STEP seconds apart, or
    SETTLE_MAX seconds. Playwright's "networkidle" alone is not enough: a request held
    by the request interception does not count as network activity, so on a busy
    machine a page was read before the data it is built from had come."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_MAX
    last, quiet = -1, 0
    while loop.time() < deadline and quiet < SETTLE_QUIET:
        await asyncio.sleep(SETTLE_STEP)
        try:
            size = await page.evaluate("document.body ? document.body.innerText.length : 0")
        except Exception:  # the page moved on (a client-side redirect): look again
            if page.is_closed():
                return
            last, quiet = -1, 0
            continue
        idle = _INFLIGHT.get(page, 0) == 0
        quiet = quiet + 1 if idle and size == last else 0
        last = size


def refused_hop(url: str) -> str | None:
    """The address off its source's sites the browser was redirected to while rendering
    ``url`` (once), or None."""
    return _REFUSED_HOPS.pop(url, None)


def browser_confinement(sites: list[Sites]) -> list[str]:
    """Chromium's flags that let the browser reach only the rendering sources' sites:
    every other address (redirects and IP addresses included, which no request
    interception sees) goes to a proxy that is not there. (A rendering source may not be
    crawled on any site: the sources file refuses render with allowed_domains "*".)"""
    rules: set[str] = set()
    for rule in {r for s in sites for r in s.rules}:
        # a rule without a port is the default ports (a bypass rule without one: any)
        host = f"[{rule.host}]" if ":" in rule.host else rule.host
        for port in [rule.port] if rule.port else [80, 443]:
            rules |= {f"{host}:{port}", f"*.{host}:{port}"}
    # First: loopback is not reached unless a source is on it (Chromium's own exception
    # for loopback would otherwise hold, and it cancels the rules before it).
    bypass = ";".join(["<-loopback>", *sorted(rules)])
    return [f"--proxy-server={_NOWHERE}", f"--proxy-bypass-list={bypass}"]


def render_meta(source: Source, sites: Sites) -> dict[str, Any]:
    """The request meta that has scrapy-playwright render a page of ``source``."""
    return {
        "playwright": True,
        # one browser context for the crawl's rendering: a context per source would have
        # to be closed when its source is done, which scrapy-playwright never does (and
        # the context limit would then stall the crawl)
        "playwright_context": "render",
        "playwright_page_init_callback": functools.partial(_remember_sites, sites=sites),
        # the document once the page has built itself from what it asked for
        "playwright_page_methods": [PageMethod(settle)],
    }


def abort_request(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: whether the browser must not make ``request`` (a
    Playwright request the rendered page makes): a resource the text does not need, or
    an address off the source's sites, or of another scheme than http(s)."""
    if request.resource_type in BLOCKED_RESOURCES:
        return True
    url = request.url
    if url.startswith(_INLINE_SCHEMES):
        return False
    try:
        sites = _SITES.get(request.frame.page)
    except Exception:  # a request of no page (a worker's): nobody vouches for it
        sites = None
    return sites is None or not sites.allows(url)
