"""A distributed run's shared state in Redis (docs/distributed.md): its keys, the client,
and the JSON the crawlers and the writer exchange.

One run at a time per prefix (STARCITY_REDIS_PREFIX). The writer (starcity/writer.py)
opens it in the database and publishes it here with what the crawlers must know without
opening the database: the stored pages they must not fetch again, the feeds' validators
and the decoded Google News links. Crawlers (starcity/components/frontier.py) join it,
share its frontier and seen-URL filter (scrapy-redis), push what they analysed to its
item list and their counters to its stats; the writer drains the list into SQLite and
closes the run once every crawler is done.

Nothing read from Redis is unpickled: requests and items travel as JSON (a Redis others
can write to must not run code in the crawlers), bytes as base64.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
from typing import Any

DEFAULT_PREFIX = "starcity"
# Seconds a crawler's heartbeat lives: a crawler silent longer is taken for dead and its
# requests in flight go back to the frontier.
HEARTBEAT_TTL = 10
# How long a command waits for Redis when it is down (restarting, a network cut) before
# the process gives up with an error: retries with backoff, 0.1 s doubling to 2 s.
DEFAULT_RETRY_SECONDS = 60.0


def connect(url: str, retry_seconds: float = DEFAULT_RETRY_SECONDS) -> Any:
    """A Redis client for ``url`` whose commands wait for a server that is down, for about
    ``retry_seconds``, before raising redis.ConnectionError."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    retries = 0
    waited, step = 0.0, 0.1
    while waited < retry_seconds:
        waited += min(step, 2.0)
        step *= 2
        retries += 1
    return redis.Redis.from_url(
        url,
        socket_timeout=10,
        socket_connect_timeout=5,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=30,
    )


def shown(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def worker_id() -> str:
    """A name for this crawler process, unique across machines and restarts: host, process
    id and a random part (a restarted container has the same host name and process id)."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


class Keys:
    """The Redis keys of one prefix and, once known, one run."""

    def __init__(self, prefix: str = DEFAULT_PREFIX, run_id: int | None = None) -> None:
        self.prefix = prefix
        self.run_id = run_id

    def for_run(self, run_id: int) -> Keys:
        return Keys(self.prefix, run_id)

    # The current run: a hash (id, db, source_set, sources, state, started_at).
    @property
    def run(self) -> str:
        return f"{self.prefix}:run"

    # Decoded Google News links, kept across runs: Google link -> publisher's address.
    @property
    def gnews(self) -> str:
        return f"{self.prefix}:gnews"

    def polite(self, site: str) -> str:
        """The earliest time (Redis clock, ms) the next request to ``site`` may go."""
        return f"{self.prefix}:polite:{site}"

    def _r(self, name: str) -> str:
        assert self.run_id is not None, "no run"
        return f"{self.prefix}:run{self.run_id}:{name}"

    @property
    def known(self) -> str:  # set: stored article addresses (normalised) not to fetch
        return self._r("known")

    @property
    def validators(self) -> str:  # hash: feed URL -> JSON [etag, last_modified]
        return self._r("validators")

    def queue(self, spider: str) -> str:  # scrapy-redis priority queue (sorted set)
        return self._r(f"{spider}:requests")

    def dupefilter(self, spider: str) -> str:  # scrapy-redis fingerprints (set)
        return self._r(f"{spider}:dupefilter")

    def idle(self, spider: str) -> str:  # set: crawlers with nothing to do
        return self._r(f"{spider}:idle")

    def inflight(self, spider: str, worker: str) -> str:  # hash: token -> request JSON
        return self._r(f"{spider}:inflight:{worker}")

    def inflight_pattern(self, spider: str) -> str:
        return self._r(f"{spider}:inflight:*")

    @property
    def workers(self) -> str:  # hash: worker -> JSON {spiders, started, finished, reason}
        return self._r("workers")

    def alive(self, worker: str) -> str:  # a key with a TTL, renewed by the heartbeat
        return self._r(f"alive:{worker}")

    @property
    def claims(self) -> str:  # hash: source name -> the worker reading its feeds
        return self._r("claims")

    @property
    def claims_done(self) -> str:  # set: sources whose start requests are all queued
        return self._r("claims:done")

    @property
    def rejected(self) -> str:  # list: items the writer could not read (kept to look at)
        return self._r("items:rejected")

    @property
    def stats(self) -> str:  # hash: counter -> number (summed over crawlers)
        return self._r("stats")

    @property
    def text_stats(self) -> str:  # hash: stat -> JSON value (validators, kinds)
        return self._r("stats:text")

    @property
    def items(self) -> str:  # list: analysed items for the writer (JSON)
        return self._r("items")

    @property
    def processing(self) -> str:  # list: the writer's batch, until committed
        return self._r("items:processing")

    def run_pattern(self) -> str:
        return self._r("*")


# JSON with bytes: {"$b": base64}. Tuples come back as lists; nothing else is special.
def encoded(value: Any) -> Any:
    """``value`` with its bytes as {"$b": base64}, ready for json.dumps."""
    return _encode(value)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$b" in value and isinstance(value["$b"], str):
            return base64.b64decode(value["$b"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON of ``value`` with its bytes as base64 (values JSON cannot hold: str())."""
    return json.dumps(_encode(value), default=str, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """The value ``dumps`` wrote; ValueError for anything else (nested past Python's limit
    too: what Redis holds is not trusted)."""
    try:
        return _decode(json.loads(data))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def redis_restarted_within(client: Any, seconds: float) -> bool:
    """Whether the Redis server started less than ``seconds`` ago: heartbeats that expired
    while it was down say nothing yet of who is alive."""
    try:
        return int(client.info("server").get("uptime_in_seconds", seconds)) < seconds
    except Exception:  # an INFO refused (a managed Redis): take the heartbeats as they are
        return False


def run_is_current(client: Any, keys: Keys) -> bool:
    """Whether ``keys``'s run is still the one published (the writer has not recorded it)."""
    return client.hget(keys.run, "id") == str(keys.run_id).encode()


def registry_entry(raw: bytes | None) -> dict[str, Any]:
    """A crawler's entry in the run's registry; {} for one that is no JSON object."""
    try:
        entry = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}


def published_run(client: Any, keys: Keys) -> dict[str, Any] | None:
    """The run the writer published, or None."""
    raw = client.hgetall(keys.run)
    if not raw:
        return None
    run = {k.decode(): v.decode() for k, v in raw.items()}
    run["id"] = int(run["id"])
    run["sources"] = json.loads(run.get("sources") or "[]")
    return run
