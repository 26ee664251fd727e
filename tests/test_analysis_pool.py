"""The analysis pool: batches, real worker processes, a worker that dies or hangs."""

from __future__ import annotations

import asyncio
import os

from pipelines.analysis import AnalysisConfig, PageIn
from starcity.components.analysis import AnalysisPool, default_workers
from starcity.config import Topic
from tests import pool_work

CONFIG = AnalysisConfig(Topic("t", ("t",)), {}, "none", frozenset({"relevant"}))


def pool(**options) -> AnalysisPool:
    options.setdefault("workers", 2)
    return AnalysisPool(CONFIG, initializer=pool_work.start, work=pool_work.work, **options)


def pages(*bodies: str) -> list[PageIn]:
    return [PageIn(f"http://127.0.0.1/{n}", body.encode()) for n, body in enumerate(bodies)]


def run(the_pool: AnalysisPool, batch: list[PageIn]) -> list:
    async def go() -> list:
        the_pool.open()
        try:
            return await asyncio.gather(*(the_pool.analyse(p) for p in batch))
        finally:
            await the_pool.close()

    return asyncio.run(go())


def test_pages_go_to_worker_processes_in_batches():
    the_pool = pool(batch_size=3, batch_wait=0.05)
    outs = run(the_pool, pages(*["ok"] * 7))
    assert [o.article["url"] for o in outs] == [f"http://127.0.0.1/{n}" for n in range(7)]
    # two full batches, the last page sent by the timer
    assert sorted(o.article["batch"] for o in outs) == [1, 3, 3, 3, 3, 3, 3]
    assert {o.article["pid"] for o in outs} <= set(range(1, 2**22)) - {os.getpid()}
    assert the_pool.pool is None  # the workers ended with the last user
    assert the_pool.worker_peak_kb == 1024


def test_a_worker_that_dies_is_replaced_and_only_the_page_that_killed_it_is_lost():
    the_pool = pool(batch_size=4)
    outs = run(the_pool, pages("ok", "kill", "ok", "ok", "ok", "ok", "ok", "ok"))
    assert [o.problem for o in outs] == [None, "worker_failed"] + [None] * 6
    assert "ProcessExpired" in outs[1].message
    # the batch's other pages were tried once more, each alone, in new workers
    assert [o.article["batch"] for o in outs if o.article][:3] == [1, 1, 1]
    assert the_pool.failed_batches == 1


def test_a_batch_that_hangs_is_ended_and_its_worker_replaced():
    the_pool = pool(batch_size=2, timeout=2)
    outs = run(the_pool, pages("hang", "ok", "ok", "ok"))
    assert [o.problem for o in outs] == ["worker_failed", None, None, None]
    assert "TimeoutError" in outs[0].message


def test_a_batch_that_raises_is_tried_again_page_by_page():
    outs = run(pool(batch_size=3), pages("ok", "raise", "ok"))
    assert [o.problem for o in outs] == [None, "worker_failed", None]
    assert "a batch that fails" in outs[1].message


def test_the_spiders_of_a_crawl_share_one_pool_until_the_last_closes():
    the_pool = pool(batch_size=1)

    async def go() -> None:
        the_pool.open()
        the_pool.open()
        await the_pool.analyse(pages("ok")[0])
        assert the_pool.pool is not None
        await the_pool.close()
        assert the_pool.pool is not None  # the other spider still crawls
        await the_pool.analyse(pages("ok")[0])
        await the_pool.close()
        assert the_pool.pool is None

    asyncio.run(go())


def test_with_no_workers_pages_are_analysed_in_the_crawl_process():
    from pipelines.entities import DEFAULT_MODEL
    from starcity.config import load_knowledge, load_topic

    config = AnalysisConfig(load_topic(), load_knowledge(), DEFAULT_MODEL, frozenset({"relevant"}))
    the_pool = AnalysisPool(config, workers=0, batch_size=2)
    text = "Star City, the Apple TV spinoff of For All Mankind, stars Rhys Ifans. " * 3
    html = f"<html lang=en><title>Star City</title><body><h1>Star City</h1><p>{text}</p>"
    outs = run(the_pool, [PageIn(f"http://127.0.0.1/{n}", html.encode()) for n in range(3)])
    assert [o.article["relevance"] for o in outs] == ["relevant"] * 3
    assert all("rhys-ifans" in {p["person_id"] for p in o.article["people"]} for o in outs)
    assert the_pool.pool is None and the_pool.local is not None  # no worker was started


def test_the_default_is_one_worker_per_core():
    assert default_workers() == len(os.sched_getaffinity(0))
