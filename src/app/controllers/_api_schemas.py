"""The request bodies and answer objects of /api/v1, so the OpenAPI schema Litestar generates describes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, TypedDict


class Customer(TypedDict):
    id: int
    object: Literal["customer"]
    name: str
    email: str
    phone: str
    billing_address: str
    tax_id: str
    country: str
    reverse_charge: bool
    currency: str
    notes: str
    archived: bool
    created: int


class InvoiceLine(TypedDict):
    id: int
    description: str
    quantity: str
    unit_amount: int
    tax_rate: str
    amount: int
    tax: int


class Invoice(TypedDict):
    id: int
    object: Literal["invoice"]
    number: Optional[str]
    customer: int
    status: str
    overdue: bool
    currency: str
    issue_date: str
    due_date: Optional[str]
    terms: str
    discount_percent: str
    notes: str
    footer: str
    subtotal: int
    discount_total: int
    tax_total: int
    total: int
    amount_paid: int
    amount_refunded: int
    amount_credited: int
    amount_due: int
    sent_method: Optional[str]
    sent_at: Optional[int]
    paid_at: Optional[int]
    voided_at: Optional[int]
    void_reason: str
    needs_attention: bool
    created: int
    lines: list[InvoiceLine]


class Payment(TypedDict):
    id: int
    object: Literal["payment"]
    invoice: int
    amount: int
    currency: str
    method: str
    reference: str
    note: str
    amount_refunded: int
    stripe_fee: Optional[int]
    application_fee: int
    net: Optional[int]
    paid_at: int
    created: int


class Refund(TypedDict):
    id: int
    object: Literal["refund"]
    payment: int
    invoice: int
    amount: int
    currency: str
    status: str
    reason: str
    note: str
    manual: bool
    failure_reason: str
    created: int


class CreditNoteLine(TypedDict):
    description: str
    quantity: str
    tax_rate: str


class CreditNote(TypedDict):
    id: int
    object: Literal["credit_note"]
    number: str
    invoice: int
    customer: int
    mode: str
    reason: str
    currency: str
    subtotal: int
    tax_total: int
    total: int
    excess: str
    amount_refunded: int
    amount_kept: int
    created: int
    lines: list[CreditNoteLine]


class PaymentLink(TypedDict):
    id: int
    object: Literal["payment_link"]
    invoice: int
    url: str
    status: Literal["pending_payment", "paid"]
    created: int


class _List(TypedDict):
    object: Literal["list"]
    has_more: bool
    url: str


class CustomerList(_List):
    data: list[Customer]


class InvoiceList(_List):
    data: list[Invoice]


class PaymentList(_List):
    data: list[Payment]


class RefundList(_List):
    data: list[Refund]


class CreditNoteList(_List):
    data: list[CreditNote]


@dataclass
class CustomerCreate:
    name: str
    email: str
    phone: str = ""
    billing_address: str = ""
    tax_id: str = ""
    currency: str = ""
    country: str = ""
    reverse_charge: bool = False
    notes: str = ""


@dataclass
class CustomerUpdate:
    name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    billing_address: Optional[str] = None
    tax_id: Optional[str] = None
    currency: Optional[str] = None
    country: Optional[str] = None
    reverse_charge: Optional[bool] = None
    notes: Optional[str] = None


@dataclass
class LineInput:
    description: str
    unit_amount: int  # minor units of the invoice's currency
    quantity: str = "1"
    tax_rate: str = "0"  # percent


@dataclass
class InvoiceCreate:
    customer: int
    lines: list[LineInput]
    currency: str = ""  # the customer's when empty
    issue_date: str = ""  # YYYY-MM-DD, today in the vendor's time zone when empty
    terms: str = "due_on_receipt"
    due_date: str = ""
    discount_percent: str = "0"
    notes: str = ""
    footer: str = ""


@dataclass
class InvoiceUpdate:
    customer: Optional[int] = None
    lines: Optional[list[LineInput]] = None
    currency: Optional[str] = None
    issue_date: Optional[str] = None
    terms: Optional[str] = None
    due_date: Optional[str] = None
    discount_percent: Optional[str] = None
    notes: Optional[str] = None
    footer: Optional[str] = None


@dataclass
class SendInput:
    method: Literal["manual", "stripe"] = "manual"
    email: bool = True  # queue the invoice email (to the customer unless `to` is given); false: mark as sent
    to: str = ""
    subject: str = ""
    message: str = ""


@dataclass
class MarkPaidInput:
    paid_on: str = ""  # YYYY-MM-DD, today when empty
    method: str = "bank_transfer"
    amount: Optional[int] = None  # minor units; the whole balance when omitted
    reference: str = ""
    note: str = ""


@dataclass
class VoidInput:
    reason: str


@dataclass
class PaymentCreate:
    invoice: int
    amount: Optional[int] = None
    paid_on: str = ""
    method: str = "bank_transfer"
    reference: str = ""
    note: str = ""


@dataclass
class RefundCreate:
    payment: int
    amount: Optional[int] = None  # what is left to refund when omitted
    reason: str = "requested_by_customer"
    note: str = ""


@dataclass
class CreditNoteCreate:
    invoice: int
    reason: str
    amount: Optional[int] = None  # by amount (minor units); or by lines
    lines: dict[str, str] = field(default_factory=dict)  # invoice line position -> quantity
    excess: str = ""  # "refund" or "keep" when the invoice was paid beyond its new total


@dataclass
class PaymentLinkCreate:
    invoice: int


class Quote(TypedDict):
    id: int
    object: Literal["quote"]
    number: Optional[str]
    customer: int
    status: Literal["draft", "sent", "viewed", "accepted", "declined", "expired", "converted"]
    currency: str
    issue_date: str
    expiry_date: str
    discount_percent: str
    notes: str
    footer: str
    subtotal: int
    discount_total: int
    tax_total: int
    total: int
    url: Optional[str]  # the customer's page, once sent
    sent_at: Optional[int]
    view_count: int
    first_viewed_at: Optional[int]
    last_viewed_at: Optional[int]
    accepted_name: str
    accepted_at: Optional[int]
    declined_at: Optional[int]
    decline_reason: str
    invoice: Optional[int]  # the invoice it was converted to
    converted_at: Optional[int]
    created: int
    lines: list[InvoiceLine]


class QuoteList(_List):
    data: list[Quote]


class RecurringLine(TypedDict):
    description: str
    quantity: str
    unit_amount: int
    tax_rate: str


class RecurringProfile(TypedDict):
    id: int
    object: Literal["recurring_profile"]
    name: str
    customer: int
    status: Literal["active", "paused", "cancelled", "finished"]
    currency: str
    discount_percent: str
    notes: str
    footer: str
    total: int  # what each period bills, minor units
    terms_days: int
    frequency: Literal["weekly", "weeks", "monthly", "monthly_last", "quarterly", "yearly"]
    every: int
    day_of_month: int
    start_date: str
    end_mode: Literal["never", "count", "date"]
    end_count: Optional[int]
    end_date: Optional[str]
    action: Literal["draft", "send", "autopay"]
    catch_up: Literal["all", "latest"]
    next_date: Optional[str]
    next_dates: list[str]  # the next five period dates still to make
    invoices_made: int
    created: int
    lines: list[RecurringLine]


class RecurringProfileList(_List):
    data: list[RecurringProfile]


@dataclass
class QuoteCreate:
    customer: int
    lines: list[LineInput]
    currency: str = ""  # the customer's when empty
    issue_date: str = ""  # YYYY-MM-DD, today in the vendor's time zone when empty
    expiry_date: str = ""  # YYYY-MM-DD, 30 days after the issue date when empty
    discount_percent: str = "0"
    notes: str = ""
    footer: str = ""


@dataclass
class QuoteUpdate:
    customer: Optional[int] = None
    lines: Optional[list[LineInput]] = None
    currency: Optional[str] = None
    issue_date: Optional[str] = None
    expiry_date: Optional[str] = None
    discount_percent: Optional[str] = None
    notes: Optional[str] = None
    footer: Optional[str] = None


@dataclass
class QuoteSendInput:
    to: str = ""  # the customer's email when empty
    subject: str = ""
    message: str = ""


@dataclass
class QuoteConvertInput:
    deposit_percent: str = ""  # e.g. "30": a deposit part first, the rest later; none when empty


@dataclass
class RecurringCreate:
    name: str
    customer: int
    lines: list[LineInput]
    currency: str = ""  # the customer's when empty
    discount_percent: str = "0"
    notes: str = ""
    footer: str = ""
    terms_days: int = 30
    frequency: Literal["weekly", "weeks", "monthly", "monthly_last", "quarterly", "yearly"] = "monthly"
    every: int = 1  # weeks between invoices, for frequency "weeks"
    day_of_month: Optional[int] = None  # the start date's day when omitted
    start_date: str = ""  # YYYY-MM-DD, today in the vendor's time zone when empty
    end_mode: Literal["never", "count", "date"] = "never"
    end_count: Optional[int] = None
    end_date: str = ""
    action: Literal["draft", "send", "autopay"] = "draft"
    catch_up: Literal["all", "latest"] = "all"


@dataclass
class RecurringUpdate:
    name: Optional[str] = None
    customer: Optional[int] = None
    lines: Optional[list[LineInput]] = None
    currency: Optional[str] = None
    discount_percent: Optional[str] = None
    notes: Optional[str] = None
    footer: Optional[str] = None
    terms_days: Optional[int] = None
    frequency: Optional[Literal["weekly", "weeks", "monthly", "monthly_last", "quarterly", "yearly"]] = None
    every: Optional[int] = None
    day_of_month: Optional[int] = None
    start_date: Optional[str] = None
    end_mode: Optional[Literal["never", "count", "date"]] = None
    end_count: Optional[int] = None
    end_date: Optional[str] = None
    action: Optional[Literal["draft", "send", "autopay"]] = None
    catch_up: Optional[Literal["all", "latest"]] = None
