"""A long CSV file is checked or imported in the background: the page polls a bar that moves by rows, then shows
the report; still all or nothing."""

from __future__ import annotations

import asyncio
import re
import threading

from app.db import is_sqlite
from app.services.api import csv_import, import_jobs
from app.services.customers import clean_customer
from app.tables.api import ImportJob
from app.tables.customers import Customer


def customers_csv(rows: int, bad: tuple[int, ...] = ()) -> str:
    lines = ["Name,Email,Currency"]
    lines += [f"{'' if i in bad else f'Customer {i}'},c{i}@example.com,USD" for i in range(rows)]
    return "\n".join(lines) + "\n"


async def upload(vendor, text: str, action: str, kind: str = "customers"):
    return await vendor.client.post("/settings/import", data={"kind": kind, "action": action},
                                    files={"file": ("long.csv", text.encode(), "text/csv")}, headers=vendor.headers())


def job_url(page: str) -> str:
    return re.search(r'hx-get="(/settings/import/jobs/\d+)"', page)[1]


async def finished(vendor, started):
    """The job's final page: polled while it runs, or the answer itself when the job ended before it."""
    found = re.search(r'hx-get="(/settings/import/jobs/\d+)"', started.text)
    return await poll_until_done(vendor, found[1]) if found else started


async def poll_until_done(vendor, url: str):
    for _ in range(400):
        page = await vendor.client.get(url, headers={"hx-request": "true"})
        assert page.status_code == 200
        if 'data-testid="import-job"' not in page.text:
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} still running")


async def test_progress_is_told_after_every_row(vendor, monkeypatch):
    monkeypatch.setattr(csv_import, "BATCH", 1)  # one insert per row, so writing reports every row too
    seen: list[tuple[str, int]] = []
    report = await csv_import.import_customers(vendor.vendor_id, customers_csv(6), dry_run=False,
                                               progress=lambda phase, done: seen.append((phase, done)))
    assert report.created == 6
    assert [done for phase, done in seen if phase == "checking"] == [0, 1, 2, 3, 4, 5, 6]
    assert [done for phase, done in seen if phase == "importing"] == [0, 1, 2, 3, 4, 5, 6]


async def test_invoice_rows_are_counted_by_lines(vendor):
    from tests import factories
    await factories.customer(vendor.vendor_id, "Acme", "acme@example.com")
    text = ("Invoice,Customer email,Currency,Description,Quantity,Unit price\n"
            "A-1,acme@example.com,USD,Design,1,10\nA-1,acme@example.com,USD,Hosting,1,5\n"
            "A-2,acme@example.com,USD,Support,1,7\n")
    seen: list[tuple[str, int]] = []
    await csv_import.import_invoices(vendor.vendor_id, text, dry_run=False,
                                     progress=lambda phase, done: seen.append((phase, done)))
    assert seen == [("checking", 0), ("checking", 2), ("checking", 3), ("importing", 0), ("importing", 2),
                    ("importing", 3)]


async def test_a_long_file_shows_a_bar_that_moves_by_rows_then_the_report(vendor, monkeypatch):
    monkeypatch.setattr(import_jobs, "SYNC_ROWS", 3)
    gate, checked = threading.Event(), []

    def slow_after_two(form):  # the third row waits until the test has seen the bar at 2 of 5
        if len(checked) == 2:
            gate.wait(timeout=30)
        checked.append(form["name"])
        return clean_customer(form)

    monkeypatch.setattr(csv_import, "clean_customer", slow_after_two)
    started = await upload(vendor, customers_csv(5), "import")
    assert started.status_code == 202 and 'data-testid="import-job"' in started.text
    assert "of 5 rows" in started.text and 'name="file"' not in started.text  # the bar instead of the form
    url = job_url(started.text)
    for _ in range(400):
        page = (await vendor.client.get(url, headers={"hx-request": "true"})).text
        if "Checking customers: 2 of 5 rows" in page:
            break
        await asyncio.sleep(0.05)
    assert 'value="2" max="5"' in page and "(40%)" in page and f'hx-get="{url}"' in page
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0
    gate.set()
    done = await poll_until_done(vendor, url)
    assert "Imported 5 customers." in done.text and 'name="file"' in done.text and "hx-get" not in done.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 5
    job = await ImportJob.objects().where(ImportJob.vendor == vendor.vendor_id).first()
    assert (job.status, job.phase, job.rows_done, job.rows_total) == ("done", "importing", 5, 5)
    plain = await vendor.client.get(url)  # without htmx: the whole page, with the same report
    assert plain.status_code == 200 and "<html" in plain.text and "Imported 5 customers." in plain.text


async def test_a_long_file_with_bad_rows_imports_nothing_and_lists_every_error(vendor, other_vendor, monkeypatch):
    monkeypatch.setattr(import_jobs, "SYNC_ROWS", 3)
    started = await upload(vendor, customers_csv(8, bad=(1, 6)), "import")
    done = await finished(vendor, started)
    assert "2 problems in 8 rows: nothing was imported" in done.text, done.text
    assert '<td class="num">3</td>' in done.text and '<td class="num">8</td>' in done.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0
    job = await ImportJob.objects().where(ImportJob.vendor == vendor.vendor_id).first()
    url = f"/settings/import/jobs/{job.id}"
    assert (await vendor.client.get(url, headers={"hx-request": "true"})).status_code == 200
    assert (await other_vendor.client.get(url, headers={"hx-request": "true"})).status_code == 404


async def test_a_long_dry_run_lists_what_it_would_create(vendor, monkeypatch):
    monkeypatch.setattr(import_jobs, "SYNC_ROWS", 3)
    started = await upload(vendor, customers_csv(30), "check")
    done = await finished(vendor, started)
    assert "importing it creates 30 customers" in done.text and "and 10 more" in done.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0


async def test_progress_seen_from_another_worker_and_a_job_whose_process_ended(vendor, monkeypatch):
    monkeypatch.setattr(import_jobs, "SYNC_ROWS", 3)
    gate, checked = threading.Event(), []

    def held_after_two(form):
        if len(checked) == 2:
            gate.wait(timeout=30)
        checked.append(form["name"])
        return clean_customer(form)

    monkeypatch.setattr(csv_import, "clean_customer", held_after_two)
    url = job_url((await upload(vendor, customers_csv(4), "import")).text)
    job_id = int(url.rsplit("/", 1)[1])
    while len(checked) < 2:
        await asyncio.sleep(0.02)
    live = import_jobs._running[job_id]
    monkeypatch.delitem(import_jobs._running, job_id)  # what a worker that does not run the job sees
    if is_sqlite():  # one worker only: a job not in its memory ended with its process
        page = (await vendor.client.get(url, headers={"hx-request": "true"})).text
        assert "stopped after 0 of 4 rows (the server restarted): nothing was imported" in page
    else:  # PostgreSQL: the worker running the job writes its progress to the job row, outside any transaction
        for _ in range(200):
            page = (await vendor.client.get(url, headers={"hx-request": "true"})).text
            if "Checking customers: 2 of 4 rows" in page:
                break
            await asyncio.sleep(0.05)
        assert "Checking customers: 2 of 4 rows" in page and 'data-testid="import-job"' in page
    monkeypatch.setitem(import_jobs._running, job_id, live)
    gate.set()
    assert "Imported 4 customers." in (await poll_until_done(vendor, url)).text


async def test_a_stale_job_says_it_stopped(vendor):
    from datetime import timedelta
    from app.services.clock import utcnow
    old = utcnow() - timedelta(minutes=5)
    job = ImportJob(vendor=vendor.vendor_id, kind="customers", dry_run=False, status="running", rows_total=9,
                    rows_done=4, created_at=old, updated_at=old)
    await job.save()
    page = await vendor.client.get(f"/settings/import/jobs/{job.id}", headers={"hx-request": "true"})
    assert "stopped after 4 of 9 rows (the server restarted): nothing was imported" in page.text
    assert "hx-get" not in page.text and 'name="file"' in page.text


async def test_a_long_invoice_file_is_a_job_too(vendor, monkeypatch):
    from app.tables.invoices import Invoice
    from tests import factories
    monkeypatch.setattr(import_jobs, "SYNC_ROWS", 2)
    await factories.customer(vendor.vendor_id, "Acme", "acme@example.com")
    text = ("Invoice,Customer email,Currency,Description,Quantity,Unit price\n"
            "A-1,acme@example.com,USD,Design,1,10\nA-1,acme@example.com,USD,Hosting,1,5\n"
            "A-2,acme@example.com,USD,Support,1,7\n")
    started = await upload(vendor, text, "import", kind="invoices")
    assert started.status_code == 202  # a job (the bar, or its report when it ended before the answer)
    done = await finished(vendor, started)
    assert "Imported 2 invoices." in done.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 2
