"""A stand-in for googlenewsdecoder in the tests (STARCITY_GNEWS_DECODER): it asks the
demo web's /_test/gnews-decode, on loopback, instead of Google."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from urllib.parse import urlsplit


def _ask(url: str, timeout: float) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.load(answer)["decoded_url"]


async def decode(link: str, timeout: float) -> str:
    parts = urlsplit(link)
    ident = parts.path.rsplit("/", 1)[-1]
    asked = f"{parts.scheme}://{parts.netloc}/_test/gnews-decode?id={ident}"
    return await asyncio.to_thread(_ask, asked, timeout)
