"""Long CSV files checked or imported in the background, with their progress by rows for the page to poll.

A file of more than SYNC_ROWS rows becomes a job: its row in `import_job` (rows total, rows done, phase, then the
report), and a task in the process that received the upload. The import itself stays all or nothing (one
transaction, services/api/csv_import.py); progress is kept outside that transaction:
- on PostgreSQL (several workers, so the page's next poll may reach another one) it is written to the job row every
  FLUSH_EVERY seconds from a task with a context of its own, so the write never joins the import's transaction;
- on SQLite (one worker: `serve` refuses more) the poll reads this process's memory, since the import's
  transaction holds the only write lock until it commits.
A job whose process ended mid-way (a restart) rolled back; the page says so instead of polling for ever.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from app.db import is_sqlite, write_transaction
from app.errors import NotFound
from app.services.api import csv_import
from app.services.api.csv_import import ImportReport
from app.services.clock import utcnow
from app.tables.api import ImportJob

log = logging.getLogger(__name__)
SYNC_ROWS = 1000  # files up to this many rows are answered within the request
FLUSH_EVERY = 0.3
STALE_AFTER = timedelta(minutes=1)  # a running job not written for this long lost its process


@dataclass
class Progress:
    """Where a running job is: told after every row by the import."""

    phase: str = "checking"
    done: int = 0

    def __call__(self, phase: str, done: int) -> None:
        self.phase, self.done = phase, done


@dataclass
class JobState:
    """What the page shows: a bar while running, the report once done."""

    id: int
    kind: str
    dry_run: bool
    status: str  # running | done | failed | stopped
    phase: str
    done: int
    total: int
    report: ImportReport | None = None

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


_running: dict[int, Progress] = {}
_tasks: set[asyncio.Task] = set()


async def start(vendor_id: int, kind: str, text: str, dry_run: bool) -> int:
    """Record the job and start it in this process; returns its id for the page to poll."""
    now = utcnow()
    job = ImportJob(vendor=vendor_id, kind=kind, dry_run=dry_run, rows_total=csv_import.count_rows(text),
                    created_at=now, updated_at=now)
    async with write_transaction():  # on SQLite, in turn with this process's other writes
        await job.save()
    progress = _running[job.id] = Progress()
    # A context of its own: nothing of the request (its transaction, its actor) follows the job.
    task = asyncio.create_task(_run(job.id, vendor_id, kind, text, dry_run, progress), context=contextvars.Context())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return job.id


async def _run(job_id: int, vendor_id: int, kind: str, text: str, dry_run: bool, progress: Progress) -> None:
    stop = asyncio.Event()
    flusher = None if is_sqlite() else asyncio.create_task(_flush(job_id, progress, stop),
                                                           context=contextvars.Context())
    run = csv_import.import_customers if kind == "customers" else csv_import.import_invoices
    try:
        report = await run(vendor_id, text, dry_run, progress=progress)
        status, body = "done", json.dumps(report.to_json())
    except Exception:  # a bug or a lost database: the transaction rolled back, the page must stop waiting
        log.exception("CSV import job %s failed", job_id)
        status, body = "failed", ""
    finally:
        stop.set()
        if flusher is not None:
            await flusher
    try:
        async with write_transaction():
            await ImportJob.update({ImportJob.status: status, ImportJob.report: body, ImportJob.phase: progress.phase,
                                    ImportJob.rows_done: progress.done, ImportJob.updated_at: utcnow()}).where(
                ImportJob.id == job_id)
    except Exception:
        log.exception("could not record the end of import job %s", job_id)
        raise
    finally:
        _running.pop(job_id, None)


async def _flush(job_id: int, progress: Progress, stop: asyncio.Event) -> None:
    """Copy the progress to the job row while the job runs (also a heartbeat: the row stays fresh)."""
    while not stop.is_set():
        try:
            await ImportJob.update({ImportJob.phase: progress.phase, ImportJob.rows_done: progress.done,
                                    ImportJob.updated_at: utcnow()}).where(ImportJob.id == job_id)
        except Exception:  # progress is a courtesy: never fail the import for it
            log.warning("could not record the progress of import job %s", job_id, exc_info=True)
        try:
            await asyncio.wait_for(stop.wait(), timeout=FLUSH_EVERY)
        except asyncio.TimeoutError:
            pass


async def get_job(vendor_id: int, job_id: int) -> JobState:
    """The vendor's job as it is now (live from memory when it runs in this process), or NotFound."""
    # Memory first: a job that ends while the row is read has recorded its end before it leaves memory.
    live = _running.get(job_id)
    row = await ImportJob.select().where((ImportJob.id == job_id) & (ImportJob.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That import does not exist.")
    state = JobState(row["id"], row["kind"], row["dry_run"], row["status"], row["phase"], row["rows_done"],
                     row["rows_total"])
    if state.status == "running":
        if live is not None:
            state.phase, state.done = live.phase, live.done
        elif is_sqlite() or utcnow() - row["updated_at"] > STALE_AFTER:
            state.status = "stopped"
    elif state.status == "done":
        state.report = ImportReport.from_json(json.loads(row["report"]))
    return state

