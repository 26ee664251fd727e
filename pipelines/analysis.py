"""Everything the crawl computes about one fetched page, as one step: extraction,
relevance, fingerprints for the duplicate check, and people and dates of the articles
whose relevance label is analysed.

These are the crawl's CPU-heavy steps, and none of them needs anything but the page and
the configuration, so the analysis component (starcity/components/analysis.py) runs them
in worker processes, a batch of pages at a time: ``start_worker`` builds one
``PageAnalyser`` (pipelines/analyser.py) per process, where the spaCy model loads once,
and ``analyse_in_worker`` runs a batch. With no workers the component builds a
``PageAnalyser`` itself. This module imports none of the steps: the crawl's process,
which only sends pages and receives records, never loads spaCy, trafilatura or dateparser.
"""

from __future__ import annotations

import contextlib
import ctypes
import resource
import signal
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starcity.config import Topic

if TYPE_CHECKING:
    from pipelines.analyser import PageAnalyser


@dataclass(frozen=True)
class AnalysisConfig:
    """What a worker needs to analyse pages: the topic, the knowledge base (as read from
    its file), the spaCy models, which relevance labels get people and dates, and how many
    texts spaCy parses at a time."""

    topic: Topic
    knowledge: dict[str, Any]
    model: str
    labels: frozenset[str]
    ner_batch_size: int = 16
    # language code -> spaCy model for texts in other languages (None: the default)
    language_models: dict[str, str] | None = None


@dataclass
class PageIn:
    """A fetched page, as much of it as the analysis reads."""

    url: str
    body: bytes
    headers: dict[str, str] | None = None
    fetched_at: datetime | None = None
    hints: dict[str, Any] | None = None


@dataclass
class PageOut:
    """What the analysis made of one page.

    ``article`` is the record (None when there is none); ``problem`` names why not
    (``extract_failed``, ``empty_page``) or what went wrong after extraction
    (``analyse_failed``: the article is kept without people and dates), with
    ``message``; ``cpu`` holds CPU seconds by stage.
    """

    article: dict[str, Any] | None
    problem: str | None = None
    message: str | None = None
    cpu: dict[str, float] = field(default_factory=dict)


# The worker process's analyser, built by start_worker.
_analyser: PageAnalyser | None = None


def start_worker(config: AnalysisConfig) -> None:
    """Initialise a worker process: build its analyser (loads the spaCy model).

    Ctrl-C in a terminal reaches every process of the group, and a service manager's
    SIGTERM may too: a worker ignores both, so that the crawl's graceful stop can finish
    the batches in flight; the component ends the workers when the crawl closes.
    """
    from pipelines.analyser import PageAnalyser

    global _analyser
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _analyser = PageAnalyser(config)


def analyse_in_worker(pages: list[PageIn], now: datetime) -> tuple[list[PageOut], int]:
    """Analyse a batch in a worker; returns the results and the worker's peak RSS in KB."""
    if _analyser is None:
        raise RuntimeError("start_worker was not called in this process")
    results = _analyser.analyse(pages, now)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _give_back_memory()
    return results, peak


def _give_back_memory() -> None:
    """Return the heap's free memory to the system after a batch (glibc keeps it
    otherwise): a large page costs its worker memory while it is read, not until the
    worker ends. No standard or library call does this; glibc's malloc_trim does."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)
