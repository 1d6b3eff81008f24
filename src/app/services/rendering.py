"""Document rendering in worker processes, so a PDF download never stalls the server's event loop.

fpdf2 is pure Python: in a thread of the server it holds the GIL for most of its work, and every open live
stream, heartbeat and request waits its turn while a 20-page invoice renders. A worker process has its
own interpreter; the server only pickles the document over and the bytes back.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

# A worker per core but one (at least one): more renders wait in line rather than crowd out the server.
WORKERS = max(1, (os.cpu_count() or 2) - 1)

_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # forkserver: a worker is not a fork of the running server, with its loop, threads and connections.
        _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    return _pool


async def in_worker(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a worker process: a module-level function; arguments and result are pickled.

    What it logs is logged here, as if it had run in the server (same handlers, format and request id).
    """
    global _pool
    loop = asyncio.get_running_loop()
    try:
        result, records = await loop.run_in_executor(_executor(), _logged_call, function, args)
    except BrokenProcessPool:  # a worker died (killed, out of memory): a fresh pool, and one more try
        _pool = None
        result, records = await loop.run_in_executor(_executor(), _logged_call, function, args)
    for record in records:
        logging.getLogger(record.name).handle(record)
    return result


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # arguments may not pickle; the text does
        if record.exc_info:
            record.exc_text, record.exc_info = logging.Formatter().formatException(record.exc_info), None
        self.records.append(record)


def _logged_call(function: Callable[..., Any], args: tuple) -> tuple[Any, list[logging.LogRecord]]:
    """In the worker: the call's result and the records it logged."""
    collected = _Collected()
    root = logging.getLogger()
    root.addHandler(collected)
    try:
        return function(*args), collected.records
    finally:
        root.removeHandler(collected)
