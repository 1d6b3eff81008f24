"""PDF downloads: cold render time of one and twenty pages, and what 20 downloads in flight do to live updates.

    .venv/bin/python bench/pdf.py [--samples 10] [--streams 1000] [--rounds 20] [--downloads 20]

Starts the app (one uvicorn process on uvloop, fresh database: SQLite, or PostgreSQL when DATABASE_URL says
so) and times GET /invoices/<id>/pdf with the PDF cache emptied before each request, so every download renders
(a one-page invoice, and one long enough for twenty pages). Then it opens `--streams` live streams and measures
the change -> event p99 (a real POST mark-paid, as bench/sse_fanout.py) without downloads, and again while
`--downloads` cold twenty-page downloads are in flight all the time. Beside them: bare fpdf2 (a core font,
no app) rendering the same page counts in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.sse_fanout import Bench, Changes, Server, Vendor, app_env, load, percentile  # noqa: E402
from bench.verdict import engine, verdict  # noqa: E402

TARGET_ONE_PAGE_MS = 50
TARGET_TWENTY_PAGES_MS = 300
TARGET_LIVE_SLOWDOWN = 2.0
LINES_FOR_TWENTY_PAGES = 490  # with the invoice's header, totals and payment block: 20 A4 pages


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


async def long_invoices(vendor: Vendor, count: int, lines: int) -> list[int]:
    """Sent invoices with `lines` lines (the extra lines inserted in bulk: setup, not measured)."""
    from decimal import Decimal

    from app.tables.invoices import InvoiceLine

    ids = await vendor.sent_invoices(count)
    for invoice_id in ids:
        await InvoiceLine.insert(*[
            InvoiceLine(invoice=invoice_id, position=10 + n, description=f"Consulting, week {n + 1}: workshops",
                        quantity=Decimal(1), unit_price=10000, tax_rate=Decimal(0), line_total=10000, tax_amount=0)
            for n in range(lines - 1)])
    return ids


class Downloads:
    """Cold PDF downloads of the vendor's invoices: the cache is emptied before each request."""

    def __init__(self, vendor: Vendor, data_dir: Path) -> None:
        self.vendor, self.cache = vendor, data_dir / "pdf" / f"vendor-{vendor.vendor_id}"
        self.times: list[float] = []
        self.running = False

    async def cold(self, invoice_id: int) -> tuple[float, bytes]:
        for cached in self.cache.glob(f"invoice-{invoice_id}-v*.pdf"):
            cached.unlink(missing_ok=True)
        started = time.perf_counter()
        response = await self.vendor.client.get(f"/invoices/{invoice_id}/pdf", timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
        return elapsed, response.content

    async def keep_downloading(self, invoice_id: int) -> None:
        while self.running:
            elapsed, _ = await self.cold(invoice_id)
            self.times.append(elapsed)


def bare_fpdf(page_count: int) -> float:
    """ms for fpdf2 alone to lay out `page_count` pages of table rows in a core font (no app, no font subsetting)."""
    from fpdf import FPDF

    started = time.perf_counter()
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=9.5)
    pdf.add_page()
    rows = 1 if page_count == 1 else LINES_FOR_TWENTY_PAGES
    with pdf.table(col_widths=(84, 18, 28, 16, 28), line_height=5.5, padding=(2, 1.5)) as table:
        for n in range(rows):
            row = table.row()
            for value in (f"Consulting, week {n + 1}: workshops", "1", "$100.00", "0%", "$100.00"):
                row.cell(value)
    bytes(pdf.output())
    return (time.perf_counter() - started) * 1000


async def live_p99(bench: Bench, changes: Changes, rounds: int) -> float:
    latencies = []
    for _ in range(rounds):
        latencies += await bench.round(*changes.make())
        await asyncio.sleep(0.1)
    return percentile(latencies, .99)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--downloads", type=int, default=20)
    args = parser.parse_args()
    env, data_dir, drop = app_env()
    server = Server(env, data_dir)
    try:
        vendor = Vendor(server.url)
        await vendor.sign_up()
        [one_page] = await vendor.sent_invoices(1)
        twenty = await long_invoices(vendor, args.downloads, LINES_FOR_TWENTY_PAGES)
        downloads = Downloads(vendor, data_dir)
        await downloads.cold(one_page)  # warm up: the worker process starts and imports the renderer
        idle_rss = server.rss_kib()
        figures = {}
        for name, invoice_id in (("one page", one_page), ("twenty pages", twenty[0])):
            samples = [await downloads.cold(invoice_id) for _ in range(args.samples)]
            figures[name] = ([elapsed for elapsed, _ in samples], pages(samples[-1][1]))
        bare = {count: statistics.median(bare_fpdf(count) for _ in range(5)) for count in (1, 20)}

        changes = Changes(vendor, server, route=True)
        await changes.prepare(2 * args.rounds + 5)
        bench = Bench([server], vendor.cookie)
        await bench.open_streams(args.streams)
        await asyncio.sleep(2)
        await live_p99(bench, changes, 3)  # warm up
        quiet = await live_p99(bench, changes, args.rounds)
        downloads.running = True
        workers = [asyncio.create_task(downloads.keep_downloading(invoice_id)) for invoice_id in twenty]
        await asyncio.sleep(1)  # every download under way
        busy = await live_p99(bench, changes, args.rounds)
        busy_rss = server.rss_kib()
        downloads.running = False
        await asyncio.gather(*workers)
        bench.close_streams(0)
    finally:
        server.stop()
        drop()

    database = "PostgreSQL" if engine() == "postgres" else "SQLite"
    print(f"\nPDF downloads, one uvicorn process, {database}, {os.cpu_count()} cores (load average {load()}); "
          "GET /invoices/<id>/pdf with the cache emptied first (every request renders)")
    for name, (times, page_count) in figures.items():
        print(f"  {name:>12} ({page_count:>2} pages): median {statistics.median(times):6.1f} ms, "
              f"p95 {percentile(times, .95):6.1f} ms, max {max(times):6.1f} ms over {len(times)} downloads")
    print(f"bare fpdf2 (core font, no app, no font subsetting), in this process: 1 page {bare[1]:.1f} ms, "
          f"20 pages {bare[20]:.1f} ms")
    print(f"live updates, {args.streams} streams: p99 {quiet:.1f} ms without downloads, {busy:.1f} ms with "
          f"{args.downloads} cold twenty-page downloads in flight ({len(downloads.times)} done meanwhile, median "
          f"{statistics.median(downloads.times or [0]):.0f} ms each)")
    print(f"app RSS: idle {idle_rss / 1024:.1f} MiB; with streams and downloads {busy_rss / 1024:.1f} MiB "
          "(the render workers are processes of their own)")
    verdict("PDF one page, cold download (median)", round(statistics.median(figures["one page"][0]), 1),
            TARGET_ONE_PAGE_MS, " ms")
    verdict("PDF 20 pages, cold download (median)", round(statistics.median(figures["twenty pages"][0]), 1),
            TARGET_TWENTY_PAGES_MS, " ms")
    verdict(f"live p99 with {args.downloads} PDF downloads / without", round(busy / quiet, 2),
            TARGET_LIVE_SLOWDOWN, "x")


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
