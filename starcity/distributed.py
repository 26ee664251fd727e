"""`python -m starcity crawl-distributed --workers N`: a distributed run on one machine
(docs/distributed.md): a private redis-server on a free loopback port (unless --redis
names one), the writer next to the database, and N crawler processes, each its own
`python -m starcity crawl --redis URL`, exactly as they would run on several machines.

It waits for the writer (the run is recorded when every crawler is done), stops the
crawlers and the server, and exits with the writer's status. Ctrl-C (or SIGTERM) is
passed on to every process: the crawlers stop, the writer stores what they sent and
records the run as interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from starcity.components.redisrun import shown
from starcity.demoweb import demo_port
from starcity.redisserver import RedisServer

console = logging.getLogger("starcity")


def crawl_distributed(
    workers: int,
    sources: str = "real",
    db: str = "data/starcity.db",
    only: list[str] | None = None,
    redis_url: str | None = None,
    demo_url: str | None = None,
    settings: list[str] | None = None,
    quiet: bool = False,
) -> int:
    from starcity.config import resolve_sources_path
    from starcity.demoweb import start_or_reuse

    demo = server = None
    common = ["--sources", sources, "--db", db]
    for name in only or []:
        common += ["--source", name]
    for pair in settings or []:
        common += ["-s", pair]
    with _Forward() as forward:
        try:
            if not redis_url:
                folder = Path(db).resolve().parent / "redis"
                server = RedisServer(folder).start()
                redis_url = server.url
                console.info("redis-server on %s (files in %s)", shown(redis_url), folder)
            path = resolve_sources_path(sources)
            if "{demo}" in path.read_text(encoding="utf-8") and not demo_url:
                demo, demo_url = start_or_reuse(demo_port())
                console.info("demo web on %s", demo_url)
            if demo_url:
                common += ["--demo-url", demo_url]
            if forward.got:  # stopped before anything ran
                return 128 + forward.got[0]
            # the Redis URL (with the private server's password) in the environment, not
            # in the command lines every user of the machine can read
            env = {**os.environ, "STARCITY_REDIS_URL": redis_url}
            me = [sys.executable, "-m", "starcity"]
            # Each in a session of its own: a Ctrl-C at the terminal reaches this process
            # only, which passes it on once (a second one would stop a process at once).
            writer = subprocess.Popen([*me, "writer", *common], env=env, start_new_session=True)
            forward.procs.append(writer)
            crawler_args = [*me, "crawl", *common, *(["-q"] if quiet else [])]
            for _ in range(max(1, workers)):
                crawler = subprocess.Popen(crawler_args, env=env, start_new_session=True)
                forward.procs.append(crawler)
            return _wait(writer, forward.procs[1:], forward.got)
        except (OSError, RuntimeError) as exc:
            console.error("error: %s", exc)
            return 2
        finally:
            for proc in forward.procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in forward.procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            if demo is not None:
                demo.stop()
            if server is not None:
                server.stop()


class _Forward:
    """SIGINT, SIGTERM and SIGHUP (the terminal closed) to this process, passed on to its
    processes: each runs in a session of its own and hears nothing else. Installed before
    the first process starts."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.got: list[int] = []

    def __enter__(self) -> _Forward:
        self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        self.got.append(signum)
        passed = signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(passed)


def _wait(
    writer: subprocess.Popen[bytes], crawlers: list[subprocess.Popen[bytes]], got: list[int]
) -> int:
    """The writer's exit status, once it has recorded the run."""
    crawlers_gone: float | None = None
    while writer.poll() is None:
        time.sleep(0.2)
        if crawlers_gone is None and all(p.poll() is not None for p in crawlers):
            crawlers_gone = time.monotonic()
        elif crawlers_gone and not got and time.monotonic() - crawlers_gone > 30:
            # every crawler ended (one that could not start waits for nothing) and the
            # writer still waits for them: it records the run with what it has
            console.error("every crawler has ended: stopping the writer")
            writer.send_signal(signal.SIGTERM)
            got.append(signal.SIGTERM)
    for proc in crawlers:  # the run is recorded: whatever is left has nothing to do
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.terminate()
    return writer.returncode
