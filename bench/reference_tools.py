"""Reference extractors behind the evaluate.py contract, for docs/accuracy.md.

`../shared/eval/anchors.py` covers htmldate, trafilatura's metadata and newspaper4k;
this adds trafilatura's full `bare_extraction` (metadata and main text), the cost our
extractor is compared with. Run in the evaluation venv (`make accuracy`).
"""

from __future__ import annotations


def trafilatura_bare(html: str, url: str) -> dict:
    """trafilatura.bare_extraction with metadata: title, author, date and the main text."""
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url or None, with_metadata=True)
    if doc is None:
        return {"title": None, "authors": [], "published": None}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"title": doc.title, "authors": authors, "published": doc.date}
