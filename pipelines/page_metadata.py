"""Read the raw signals a news page carries: JSON-LD, meta tags, links, headings, bylines, times.

Each helper returns raw values; `pipelines.extract` decides which signal wins.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import lxml.html

from pipelines.authors import script_is_caseless
from pipelines.jsonld import parse_block
from pipelines.page_dates import naive_window
from starcity.hygiene import clean_value
from starcity.urlgate import registrable_domain

log = logging.getLogger(__name__)

ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "ReviewNewsArticle",
    "BackgroundNewsArticle",
    "Article",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "TechArticle",
)

# Parts of a page that describe other stories or readers, never this article.
_NOISE = re.compile(
    r"comment|related|recommend|trending|popular|sidebar|newsletter|promo|widget|"
    r"teaser|more-stories|read-next|outbrain|taboola|share|social|breadcrumb|"
    r"embed|instagram|tweet|tiktok",
    re.I,
)
_BYLINE_CLASS = re.compile(r"byline|author|writer|contributor", re.I)
_MODIFIED_HINT = re.compile(r"updat|modif|edited", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:[/_.-]|$)")


class MetaTags:
    """Meta tags by lower-cased name or property, each with all its values in page order."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self._values: dict[str, list[str]] = {}
        for node in tree.iter("meta"):
            content = node.get("content")
            if content is None or not content.strip():
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = node.get(attr)
                if key:
                    self._values.setdefault(key.strip().lower(), []).append(content.strip())

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def matching(self, pattern: re.Pattern[str]) -> list[str]:
        """Values of every tag whose name matches ``pattern``, in page order of names."""
        return [v for key, values in self._values.items() if pattern.search(key) for v in values]


# Microdata (itemprop) and RDFa (property, with or without a vocabulary prefix).
_PROPERTY_NAMES = {"headline", "datePublished", "dateModified", "author", "creator"}


def _belongs_to_media(node: lxml.html.HtmlElement) -> bool:
    """True for properties of a picture or video (a photo credit is not the article's author)."""
    for ancestor in node.iterancestors():
        if ancestor.tag in ("figure", "figcaption", "picture"):
            return True
        if ancestor.get("itemscope") is not None:
            kind = ancestor.get("itemtype") or ""
            return bool(re.search(r"Image|Video|Media|Photo|Comment", kind))
    return False


def _property_values(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Values of microdata and RDFa properties outside noise zones, by property name."""
    found: dict[str, list[str]] = {}
    for node in tree.xpath("//*[@itemprop or @property]"):
        # "schema:author", "itemprop='url name'": the last word after any prefix
        raw = node.get("itemprop") or node.get("property") or ""
        names = {word.rsplit(":", 1)[-1] for word in raw.split()} & _PROPERTY_NAMES
        if not names or node.tag == "meta":
            continue  # meta tags are read by MetaTags already
        if _in_noise(node) or _belongs_to_media(node):
            continue
        name = sorted(names)[0]
        if name in ("author", "creator"):
            inner = node.xpath(
                './/*[@itemprop="name" or @property="name" or @property="schema:name"]'
            )
            value = _text(inner[0]) if inner else _text(node)
        elif name.startswith("date"):
            value = node.get("content") or node.get("datetime") or _text(node)
        else:
            value = node.get("content") or _text(node)
        if value:
            found.setdefault(name, []).append(value)
    return found


@dataclass
class Signals:
    """Everything `collect` found in one page."""

    jsonld: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]
    article: dict[str, Any]
    meta: MetaTags
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    headlines: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    published_time: str | None = None
    modified_time: str | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)
    # What was left unread because of a bound (a JSON-LD block too long), for provenance.
    skipped: list[str] = field(default_factory=list)

    def prop(self, name: str) -> str | None:
        values = self.properties.get(name)
        return values[0] if values else None


def _in_noise(node: lxml.html.HtmlElement) -> bool:
    """True when the node sits in navigation, an aside, comments or a related-links box."""
    for ancestor in node.iterancestors():
        if ancestor.tag in ("body", "html"):
            # Classes on <body> describe the whole page ("wp-embed-responsive",
            # "single-post"), not a box within it.
            return False
        if ancestor.tag in ("nav", "aside"):
            return True
        if ancestor.tag == "footer" and not any(
            a.tag in ("article", "main") for a in ancestor.iterancestors()
        ):
            return True
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if marker.strip() and _NOISE.search(marker):
            return True
    return False


# JSON-LD is read this deep at most: real article markup nests a few levels (an article,
# its author, the author's image); a block nested thousands deep is built to exhaust the
# stack. What lies deeper is not read.
_JSONLD_MAX_DEPTH = 32
# A JSON-LD block longer than this is not parsed: real ones are a few kilobytes (the
# largest on the evaluation pages is under 100 KB, articleBody included), while a 14 MB
# block costs over 300 MB of Python objects. The page's other signals still count.
JSONLD_MAX_CHARS = 1_000_000
# At most this many JSON-LD blocks of a page are read (real pages carry one to five; the
# article is in the first few). Cost: an article object after the 50th block is not seen.
_JSONLD_MAX_BLOCKS = 50
# A JSON escape of a character starcity.hygiene removes: C0 and C1 controls, DEL, surrogates,
# U+FFFE and U+FFFF.
_CONTROL_ESCAPE = re.compile(r"\\u(?:00[01]|007f|008|009|d[89a-f]|fff[ef])", re.I)


def _iter_objects(value: Any, depth: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every JSON-LD object at any depth (@graph members, arrays, nested entities).

    Yields (depth, object); members of an @graph count as top level.
    """
    if depth > _JSONLD_MAX_DEPTH:
        return
    if isinstance(value, list):
        for member in value:
            yield from _iter_objects(member, depth)
    elif isinstance(value, dict):
        yield depth, value
        for key, member in value.items():
            if key != "@context" and isinstance(member, (dict, list)):
                yield from _iter_objects(member, depth if key == "@graph" else depth + 1)


def types_of(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k).rsplit("/", 1)[-1] for k in kinds]


def _read_jsonld(
    lxml_tree: lxml.html.HtmlElement, skipped: list[str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Objects of every JSON-LD block; blocks too long or too deep to read are named in
    ``skipped``."""
    objects: list[tuple[int, dict[str, Any]]] = []
    scripts = lxml_tree.xpath('//script[@type="application/ld+json"]')
    if len(scripts) > _JSONLD_MAX_BLOCKS and skipped is not None:
        skipped.append(f"{len(scripts) - _JSONLD_MAX_BLOCKS:,} JSON-LD blocks were not read")
    for script in scripts[:_JSONLD_MAX_BLOCKS]:
        size = len(script.text or "")
        if size > JSONLD_MAX_CHARS:
            if skipped is not None:
                skipped.append(f"a JSON-LD block of {size:,} characters was not read")
            continue
        try:
            # One broken block must not hide the others, so blocks are read one by one.
            items = parse_block(script.xpath("string()"))
            if _CONTROL_ESCAPE.search(script.text or ""):
                # JSON escapes spell control characters the page's cleaning could not see.
                items = clean_value(items)
            objects.extend(_iter_objects(items))
        except (ValueError, RecursionError) as exc:
            log.debug("unreadable JSON-LD block skipped: %s", exc)
            continue
    return objects


def _pick_article(objects: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """The page's own article: the shallowest article-typed object, then by type rank.

    A live blog (LiveBlogPosting) holds its updates as nested BlogPostings; the
    updates are not the article.
    """
    ranked = [
        (depth, min(ARTICLE_TYPES.index(t) for t in types_of(obj) if t in ARTICLE_TYPES), i, obj)
        for i, (depth, obj) in enumerate(objects)
        if any(t in ARTICLE_TYPES for t in types_of(obj))
    ]
    return min(ranked, key=lambda r: r[:3])[3] if ranked else {}


def _text(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.xpath("string()").split())


def _bylines(tree: lxml.html.HtmlElement) -> list[str]:
    """Author names shown on the page, from the first byline outside noise zones."""
    # Plain contains() in both cases: translate() over every class attribute is slow.
    candidates = tree.xpath(
        '//*[@rel="author" or @itemprop="author" or contains(@id, "byline")'
        ' or contains(@class, "byline") or contains(@class, "Byline")'
        ' or contains(@class, "author") or contains(@class, "Author")]'
    )
    for node in candidates:
        if node.tag in ("meta", "link", "script", "body", "html") or _in_noise(node):
            continue
        if node.get("rel") != "author" and node.get("itemprop") != "author":
            marker = f"{node.get('class', '')} {node.get('id', '')}"
            if not _BYLINE_CLASS.search(marker):
                continue
        names = [
            _text(n) for n in node.xpath('.//*[@itemprop="name"] | .//a[@rel="author"]') if _text(n)
        ]
        if names:
            return names
        text = _text(node)
        if text and len(text) < 200:
            return [text]
    return []


# Labels that make up a whole element of their own with the author as its value:
# "<strong>Autorin/Autor</strong> Roman Beispiel", "<dt>Written by</dt><dd>…</dd>".
_AUTHOR_LABELS = frozenset(
    (
        "author", "authors", "written by", "words by", "reporter", "autor", "autorin",
        "autorin/autor", "autor/in", "autor:in", "autoren", "autorinnen", "auteur",
        "auteurs", "autore", "autori", "autora", "autores", "auteur(s)", "author(s)",
        "journalist", "journaliste", "skribent", "forfatter", "författare", "auteur:",
    )
)  # fmt: skip
# Elements a label of a facts list is written in ("<strong>Datum</strong> 28.04.2023").
_LABEL_TAGS = ("strong", "b", "dt", "th", "span", "label", "em", "small")


def _label_values(tree: lxml.html.HtmlElement, labels: frozenset[str]) -> Iterator[str]:
    """The values of label elements whose whole text (colon dropped) is one of ``labels``.

    The value is the label's tail text, else the next element's text; labels in noise
    zones are skipped.
    """
    for node in tree.iter(*_LABEL_TAGS):
        label = " ".join(_text(node).rstrip(":").split()).casefold()
        if label not in labels or _in_noise(node):
            continue
        value = " ".join((node.tail or "").split())
        if not value:
            following = node.getnext()
            value = _text(following) if following is not None else ""
        if value:
            yield value


# Attributes some themes put the author's name in, for scripts, with no visible byline.
_DATA_AUTHOR = ("data-author", "data-author-name", "data-authors", "data-byline")


def data_attribute_authors(tree: lxml.html.HtmlElement) -> list[str]:
    """The author names of the first element outside noise zones that carries one in a
    ``data-author`` (``-name``, ``data-authors``, ``data-byline``) attribute."""
    condition = " or ".join(f"@{name}" for name in _DATA_AUTHOR)
    for node in tree.xpath(f"//body//*[{condition}]"):
        if _in_noise(node):
            continue
        for name in _DATA_AUTHOR:
            value = " ".join((node.get(name) or "").split())
            # a name, not an id, a URL or a flag ("123", "true", "/authors/jane")
            if value and any(c.isalpha() for c in value) and not re.search(r"[/=@]", value):
                return [value]
    return []


def labelled_author(tree: lxml.html.HtmlElement) -> list[str]:
    """The value of an "Author"/"Autorin/Autor" label element (a facts list by the article)."""
    for value in _label_values(tree, _AUTHOR_LABELS):
        if len(value) <= 100:
            return [value]
    return []


# A paragraph this long is the story's prose, not a credit line.
_PROSE_MIN_CHARS = 80
_CREDIT_MAX_CHARS = 80
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.I)


def _body_paragraphs(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The non-empty paragraphs of the story: the children of the element whose own
    ``<p>`` children hold the most text, outside navigation, asides and page footers.

    Only the container's own class names are read, not its ancestors': layout columns
    are often called "sidebar-1" or "sticky-sidebar" while holding the story itself.
    """
    totals: dict[lxml.html.HtmlElement, int] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None:
            totals[parent] = totals.get(parent, 0) + len(_text(p))
    for parent in sorted(totals, key=totals.__getitem__, reverse=True)[:3]:
        if any(a.tag in ("nav", "aside", "footer") for a in (parent, *parent.iterancestors())):
            continue
        if _NOISE.search(f"{parent.get('class', '')} {parent.get('id', '')}"):
            continue
        return [p for p in parent if p.tag == "p" and _text(p).strip("\xa0 ")]
    return []


def _bold_only(p: lxml.html.HtmlElement) -> str | None:
    """The text of a paragraph written wholly in one <strong> or <b> element."""
    children = [c for c in p if isinstance(c.tag, str) and c.tag != "br"]
    if len(children) != 1 or children[0].tag not in ("strong", "b"):
        return None
    if (p.text or "").strip() or any((c.tail or "").strip() for c in p):
        return None
    return _text(children[0]) or None


def credit_paragraph(tree: lxml.html.HtmlElement) -> list[str]:
    """A credit printed as a paragraph of the story: a bold line before its first prose
    paragraph ("<p><strong>Jane Doe/John Roe</strong></p>"), or a right-aligned bold
    signature as its last paragraph.

    For pages that mark up no author: many regional news sites type the byline into the
    story itself. The caller keeps only what reads as person names.
    """
    paragraphs = _body_paragraphs(tree)
    for i, p in enumerate(paragraphs[:4]):
        bold = _bold_only(p)
        if bold is None:
            if len(_text(p)) >= _PROSE_MIN_CHARS:
                break
            continue
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if (
            _credit_like(bold)
            and following is not None
            and following is _next_element(p)
            and _bold_only(following) is None
            and len(_text(following)) >= _PROSE_MIN_CHARS
        ):
            return [bold]
        break
    if paragraphs:
        last = paragraphs[-1]
        bold = _bold_only(last)
        aligned = last.get("align") == "right" or _RIGHT_ALIGNED.search(last.get("style", ""))
        if bold and aligned and _credit_like(bold):
            return [bold]
    return []


# "Theo Reuters", "Nguồn: AFP", "Source: AP": where a story comes from, not who wrote it.
_SOURCE_NOTE = re.compile(r"^\(?\s*(?:theo|nguồn|source|quelle|fuente)\b", re.I)


def _credit_like(text: str) -> bool:
    """Short, not a source note, not in capitals (a heading or a place: "KEY POINTS")."""
    return len(text) <= _CREDIT_MAX_CHARS and not text.isupper() and not _SOURCE_NOTE.match(text)


def _next_element(node: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The next sibling element with text, past comments, line breaks and empty paragraphs."""
    following = node.getnext()
    while following is not None and (
        not isinstance(following.tag, str)
        or following.tag == "br"
        or (following.tag == "p" and not _text(following).strip("\xa0 "))
    ):
        following = following.getnext()
    return following


# Chinese and Japanese credit lines: "(责编：牛镛、岳弘彬)", "作者：张三", "記者：山田太郎".
_WRITER_CREDIT = re.compile(r"^[(（]?\s*(?:作者|记者|記者|撰文|文)\s*[:：]\s*(.+?)\s*[)）]?$")
_EDITOR_CREDIT = re.compile(r"^[(（]?\s*(?:责任编辑|責任編輯|责编|責編)\s*[:：]\s*(.+?)\s*[)）]?$")
_CJK_CREDIT_MAX_CHARS = 60
_CJK_CREDIT_LABEL = re.compile(
    r"^\s*[(（]?\s*(?:作者|记者|記者|撰文|文|责任编辑|責任編輯|责编|責編)\s*[:：]"
)
# Credit values that name nobody: "anonymous", "admin", "this paper's commentator".
_CJK_NO_NAME = re.compile(r"佚名|未知|匿名|管理员|本报|本站|评论员|小编|编辑部|admin", re.I)


def cjk_credits(tree: lxml.html.HtmlElement) -> tuple[list[str], list[str]]:
    """The writers and the editors named in a CJK credit line.

    Chinese news pages end with the responsible editor's name ("责编"), often the only
    credit the page prints; writers ("作者", "记者") are preferred when named. Only an
    element whose whole text is the credit line is read.
    """
    writers: list[str] = []
    editors: list[str] = []
    for node in tree.iter("p", "div", "span", "em", "small", "td", "li"):
        if len(node) > 2 or not node.text or not _CJK_CREDIT_LABEL.match(node.text):
            continue
        text = _text(node)
        if not text or len(text) > _CJK_CREDIT_MAX_CHARS:
            continue
        for pattern, found in ((_WRITER_CREDIT, writers), (_EDITOR_CREDIT, editors)):
            match = pattern.match(text)
            if (
                match
                and not found
                and not _CJK_NO_NAME.search(match.group(1))
                and not _in_noise(node)
            ):
                found.append(match.group(1))
    return writers, editors


def _times(tree: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    published = modified = None
    for node in tree.xpath(
        '//time[@datetime] | //*[@itemprop="datePublished"] | //*[@itemprop="dateModified"]'
    ):
        if _in_noise(node):
            continue
        value = node.get("datetime") or node.get("content")
        if not value:
            continue
        marker = f"{node.get('itemprop', '')} {node.get('class', '')} {_text(node)[:40]}"
        parent = node.getparent()
        if parent is not None:
            marker += f" {parent.get('class', '')}"
        if "dateModified" in marker or _MODIFIED_HINT.search(marker):
            modified = modified or value
        else:
            published = published or value
    return published, modified


def collect(tree: lxml.html.HtmlElement) -> Signals:
    """Read every signal of one parsed page."""
    skipped: list[str] = []
    with_depth = _read_jsonld(tree, skipped)
    objects = [obj for _, obj in with_depth]
    # References ({"@id": ...} alone) must not shadow the full object they point to.
    by_id = {
        obj["@id"]: obj
        for obj in objects
        if isinstance(obj.get("@id"), str) and set(obj) - {"@id", "@type"}
    }
    canonical = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href")
            break
    title_nodes = tree.xpath("//head/title")
    headlines = [_text(h) for h in tree.xpath("//h1") if _text(h) and not _in_noise(h)]
    published, modified = _times(tree)
    return Signals(
        jsonld=objects,
        by_id=by_id,
        article=_pick_article(with_depth),
        meta=MetaTags(tree),
        canonical=canonical,
        html_lang=tree.get("lang") or tree.get("xml:lang"),
        title_tag=_text(title_nodes[0]) if title_nodes else None,
        headlines=headlines,
        bylines=_bylines(tree),
        published_time=published,
        modified_time=modified,
        properties=_property_values(tree),
        skipped=skipped,
    )


def as_text(value: Any) -> str | None:
    """A JSON-LD value as one string (first of a list, ``name`` or ``@value`` of an object)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if value is None:
        return None
    # JSON-LD is often written by templates that HTML-escape it ("R&uuml;ckbau", "&#8217;").
    text = " ".join(html.unescape(str(value)).split())
    return text or None


def _resolve(found_by_id: dict[str, dict[str, Any]], value: Any) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id"):
        return found_by_id.get(value["@id"], value)
    return value


def jsonld_authors(found: Signals) -> list[str]:
    raw = found.article.get("author") or found.article.get("creator")
    if isinstance(raw, dict) and isinstance(raw.get("@list"), list):
        raw = raw["@list"]  # an ordered list, written out as JSON-LD allows
    if raw is None:
        return []
    names: list[str] = []
    for person in raw if isinstance(raw, list) else [raw]:
        person = _resolve(found.by_id, person)
        # An organisation credited as author is one too (pipelines.authors tells its kind).
        name = _person_name(person) if isinstance(person, dict) else as_text(person)
        if name:
            names.append(name)
    return names


def _person_name(person: dict[str, Any]) -> str | None:
    """A JSON-LD Person's ``name``, or its ``givenName`` and ``familyName`` when it has
    none."""
    name = as_text(person.get("name"))
    if name:
        return name
    parts = [as_text(person.get(key)) for key in ("givenName", "additionalName", "familyName")]
    return " ".join(p for p in parts if p) or None


_ANY_AUTHOR_META = re.compile(r"(?:^|[:._-]|article)author$")


def other_author_meta(meta: MetaTags) -> list[str]:
    """Author names in meta tags of less common names ("articleAuthor", "cXenseParse:author")."""
    return meta.matching(_ANY_AUTHOR_META)


def twitter_written_by(meta: MetaTags) -> list[str]:
    """The "Written by" label/value pair that WordPress SEO plugins put in Twitter meta tags."""
    names = meta.all("twitter:misc:written by")
    for i in (1, 2, 3):
        if (meta.first(f"twitter:label{i}") or "").strip().lower() == "written by":
            names += meta.all(f"twitter:data{i}")
    return names


def jsonld_publisher(found: Signals) -> str | None:
    publisher = _resolve(found.by_id, found.article.get("publisher"))
    if isinstance(publisher, dict):
        return as_text(publisher.get("name"))
    for obj in found.jsonld:
        if "WebSite" in types_of(obj):
            return as_text(obj.get("name"))
    return as_text(publisher)


# The page itself, as SEO plugins describe it; a listing or search page is not an article.
_PAGE_TYPES = ("WebPage", "ItemPage")


def jsonld_page_date(found: Signals) -> str | None:
    """``datePublished`` of the JSON-LD WebPage, for pages that describe no article object.

    SEO plugins (Yoast and others) write a WebPage with the post's publication date
    into every page, also where the theme gives no Article; the date is that of the
    page's first publication, less specific than an article's own.
    """
    for obj in found.jsonld:
        if any(t in _PAGE_TYPES for t in types_of(obj)):
            value = as_text(obj.get("datePublished"))
            if value:
                return value
    return None


def jsonld_url(article: dict[str, Any]) -> str | None:
    for key in ("url", "mainEntityOfPage"):
        value = article.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            return value
    return None


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


# Characters that never show and only break comparisons of titles: zero-width space,
# word joiner, zero-width no-break space (BOM), soft hyphen. The zero-width joiner and
# non-joiner stay: they change how Persian, Indic and emoji sequences are written.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))


def without_invisible(text: str | None) -> str | None:
    """``text`` without the characters that never show (None stays None)."""
    return text.translate(_INVISIBLE) if text else text


def pick_title(
    found: Signals,
    feed_title: str | None = None,
    disabled: frozenset[str] = frozenset(),
    host: str | None = None,
    path: str = "",
) -> tuple[str | None, str | None]:
    """The article's headline, by order of trust (docs/extraction.md).

    ``disabled``: signals and rules (``title:h1-agreement``, ``title:og-spelling``,
    ``title:kicker``, ``title:section``) to leave out, for the
    evaluation. ``host``: the page's host, whose domain names the site too; ``path``: its
    URL's path, whose folders name its section.

    Publishers write JSON-LD and social titles for this one article; an <h1> may be a
    kicker, a site logo or a modal's heading, so it comes after them. A site name
    appended to a social or <title> title ("Headline | Site") is cut off.
    """
    site_names = [n for n in (jsonld_publisher(found), found.meta.first("og:site_name")) if n]
    # the names the site gives itself for bookmarks and apps, and its Twitter handle
    site_names += [
        n.lstrip("@")
        for key in ("application-name", "apple-mobile-web-app-title", "twitter:site")
        for n in found.meta.all(key)[:1]
        if 2 <= len(n.lstrip("@")) <= 40
    ]
    # a last part two different titles of the page share ("A | Site", "B | Site")
    site_names += _shared_last_part(
        [found.title_tag, found.meta.first("og:title"), found.meta.first("twitter:title")]
    )
    # the site's name as its address spells it ("sabah" of www.sabah.com.tr)
    domain_name = registrable_domain(host).split(".")[0] if host else ""
    site_names += [domain_name] if len(domain_name) >= 4 else []
    candidates = [
        (
            "jsonld:headline",
            _strip_site_name(
                as_text(found.article.get("headline")), site_names, found.title_tag, found.headlines
            ),
        ),
        ("microdata:headline", found.prop("headline")),
        (
            "meta:twitter:title",
            _strip_site_name(
                found.meta.first("twitter:title"), site_names, found.title_tag, found.headlines
            ),
        ),
        (
            "meta:og:title",
            _strip_site_name(
                found.meta.first("og:title"), site_names, found.title_tag, found.headlines
            ),
        ),
        ("h1", found.headlines[0] if len(found.headlines) == 1 else None),
        (
            "title",
            _strip_site_name(
                found.title_tag, site_names, found.title_tag, found.headlines, force=True
            ),
        ),
        ("feed:title", feed_title),
    ]
    candidates = [(s, without_invisible(v)) for s, v in candidates]
    # A title that is only the site's name ("News.az") names no article; a "site name"
    # equal to the <title> is the page's title in the wrong tag, and proves nothing.
    known = {_norm(n) for n in site_names} - {_norm(found.title_tag or "")}
    candidates = [
        (s, None if s in disabled or v and _norm(v) in known else v) for s, v in candidates
    ]
    # The headline printed on the page, when a metadata title says the same, wins over
    # metadata titles that differ from it (an SEO or social rewrite of the headline).
    h1 = candidates[4][1]
    chosen: tuple[str | None, str | None] = (None, None)
    if h1 and "title:h1-agreement" not in disabled:
        for signal, value in candidates[:4]:
            if value and _norm(value) == _norm(h1):
                chosen = value, signal
                break
    if chosen[0] is None:
        chosen = next(((v, s) for s, v in candidates if v), (None, None))
    # The og:title is the plain-text title the publisher wrote for sharing. Saying the
    # same words, its spelling is kept (themes turn quotes curly and colons into dashes
    # in the HTML).
    og = candidates[3][1]
    if (
        chosen[0]
        and og
        and chosen[1] != "meta:og:title"
        and "title:og-spelling" not in disabled
        and _respelled(og) == _respelled(chosen[0])
    ):
        return og, "meta:og:title"
    # "Kicker - Headline", "Topic: Headline" ("Dachzeile"): a label set before the
    # headline, shown as such when another of the page's own titles is the headline
    # alone. (Where the og:title says the same words, kicker and all, the publisher
    # counts the kicker as part of its headline: kept, above. "Putin: 'We will not
    # stop'": a speaker before a quote is no kicker.)
    if chosen[0] and "title:kicker" not in disabled:
        match = _KICKER.match(chosen[0])
        if (
            match
            and match.group(2)[:1] not in _QUOTES
            and len(match.group(1)) < len(match.group(2))
        ):
            rest = _norm(match.group(2))
            for signal, value in candidates[:6]:
                if value and signal != chosen[1] and _norm(value) == rest:
                    return value, signal
    if chosen[0] and "title:section" not in disabled:
        return _without_section(chosen[0], _sections(found, path)), chosen[1]
    return chosen


def _shared_last_part(titles: list[str | None]) -> list[str]:
    """The last part ("| Site") that two of the page's titles with different headlines
    end with: the site's name, shown as the page shows it."""
    split = [_TITLE_SEPARATOR.split(" ".join(t.split())) for t in titles if t]
    ends = {}
    for parts in split:
        if len(parts) < 2 or not 2 <= len(parts[-1]) <= 40:
            continue
        head, last = _norm(" ".join(parts[:-1])), parts[-1]
        ends.setdefault(_norm(last), (last, set()))[1].add(head)
    # (heads of which one holds the other are one headline, with a site name before it)
    return [
        last
        for last, heads in ends.values()
        if any(a not in b and b not in a for a in heads for b in heads)
    ]


def _sections(found: Signals, path: str = "") -> set[str]:
    """The page's section as the page itself names it (normalised): its metadata's
    ``articleSection`` and ``article:section``, its breadcrumb trail (JSON-LD
    ``BreadcrumbList``), and the folders of its URL's ``path`` ("/us-news/2026/slug")."""
    names = list(keywords(found.article.get("articleSection"))) + found.meta.all("article:section")
    for obj in found.jsonld:
        if "BreadcrumbList" not in types_of(obj):
            continue
        items = obj.get("itemListElement")
        for item in (items if isinstance(items, list) else [])[:10]:
            if isinstance(item, dict):
                inner = item.get("item")
                names.append(
                    as_text(item.get("name"))
                    or (as_text(inner) if isinstance(inner, dict) else None)
                )
    names += [
        unquote(folder).replace("-", " ").replace("_", " ") for folder in path.split("/")[1:-1][:4]
    ]
    return {_norm(n) for n in names if isinstance(n, str) and 2 <= len(n) <= 40} - {""}


# A part at either end of a title, set off by a dash, a bar or a colon.
# A dash between words sets a part off only with spaces around it ("Davis Cup-Qualifiers"
# is one name), but for a section in a script without capitals ("발표-경제").
_LEADING_PART = re.compile(r"^([^:|–—-]{2,40}?)(?::\s+|\s+[–—-]\s+|\s*\|\s*)(?=\S)")
_TRAILING_PART = re.compile(r"(?<=\S)(\s+[–—-]\s+|\s*\|\s*|[–—-])([^:|–—-]{2,40})$")


def _without_section(title: str, sections: set[str]) -> str:
    """ "Sport - Headline", "Headline | Politik", "발표-경제": the page's section (see
    ``_sections``) set before or after the headline is cut."""
    if not sections:
        return title
    for pattern in (_TRAILING_PART, _LEADING_PART):
        match = pattern.search(title)
        if not match:
            continue
        part = match.group(pattern.groups)
        if _norm(part) not in sections:
            continue
        if pattern is _TRAILING_PART and match.group(1) in "–—-" and not script_is_caseless(part):
            continue  # "Zeppelin-Museum": a compound, not a section
        rest = (title[: match.start()] + title[match.end() :]).strip()
        # ("Trump: 'We will …'": a speaker before a quote is no section)
        if len(rest) > len(part) and rest[:1] not in _QUOTES:
            return rest
    return title


# The first part of a title and the rest, split at the first ": ", " - ", " – ", " — ".
_KICKER = re.compile(r"(.{2,60}?)(?::\s+|\s+[-–—]\s+)(.+)")


_QUOTES = "'‘’‚\"“”„«»‹›"
# What themes and editors re-spell in a headline: quotes, dashes, colons and spaces.
_RESPELLABLE = re.compile(r"[\s'‘’‚\"“”„«»‹›\-–—:]+")


def _respelled(title: str) -> str:
    """The title with quotes, dashes, colons and spaces removed; case and words kept."""
    return _RESPELLABLE.sub("", title)


# ("ㅣ", a Hangul letter, is set as a bar between a Korean headline and the site's name)
_TITLE_SEPARATOR = re.compile(r"\s+[|–—\-·•:»]\s+|\s*[|｜ㅣ]\s*")


# "28.04.2023", "2023-04-28", "4/28/2023": a date set after a title.
_DATE_PART = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
# ".com" ending a site name written as its domain ("DW.COM").
_DOMAIN_SUFFIX = re.compile(r"\.[a-z]{2,6}$", re.I)


def _strip_site_name(
    title: str | None,
    site_names: list[str],
    title_tag: str | None,
    headlines: list[str] = (),
    force: bool = False,
) -> str | None:
    """Cut "Headline | Site" down to "Headline".

    The last part is cut when it names the site, or (for <title>, or a social title
    equal to <title>) when it is short enough to be a site name.
    """
    if not title:
        return title
    title = " ".join(title.split())
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    # "DW.COM" names the site "DW" too.
    known = {_norm(n) for n in site_names} | {
        _norm(_DOMAIN_SUFFIX.sub("", n)) for n in site_names if _DOMAIN_SUFFIX.search(n)
    }
    # "Headline | Site | 28.04.2023": dates after the last separator are cut, then the
    # site's name.
    while len(parts) >= 2 and (_DATE_PART.fullmatch(parts[-1]) or _norm(parts[-1]) in known):
        site = _norm(parts[-1]) in known
        title = _before_last_separator(title)
        parts = parts[:-1]
        if site or len(parts) < 2:
            return title  # what is left before the site's name is the headline
    last = parts[-1]
    # "Site | Headline": the site's name first.
    if _norm(parts[0]) in known:
        return title[_TITLE_SEPARATOR.search(title).end() :].strip()
    # An <h1> that prints the whole title shows the last part belongs to the headline.
    if _norm(last) not in known and _norm(title) in {_norm(h) for h in headlines}:
        return title
    # "Headline - Sabah haberler": the site's name with a word or two ("news") after it.
    named = {w for n in known for w in [n.replace(" ", "")] if len(w) >= 4}
    if len(last.split()) <= 3 and any(w in named for w in _norm(last).split()):
        return _before_last_separator(title)
    same_as_tag = title_tag is not None and _norm(title) == _norm(title_tag)
    separator = _last_separator(title).group(0).strip()
    short = len(last) <= 30 and len(last) < len(title) / 2
    # "Headline | Site" is a convention; "Part one - part two" may be the headline itself.
    if _norm(last) in known or (short and (force or same_as_tag or separator in "|｜")):
        return _before_last_separator(title)
    return title


def _last_separator(title: str) -> re.Match[str]:
    """The last separator of a title that has one."""
    return list(_TITLE_SEPARATOR.finditer(title))[-1]


def _before_last_separator(title: str) -> str:
    return title[: _last_separator(title).start()].strip()


def date_in_url(url: str) -> str | None:
    match = _URL_DATE.search(url)
    return "-".join(match.groups()) if match else None


# A dateline is short ("Written: 2023-11-07 15:03", "am 20.09.2020", "13 Oct 2020 18:29");
# a longer text holding a date is prose about some event.
_DATELINE_MAX_CHARS = 40
# Datelines sit right under the headline; this much text after it is searched.
_DATELINE_WINDOW = 1000
_SPACED_DMY = re.compile(r"\b(\d{1,2})\.\s+(\d{1,2})\.\s+((?:19|20)\d{2})\b")
_DATELINE_SKIP = {"script", "style", "noscript", "template"}
_UPDATE_LABEL = re.compile(
    r"updat|modif|edited|aktualisiert|geändert|mis à jour|actualiz|aggiornat|bijgewerkt", re.I
)


def _window(now: datetime | None) -> tuple[datetime, datetime]:
    """The plausible publication window (pipelines/page_dates.py) as htmldate wants it."""
    return naive_window(now)


def date_after_headline(tree: lxml.html.HtmlElement, now: datetime) -> str | None:
    """The first short date text shown after the page's headline (its dateline).

    For pages without machine-readable dates: news and blog templates print the date
    next to the headline, in the reader's format ("13 Oct 2020", "20.09.2020"). The
    headline is the longest <h1> outside noise zones (a logo may be an <h1> too); dates
    labelled as an update are skipped.
    """
    found = _dateline(tree, now)
    return found[0] if found else None


def dateline_before_text(tree: lxml.html.HtmlElement, now: datetime) -> str | None:
    """The dateline's date when no sentence of the story comes between the headline and
    it: the date the page prints as its own, not a date further down ("Termin:
    21.02.2020" in an events list)."""
    found = _dateline(tree, now)
    return found[0] if found and not found[2] else None


# "Jane Doe |", "Jane Doe ·": a name set off from the date that follows it.
_BEFORE_DATE_SEPARATOR = re.compile(r"\s*[|•·]\s*$")


def byline_before_dateline(tree: lxml.html.HtmlElement, now: datetime) -> list[str]:
    """The name printed just before the dateline, set off by a separator ("Jane Doe | 05.04.2025").

    For pages that mark up no author: templates often print the author and the date in
    one row under the headline. Only an element of its own ending in "|", "•" or "·" is
    read, so a sentence or a label before the date is not taken for a name.
    """
    found = _dateline(tree, now)
    if not found or found[1] is None:
        return []
    before = found[1]
    if not _BEFORE_DATE_SEPARATOR.search(before):
        return []
    name = _BEFORE_DATE_SEPARATOR.sub("", before)
    if not name or name.endswith(":"):
        return []
    # "Middle East |": a section named in the site's menus, not a person.
    sections = {_text(a).casefold() for a in tree.xpath("//nav//a | //header//a")}
    return [] if name.casefold() in sections else [name]


def _dateline(tree: lxml.html.HtmlElement, now: datetime) -> tuple[str, str | None, bool] | None:
    """The dateline's date, the element text just before it (``None`` if a tail), and
    whether a text longer than a dateline (a sentence) came between the headline and it."""
    from htmldate.extractors import try_date_expr

    headings = [h for h in tree.iter("h1") if _text(h) and not _in_noise(h)]
    if not headings:
        return None
    headline = max(headings, key=lambda h: len(_text(h)))
    inside = set(headline.iter())
    oldest, newest = _window(now)
    seen = 0
    nodes = tree.iter()
    for node in nodes:  # advance to the headline; the text after it is read below
        if node is headline:
            break

    def segments() -> Iterator[tuple[lxml.html.HtmlElement, str | None, bool]]:
        yield headline, headline.tail, False
        for node in nodes:
            if node in inside:
                continue
            if isinstance(node.tag, str) and node.tag not in _DATELINE_SKIP:
                yield node, node.text, True
            yield node, node.tail, False

    before: str | None = None
    after_text = False
    for node, raw, own in segments():
        if not raw or raw.isspace():
            continue
        text = " ".join(raw.split())
        seen += len(text)
        if len(text) <= _DATELINE_MAX_CHARS and not _UPDATE_LABEL.search(text):
            # "4. 2. 2022" (spaced day and month, usual in Central Europe) -> "4.2.2022"
            found = try_date_expr(
                _SPACED_DMY.sub(r"\1.\2.\3", text), "%Y-%m-%d", False, oldest, newest
            )
            if found and not _in_noise(node):
                return found, before, after_text
        after_text = after_text or len(text) > _DATELINE_MAX_CHARS
        before = text if own else None
        if seen > _DATELINE_WINDOW:
            return None
    return None


# "Published 12 March 2019", "Dieser Beitrag wurde am 3. Dezember 2011 veröffentlicht",
# "Publié le 12/03/2019", "Publicado el 12 de marzo de 2019", "Pubblicato il 12.03.2019".
_PUBLISHED_LABEL = re.compile(
    r"\bpublished\b|ver(?:ö|oe)ffentlicht|\bpubli[ée]e?s?\b|\bpublicad[oa]s?\b|"
    r"\bpubblicat[oaie]\b|\bgepubliceerd\b",
    re.I,
)
# A date written inside a sentence: ISO, numeric, "3. Dezember 2011", "December 3rd, 2011".
_DATE_IN_TEXT = re.compile(
    r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th|\.|º)?\s+(?:de\s+|of\s+)?[^\W\d_]{3,}\.?,?\s+(?:de\s+)?(?:19|20)\d{2}\b|"
    r"\b[^\W\d_]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b"
)
# At most this many characters between a label and the date it introduces.
_LABEL_REACH = 50
# A labelled sentence is read within its element, or a parent this short ("<span>Published
# </span> <time>12 March 2019</time>").
_LABEL_BLOCK_MAX_CHARS = 300


def _date_next_to_label(text: str) -> str | None:
    """The date text nearest to a "published" label in ``text``, if close enough."""
    best: tuple[int, str] | None = None
    for label in _PUBLISHED_LABEL.finditer(text):
        for found in _DATE_IN_TEXT.finditer(text):
            if found.start() >= label.end():
                gap = text[label.end() : found.start()]
            else:
                gap = text[found.end() : label.start()]
            if len(gap) > _LABEL_REACH or _UPDATE_LABEL.search(gap):
                continue
            if best is None or len(gap) < best[0]:
                best = (len(gap), found.group(0))
    return best[1] if best else None


def labelled_date(tree: lxml.html.HtmlElement, now: datetime) -> str | None:
    """A date the page labels as its publication ("Veröffentlicht am 3. Dezember 2011").

    For pages without machine-readable dates: blog and CMS templates print the
    publication date in a sentence or next to a label, often in a footer under the post.
    The date is cut out of the labelled text (date parsers refuse long strings); the
    first label outside noise zones with a date close to it wins.
    """
    from htmldate.extractors import try_date_expr

    oldest, newest = _window(now)
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in _DATELINE_SKIP:
            continue
        own = [node.text or ""] + [child.tail or "" for child in node]
        labelled = [piece for piece in own if _PUBLISHED_LABEL.search(piece)]
        if not labelled:
            continue
        block: lxml.html.HtmlElement | None = node
        for _ in range(3):  # the element, its parent, its grandparent
            if block is None:
                break
            text = _text(block)
            if len(text) > _LABEL_BLOCK_MAX_CHARS:
                if block is not node:
                    break
                # a long element: only its own sentences that hold the label
                text = " ".join(" ".join(labelled).split())
            written = _date_next_to_label(text)
            if written:
                if _in_noise(node):
                    break
                found = try_date_expr(written, "%Y-%m-%d", True, oldest, newest)
                if found:
                    return found
                break
            block = block.getparent()
    return None


# A label that is a whole element of its own, with the date as its value: "<strong>Datum
# </strong> 28.04.2023", "<dt>Published</dt><dd>12 March 2019</dd>". Matched exactly (after
# dropping a colon), so "date" in prose or "Updated" never counts.
_VALUE_LABELS = frozenset(
    " ".join(label.split())
    for label in (
        "date", "datum", "published", "publication date", "date published",
        "veröffentlicht", "veröffentlicht am", "erschienen", "erschienen am",
        "erscheinungsdatum", "publié", "publié le", "date de publication", "fecha",
        "fecha de publicación", "publicado", "publicado el", "data",
        "data di pubblicazione", "pubblicato il", "data de publicação", "gepubliceerd",
        "gepubliceerd op", "posted", "posted on",
    )
)  # fmt: skip


def label_value_date(tree: lxml.html.HtmlElement, now: datetime) -> str | None:
    """A date given as the value of a "Date"/"Datum"/"Published" label element.

    For pages without machine-readable dates: article templates often print a small
    facts list ("Datum 28.04.2023", "Published: 12 March 2019") beside the article.
    """
    from htmldate.extractors import try_date_expr

    oldest, newest = _window(now)
    for value in _label_values(tree, _VALUE_LABELS):
        if len(value) > _DATELINE_MAX_CHARS:
            continue
        found = try_date_expr(
            _SPACED_DMY.sub(r"\1.\2.\3", value), "%Y-%m-%d", False, oldest, newest
        )
        if found:
            return found
    return None


# The first day of a month written as a full date with ``y`` and ``m`` filled in: numbers
# (2026-02-01, 01.02.2026, 02/01/2026), a day before or after a month's name in any
# language (the name itself is not checked: the date it belongs to is in the page), or
# a Chinese or Japanese date.
_FIRST_OF_MONTH = (
    r"{y}[-/.]0?{m}[-/.]0?1(?!\d)|(?<!\d)0?1[-/.]0?{m}[-/.]{y}|(?<!\d)0?{m}[-/.]0?1[-/.]{y}"
    r"|(?<!\w)\w{{3,12}}\.?\s+0?1(?:st)?,?\s+{y}"
    r"|(?<!\d)0?1(?:st|er|\.|º)?\s+(?:de\s+|of\s+)?\w{{3,12}}\.?,?\s+(?:de\s+)?{y}"
    r"|{y}\s*年\s*0?{m}\s*月\s*0?1\s*日"
)


def _first_of_month_written(tree: lxml.html.HtmlElement, year: int, month: int) -> bool:
    """True when the page writes the first of ``month`` in ``year`` as a full date."""
    pattern = re.compile(_FIRST_OF_MONTH.format(y=year, m=month), re.I)
    return pattern.search(tree.text_content()) is not None


def htmldate_guess(tree: lxml.html.HtmlElement, url: str, now: datetime) -> str | None:
    """htmldate's guess at the original publication date (text heuristics, last resort).

    Its text search ends with years alone (a copyright line, "since 1995" in the story)
    and months alone (what it reads of an impossible "2026-02-30"), which it returns as
    the first of that year or month. A year or month found in running text is no
    publication date, so a first of the month counts only when htmldate finds it without
    the text search too (in markup, a URL), or the page writes it as a full date.
    """
    from htmldate import find_date

    oldest, newest = _window(now)
    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=True,
            min_date=oldest,
            max_date=newest,
        )
        if found and found.endswith("-01"):
            confirmed = find_date(
                tree,
                url=url,
                original_date=True,
                extensive_search=False,
                min_date=oldest,
                max_date=newest,
            )
            year, month = int(found[:4]), int(found[5:7])
            if confirmed != found and not _first_of_month_written(tree, year, month):
                found = None
        return found
    except (ValueError, TypeError, OverflowError) as exc:
        log.debug("htmldate failed on %s: %s", url, exc)
        return None


def keywords(value: Any) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else re.split(r"\s*[,;]\s*", str(value))
    return [" ".join(str(i).split()) for i in items if str(i).strip()]


def language_code(value: str | None) -> str | None:
    """ "en-US", "en_GB" -> "en"; anything that is not a language tag -> None."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None
