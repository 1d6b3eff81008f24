"""Settings > Import: customers or invoices from a CSV file; Check file (dry run) or Import (all or nothing)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import partial_or_page
from app.services.api import csv_import, import_jobs

Req = Request[CurrentUser, Any, Any]
PARTIAL, PAGE = "partials/settings/import.html", "pages/settings/import.html"
STAFF = {"role": "staff"}
KINDS = csv_import.KINDS


class ImportController(Controller):
    """/settings/import: the form, and the report of a check or an import."""

    path = "/settings/import"

    @get("/", opt=STAFF)
    async def show(self, request: Req) -> Template:
        """The import form."""
        return partial_or_page(request, PARTIAL, PAGE, {"kinds": KINDS, "kind": "customers", "errors": {},
                                                        "active": "settings"})

    @post("/", opt=STAFF)
    async def run(self, request: Req) -> Template:
        """Check the file, or import it when nothing is wrong; errors (per row) in place, nothing saved."""
        form = await request.form()
        kind, upload = form.get("kind", ""), form.get("file")
        context: dict[str, Any] = {"kinds": KINDS, "kind": kind, "errors": {}, "active": "settings"}
        if kind not in KINDS:
            context["errors"]["kind"] = "Choose what the file holds."
        if not isinstance(upload, UploadFile) or not upload.filename:
            context["errors"]["file"] = "Choose a CSV file."
        if context["errors"]:
            return partial_or_page(request, PARTIAL, PAGE, context, status_code=422)
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            context["errors"]["file"] = "Save the file as CSV in UTF-8 and try again."
            return partial_or_page(request, PARTIAL, PAGE, context, status_code=422)
        dry_run = form.get("action") != "import"
        if csv_import.count_rows(text) > import_jobs.SYNC_ROWS:  # a long file: in the background, with a bar
            job_id = await import_jobs.start(request.user.vendor_id, kind, text, dry_run)
            context["job"] = job = await import_jobs.get_job(request.user.vendor_id, job_id)
            context["report"] = job.report  # a short job may have ended already: its report, not a bare form
            return partial_or_page(request, PARTIAL, PAGE, context, status_code=202)
        run = csv_import.import_customers if kind == "customers" else csv_import.import_invoices
        report = await run(request.user.vendor_id, text, dry_run)
        context["report"] = report
        return partial_or_page(request, PARTIAL, PAGE, context, status_code=200 if not report.errors else 422)

    @get("/jobs/{job_id:int}", opt=STAFF)
    async def job(self, request: Req, job_id: FromPath[int]) -> Template:
        """A long file's check or import: its progress by rows while it runs (the page polls), then its report."""
        job = await import_jobs.get_job(request.user.vendor_id, job_id)
        context: dict[str, Any] = {"kinds": KINDS, "kind": job.kind, "errors": {}, "active": "settings", "job": job,
                                   "report": job.report}
        return partial_or_page(request, PARTIAL, PAGE, context)
