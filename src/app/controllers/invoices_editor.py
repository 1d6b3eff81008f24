"""The invoice editor: new (blank or from a template), edit, the live totals preview."""

from __future__ import annotations

from typing import Any

from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.controllers._htmx import go
from app.errors import NotAllowed, NotFound
from app.money import ACTIVE_CURRENCIES
from app.money import decimals
from app.parsing import parse_id
from app.services.invoices import editor
from app.services.invoices import templates as tpl
from app.services.clock import today_for
from app.services.customers import active_customers, get_customer
from app.services.invoices.totals import TERMS, amounts_locked_reason
from app.services.rows import get_invoice, get_lines
from app.services.payments import connection as stripe_connection
from app.services.vendors import vendor_profile

Req = Request[CurrentUser, Any, Any]
CURRENCIES = ACTIVE_CURRENCIES
CURRENCY_DECIMALS = {code: decimals(code) for code in CURRENCIES}  # the editor's script retypes prices with it


async def _context(request: Req, draft: editor.InvoiceDraft, errors: dict[str, str], invoice: Any = None,
                   locked: str | None = None) -> dict[str, Any]:
    customers = await active_customers(request.user.vendor_id)
    if invoice is not None and all(c["id"] != invoice.customer for c in customers):
        archived = await get_customer(request.user.vendor_id, invoice.customer)
        customers.append({"id": archived.id, "name": f"{archived.name} (archived)", "currency": archived.currency})
    rates = await editor.named_rates(request.user.vendor_id)
    totals, currency = editor.preview_totals(draft, rates, await editor.tax_rounding(request.user.vendor_id))
    used = {line.get("tax_rate_id") for line in draft.lines}
    offered = [r for r in rates.values() if not r["archived_at"] or str(r["id"]) in used]
    offered.sort(key=lambda r: (not r["is_default"], -r["percent"], r["name"]))
    default = next((str(r["id"]) for r in offered if r["is_default"]), "")
    return {"draft": draft, "errors": errors, "invoice": invoice, "locked": locked, "customers": customers,
            "currencies": await stripe_connection.offered_currencies(request.user.vendor_id, draft.currency),
            "currency_decimals": CURRENCY_DECIMALS, "terms": TERMS, "totals": totals, "currency": currency,
            "line_amounts": _line_amounts(draft, rates), "active": "invoices", "tax_rates": offered,
            "default_rate": default}


def _line_amounts(draft: editor.InvoiceDraft, rates: dict[str, dict]) -> list[int | None]:
    """Each line's amount for display (gross when prices include tax), None where the line is not valid yet."""
    single = [editor.preview_totals(editor.InvoiceDraft(currency=draft.currency, lines=[line],
                                                        prices_include_tax=draft.prices_include_tax), rates)
              for line in draft.lines]
    return [(t.lines[0].amount + (t.lines[0].tax if draft.prices_include_tax else 0)) if t.lines else None
            for t, _ in single]


async def _form_response(request: Req, draft: editor.InvoiceDraft, errors: dict[str, str], invoice: Any,
                         locked: str | None, status: int) -> Template:
    context = await _context(request, draft, errors, invoice, locked)
    return Template("partials/invoices/editor_form.html", context=context, status_code=status)


def _after_save(request: Req, invoice_id: int, action: str) -> Any:
    path = f"/invoices/{invoice_id}" + ("?send=1" if action == "send" else "")
    return go(request, path)


async def _duplicate(vendor_id: int, invoice_id: int) -> editor.InvoiceDraft:
    """Another invoice's customer, lines, terms and notes as a new draft; its dates start afresh."""
    draft = editor.draft_from_invoice(await get_invoice(vendor_id, invoice_id), await get_lines(invoice_id))
    if draft.terms != "custom":
        draft.due_date = ""
    return draft


class InvoiceEditorController(Controller):
    """Create and edit invoices."""

    path = "/invoices"

    @get("/new", opt={"role": "staff"})
    async def new(self, request: Req, customer: FromQuery[str] = "", template: FromQuery[str] = "",
                  duplicate: FromQuery[str] = "") -> Template:
        """The editor for a new invoice: blank, from a template, or a copy of another invoice."""
        profile = await vendor_profile(request.user.vendor_id)
        if duplicate:
            source = parse_id(duplicate)
            if source is None:  # not an id at all: the same answer as another vendor's id
                raise NotFound("No such invoice.")
            draft = await _duplicate(request.user.vendor_id, source)
        elif template:
            draft = await tpl.draft_from_template(request.user.vendor_id, template, customer)
        else:
            draft = editor.InvoiceDraft(customer=customer, currency=profile["default_currency"],
                                        notes=profile["default_notes"], footer=profile["default_footer"],
                                        lines=[{"description": "", "quantity": "1", "unit_price": "", "tax_rate": "0"}])
        if parse_id(customer) and not template:
            chosen = await get_customer(request.user.vendor_id, parse_id(customer))
            draft.currency = chosen.currency
        draft.issue_date = today_for(profile["timezone"]).isoformat()
        context = await _context(request, draft, {})
        context.update(templates=await tpl.list_templates(request.user.vendor_id), chosen_template=template)
        return Template("pages/invoices/editor.html", context=context)

    @post("/new", media_type=MediaType.HTML, opt={"role": "staff"})
    async def create(self, request: Req) -> Any:
        """Save a new draft; with action=send, go on to the Send dialog."""
        form = await request.form()
        draft = editor.draft_from_form(form)
        profile = await vendor_profile(request.user.vendor_id)
        try:
            clean = await editor.check_draft(request.user.vendor_id, profile["timezone"], draft)
        except editor.EditorErrors as exc:
            return await _form_response(request, draft, exc.errors, None, None, 422)
        invoice_id = await editor.create_invoice(request.user.vendor_id, clean)
        return _after_save(request, invoice_id, form.get("action", "draft"))

    @post("/preview", status_code=200, opt={"role": "staff"})
    async def preview(self, request: Req) -> Template:
        """The totals panel for the values being typed (server-computed, nothing saved)."""
        draft = editor.draft_from_form(await request.form())
        rates = await editor.named_rates(request.user.vendor_id)
        totals, currency = editor.preview_totals(draft, rates, await editor.tax_rounding(request.user.vendor_id))
        context = {"totals": totals, "currency": currency, "line_amounts": _line_amounts(draft, rates), "oob": True,
                   "prices_include_tax": draft.prices_include_tax}
        return Template("partials/invoices/totals.html", context=context)

    @get("/{invoice_id:int}/edit", media_type=MediaType.HTML, opt={"role": "staff"})
    async def edit(self, request: Req, invoice_id: FromPath[int]) -> Any:
        """The editor for a saved invoice; locked amounts are shown read-only with the reason."""
        invoice = await get_invoice(request.user.vendor_id, invoice_id)
        if invoice.status not in ("draft", "sent"):
            return Redirect(path=f"/invoices/{invoice_id}")
        draft = editor.draft_from_invoice(invoice, await get_lines(invoice_id))
        context = await _context(request, draft, {}, invoice, await amounts_locked_reason(invoice))
        return Template("pages/invoices/editor.html", context=context)

    @post("/{invoice_id:int}/edit", media_type=MediaType.HTML, opt={"role": "staff"})
    async def update(self, request: Req, invoice_id: FromPath[int]) -> Any:
        """Save the edit; errors come back in place and nothing is saved."""
        invoice = await get_invoice(request.user.vendor_id, invoice_id)
        locked = await amounts_locked_reason(invoice)
        if invoice.status not in ("draft", "sent"):
            raise NotAllowed(locked or "This invoice can no longer be edited.")
        form = await request.form()
        draft = editor.draft_from_form(form)
        if locked:  # the amounts on screen are read-only: keep the saved ones whatever was posted
            saved = editor.draft_from_invoice(invoice, await get_lines(invoice_id))
            draft.customer, draft.currency, draft.discount, draft.lines, draft.prices_include_tax = \
                saved.customer, saved.currency, saved.discount, saved.lines, saved.prices_include_tax
        profile = await vendor_profile(request.user.vendor_id)
        try:
            clean = await editor.check_draft(request.user.vendor_id, profile["timezone"], draft)
        except editor.EditorErrors as exc:
            return await _form_response(request, draft, exc.errors, invoice, locked, 422)
        await editor.update_invoice(request.user.vendor_id, invoice_id, clean)
        return _after_save(request, invoice_id, form.get("action", "draft"))

    @get("/templates", opt={"role": "staff"})
    async def templates(self, request: Req) -> Template:
        """The Templates tab: starters and the vendor's saved templates."""
        rows = await tpl.list_templates(request.user.vendor_id)
        return Template("pages/invoices/templates.html", context={"templates": rows, "active": "invoices"})

    @post("/templates/{template_id:int}/delete", opt={"role": "staff"})
    async def delete_template(self, request: Req, template_id: FromPath[int]) -> ClientRedirect:
        """Remove one of the vendor's own templates."""
        await tpl.delete_template(request.user.vendor_id, template_id)
        return ClientRedirect(redirect_to="/invoices/templates")
