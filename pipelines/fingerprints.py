"""Duplicates on three levels, linked and never dropped.

1. ``url``: the same article under another address (www./m./amp. hosts, AMP paths,
   trailing slashes, index pages, tracking parameters, "#rss" fragments); and
   ``canonical``: a page on another site that declares the article as its canonical
   (syndication), linked when the article is stored, before or after it.
2. ``text``: the same words (hash of the normalised main text).
3. ``near``: a copy under other page chrome or with small edits (MinHash over word
   5-shingles, datasketch's LSH; Jaccard estimate >= STARCITY_DEDUPE_NEAR_THRESHOLD).

The duplicates component (starcity/components/duplicates.py) compares each new article
with everything stored before and with the rest of the crawl through a DuplicateIndex,
and records the match in ``duplicate_match`` / ``duplicate_kind``. Which copy of a group
is the original (the earliest published) is settled after the crawl by
`db.duplicates.resolve`, which sets ``duplicate_of`` on the other copies.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from itertools import islice
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from datasketch import MinHash, MinHashLSH

from starcity.urls import normalize_url

NUM_PERM = 128
# Stored signatures are only comparable within one permutation scheme: name it explicitly.
SCHEME = "affine32"
SHINGLE = 5
MIN_WORDS = 40  # shorter texts are too small for a meaningful near-duplicate test
_INDEX_PAGE = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?)$", re.I)
_HOST_PREFIX = re.compile(r"^(?:www\d?|m|mobile|amp)\.")


def url_key(url: str) -> str:
    """The address with every variant of the same page folded together."""
    parts = urlsplit(normalize_url(url))
    host = _HOST_PREFIX.sub("", parts.netloc)
    path = _INDEX_PAGE.sub("/", parts.path).rstrip("/") or "/"
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


# The near-duplicate signature covers the first this many words of a text. Its cost
# grows with the number of shingles (about 1 KB each while hashing); two texts that agree
# on their first 20,000 words (a book's length; news articles are far shorter) and differ
# only after them count as near-copies.
MAX_SHINGLED_WORDS = 20_000
# Shingles hashed at once: bounds datasketch's temporary arrays to about 2 MB.
_HASH_CHUNK = 2_000
_WORD = re.compile(r"\w+")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def text_hash(text: str | None) -> str | None:
    """SHA-1 of the normalised words joined by spaces, computed as they are read (a long
    text is never held as a list of words); None below MIN_WORDS words."""
    return _hash_of_folded(_folded(text or ""))


def _hash_of_folded(folded: str) -> str | None:
    digest = hashlib.sha1()
    count = 0
    for match in _WORD.finditer(folded):
        digest.update((" " + match.group(0) if count else match.group(0)).encode())
        count += 1
    return digest.hexdigest() if count >= MIN_WORDS else None


def minhash(text: str | None) -> MinHash | None:
    return _minhash_of_folded(_folded(text or ""))


def _minhash_of_folded(folded: str) -> MinHash | None:
    words = [m.group(0) for m in islice(_WORD.finditer(folded), MAX_SHINGLED_WORDS)]
    if len(words) < MIN_WORDS:
        return None
    shingles = list({" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)})
    signature = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    for start in range(0, len(shingles), _HASH_CHUNK):
        signature.update_batch([s.encode() for s in shingles[start : start + _HASH_CHUNK]])
    return signature


def fingerprint(record: dict) -> dict[str, str | bytes | None]:
    """What the duplicate check compares of an article: ``url_key`` of its canonical URL,
    ``text_hash`` and ``minhash`` (signature bytes) of its text, both from one folding of
    the text."""
    folded = _folded(record.get("text") or "")
    signature = _minhash_of_folded(folded)
    return {
        "url_key": url_key(record["canonical_url"]),
        "text_hash": _hash_of_folded(folded),
        "minhash": signature_bytes(signature) if signature is not None else None,
    }


def signature_bytes(signature: MinHash) -> bytes:
    return signature.hashvalues.astype(np.uint64).tobytes()


def signature_from_bytes(blob: bytes) -> MinHash:
    values = np.frombuffer(blob, dtype=np.uint64)
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME)


class DuplicateIndex:
    """What has been seen: URL keys, text hashes and MinHash signatures, by canonical URL."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.by_url_key: dict[str, str] = {}
        self.by_text_hash: dict[str, str] = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.signatures: dict[str, MinHash] = {}
        self.digests: dict[str, str] = {}  # canonical URL -> the text hash it was added with

    def add(self, canonical: str, key: str, digest: str | None, sig: MinHash | None) -> None:
        self.by_url_key.setdefault(key, canonical)
        if digest:
            self.by_text_hash.setdefault(digest, canonical)
            self.digests.setdefault(canonical, digest)
        if sig is not None and canonical not in self.signatures:
            self.signatures[canonical] = sig
            self.lsh.insert(canonical, sig)

    def replace(self, canonical: str, key: str, digest: str | None, sig: MinHash | None) -> None:
        """``add``, over what was added for ``canonical`` before (an article derived
        again: its text, and so its hash and signature, may have changed)."""
        old = self.digests.pop(canonical, None)
        if old is not None and self.by_text_hash.get(old) == canonical:
            del self.by_text_hash[old]
        if self.signatures.pop(canonical, None) is not None:
            self.lsh.remove(canonical)
        self.add(canonical, key, digest, sig)

    def match(
        self,
        canonical: str,
        key: str,
        digest: str | None,
        sig: MinHash | None,
        allowed: Callable[[str], bool] | None = None,
    ) -> tuple[str, str, float] | None:
        """(original, kind, similarity) of the first level that matches, or None.

        ``allowed``: which articles may be the original (a reprocess: those seen before
        this one), None for any."""

        def may_be(other: str | None) -> bool:
            return bool(other) and other != canonical and (allowed is None or allowed(other))

        original = self.by_url_key.get(key)
        if may_be(original):
            return original, "url", 1.0
        original = self.by_text_hash.get(digest) if digest else None
        if may_be(original):
            return original, "text", 1.0
        if sig is None:
            return None
        best: tuple[str, str, float] | None = None
        for other in self.lsh.query(sig):
            if not may_be(other):
                continue
            similarity = sig.jaccard(self.signatures[other])
            if similarity >= self.threshold and (best is None or similarity > best[2]):
                best = (other, "near", round(similarity, 3))
        return best
