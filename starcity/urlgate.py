"""The URL gate: which addresses the crawler may ever request, for every hop of a crawl.

Feeds, sitemaps and pages are written by strangers, so none of them decides where the
crawler goes. Every address a request is made for (a feed entry, a sitemap ``loc``, a
listing link, pagination, a redirect, a meta refresh) and every canonical URL an article
is keyed on passes through here:

- only ``http`` and ``https`` (never ``file:``, ``data:``, ``ftp:``, ``javascript:`` ...);
- the host and port are read from the address the HTTP client will really request
  (w3lib's normalisation, which Scrapy applies to every request: backslashes become
  slashes, credentials are dropped), not from the raw string a page wrote;
- only a source's own sites, where another port on the same host is another site.

Pure functions and values; the spiders and a downloader middleware apply them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import safe_url_string

from starcity.hygiene import printable

SCHEMES = ("http", "https")
# Longer addresses are refused, as Scrapy's UrlLengthMiddleware drops them (silently and
# uncounted) at its default URLLENGTH_LIMIT; the limit of the oldest browsers.
MAX_URL_LENGTH = 2083
# What a host name may hold once w3lib has encoded it (IDNA): letters, digits, dots,
# hyphens, underscores; an IPv6 literal's hex digits and colons. A percent sign, a NUL or
# a space is no host any resolver reads the same way twice.
_HOST = re.compile(r"[a-z0-9._-]+|[0-9a-f:.]+", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}
# A source that may follow links to any site (an aggregator's feed) says so with this.
ANY_SITE = "*"


class RefusedURL(ValueError):
    """An address the crawler must not request; ``kind`` names the error for the run record."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


# The public-suffix snapshot bundled with tldextract; never fetched from the network.
_extract_domain = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _host(hostname: str) -> str:
    """Lower case, no trailing dot: "Example.COM." and "example.com" are one host."""
    return hostname.lower().rstrip(".")


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """ "bbc.co.uk" for "www.bbc.co.uk"; an IP address or a single label stays as it is."""
    host = _host(host)
    return _extract_domain(host).top_domain_under_public_suffix or host


def request_url(raw: str, base: str | None = None, max_length: int = MAX_URL_LENGTH) -> str:
    """The absolute address the HTTP client will request for ``raw`` (joined to ``base``).

    Raises RefusedURL: ``refused_scheme`` for any scheme but http(s), ``bad_link`` for
    what is no usable address (no host, a malformed IPv6 literal or port, a space-only
    string, longer than ``max_length``). Credentials in the address are dropped: a page
    never chooses what we send.
    """
    text = (raw or "").strip()
    if not text:
        raise RefusedURL("bad_link", "an empty link")
    if len(text) > max_length:
        raise RefusedURL("bad_link", f"an address of {len(text):,} characters: {printable(text)}")
    try:
        joined = urljoin(base, text) if base else text
        scheme = urlsplit(joined).scheme.lower()
    except ValueError as exc:
        raise RefusedURL("bad_link", f"not a URL ({exc}): {printable(text)}") from exc
    if scheme not in SCHEMES:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise RefusedURL("refused_scheme", f"{shown} links are never fetched: {printable(text)}")
    try:
        # What Scrapy's Request does to every URL it is given.
        safe = safe_url_string(joined)
        parts = urlsplit(safe)
        _ = parts.port  # a port that is no number raises ValueError here
        hostname = parts.hostname
    except ValueError as exc:
        raise RefusedURL("bad_link", f"not a URL ({exc}): {printable(text)}") from exc
    if not hostname:
        raise RefusedURL("bad_link", f"no host in {printable(text)}")
    if not _HOST.fullmatch(hostname):
        raise RefusedURL("bad_link", f"not a host name: {printable(text)}")
    netloc = parts.netloc.rpartition("@")[2]
    if netloc != parts.netloc:
        safe = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if len(safe) > max_length:
        raise RefusedURL("bad_link", f"an address of {len(safe):,} characters: {printable(safe)}")
    return safe


def host_and_port(url: str) -> tuple[str, int | None]:
    """The host and the port of an http(s) address; None for the scheme's default port."""
    parts = urlsplit(url)
    port = parts.port
    if port == DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    return _host(parts.hostname or ""), port


def same_site(url_a: str, url_b: str) -> bool:
    """Same registrable domain and the same port (http and https on their defaults agree)."""
    try:
        host_a, port_a = host_and_port(url_a)
        host_b, port_b = host_and_port(url_b)
    except ValueError:
        return False
    return port_a == port_b and registrable_domain(host_a) == registrable_domain(host_b)


@dataclass(frozen=True)
class SiteRule:
    """A host and its subdomains, on one port (None: the default ports 80 and 443)."""

    host: str
    port: int | None = None

    def matches(self, host: str, port: int | None) -> bool:
        return port == self.port and (host == self.host or host.endswith("." + self.host))


def _is_private(host: str) -> bool:
    """A loopback, private, link-local or otherwise non-public address, or "localhost".

    Hosts written as numbers in other forms ("0x7f.1", "2130706433") are read the way
    the system's resolver reads them.
    """
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):  # no IPv4 number (ValueError: a NUL in it)
            return False
    return not address.is_global


@dataclass(frozen=True)
class Sites:
    """The sites one source may be crawled on.

    ``rules``: its ``allowed_domains`` (``host`` or ``host:port``) and its start URLs'
    sites. ``any_site`` (``allowed_domains: ["*"]``): any public site too, for aggregators
    whose entries link anywhere; loopback and private addresses stay refused for them.
    """

    rules: tuple[SiteRule, ...]
    any_site: bool = False

    def check(self, url: str) -> None:
        """Raise RefusedURL (kind ``offsite``) unless ``url`` is on one of the sites."""
        try:
            host, port = host_and_port(url)
        except ValueError as exc:  # a port that is no number, a broken IPv6 literal
            raise RefusedURL("bad_link", f"not a URL ({exc}): {printable(url)}") from exc
        if any(rule.matches(host, port) for rule in self.rules):
            return
        if self.any_site:
            if _is_private(host):
                raise RefusedURL("private_address", f"{host} is not a public address")
            return
        shown = f"{host}:{port}" if port else host
        raise RefusedURL("offsite", f"{shown} is not one of the source's sites")

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
        except RefusedURL:
            return False
        return True


def _rule(spec: str) -> SiteRule:
    """ "example.com", "example.com:8080", "http://example.com:8080/" -> a SiteRule."""
    text = spec.strip()
    if "://" not in text:
        text = "http://" + text
    host, port = host_and_port(safe_url_string(text))
    if not host:
        raise ValueError(f"no host in {spec!r}")
    return SiteRule(host, port)


def sites_for(allowed_domains: Iterable[str], start_urls: Iterable[str]) -> Sites:
    """A source's sites: its allowed domains, else the registrable domains of its start URLs
    (with their ports); the start URLs' own hosts are always allowed.

    Raises ValueError for an allowed domain that names no host.
    """
    allowed = [d for d in allowed_domains if d.strip()]
    any_site = ANY_SITE in [d.strip() for d in allowed]
    rules = [_rule(d) for d in allowed if d.strip() != ANY_SITE]
    for url in start_urls:
        host, port = host_and_port(safe_url_string(url))  # IDN hosts as sent: punycode
        rules.append(SiteRule(host, port))
        if not allowed:
            rules.append(SiteRule(registrable_domain(host), port))
    return Sites(tuple(dict.fromkeys(rules)), any_site)
