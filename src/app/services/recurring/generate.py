"""Make each due period's invoice exactly once: claim (profile, period) with an insert that skips on conflict,
then create the invoices of the claimed periods in the same transaction.

Two processes, a restart or a retry may look at the same due periods; only the transaction whose insert of the
(profile, period_date) key went through makes an invoice for it. Draft periods are made in bulk (one
transaction per batch: claims, invoices and lines by multi-row inserts); send and autopay periods go one per
transaction through the Send button's own path (number, payment link, email).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.db import engine, is_sqlite, write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_invoice_changed
from app.money import format_money
from app.services.autopay.charge import charge_invoice
from app.services.clock import today_for, utcnow
from app.services.invoices.totals import TERMS, LineInput, compute_totals
from app.services.mail import send as mail_send
from app.services.recurring.dates import occurrences
from app.services.recurring.profiles import rule_of
from app.tables.invoices import InvoiceActivity
from app.tables.recurring import RecurringPeriod, RecurringProfile

log = logging.getLogger(__name__)
BATCH_PERIODS = 500
MAX_CATCH_UP = 400  # periods made for one profile in one pass; the rest follow in the next
TERMS_BY_DAYS = {days: key for key, (_, days) in TERMS.items() if days is not None}


@dataclass(frozen=True)
class Due:
    """One period to make: the profile row, its date, and the missed periods it stands for."""

    profile: dict
    period: date
    today: date
    skipped: tuple[date, ...] = ()


def _due_periods(profile: dict, today: date) -> list[Due]:
    """The profile's periods due by today (vendor's zone), as its catch-up setting says."""
    limit = MAX_CATCH_UP
    if profile["end_mode"] == "count":
        limit = min(limit, max(profile["end_count"] - profile["invoices_made"], 0))
    if limit <= 0 or profile["next_date"] is None:
        return []
    dates = occurrences(rule_of(profile), after=profile["next_date"], limit=limit, until=today)
    if profile["catch_up"] == "latest" and len(dates) > 1:
        return [Due(profile, dates[-1], today, tuple(dates[:-1]))]
    return [Due(profile, day, today) for day in dates]


async def find_due(vendor_id: int | None = None) -> list[Due]:
    """Every active profile's due periods (one vendor's with `vendor_id`)."""
    horizon = utcnow().date() + timedelta(days=1)  # no zone is more than a day ahead of UTC
    where = (RecurringProfile.status == "active") & (RecurringProfile.next_date <= horizon)
    if vendor_id is not None:
        where &= RecurringProfile.vendor == vendor_id
    rows = await RecurringProfile.select(
        *RecurringProfile.all_columns(), RecurringProfile.vendor.timezone.as_alias("vendor_timezone"),
    ).where(where).order_by(RecurringProfile.id).output(load_json=True)
    due: list[Due] = []
    for row in rows:
        due.extend(_due_periods(row, today_for(row["vendor_timezone"])))
    return due


def _late_message(item: Due) -> str:
    missed = [*item.skipped, item.period] if item.skipped else ([item.period] if item.period < item.today else [])
    if not missed:
        return ""
    days = ", ".join(d.isoformat() for d in missed)
    if item.skipped:
        return (f"Made late: the scheduler was down on {days}; only the latest period "
                f"({item.period.isoformat()}) was billed, as the profile asks.")
    return f"Made late: the scheduler was down on {days}."


INVOICE_COLUMNS = ("vendor", "customer", "status", "currency", "issue_date", "due_date", "terms", "discount_percent",
                   "notes", "footer", "subtotal", "discount_total", "tax_total", "total", "amount_due",
                   "recurring_profile_id", "created_at", "updated_at")
LINE_COLUMNS = ("invoice", "position", "description", "quantity", "unit_price", "tax_rate", "line_total", "tax_amount")
ACTIVITY_COLUMNS = ("vendor", "invoice", "kind", "message", "data", "created_at")
PERIOD_COLUMNS = ("vendor", "profile", "period_date", "created_at")
MAX_PARAMETERS = 30_000  # below SQLite's 32,766 and PostgreSQL's 32,767 bound parameters per statement


async def _bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple], suffix: str = "") -> list:
    """Multi-row INSERTs on the current write transaction's own connection (Piccolo builds a Table object and
    a query string per row, which was most of the time at 10,000 invoices); returns what `suffix` RETURNs."""
    connection = engine().current_transaction.get().connection
    sqlite = is_sqlite()
    per = max(1, min(500, MAX_PARAMETERS // len(columns)))
    found: list = []
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        if sqlite:
            marks = ",".join(["(" + ",".join("?" * len(columns)) + ")"] * len(chunk))
        else:
            width = len(columns)
            marks = ",".join("(" + ",".join(f"${r * width + c + 1}" for c in range(width)) + ")"
                             for r in range(len(chunk)))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {marks} {suffix}"
        args = [value for row in chunk for value in row]
        if sqlite:
            async with connection.execute(sql, args) as cursor:
                found.extend(await cursor.fetchall())
        else:
            found.extend(await connection.fetch(sql, *args))
    return found


def _field(row, name: str, index: int):
    return row[name] if isinstance(row, dict) else row[index]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _invoice_values(item: Due) -> tuple[tuple, list[LineInput], object]:
    p = item.profile
    lines = [LineInput(line["description"], Decimal(line["quantity"]), int(line["unit_price"]),
                       Decimal(line["tax_rate"])) for line in p["lines"]]
    discount = Decimal(p["discount_percent"])
    totals = compute_totals(lines, discount)
    now = utcnow()
    values = (p["vendor"], p["customer"], "draft", p["currency"], item.period,
              item.period + timedelta(days=p["terms_days"]), TERMS_BY_DAYS.get(p["terms_days"], "custom"), discount,
              p["notes"], p["footer"], totals.subtotal, totals.discount_total, totals.tax_total, totals.total,
              totals.total, p["id"], now, now)
    return values, lines, totals


async def _claim(items: list[Due]) -> list[Due]:
    """Insert the (profile, period) keys; only the periods whose key went in are this transaction's to make."""
    now = utcnow()
    rows = [(i.profile["vendor"], i.profile["id"], d, now) for i in items for d in (*i.skipped, i.period)]
    inserted = await _bulk_insert("recurring_period", PERIOD_COLUMNS, rows,
                                  "ON CONFLICT (profile, period_date) DO NOTHING RETURNING profile, period_date")
    claimed = {(_field(r, "profile", 0), _as_date(_field(r, "period_date", 1))) for r in inserted}
    return [i for i in items if (i.profile["id"], i.period) in claimed]


async def _insert_invoices(items: list[Due]) -> list[int]:
    """Create the draft invoices, their lines and activity for claimed periods; their ids in order."""
    built = [_invoice_values(item) for item in items]
    returned = await _bulk_insert("invoice", INVOICE_COLUMNS, [values for values, _, _ in built],
                                  "RETURNING id, recurring_profile_id, issue_date")
    by_period = {(_field(r, "recurring_profile_id", 1), _as_date(_field(r, "issue_date", 2))): _field(r, "id", 0)
                 for r in returned}
    ids = [by_period[(item.profile["id"], item.period)] for item in items]
    lines = [(invoice_id, n, line.description, line.quantity, line.unit_price, line.tax_rate, figures.amount,
              figures.tax)
             for invoice_id, (_, inputs, totals) in zip(ids, built)
             for n, (line, figures) in enumerate(zip(inputs, totals.lines))]
    now = utcnow()
    activity = []
    for invoice_id, item, (_, _, totals) in zip(ids, items, built):
        p = item.profile
        message = (f"Made by recurring profile \u201c{p['name']}\u201d for the period of "
                   f"{item.period.isoformat()}: {format_money(totals.total, p['currency'])}.")
        data = json.dumps({"profile": p["id"], "period": item.period.isoformat(), "actor": "scheduler"})
        activity.append((p["vendor"], invoice_id, "recurring", message, data, now))
        late = _late_message(item)
        if late:
            activity.append((p["vendor"], invoice_id, "recurring_late", late, '{"actor": "scheduler"}', now))
    await _bulk_insert("invoice_line", LINE_COLUMNS, lines)
    await _bulk_insert("invoice_activity", ACTIVITY_COLUMNS, activity)
    return ids


async def _link_periods(items: list[Due], ids: list[int]) -> None:
    """Point each claimed period at its invoice, and move each profile on past what was made."""
    await RecurringPeriod.raw(
        "UPDATE recurring_period SET invoice = (SELECT MAX(invoice.id) FROM invoice "
        "WHERE invoice.recurring_profile_id = recurring_period.profile "
        "AND invoice.issue_date = recurring_period.period_date) "
        "WHERE invoice IS NULL AND profile IN ({})".format(",".join(str(int(i.profile["id"])) for i in items)))
    made: dict[int, list[Due]] = {}
    for item in items:
        made.setdefault(item.profile["id"], []).append(item)
    for profile_id, periods in made.items():
        p = periods[0].profile
        after = max(d.period for d in periods) + timedelta(days=1)
        count = p["invoices_made"] + len(periods)
        following = occurrences(rule_of(p), after=after, limit=1)
        finished = not following or (p["end_mode"] == "count" and count >= p["end_count"])
        await RecurringProfile.update({
            RecurringProfile.invoices_made: RecurringProfile.invoices_made + len(periods),
            RecurringProfile.next_date: None if finished else following[0],
            RecurringProfile.status: "finished" if finished else p["status"],
            RecurringProfile.updated_at: utcnow(),
        }).where(RecurringProfile.id == profile_id)


async def _make_batch(items: list[Due]) -> list[tuple[int, int]]:
    """One transaction: claim, create, link, send. Autopay charges follow the commit. Returns (vendor, invoice)."""
    to_charge: list[tuple[Due, int]] = []
    async with write_transaction():
        mine = await _claim(items)
        if not mine:
            return []
        ids = await _insert_invoices(mine)
        await _link_periods(mine, ids)
        for item, invoice_id in zip(mine, ids):
            if item.profile["action"] in ("send", "autopay") and await _send(item, invoice_id):
                if item.profile["action"] == "autopay":
                    to_charge.append((item, invoice_id))
    for item, invoice_id in to_charge:
        await _autopay(item, invoice_id)
    return [(item.profile["vendor"], invoice_id) for item, invoice_id in zip(mine, ids)]


async def _send(item: Due, invoice_id: int) -> bool:
    """The Send button's path, inside the period's transaction; a customer without email leaves a draft (False)."""
    vendor_id = item.profile["vendor"]
    state = await mail_send.dialog_state(vendor_id, invoice_id)
    form = state["form"]
    form.method = "stripe" if state["stripe_ready"] else "manual"
    form = mail_send.with_method(state["doc"], form)
    try:
        await mail_send.send(vendor_id, invoice_id, form)
    except mail_send.SendFormError as exc:
        await _note(item, invoice_id, "recurring_not_sent",
                    f"Not sent: {' '.join(exc.errors.values())} The draft waits for review.")
        return False
    return True


async def _autopay(item: Due, invoice_id: int) -> None:
    """Charge the card on file off-session, after the invoice is committed (the charge talks to Stripe).

    A decline is the charge service's to handle (activity, the customer's email, retries); no card or no Stripe
    leaves the emailed invoice to be paid by its link, and the activity says why.
    """
    try:
        await charge_invoice(item.profile["vendor"], invoice_id)
    except NotAllowed as exc:
        await _note(item, invoice_id, "autopay_skipped", f"Autopay skipped: {exc.message} The invoice was sent by email.")
    except Exception:  # Stripe did not answer: the invoice already went out by email with its payment link
        log.exception("autopay of invoice %s failed", invoice_id)


async def _note(item: Due, invoice_id: int, kind: str, message: str) -> None:
    await InvoiceActivity.insert(InvoiceActivity(vendor=item.profile["vendor"], invoice=invoice_id, kind=kind,
                                                 message=message, created_at=utcnow(), data={"actor": "scheduler"}))


async def run_due(vendor_id: int | None = None) -> int:
    """Make every due period's invoice once; returns how many this call made (0 when another process did)."""
    due = await find_due(vendor_id)
    bulk = [d for d in due if d.profile["action"] == "draft"]
    single = [d for d in due if d.profile["action"] != "draft"]
    made: list[tuple[int, int]] = []
    batches = [bulk[i:i + BATCH_PERIODS] for i in range(0, len(bulk), BATCH_PERIODS)] + [[d] for d in single]
    for batch in batches:
        try:
            made.extend(await _make_batch(batch))
        except Exception:  # one bad profile must not stop every other vendor's invoices
            log.exception("recurring: a batch of %d periods failed; it is retried on the next pass", len(batch))
    for vendor, invoice_id in made:
        announce_invoice_changed(vendor, invoice_id)
    return len(made)

