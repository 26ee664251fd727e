"""Walls: answers that stand between the crawler and an article (issue #19).

A consent page (a cookie wall, a redirect to a consent service), a bot challenge (a
"checking your browser" page of a web application firewall) or a paywall's stub comes
back as a page, often with status 200; stored as an article it would carry the wall's
text and be judged on it. The signals here are generic, the ones such pages share
across sites (the consent services' hosts, the challenge vendors' markers, a short text
made of consent or subscription words), never a rule for one site. Pure functions of
addresses, headers and text: the URL gate and the error classifier (a wall reached by
a redirect, or sent with an error status) and the analysis (a wall sent as a page) use
them.

No library recognises these pages (trafilatura and the extractors take a wall's text
for the article's), so the tables are ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from starcity.urlgate import registrable_domain

CONSENT_WALL, BOT_CHALLENGE, PAYWALL = "consent_wall", "bot_challenge", "paywall"
KINDS = (CONSENT_WALL, BOT_CHALLENGE, PAYWALL)

# Consent services a site redirects to before showing anything: by the first label of
# the host (consent.google.com, consent.youtube.com, guce.yahoo.com, myprivacy.dpgmedia.nl)
# or by the service's own domain (consent management platforms).
_CONSENT_LABELS = frozenset({"consent", "guce", "myprivacy", "privacy-gate", "cmp"})
_CONSENT_DOMAINS = frozenset(
    {
        "consentmanager.net",
        "cookielaw.org",
        "onetrust.com",
        "privacy-mgmt.com",
        "trustarc.com",
        "didomi.io",
        "usercentrics.eu",
        "cookiebot.com",
        "quantcast.com",
    }
)
# Paths of a site's own consent gateway ("/privacy-gate?return=…", "/consent?…").
# (the path's first segment only: "/news/consent-decree-signed" is an article)
_CONSENT_PATH = re.compile(r"^/(?:privacy[-_]?gate(?:way)?|consent|cookie[-_]?wall)(?:[/?._-]|$)")


def consent_address(url: str) -> bool:
    """Whether ``url`` is a consent service's page or a site's consent gateway."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if host.split(".", 1)[0] in _CONSENT_LABELS:
        return True
    if registrable_domain(host) in _CONSENT_DOMAINS:
        return True
    return bool(_CONSENT_PATH.match(parts.path.lower()))


# Challenge vendors' marks in a page's markup or headers. Each is specific to a challenge
# page (a script path, a cookie, a form), not to a site that merely uses the vendor.
_CHALLENGE_MARKUP = re.compile(
    r"/cdn-cgi/challenge-platform/|window\._cf_chl_opt|cf-browser-verification"
    r"|<title>\s*just a moment\.{0,3}\s*</title>|<title>\s*attention required!"
    r"|captcha-delivery\.com|geo\.captcha-delivery"  # DataDome
    r"|_pxcaptcha|px-captcha|/_px[0-9a-z]*/captcha"  # PerimeterX / HUMAN
    r"|_incapsula_resource|incapsula incident id"  # Imperva
    r"|sucuri website firewall"  # Sucuri
    r"|/_sec/cp_challenge/|sec-if-cpt-container"  # Akamai
    r"|awswafintegration|token\.awswaf\.com|challenge\.js\"?\s*>\s*</script>\s*<script>\s*awswaf"
    r"|<title>\s*pardon our interruption"  # Distil / Imperva bot manager
    r"|checking your browser before accessing|enable javascript and cookies to continue"
    r"|please verify you are a human|verify you are human by completing",
    re.I,
)
_CHALLENGE_HEADERS = {"cf-mitigated": "challenge"}
_CHALLENGE_HEADER_NAMES = ("x-datadome", "x-amzn-waf-action")


def challenge_marker(markup: str, headers: Mapping[str, str] | None = None) -> str | None:
    """What marks an answer as a bot challenge (a header or the markup's marker), or None.

    ``markup``: the page's start is enough (the marks sit in its head and first lines)."""
    for name, value in (headers or {}).items():
        low = name.lower()
        if _CHALLENGE_HEADERS.get(low) == str(value).strip().lower():
            return f"header {low}: {value}"
        if low in _CHALLENGE_HEADER_NAMES and str(value).strip().lower() in ("captcha", "1"):
            return f"header {low}"
    found = _CHALLENGE_MARKUP.search(markup)
    return f"marker {found.group(0)[:60]!r}" if found else None


# Words of a consent dialog, in the languages the monitor reads.
_CONSENT_WORDS = re.compile(
    r"\b(?:cookies?|consent|privacy (?:policy|settings)|partners|accept all|reject all"
    r"|manage (?:preferences|options|choices)|legitimate interests?|personali[sz]ed (?:ads|content)"
    r"|datenschutz\w*|einwilligung|zustimm\w*|akzeptier\w*|alle akzeptieren"
    r"|consentement|accepter|tout accepter|refuser|partenaires"
    r"|consenso|accetta(?: tutti)?|rifiuta|aceptar(?: todo)?|rechazar|consentimiento"
    r"|zgod[aęy]|akceptuj\w*|prywatno\w+|согла\w+|куки)\b",
    re.I,
)
# Words of a paywall's stub.
_PAYWALL_WORDS = re.compile(
    r"subscribe (?:now |today )?to (?:continue|read|keep reading|unlock)"
    r"|(?:to )?continue reading,? (?:subscribe|sign in|log in|register)"
    r"|already a (?:subscriber|member)|for subscribers only|subscribers? only"
    r"|this (?:article|story|content) is (?:only )?(?:for|available to|exclusive to) subscribers"
    r"|exclusive (?:content )?for subscribers|unlock (?:this|the full) (?:article|story)"
    r"|create a free account to (?:continue|read)|sign in to (?:continue|read)"
    r"|jetzt (?:weiterlesen|abonnieren|abonnent werden)|bereits abonnent|mit \w*plus lesen"
    r"|réservé aux abonnés|déjà abonné|abonnez-vous pour (?:lire|continuer)"
    r"|riservato agli abbonati|già abbonato|abbonati per (?:leggere|continuare)"
    r"|(?:contenido )?exclusivo para suscriptores|ya soy suscriptor|suscríbete para (?:seguir|leer)"
    r"|exclusivo para assinantes|já é assinante|tylko dla prenumeratorów"
    r"|только для подписчиков|оформите подписку"
    r"|この記事は(?:有料)?会員限定|この記事は有料|続きを読むには(?:会員登録|ログイン)"
    r"|付费阅读全文|订阅后阅读|구독자\s?전용\s?기사",
    re.I,
)

# A wall's own text is short: more words than this and the page holds an article.
WALL_MAX_WORDS = 250
# A paywalled page's text shorter than this is the stub's teaser, not the article.
TEASER_MAX_WORDS = 150
# A consent page says at least this many different consent words.
CONSENT_MIN_WORDS = 3


def consent_words(text: str) -> set[str]:
    return {m.group(0).lower() for m in _CONSENT_WORDS.finditer(text)}


def paywall_marker(text: str) -> str | None:
    """The subscription phrase that marks a text as a paywall's stub, or None."""
    found = _PAYWALL_WORDS.search(text)
    return f"phrase {found.group(0)!r}" if found else None
