"""A crawler of a distributed run (docs/distributed.md): the frontier and the seen-URL
filter in Redis, shared by every crawler process of the run, on any machine.

Built on scrapy-redis 0.9.1 (its scheduler, priority queue and duplicate filter), with
what a crawl that loses nothing needs and that release does not do; adapted here:

- Its ``RedisSpider`` reads start URLs through ``start_requests()``, which Scrapy 2.13
  replaced by ``start()``: our own spiders are used instead, and their start requests
  (the feeds) are handed out by ``SourceClaimMiddleware``, so each feed is read once per
  run whichever crawlers start.
- Its queue pops a request for good: a crawler killed with requests under way lost them.
  ``ReliableQueue`` moves each popped request into the crawler's in-flight hash in the
  same Redis call (a Lua script); the scheduler removes it once Scrapy is done with the
  request (its callback and its items through the pipelines, items pushed to the
  writer). A crawler whose heartbeat stops has its in-flight requests put back in the
  queue by the others.
- It pickles requests, and unpickling what a Redis holds runs whatever was written
  there: requests travel as JSON (starcity/components/redisrun.py). The browser meta of a
  rendered page (functions) is left out and made again from the source when popped.
- Its scheduler clears the shared queue when a spider closes unless told to persist, and
  its spider waits forever when idle: the queue persists, and a crawler closes once the
  whole run (every crawler) has nothing queued, nothing in flight and nothing to start.

The crawler never opens the database: what it must know before fetching (stored pages,
feed validators, Google News links) comes from Redis (``RedisCrawlState``), what it
analysed goes to the run's item list (``RedisItemPipeline``) for the one writer
(starcity/writer.py), its counters to the run's stats (``WorkerExtension``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import FunctionType
from typing import Any
from urllib.parse import urlsplit

import redis
from itemadapter import ItemAdapter
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from spiders.items import FetchedPage, SeenPage
from spiders.render import render_meta
from starcity.components import redisrun
from starcity.components.redisrun import Keys

log = logging.getLogger(__name__)

# Request meta that cannot travel as JSON: the browser's, made again when popped.
_RENDER_META = (
    "playwright",
    "playwright_context",
    "playwright_page_init_callback",
    "playwright_page_methods",
)
_TOKEN = "frontier_token"
# A crawler's finish reason when Redis stayed unreachable past its retries.
REDIS_GONE = "redis_unavailable"
# ... and when the writer recorded the run without it (it joined as the run ended).
RUN_OVER = "run_recorded"

# Pop the best request and keep it in the crawler's in-flight hash under the caller's
# token, in one step: a crawler killed between the two would otherwise lose it. The same
# token again (the client retrying a call whose answer was lost) gets the same request.
# KEYS: queue, in-flight hash; ARGV: token.
_POP = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then return held end
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], ARGV[1], found[1])
return found[1]
"""

# Queue a request unless the run has seen it (scrapy-redis's filter and queue in one step:
# a retried call, or a crawler killed between the two, would otherwise mark it seen and
# never queue it). KEYS: seen set, queue; ARGV: fingerprint ('' for none), score, request.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Put a dead crawler's requests back in the queue, once (KEYS: its in-flight hash, the
# queue); returns how many. The score is the request's priority, kept in its JSON.
_REQUEUE = """
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 2, #all, 2 do
  local ok, request = pcall(cjson.decode, all[i])
  local score = 0
  if ok and type(request) == 'table' and tonumber(request['priority']) then
    score = -tonumber(request['priority'])
  end
  redis.call('ZADD', KEYS[1 + 1], score, all[i])
  n = n + 1
end
redis.call('DEL', KEYS[1])
return n
"""

# The next moment a request to a site may go, shared by every crawler (KEYS: the site's
# key; ARGV: the interval in ms): reserves it and returns the wait in ms. Redis's clock,
# so machines with clocks apart still share one rate.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], slot + interval, 'PX', slot + interval - now + 60000)
return slot - now
"""

# The larger of two values (peaks, maxima) kept in the stats hash.
_MAX = """
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '') or -math.huge
if tonumber(ARGV[2]) > old then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
"""


def keys_of(settings: Any) -> Keys:
    run_id = settings.getint("STARCITY_RUN_ID", 0)
    if not run_id:
        raise NotConfigured("no distributed run (STARCITY_RUN_ID)")
    return Keys(settings.get("STARCITY_REDIS_PREFIX") or redisrun.DEFAULT_PREFIX, run_id)


def worker_of(settings: Any) -> str:
    """This crawler's name in the run (STARCITY_WORKER_ID, set once per process)."""
    return settings.get("STARCITY_WORKER_ID") or redisrun.worker_id()


def client_of(settings: Any) -> Any:
    url = settings.get("STARCITY_REDIS_URL")
    if not url:
        raise NotConfigured("STARCITY_REDIS_URL is not set")
    return redisrun.connect(url, settings.getfloat("STARCITY_REDIS_RETRY_SECONDS", 60.0))


def encode_request(request: Request, spider: Spider) -> bytes:
    """The request as JSON: its callbacks by name, no browser meta (made again on
    decoding), no value JSON cannot hold (dropped, and logged)."""
    data = request.to_dict(spider=spider)
    meta = dict(data.get("meta") or {})
    render = bool(meta.get("playwright"))
    for key in (*_RENDER_META, _TOKEN):
        meta.pop(key, None)
    for key, value in list(meta.items()):
        try:
            json.dumps(redisrun.encoded(value))
        except (TypeError, ValueError):
            log.warning("frontier: request meta %r of %s cannot be shared: dropped", key, request)
            del meta[key]
    if render:
        meta["$render"] = True
    data["meta"] = meta
    data["headers"] = [[k, v] for k, v in (data.get("headers") or {}).items()]
    return redisrun.dumps(data)


# The request meta a queued request may bring: what our spiders and Scrapy's redirects and
# retries set. Anything else (the browser's functions and contexts, made again here from
# the source; a proxy, an address to send from, robots.txt or size limits waived) is not
# taken from Redis.
_KEPT_META = {
    "source", "role", "discovered_via", "hints", "handle_httpstatus_list", "listing_depth",
    "sitemap_depth", "gnews", "gnews_link", "redirect_urls", "redirect_times", "redirect_ttl",
    "redirect_reasons", "retry_times", "dont_retry", "$render",
}  # fmt: skip


def decode_request(data: bytes, spider: Spider) -> Request:
    """A queued request, made again for ``spider``: a Request (never another class), its
    callbacks methods of our spiders only, no meta that would load code or move traffic."""
    obj = redisrun.loads(data)
    if not isinstance(obj, dict) or not isinstance(obj.get("url"), str):
        raise ValueError("not a request")
    obj.pop("_class", None)
    for name in ("callback", "errback"):
        if obj.get(name) is not None:
            wanted = str(obj[name])
            method = inspect.getattr_static(type(spider), wanted, None)
            ours = isinstance(method, FunctionType) and method.__module__.startswith("spiders.")
            if wanted.startswith("_") or not ours:
                raise ValueError(f"{name} {wanted!r} is no method of the spider")
    obj["headers"] = {bytes(k): [bytes(v) for v in vs] for k, vs in obj.get("headers") or []}
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    meta = {k: v for k, v in meta.items() if k in _KEPT_META}
    # the URL gate checks a request against its source's sites: one of no source of this
    # spider would be checked against nothing
    if meta.get("source") not in {s.name for s in spider.sources}:
        raise ValueError(f"a request of no source of this crawl: {meta.get('source')!r}")
    if meta.pop("$render", False):
        source = next(s for s in spider.sources if s.name == meta.get("source"))
        meta.update(render_meta(source, spider.sites[source.name]))
    obj["meta"] = meta
    return request_from_dict(obj, spider=spider)


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue, JSON-encoded, popping into an in-flight hash."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer=json)
        self.inflight_key = ""
        self.seen_key = ""
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)

    def push_unseen(self, request: Request, fingerprint: str | None) -> bool:
        """Queue ``request`` unless its fingerprint was seen in the run (None: always)."""
        data = self._encode_request(request)
        args = [fingerprint or "", -request.priority, data]
        return bool(self._push(keys=[self.seen_key, self.key], args=args))

    def _encode_request(self, request: Request) -> bytes:
        return encode_request(request, self.spider)

    def _decode_request(self, encoded_request: bytes) -> Request:
        return decode_request(encoded_request, self.spider)

    def pop(self, timeout: int = 0) -> Request | None:
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.inflight_key], args=[token])
        if not data:
            return None
        try:
            request = self._decode_request(data)
        except Exception as exc:  # a broken entry: counted, dropped, the crawl goes on
            log.error("frontier: a queued request cannot be read, dropped: %s", exc)
            self.server.hdel(self.inflight_key, token)
            return None
        request.meta[_TOKEN] = token
        return request


class RedisFrontierScheduler(Scheduler):
    """scrapy-redis's scheduler over the run's keys, persistent, acknowledging requests
    once Scrapy is done with them (see the module's docstring)."""

    def __init__(self, server: Any, keys: Keys, worker: str, **kwargs: Any) -> None:
        super().__init__(server, persist=True, **kwargs)
        self.keys = keys
        self.worker = worker
        self.crawler: Crawler | None = None
        self.handed: dict[str, Request] = {}
        # this crawler has nothing to do (said in Redis, for the others' closing)
        self.idle = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontierScheduler:
        settings = crawler.settings
        keys = keys_of(settings)
        server = client_of(settings)
        scheduler = cls(
            server,
            keys,
            worker_of(settings),
            queue_cls="starcity.components.frontier.ReliableQueue",
        )
        scheduler.crawler = crawler
        scheduler.stats = crawler.stats
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler else None
        if not isinstance(getattr(slot, "inprogress", None), set):
            # what acknowledges requests (see acknowledge): without it none would ever be,
            # and the run would never end
            raise RuntimeError(
                "this Scrapy keeps no engine._slot.inprogress: the distributed frontier"
                " (starcity/components/frontier.py) needs adapting to it"
            )
        self.queue = ReliableQueue(self.server, spider, self.keys.queue(spider.name))
        self.queue.inflight_key = self.keys.inflight(spider.name, self.worker)
        self.queue.seen_key = self.keys.dupefilter(spider.name)
        self.df = RFPDupeFilter(self.server, key=self.queue.seen_key)
        if not redisrun.run_is_current(self.server, self.keys):
            raise RuntimeError(f"run {self.keys.run_id} is over: nothing to crawl")
        waiting = len(self.queue)
        if waiting:
            log.info("frontier: %d request(s) already queued for %s", waiting, spider.name)

    # scrapy-redis's two methods, without the spider argument Scrapy 2.19's stats refuse
    def enqueue_request(self, request: Request) -> bool:
        # a redirect or retry copies the meta of the request it comes from
        request.meta.pop(_TOKEN, None)
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push_unseen(request, fingerprint):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        self.acknowledge()
        request = self.queue.pop()
        if request is not None:
            if self.idle:
                self.idle = False
                self.server.srem(self.keys.idle(self.spider.name), self.worker)
            self.handed[request.meta[_TOKEN]] = request
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def acknowledge(self) -> int:
        """Remove from the in-flight hash the requests Scrapy is done with."""
        if not self.handed:
            return 0
        engine = self.crawler.engine if self.crawler else None
        slot = getattr(engine, "_slot", None)
        # Scrapy keeps a request in its slot's `inprogress` from the moment it leaves the
        # scheduler until its download, callback and items (pipelines) are all done.
        inprogress = getattr(slot, "inprogress", None)
        if inprogress is None:  # the engine is closing: its slot is gone
            return 0
        done = [token for token, request in self.handed.items() if request not in inprogress]
        if done:
            self.server.hdel(self.queue.inflight_key, *done)
            for token in done:
                del self.handed[token]
        return len(done)

    def in_flight(self) -> int:
        return len(self.handed)

    def close(self, reason: str) -> None:
        if not redisrun.run_is_current(self.server, self.keys):
            return  # the run was recorded: its keys are gone, and stay so
        self.acknowledge()
        if self.handed:
            # never to be finished here (a stop from outside): back in the queue now
            back = requeue(self.server, self.keys, self.spider.name, self.worker)
            log.info("frontier: %d unfinished request(s) back in the queue", back)
            self.handed.clear()


def requeue(server: Any, keys: Keys, spider: str, worker: str) -> int:
    """Put a crawler's in-flight requests back in the queue; how many."""
    script = server.register_script(_REQUEUE)
    return int(script(keys=[keys.inflight(spider, worker), keys.queue(spider)]))


def run_work_left(
    server: Any, keys: Keys, spider: str, ttl: float = redisrun.HEARTBEAT_TTL
) -> tuple[int, int]:
    """(requests queued, requests in flight in live crawlers) of ``spider`` in the run;
    a dead crawler's in-flight requests are put back in the queue first. Just after Redis
    restarted, every heartbeat may have expired meanwhile: nobody is taken for dead yet."""
    in_flight = 0
    young = redisrun.redis_restarted_within(server, 2 * ttl)
    for raw in server.scan_iter(match=keys.inflight_pattern(spider), count=100):
        name = raw.decode()
        worker = name.rsplit(":", 1)[1]
        if not young and not server.exists(keys.alive(worker)):
            back = requeue(server, keys, spider, worker)
            if back:
                log.warning(
                    "frontier: crawler %s stopped answering: %d request(s) back in the queue",
                    worker,
                    back,
                )
            continue
        in_flight += int(server.hlen(name))
    return int(server.zcard(keys.queue(spider))), in_flight


class WorkerExtension:
    """A crawler's part in the run: registered with a heartbeat, its counters pushed to
    the run's stats, its requests acknowledged, and its spider kept open while another
    crawler may still give it work."""

    def __init__(self, crawler: Crawler, server: Any, keys: Keys, worker: str) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = crawler.settings.getint("STARCITY_REDIS_HEARTBEAT_TTL", redisrun.HEARTBEAT_TTL)
        self.sent: dict[str, float] = {}
        self.loop: task.LoopingCall | None = None
        self.field = ""
        self._max = server.register_script(_MAX)
        self._take_over = server.register_script(_TAKE_OVER)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerExtension:
        settings = crawler.settings
        ext = cls(
            crawler,
            client_of(settings),
            keys_of(settings),
            worker_of(settings),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.field = f"{self.worker}/{spider.name}"
        self.server.set(self.keys.alive(self.worker), 1, ex=self.ttl)
        entry = {"spider": spider.name, "started_at": _now(), "finished_at": None}
        self.server.hset(self.keys.workers, self.field, json.dumps(entry))
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(1.0, now=False)

    def _scheduler(self) -> RedisFrontierScheduler | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        return scheduler if isinstance(scheduler, RedisFrontierScheduler) else None

    def tick(self) -> None:
        try:
            if not redisrun.run_is_current(self.server, self.keys):
                # the writer recorded the run without this crawler (it came too late)
                log.warning("run %s was recorded: this crawler stops", self.keys.run_id)
                self._stop(RUN_OVER)
                return
            self.server.set(self.keys.alive(self.worker), 1, ex=self.ttl)
            scheduler = self._scheduler()
            if scheduler is not None:
                scheduler.acknowledge()
            self.flush_stats()
            # Requests other crawlers queued: Scrapy looks at an idle scheduler every 5
            # seconds only; look now.
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and self.server.zcard(self.keys.queue(self.crawler.spider.name)):
                slot.nextcall.schedule()
        except redis.RedisError as exc:  # gone for longer than the retries: said, and stop
            log.error(
                "distributed run: Redis does not answer (%s): this crawler stops; its requests"
                " in flight go back to the queue when Redis is back and another crawler"
                " looks",
                exc,
            )
            self.crawler.stats.inc_value("redis/errors")
            self._stop(REDIS_GONE)
        except Exception as exc:  # a value in Redis that is not ours: said, the crawl goes on
            log.error("distributed run: %s: %s", type(exc).__name__, exc)

    def _stop(self, reason: str) -> None:
        from scrapy.utils.defer import deferred_from_coro

        if self.loop is not None and self.loop.running:
            self.loop.stop()
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def flush_stats(self) -> None:
        """The counters' increase since the last flush, added to the run's stats."""
        stats = self.crawler.stats.get_stats()
        pipe = self.server.pipeline(transaction=True)
        text: dict[str, str] = {}
        peaks: list[tuple[str, float]] = []
        for key, value in stats.items():
            if key.startswith("starcity/run"):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                text[key] = json.dumps(value, default=str)
            elif key.endswith("max") or "peak" in key:
                peaks.append((key, value))
            else:
                delta = value - self.sent.get(key, 0)
                if delta:
                    pipe.hincrbyfloat(self.keys.stats, key, delta)
        if text:
            pipe.hset(self.keys.text_stats, mapping=text)
        pipe.execute()
        for key, value in peaks:
            self._max(keys=[self.keys.stats], args=[key, value])
        self.sent = {
            k: v for k, v in stats.items() if isinstance(v, int | float) and not isinstance(v, bool)
        }

    def spider_idle(self, spider: Spider) -> None:
        """Scrapy has nothing left here: close only when the whole run has nothing left
        (nothing queued, nothing in flight, every other crawler idle too): a crawler still
        reading a feed is about to queue its articles."""
        scheduler = self._scheduler()
        if scheduler is not None:
            scheduler.acknowledge()
            if not scheduler.idle:
                scheduler.idle = True
                self.server.sadd(self.keys.idle(spider.name), self.worker)
        try:
            if self._take_over_sources(spider):
                raise DontCloseSpider
            queued, in_flight = run_work_left(self.server, self.keys, spider.name, self.ttl)
            busy = self._others_busy(spider.name)
        except DontCloseSpider:
            raise
        except Exception as exc:  # Redis away, or a value in it that is no JSON: look again
            log.warning("distributed run: cannot tell whether the run is done: %s", exc)
            raise DontCloseSpider from None
        if queued or in_flight or busy:
            raise DontCloseSpider

    def _take_over_sources(self, spider: Spider) -> bool:
        """Queue the start requests of this spider's sources whose claim is not done and
        whose crawler died (or that nobody claimed: every crawler stopped before them);
        whether there were any."""
        if redisrun.redis_restarted_within(self.server, 2 * self.ttl):
            return False
        done = {m.decode(errors="replace") for m in self.server.smembers(self.keys.claims_done)}
        taken = False
        for source in getattr(spider, "sources", []):
            if source.name in done:
                continue
            raw = self.server.hget(self.keys.claims, source.name)
            owner = raw.decode(errors="replace") if raw is not None else ""
            if owner == self.worker or (owner and self.server.exists(self.keys.alive(owner))):
                continue
            if not self._take_over(keys=[self.keys.claims], args=[source.name, owner, self.worker]):
                continue
            log.warning("source %s: its start requests taken over from %s", source.name, owner)
            for url in source.start_urls:
                request = spider.discovery_request(
                    source, url, None, spider.start_callback(url), dont_filter=True
                )
                if request is not None:
                    self.crawler.engine.crawl(request)
            self.server.sadd(self.keys.claims_done, source.name)
            taken = True
        return taken

    def _others_busy(self, spider: str) -> bool:
        idle = {m.decode() for m in self.server.smembers(self.keys.idle(spider))}
        young = redisrun.redis_restarted_within(self.server, 2 * self.ttl)
        for field, raw in self.server.hgetall(self.keys.workers).items():
            worker, _, name = field.decode(errors="replace").partition("/")
            entry = redisrun.registry_entry(raw)
            if name != spider or worker in idle or entry.get("finished_at"):
                continue
            if young or self.server.exists(self.keys.alive(worker)):
                return True
        return False

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            if not redisrun.run_is_current(self.server, self.keys):
                return  # recorded without this crawler: its keys are gone, and stay so
            self.flush_stats()
            entry = redisrun.registry_entry(self.server.hget(self.keys.workers, self.field))
            entry.update({"finished_at": _now(), "reason": reason})
            self.server.hset(self.keys.workers, self.field, json.dumps(entry))
        except Exception as exc:
            log.error("distributed run: cannot report this crawler's end to Redis: %s", exc)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Take over a source's claim from a crawler that died before it had queued all the
# source's start requests. KEYS: claims; ARGV: source, the dead owner, the new one.
_TAKE_OVER = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner == ARGV[3] then return 1 end
if owner == ARGV[2] or not owner then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
"""


class SourceClaimMiddleware:
    """Spider middleware: a source's start requests (its feeds, sitemaps, listing pages)
    come from the first crawler of the run to claim the source; the others leave them.
    A claim is done once all the source's start requests are queued; an unfinished claim
    of a crawler that died passes to the next crawler that starts."""

    def __init__(self, crawler: Crawler, server: Any, keys: Keys, worker: str, ttl: float) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = ttl
        self._take_over = server.register_script(_TAKE_OVER)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceClaimMiddleware:
        settings = crawler.settings
        return cls(
            crawler,
            client_of(settings),
            keys_of(settings),
            worker_of(settings),
            settings.getfloat("STARCITY_REDIS_HEARTBEAT_TTL", redisrun.HEARTBEAT_TTL),
        )

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        mine: set[str] = set()
        async for entry in start:
            source = entry.meta.get("source") if isinstance(entry, Request) else None
            if source is not None:
                if source not in mine and not self._mine(source):
                    continue
                mine.add(source)
            yield entry
        # every start request of these is queued; a source that gave none (its addresses
        # refused by the gate) is done too, by whoever gets here first
        for source in getattr(self.crawler.spider, "sources", []):
            if source.name not in mine:
                self.server.hsetnx(self.keys.claims, source.name, self.worker)
                if self.server.hget(self.keys.claims, source.name) != self.worker.encode():
                    continue
            self._done(source.name)

    def _done(self, source: str) -> None:
        self.server.sadd(self.keys.claims_done, source)

    def _mine(self, source: str) -> bool:
        self.server.hsetnx(self.keys.claims, source, self.worker)
        raw = self.server.hget(self.keys.claims, source)
        owner = raw.decode(errors="replace") if raw is not None else ""
        if owner == self.worker:
            return True
        if self.server.sismember(self.keys.claims_done, source):
            return False
        if redisrun.redis_restarted_within(self.server, 2 * self.ttl):
            return False
        if self.server.exists(self.keys.alive(owner)):
            return False
        return bool(self._take_over(keys=[self.keys.claims], args=[source, owner, self.worker]))


class SharedRateHandler:
    """Download handler of a distributed crawler: one rate per site for the whole run,
    every crawler on every machine. A request waits for the site's next free moment,
    DOWNLOAD_DELAY seconds (or the site's AutoThrottle delay in this process, if longer)
    after the last one any crawler sent, then goes out through the
    handler it wraps (STARCITY_SHARED_RATE_HANDLER: Scrapy's, or scrapy-playwright's for a
    rendering crawl). A handler, not a middleware: Scrapy's own delay and concurrency per
    process come after the downloader middlewares, so a moment reserved there would pass
    before the request leaves."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        from scrapy.utils.misc import build_from_crawler, load_object

        settings = crawler.settings
        self.crawler = crawler
        self.interval_ms = int(settings.getfloat("DOWNLOAD_DELAY", 0.0) * 1000)
        self.server = client_of(settings)
        self.keys = keys_of(settings)
        self._reserve = self.server.register_script(_RESERVE)
        inner = settings.get("STARCITY_SHARED_RATE_HANDLER") or _HTTP_HANDLER
        self.inner = build_from_crawler(load_object(inner), crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRateHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Any:
        interval_ms = max(self.interval_ms, self._local_delay_ms(request))
        if interval_ms > 0:
            parts = urlsplit(request.url)
            site = f"{parts.hostname}:{parts.port or ''}"
            wait_ms = int(self._reserve(keys=[self.keys.polite(site)], args=[interval_ms]))
            if wait_ms > 0:
                await asyncio.sleep(wait_ms / 1000)
        return await _awaited(self.inner.download_request(request))

    def _local_delay_ms(self, request: Request) -> int:
        """This process's delay for the request's site (AutoThrottle raises it for a site
        that answers slowly): the run's crawlers keep it too, not only DOWNLOAD_DELAY."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        try:
            slot = downloader.slots.get(downloader.get_slot_key(request))
        except AttributeError:
            return 0
        return int(getattr(slot, "delay", 0.0) * 1000) if slot is not None else 0

    async def close(self) -> None:
        closing = getattr(self.inner, "close", None)
        if closing is not None:
            await _awaited(closing())


_HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"


async def _awaited(result: Any) -> Any:
    """The value of a coroutine, a Deferred or a plain value."""
    from twisted.internet.defer import Deferred

    if isinstance(result, Deferred):
        from scrapy.utils.defer import maybe_deferred_to_future

        return await maybe_deferred_to_future(result)
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        return await result
    return result


class RedisItemPipeline:
    """Item pipeline 900 of a crawler: each analysed page (or page seen again) onto the
    run's item list, for the writer. Waits while the writer is far behind
    (STARCITY_REDIS_MAX_QUEUED_ITEMS): Redis's memory is bounded too."""

    def __init__(self, crawler: Crawler, server: Any, keys: Keys, limit: int) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        settings = crawler.settings
        return cls(
            crawler,
            client_of(settings),
            keys_of(settings),
            settings.getint("STARCITY_REDIS_MAX_QUEUED_ITEMS", 10_000),
        )

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, SeenPage):
            entry = {
                "kind": "seen",
                "key": f"seen:{item.source}:{item.url}",
                "url": item.url,
                "source": item.source,
                "seen_at": item.seen_at,
            }
        elif isinstance(item, FetchedPage):
            page = ItemAdapter(item)
            if not page.get("article"):
                return item  # nothing extracted: the analysis counted it
            entry = {
                "kind": "page",
                # a source's page is fetched once per run (the shared seen-URL filter): one
                # pushed again (its crawler died before its request was acknowledged) is
                # known by it
                "key": f"page:{page['source']}:{page.get('requested_url') or page['url']}",
                "url": page["url"],
                "source": page["source"],
                "status": page.get("status"),
                "fetched_at": page.get("fetched_at"),
                "archive": page.get("archive"),
                "article": page["article"],
            }
        else:
            return item
        waited = time.monotonic()
        while self.server.llen(self.keys.items) >= self.limit:
            if time.monotonic() - waited > 5:
                log.warning("the writer is %d item(s) behind: waiting", self.limit)
                waited = time.monotonic()
            await asyncio.sleep(0.2)
        self.server.lpush(self.keys.items, redisrun.dumps(entry))
        self.crawler.stats.inc_value("redis/items_pushed")
        return item


class RedisCrawlState:
    """STARCITY_CRAWL_STATE of a distributed crawler: what the writer published."""

    def __init__(self, crawler: Crawler) -> None:
        self.server = client_of(crawler.settings)
        self.keys = keys_of(crawler.settings)

    def addresses_to_skip(self, now: datetime, window: timedelta) -> set[str]:
        # the writer applied the window (spiders.state.addresses_to_skip) when it published
        return {m.decode() for m in self.server.sscan_iter(self.keys.known, count=1000)}

    def feed_validators(self) -> dict[str, tuple[str | None, str | None]]:
        found = {}
        for url, raw in self.server.hscan_iter(self.keys.validators, count=1000):
            etag, modified = json.loads(raw)
            found[url.decode()] = (etag, modified)
        return found

    def gnews_links(self) -> dict[str, str]:
        return {
            k.decode(): v.decode() for k, v in self.server.hscan_iter(self.keys.gnews, count=1000)
        }

    def remember_gnews_link(self, link: str, publisher: str, source: str) -> None:
        """Known to every crawler at once; stored in the database by the writer."""
        self.server.hset(self.keys.gnews, link, publisher)
        entry = {"kind": "gnews", "key": f"gnews:{link}", "link": link}
        entry.update({"publisher": publisher, "source": source, "at": _now()})
        self.server.lpush(self.keys.items, redisrun.dumps(entry))


def join_run(redis_url: str, settings: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    """The run the writer published in Redis, waited for (STARCITY_REDIS_JOIN_WAIT
    seconds); RuntimeError when none comes or Redis cannot be reached."""
    import redis

    prefix = overrides.get("STARCITY_REDIS_PREFIX") or settings.get("STARCITY_REDIS_PREFIX")
    wait = float(
        overrides.get("STARCITY_REDIS_JOIN_WAIT")
        or settings.getfloat("STARCITY_REDIS_JOIN_WAIT", 600)
    )
    keys = Keys(prefix or redisrun.DEFAULT_PREFIX)
    try:
        client = redisrun.connect(redis_url, retry_seconds=min(wait, 10.0))
        deadline = time.monotonic() + wait
        while True:
            run = redisrun.published_run(client, keys)
            if run is not None:
                return run
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no run to join in {redisrun.shown(redis_url)} after {wait:.0f} s:"
                    " start the writer (python -m starcity writer) first"
                )
            time.sleep(0.2)
    except redis.RedisError as exc:
        raise RuntimeError(f"cannot reach Redis at {redisrun.shown(redis_url)}: {exc}") from None


def crawler_settings(settings: Any, redis_url: str, run: dict[str, Any]) -> dict[str, Any]:
    """The settings that make a crawl one crawler of the distributed ``run``: the frontier
    and seen-URL filter in Redis, items to the writer, no database (its grouping, run
    record and archive pointers are the writer's; so is the archive's retention)."""
    worker = worker_of(settings)

    def merged(name: str, changes: dict[str, Any]) -> dict[str, Any]:
        return {**settings.getdict(name), **changes}

    log_file = settings.get("LOG_FILE")
    return {
        "STARCITY_REDIS_URL": redis_url,
        "STARCITY_RUN_ID": run["id"],
        "STARCITY_WORKER_ID": worker,
        "STARCITY_CRAWL_STATE": "starcity.components.frontier.RedisCrawlState",
        "SCHEDULER": "starcity.components.frontier.RedisFrontierScheduler",
        "ITEM_PIPELINES": merged(
            "ITEM_PIPELINES",
            {
                "starcity.components.duplicates.DedupePipeline": None,
                "starcity.components.store.SQLiteStorePipeline": None,
                "starcity.components.frontier.RedisItemPipeline": 900,
            },
        ),
        "EXTENSIONS": merged(
            "EXTENSIONS",
            {
                "starcity.components.grouping.GroupingExtension": None,
                "starcity.components.runrecord.RunRecordExtension": None,
                "starcity.components.archive.ArchivePointersExtension": None,
                "starcity.components.frontier.WorkerExtension": 450,
            },
        ),
        "SPIDER_MIDDLEWARES": merged(
            "SPIDER_MIDDLEWARES", {"starcity.components.frontier.SourceClaimMiddleware": 10}
        ),
        # every http(s) request through the run's shared rate, then the handler it had
        "DOWNLOAD_HANDLERS": merged(
            "DOWNLOAD_HANDLERS",
            {
                "http": "starcity.components.frontier.SharedRateHandler",
                "https": "starcity.components.frontier.SharedRateHandler",
            },
        ),  # fmt: skip
        "STARCITY_SHARED_RATE_HANDLER": settings.getdict("DOWNLOAD_HANDLERS").get("http")
        or _HTTP_HANDLER,
        "STARCITY_ARCHIVE_MAX_TOTAL_BYTES": None,
        "STARCITY_ARCHIVE_MAX_AGE_DAYS": None,
        # several crawlers start in the same second: a log file each
        **({"LOG_FILE": log_file.replace(".log", f"-{worker}.log")} if log_file else {}),
    }
