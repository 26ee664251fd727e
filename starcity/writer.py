"""`python -m starcity writer`: the one writer of a distributed run (docs/distributed.md).

It runs next to the database, holds its crawl lock, and is the only process that opens
it. It opens the run, publishes in Redis what the crawlers must know (stored pages not to
fetch again, feed validators, decoded Google News links), then drains the run's item
list into SQLite while the crawlers work, and closes the run once every crawler is done:
one `crawl_runs` row for the whole run, `source_runs` per source, duplicate groups and
stories as a one-process crawl makes them.

Nothing is lost and nothing is stored twice: items move from the run's list to a
processing list (LMOVE, in Redis), are stored in one SQLite transaction together with a
receipt each, and leave the processing list only after the commit. A writer killed at any
point leaves them there; started again, it resumes the run, and an item whose receipt is
in the database is not stored (nor counted) again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from db import duplicates, receipts, runs, stories
from db.articles import KEPT, NEW, mark_seen, remember_gnews_link, store_article_and_people
from db.migrations import open_database
from db.pages import decoded_gnews_links, feed_validators, stored_pages
from pipelines.fingerprints import DuplicateIndex
from pipelines.stories import STORY_THRESHOLD, STORY_WINDOW_DAYS, StoryFeatures
from spiders.state import addresses_to_skip
from starcity.components import redisrun
from starcity.components.analysis import analysis_config, load_knowledge_base
from starcity.components.duplicates import link_copy, load_index
from starcity.components.frontier import run_work_left
from starcity.components.redisrun import Keys
from starcity.components.runrecord import per_source, source_status, validators_in_stats
from starcity.components.store import article_of
from starcity.config import ConfigError, load_sources, load_topic, resolve_sources_path
from starcity.crawl import _lock, _lock_path, _rel, _report, source_set_settings
from starcity.demoweb import demo_port

console = logging.getLogger("starcity")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Stop:
    """SIGINT/SIGTERM: store what the crawlers send while they stop, then record the run
    (interrupted when work was left); a second signal ends the process at once (the run
    stays open, and the writer started again resumes it)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __enter__(self) -> _Stop:
        self.previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signum is not None:
            os._exit(128 + signum)
        self.signum = signum


def write(
    db: str,
    redis_url: str,
    sources: str = "real",
    only: list[str] | None = None,
    demo_url: str | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> int:
    """Write one distributed run into ``db``; the exit code (as `crawl`'s, plus 2 when the
    Redis prefix holds another database's run)."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.utils.project import get_project_settings

    try:
        path = resolve_sources_path(sources)
        if "{demo}" in path.read_text(encoding="utf-8") and not demo_url:
            demo_url = f"http://127.0.0.1:{demo_port()}"
        source_list = load_sources(path, demo_url)
        settings = get_project_settings()
        settings.setdict(source_set_settings(path), priority="project")
        settings.setdict(settings_overrides or {}, priority="cmdline")
        config = analysis_config(settings)
    except (ConfigError, OSError, RuntimeError) as exc:
        console.error("error: %s", exc)
        return 2
    active = [s for s in source_list if (s.name in only if only else s.active)]
    unknown = set(only or ()) - {s.name for s in source_list}
    if unknown:
        console.error("error: no source named %s in %s", ", ".join(sorted(unknown)), path)
        return 2

    lock = _lock(db)
    if lock is None:
        console.error("error: another crawl is writing to %s (lock %s)", db, _lock_path(db))
        return 3
    import redis

    try:
        writer = Writer(db, redis_url, settings, active, _rel(path))
        with _Stop() as stop:
            return writer.run(config, stop)
    except ConfigError as exc:
        console.error("error: %s", exc)
        return 2
    except redis.RedisError as exc:
        # what was taken stays in Redis's processing list, the run open in the database:
        # the writer started again resumes it
        console.error(
            "error: Redis at %s does not answer (%s): the run stays open; start the writer"
            " again once Redis is back",
            redisrun.shown(redis_url),
            exc,
        )
        return 1
    finally:
        lock.close()


class Writer:
    def __init__(
        self, db: str, redis_url: str, settings: Any, active: list[Any], source_set: str
    ) -> None:
        self.path = db
        self.settings = settings
        self.sources = active
        self.names = [s.name for s in active]
        self.source_set = source_set
        self.client = redisrun.connect(
            redis_url, settings.getfloat("STARCITY_REDIS_RETRY_SECONDS", 60.0)
        )
        self.keys = Keys(settings.get("STARCITY_REDIS_PREFIX") or redisrun.DEFAULT_PREFIX)
        self.batch_size = max(1, settings.getint("STARCITY_STORE_BATCH_SIZE", 100))
        self.batch_seconds = settings.getfloat("STARCITY_STORE_BATCH_SECONDS", 2.0)
        self.join_wait = settings.getfloat("STARCITY_REDIS_JOIN_WAIT", 600.0)
        self.orphan_wait = settings.getfloat("STARCITY_REDIS_ORPHAN_WAIT", 120.0)
        self.stop_wait = settings.getfloat("STARCITY_REDIS_STOP_WAIT", 30.0)
        self.heartbeat_ttl = settings.getfloat("STARCITY_REDIS_HEARTBEAT_TTL", 10.0)
        self.index = DuplicateIndex(settings.getfloat("STARCITY_DEDUPE_NEAR_THRESHOLD", 0.8))
        self.run_id = 0
        # what this writer process stored, and the seconds it took (duplicates, rows,
        # commits): its capacity, in the run's stats (bench/distributed.py)
        self.items = 0
        self.store_seconds = 0.0

    # -- the run ---------------------------------------------------------------------
    def run(self, config: Any, stop: _Stop) -> int:
        database = open_database(self.path)
        try:
            load_knowledge_base(self.path, config)
            resumed = self._open_or_resume(database)
            keys = self.keys.for_run(self.run_id)
            count = load_index(self.index, database)
            console.info(
                "writer: run %s %s into %s (%d stored article(s) indexed for duplicates);"
                " waiting for crawlers",
                self.run_id,
                "resumed" if resumed else "opened",
                self.path,
                count,
            )
            reason = self._drain(database, keys, stop)
            stats = self._close(database, keys, reason)
        finally:
            database.close()
        code = _report(stats, self.path, self.names)
        if stop.signum is not None and stats["starcity/run_status"] == "interrupted":
            console.error(
                "writer stopped by %s: run %s recorded as %s",
                signal.Signals(stop.signum).name,
                self.run_id,
                stats["starcity/run_status"],
            )
            return 128 + stop.signum
        return code

    def _open_or_resume(self, database: Any) -> bool:
        """Resume the run Redis holds for this database, or open and publish a new one."""
        current = redisrun.published_run(self.client, self.keys)
        if current is not None:
            if current.get("db") != os.path.realpath(self.path):
                raise ConfigError(
                    f"Redis holds run {current['id']} of {current.get('db')}: give this"
                    " database another STARCITY_REDIS_PREFIX, or let that run finish"
                )
            status = runs.run_status(database, current["id"])
            if status == "running":
                self.run_id = current["id"]
                return True
            self._forget(self.keys.for_run(current["id"]))  # recorded already
        self.run_id, stale = runs.open_run(database, self.source_set, self.names, _now())
        for old in stale:
            console.warning("run %s was left running by a crawl that died: now failed", old)
        # keys a run of this id left (a database made again next to the same Redis; a
        # crawler that wrote after its run was recorded)
        self._forget(self.keys.for_run(self.run_id), keep_run=True)
        self._publish(self.keys.for_run(self.run_id))
        return False

    def _publish(self, keys: Keys) -> None:
        window = timedelta(hours=self.settings.getfloat("STARCITY_REFETCH_HOURS", 48))
        skip = addresses_to_skip(stored_pages(self.path), datetime.now(UTC), window)
        validators = feed_validators(self.path)
        gnews = decoded_gnews_links(self.path)
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(keys.known, keys.validators)
        members = sorted(skip)
        for start in range(0, len(members), 1000):
            pipe.sadd(keys.known, *members[start : start + 1000])
        if validators:
            pipe.hset(
                keys.validators, mapping={u: json.dumps(list(v)) for u, v in validators.items()}
            )
        if gnews:
            pipe.hset(self.keys.gnews, mapping=gnews)
        # last: crawlers join once the run is there, and everything above is with it
        pipe.hset(
            self.keys.run,
            mapping={
                "id": self.run_id,
                "db": os.path.realpath(self.path),
                "source_set": self.source_set,
                "sources": json.dumps(self.names),
                "started_at": _now(),
            },
        )
        pipe.execute()

    # -- draining --------------------------------------------------------------------
    def _drain(self, database: Any, keys: Keys, stop: _Stop) -> str:
        """Store items until the run is done; its finish reason: "finished", "shutdown"
        (the writer was stopped: it stores what the crawlers send while they stop, at most
        STARCITY_REDIS_STOP_WAIT seconds), or why it ended without the crawlers finishing.
        """
        began = time.monotonic()
        orphaned_since: float | None = None
        deadline: float | None = None
        while True:
            if stop.signum is not None and deadline is None:
                deadline = time.monotonic() + self.stop_wait
            if deadline is not None and time.monotonic() > deadline:
                # what was sent by now is stored (not what keeps coming), then the run is
                # recorded
                budget = self.client.llen(keys.items)
                while self._take_batch(database, keys, wait=False, most=budget):
                    budget -= self.batch_size
                    if budget <= 0 and not self.client.llen(keys.processing):
                        break
                return "shutdown"
            if self._take_batch(database, keys):
                continue
            state = self._crawlers(keys)
            pending = self.client.llen(keys.items) + self.client.llen(keys.processing)
            if deadline is not None and not state["running"] and not pending:
                complete = not self._work_left(keys, state["spiders"])
                return "finished" if complete else "shutdown"
            if not state["registered"]:
                if time.monotonic() - began > self.join_wait:
                    return "no crawler joined the run"
                continue
            if state["running"]:
                orphaned_since = None
                continue
            if self.client.llen(keys.items) or self.client.llen(keys.processing):
                continue
            queued = self._work_left(keys, state["spiders"])
            if not queued:
                return "finished"
            # every crawler gone with requests left: wait for one to join again
            orphaned_since = orphaned_since or time.monotonic()
            if time.monotonic() - orphaned_since > self.orphan_wait:
                console.error(
                    "writer: %d request(s) left and no crawler for %.0f s", queued, self.orphan_wait
                )
                return f"crawlers gone with {queued} request(s) left"

    def _crawlers(self, keys: Keys) -> dict[str, Any]:
        registered = self.client.hgetall(keys.workers)
        running, spiders = False, set()
        # just after Redis restarted, heartbeats that expired meanwhile prove nothing
        young = redisrun.redis_restarted_within(self.client, 2 * self.heartbeat_ttl)
        for field, raw in registered.items():
            worker, _, spider = field.decode(errors="replace").partition("/")
            entry = redisrun.registry_entry(raw)
            spiders.add(spider)
            if entry.get("finished_at"):
                continue
            if young or self.client.exists(keys.alive(worker)):
                running = True
        time.sleep(0.2 if running or not registered else 0.05)
        return {"registered": bool(registered), "running": running, "spiders": spiders}

    def _work_left(self, keys: Keys, spiders: set[str]) -> int:
        """Requests queued or in flight, and sources whose start requests are not all
        queued (a crawler that claimed one died, or every crawler stopped before it)."""
        done = {m.decode(errors="replace") for m in self.client.smembers(keys.claims_done)}
        left = len(set(self.names) - done)
        for spider in spiders:
            queued, in_flight = run_work_left(self.client, keys, spider, self.heartbeat_ttl)
            left += queued + in_flight
        return left

    def _take_batch(
        self, database: Any, keys: Keys, wait: bool = True, most: int | None = None
    ) -> bool:
        """Move up to a batch of items to the processing list, store them, commit, then
        let them go; False when there was none. ``wait``: for a first item and for a full
        batch; ``most``: items taken at most."""
        pending = self.client.lrange(keys.processing, 0, -1)  # a batch a killed writer left
        if not pending and not wait:
            size = min(self.batch_size, most if most is not None else self.batch_size)
            for _ in range(max(0, size)):
                if self.client.lmove(keys.items, keys.processing, "RIGHT", "LEFT") is None:
                    break
            pending = self.client.lrange(keys.processing, 0, -1)
            if not pending:
                return False
        if not pending:
            first = self.client.blmove(keys.items, keys.processing, 0.5, "RIGHT", "LEFT")
            if first is None:
                return False
            pending = [first]
            # A commit costs what a dozen rows do: items that come one at a time wait for
            # more, up to STARCITY_STORE_BATCH_SIZE or STARCITY_STORE_BATCH_SECONDS, as in a
            # one-process crawl (safe meanwhile in the processing list).
            due = time.monotonic() + self.batch_seconds
            while len(pending) < self.batch_size:
                more = self.client.lmove(keys.items, keys.processing, "RIGHT", "LEFT")
                if more is None:
                    left = due - time.monotonic()
                    if left <= 0:
                        break
                    more = self.client.blmove(
                        keys.items, keys.processing, min(left, 0.1), "RIGHT", "LEFT"
                    )
                    if more is None:
                        continue
                pending.append(more)
            # what the list holds, not what the calls returned: a call the client sent again
            # (its answer lost as Redis restarted) moved one item more
            pending = self.client.lrange(keys.processing, 0, -1)
        pending.reverse()  # the oldest first, as they came
        entries = []
        for raw in pending:
            entry = _valid(raw)
            if entry is None:  # not ours: kept aside, counted, the rest go on
                self.client.lpush(keys.rejected, raw)
                console.error("writer: an item that is not one was set aside (%s)", keys.rejected)
                continue
            entries.append(entry)
        started = time.perf_counter()
        done = receipts.received(database, self.run_id, [e["key"] for e in entries])
        with database.atomic():
            for entry in entries:
                if entry["key"] in done:
                    continue  # delivered again: stored and counted once
                done.add(entry["key"])
                self._store(database, entry)
                self.items += 1
        self.store_seconds += time.perf_counter() - started
        self.client.delete(keys.processing)
        return True

    def _store(self, database: Any, entry: dict[str, Any]) -> None:
        kind, source, now = entry.get("kind"), entry.get("source"), _now()
        outcome, copy = kind or "?", None
        try:
            with database.atomic():  # a savepoint: a failing item rolls back alone
                if kind == "page":
                    article = article_of(entry)
                    copy = link_copy(self.index, article)
                    outcome = store_article_and_people(database, article, now)
                elif kind == "seen":
                    mark_seen(database, entry["url"], entry["seen_at"])
                elif kind == "gnews":
                    remember_gnews_link(
                        database, entry["link"], entry["publisher"], source, entry["at"]
                    )
        except Exception as exc:  # counted with the source's errors, the run goes on
            console.error("writer: cannot store %s: %s: %s", entry["key"], type(exc).__name__, exc)
            outcome = "failed"
        receipts.add_receipt(database, self.run_id, entry["key"], source, outcome, copy)

    # -- closing ---------------------------------------------------------------------
    def _close(self, database: Any, keys: Keys, reason: str) -> dict[str, Any]:
        stats = self._merged_stats(database, keys)
        try:
            copies = duplicates.resolve(database)
            features = StoryFeatures(load_topic(self.settings["STARCITY_TOPIC"]))
            placed = stories.assign(database, features, STORY_THRESHOLD, STORY_WINDOW_DAYS)
            stats["duplicates/copies"] = copies
            stats["stories/articles_placed"] = placed
        except Exception:  # a grouping failure must not lose the run record
            console.exception("grouping duplicates and stories failed")
            stats["errors/grouping"] = 1
        scrapy_reason = reason if reason in ("finished", "shutdown") else "finished"
        grouped = per_source(stats, self.names)
        statuses = {n: source_status(e, scrapy_reason) for n, e in grouped.items()}
        if reason not in ("finished", "shutdown"):
            database["crawl_runs"].update(self.run_id, {"finish_reason": reason[:500]})
        status = runs.record_spider(
            database,
            self.run_id,
            "distributed",
            self.sources,
            grouped,
            statuses,
            stats,
            scrapy_reason,
            validators_in_stats(stats),
            _now(),
        )
        if reason not in ("finished", "shutdown") and status == "ok":
            status = runs.close_run_as(database, self.run_id, "partial", reason, _now())
        receipts.drop_receipts(database, self.run_id)
        self._forget(keys)
        stats["starcity/run_id"] = self.run_id
        stats["starcity/run_status"] = status
        return stats

    def _merged_stats(self, database: Any, keys: Keys) -> dict[str, Any]:
        """The crawlers' counters, summed in Redis, with the writer's own from its receipts."""
        stats: dict[str, Any] = {}
        for key, value in self.client.hgetall(keys.stats).items():
            try:
                number = float(value)
            except ValueError:
                continue  # not a count: not ours
            name = key.decode(errors="replace")
            stats[name] = int(number) if number.is_integer() else number
        for key, value in self.client.hgetall(keys.text_stats).items():
            try:
                stats.setdefault(key.decode(errors="replace"), json.loads(value))
            except ValueError:
                continue
        for (source, outcome), n in receipts.receipt_counts(database, self.run_id).items():
            if outcome in (NEW, "updated"):
                _add(stats, f"source/{source}/stored", n)
                _add(stats, "articles/stored", n)
                if outcome == NEW:
                    _add(stats, f"source/{source}/new", n)
                    _add(stats, "articles/new", n)
            elif outcome == KEPT:
                _add(stats, f"source/{source}/kept_other_source", n)
            elif outcome == "failed":
                _add(stats, f"source/{source}/errors/store_failed", n)
            elif outcome.startswith("duplicate:"):
                _add(stats, f"dedupe/{outcome.split(':', 1)[1]}", n)
        stats["distributed/crawlers"] = len(self.client.hkeys(keys.workers))
        stats["writer/items"] = self.items
        stats["writer/rejected"] = self.client.llen(keys.rejected)
        stats["writer/store_seconds"] = round(self.store_seconds, 3)
        return stats

    def _forget(self, keys: Keys, keep_run: bool = False) -> None:
        """The run's keys in Redis, gone (the Google News links stay; ``keep_run``: and
        the current run's entry)."""
        pipe = self.client.pipeline(transaction=False)
        for name in self.client.scan_iter(match=keys.run_pattern(), count=1000):
            if name.decode(errors="replace") == keys.rejected and not keep_run:
                pipe.expire(name, 7 * 24 * 3600)  # a week to look at what was set aside
                continue
            pipe.delete(name)
        if not keep_run:
            pipe.delete(self.keys.run)
        pipe.execute()


_KINDS = {"page": ("url", "article"), "seen": ("url", "seen_at"), "gnews": ("link", "publisher")}


def _valid(raw: bytes) -> dict[str, Any] | None:
    """An item as a crawler sends it, or None: what Redis holds is not trusted, and one
    item the writer cannot read must not stop it (nor, stuck in its batch, every restart)."""
    try:
        entry = redisrun.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None
    needed = _KINDS.get(entry.get("kind"))
    if needed is None or not all(entry.get(k) for k in needed):
        return None
    if not isinstance(entry.get("source"), str | None):
        return None
    if entry["kind"] == "page" and not isinstance(entry["article"], dict):
        return None
    if any(not isinstance(entry.get(k), str | None) for k in ("url", "link", "publisher")):
        return None
    return entry


def _add(stats: dict[str, Any], key: str, n: int) -> None:
    stats[key] = stats.get(key, 0) + n
