"""Saved cards: the customer's Stripe Customer and the card on file, in the place Stripe charges it from.

In Connect mode the Customer and its PaymentMethod live on the platform (destination charges are made there);
in key mode on the vendor's own account. One SavedCard row per PayPort customer and place.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.db import write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_invoice_changed
from app.services.clock import utcnow
from app.services.payments import connection as stripe_connection
from app.services.payments.links import link_by_token, link_url
from app.services.rows import get_invoice
from app.stripe_gateway import CardInfo, get_gateway
from app.tables.autopay import SavedCard
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.payments import StripeConnection

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover",
          "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay", "cartes_bancaires": "Cartes Bancaires"}


@dataclass(frozen=True)
class Place:
    """Where a vendor's saved cards live: the Stripe account as our rows record it ("" = platform) and its key."""

    account: str
    api_key: str | None


def place_of(connection: StripeConnection) -> Place:
    """Connect: the platform (destination charges); key mode: the vendor's own account."""
    if connection.mode == stripe_connection.Mode.connect:
        return Place("", None)
    return Place(connection.account_id or "", stripe_connection.api_key_for(connection))


def describe(card: SavedCard | None) -> str:
    """'Visa ending 4242, expires 12/34' (empty without a card)."""
    if card is None or not card.payment_method:
        return ""
    brand = BRANDS.get(card.brand, card.brand.replace("_", " ").title() or "Card")
    return f"{brand} ending {card.last4}, expires {card.exp_month:02d}/{card.exp_year % 100:02d}"


async def _place(vendor_id: int) -> Place | None:
    connection = await stripe_connection.get_connection(vendor_id)
    return place_of(connection) if connection is not None and connection.account_id else None


async def card_on_file(vendor_id: int, customer_id: int) -> SavedCard | None:
    """The customer's usable saved card where this vendor now charges (None when there is none)."""
    place = await _place(vendor_id)
    if place is None:
        return None
    return await SavedCard.objects().where(
        (SavedCard.vendor == vendor_id) & (SavedCard.customer == customer_id)
        & (SavedCard.stripe_account == place.account) & (SavedCard.payment_method != "")
    ).first()


async def customer_card(vendor_id: int, customer_id: int) -> str:
    """The vendor's view: 'Visa ending 4242, expires 12/34' or ''."""
    return describe(await card_on_file(vendor_id, customer_id))


async def invoice_card(vendor_id: int, invoice_id: int) -> str:
    """The card on file of an invoice's customer (the vendor's invoice panel); 404 for another vendor's invoice."""
    invoice = await get_invoice(vendor_id, invoice_id)
    return await customer_card(vendor_id, invoice.customer)


async def ensure_stripe_customer(vendor_id: int, customer_id: int, connection: StripeConnection) -> str:
    """The Stripe Customer of this PayPort customer where cards are saved; created once."""
    place = place_of(connection)
    where = ((SavedCard.vendor == vendor_id) & (SavedCard.customer == customer_id)
             & (SavedCard.stripe_account == place.account))
    row = await SavedCard.objects().where(where).first()
    if row is not None:
        return row.stripe_customer
    customer = await Customer.objects().where((Customer.id == customer_id) & (Customer.vendor == vendor_id)).first()
    params: dict = {"name": customer.name[:256], "metadata": {"payport_customer_id": str(customer_id),
                                                              "payport_vendor_id": str(vendor_id)}}
    if customer.email:
        params["email"] = customer.email
    key = f"payport-customer-{vendor_id}-{customer_id}-{place.account or 'platform'}"
    stripe_id = await get_gateway().create_customer(params, key, place.api_key)
    async with write_transaction():
        row = await SavedCard.objects().where(where).first()
        if row is None:
            await SavedCard(vendor=vendor_id, customer=customer_id, stripe_account=place.account,
                            stripe_customer=stripe_id).save()
            return stripe_id
    return row.stripe_customer


async def record_card(account: str, card: CardInfo, vendor_id: int | None = None) -> tuple[int, int] | None:
    """A card was attached to one of our Stripe Customers: it becomes the card on file. (vendor, customer) or None.

    Runs inside the caller's transaction (the webhook's) or its own.
    """
    if not card.customer:
        return None
    where = (SavedCard.stripe_customer == card.customer) & (SavedCard.stripe_account == account)
    if vendor_id is not None:
        where &= SavedCard.vendor == vendor_id
    async with write_transaction():
        row = await SavedCard.objects().where(where).first()
        if row is None:
            return None
        if row.payment_method != card.id:
            row.payment_method, row.brand, row.last4 = card.id, card.brand, card.last4
            row.exp_month, row.exp_year, row.updated_at = card.exp_month, card.exp_year, utcnow()
            await row.save()
        return row.vendor, row.customer


async def forget_card(account: str, method_id: str, vendor_id: int | None = None) -> tuple[int, int] | None:
    """A card was detached on Stripe: no longer on file (a newer card already on file stays)."""
    where = (SavedCard.payment_method == method_id) & (SavedCard.stripe_account == account)
    if vendor_id is not None:
        where &= SavedCard.vendor == vendor_id
    async with write_transaction():
        row = await SavedCard.objects().where(where).first()
        if row is None or not method_id:
            return None
        await SavedCard.update({SavedCard.payment_method: "", SavedCard.brand: "", SavedCard.last4: "",
                                SavedCard.exp_month: 0, SavedCard.exp_year: 0, SavedCard.updated_at: utcnow()}
                               ).where(SavedCard.id == row.id)
        return row.vendor, row.customer


async def _announce_customer(vendor_id: int, customer_id: int) -> None:
    """The customer's open invoices show the card: refresh them on the vendor's pages."""
    rows = await Invoice.select(Invoice.id).where((Invoice.vendor == vendor_id) & (Invoice.customer == customer_id))
    for row in rows:
        announce_invoice_changed(vendor_id, row["id"])


async def card_saved(account: str, card: CardInfo, vendor_id: int | None = None) -> None:
    """Record a card learnt outside a webhook (back from Checkout) and refresh the vendor's pages."""
    found = await record_card(account, card, vendor_id)
    if found:
        await _announce_customer(*found)


async def start_card_setup(token: str) -> str:
    """'Save a card for automatic payments' on the pay page: a setup-mode Checkout Session (nothing is charged)."""
    link = await link_by_token(token)
    invoice = await Invoice.objects().where(Invoice.id == link.invoice).first()
    connection = await stripe_connection.get_connection(invoice.vendor)
    if connection is None or not await stripe_connection.is_ready(invoice.vendor):
        raise NotAllowed("Card payments are not available for this invoice right now. Please contact the sender.")
    stripe_customer = await ensure_stripe_customer(invoice.vendor, invoice.customer, connection)
    url = link_url(token)
    params: dict = {
        "mode": "setup",
        "currency": invoice.currency.lower(),
        "customer": stripe_customer,
        "success_url": f"{url}?card=saved&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{url}?card=cancelled",
        "metadata": {"payport_invoice_id": str(invoice.id), "payport_vendor_id": str(invoice.vendor),
                     "payport_saved_card": "1"},
        "setup_intent_data": {"metadata": {"payport_vendor_id": str(invoice.vendor)}},
    }
    key = f"payport-setup-{invoice.id}-{utcnow().strftime('%Y%m%d%H%M')}"
    session = await get_gateway().create_checkout_session(params, key, place_of(connection).api_key)
    return session.url


async def confirm_card_setup(token: str, session_id: str) -> None:
    """Back from setup-mode Checkout: read the saved card now so the page shows it before the webhook lands."""
    link = await link_by_token(token)
    invoice = await Invoice.objects().where(Invoice.id == link.invoice).first()
    connection = await stripe_connection.get_connection(invoice.vendor)
    if connection is None or not session_id.startswith("cs_"):
        return
    place = place_of(connection)
    try:
        card = await get_gateway().setup_session_card(session_id, place.api_key)
    except Exception:  # the webhook brings it
        return
    if card is not None:
        await card_saved(place.account, card, invoice.vendor)


async def pay_page_card(invoice: Invoice) -> SavedCard | None:
    """The card the pay page shows (and may remove)."""
    return await card_on_file(invoice.vendor, invoice.customer)


async def remove_card(token: str) -> None:
    """The customer removes the card on file from the pay page: detached on Stripe, gone here."""
    link = await link_by_token(token)
    invoice = await Invoice.objects().where(Invoice.id == link.invoice).first()
    await remove_customer_card(invoice.vendor, invoice.customer)


async def remove_customer_card(vendor_id: int, customer_id: int) -> None:
    """Detach the customer's card on file on Stripe and forget it (the pay page and the portal offer this)."""
    card = await card_on_file(vendor_id, customer_id)
    if card is None:
        return
    connection = await stripe_connection.get_connection(vendor_id)
    await get_gateway().detach_payment_method(card.payment_method, place_of(connection).api_key)
    found = await forget_card(card.stripe_account, card.payment_method, vendor_id)
    if found:
        await _announce_customer(*found)
