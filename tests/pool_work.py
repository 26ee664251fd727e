"""Work for the analysis pool's tests, run in its real worker processes: pages whose body
says "kill" kill their worker (SIGKILL, as the kernel's out-of-memory killer would), pages
that say "hang" never finish, pages that say "raise" make the batch fail with an error."""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime

from pipelines.analysis import AnalysisConfig, PageIn, PageOut


def start(config: AnalysisConfig) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def work(pages: list[PageIn], now: datetime) -> tuple[list[PageOut], int]:
    results = []
    for page in pages:
        if b"kill" in page.body:
            os.kill(os.getpid(), signal.SIGKILL)
        if b"hang" in page.body:
            time.sleep(600)
        if b"raise" in page.body:
            raise ValueError("a batch that fails")
        article = {"url": page.url, "pid": os.getpid(), "batch": len(pages)}
        results.append(PageOut(article))
    return results, 1024
