"""What the demo vendor's year looks like: customers, what it sells, and the fate of each of its 60 invoices."""

from __future__ import annotations

import random
from dataclasses import dataclass

INVOICE_COUNT = 60
SPACING_DAYS = 6  # one invoice about every six days: 60 invoices over the last twelve months

# what the demo's three quotes offer: description, unit price
QUOTE_LINES = [("Brand refresh: logo, colours and type", "2400.00"), ("Spring menu photography (half day)", "850.00"),
               ("Website redesign, phase 1", "6200.00")]

# name, email, currency, phone, billing address, tax id
CUSTOMERS = [
    ("Northwind Traders", "ap@northwind.example", "USD", "+1 206 555 0134", "1200 Pine St\nSeattle, WA 98101", ""),
    ("Blue Bakery", "hello@bluebakery.example", "USD", "+1 503 555 0178", "88 Alder Ave\nPortland, OR 97205", ""),
    ("Harbor & Pine Architects", "accounts@harborpine.example", "USD", "", "450 Harbor Blvd\nBoston, MA 02110",
     "EIN 12-3456789"),
    ("Greenfield Clinic", "billing@greenfield.example", "USD", "+1 312 555 0199", "17 Lake St\nChicago, IL 60601", ""),
    ("Atlas Outdoor Co.", "finance@atlasoutdoor.example", "USD", "", "3 Summit Rd\nDenver, CO 80202", ""),
    ("Maple Street Books", "owner@maplestreet.example", "USD", "+1 617 555 0102", "61 Maple St\nCambridge, MA 02139",
     ""),
    ("Fahrenheit Kaffeerösterei", "buchhaltung@fahrenheit.example", "EUR", "+49 30 5550 1234",
     "Oranienstraße 12\n10999 Berlin\nGermany", "DE123456788"),
    ("Studio Lumen", "admin@studiolumen.example", "EUR", "", "Keizersgracht 100\n1015 CW Amsterdam\nNetherlands",
     "NL123456782B01"),
    ("Café Rivoli", "compta@caferivoli.example", "EUR", "+33 1 55 50 12 34", "8 rue de Rivoli\n75004 Paris\nFrance",
     "FR40303265045"),
    ("Nordlicht Reisen", "rechnung@nordlicht.example", "EUR", "", "Hafenstraße 5\n20359 Hamburg\nGermany",
     "DE987654328"),
    ("Sakura Software K.K.", "keiri@sakura-soft.example", "JPY", "+81 3 5550 1234",
     "2-1-1 Shibuya\nShibuya-ku, Tokyo 150-0002\nJapan", "T1234567890123"),
    ("Kyoto Tea House", "info@kyototea.example", "JPY", "", "12 Gion-machi\nHigashiyama-ku, Kyoto 605-0073\nJapan",
     ""),
]

# description, quantity, unit price (major units, typed as a person would)
SERVICES = {
    "USD": [("Website design, hours", "12", "140.00"), ("Brand identity workshop (half day)", "1", "900.00"),
            ("Copywriting, pages", "6", "85.00"), ("Monthly hosting and maintenance", "1", "250.00"),
            ("Photography session", "1", "650.00"), ("Illustrations", "4", "175.00")],
    "EUR": [("Webdesign, Stunden", "10", "120.00"), ("Logo redesign", "1", "1450.00"),
            ("Newsletter template", "2", "320.00"), ("Hosting (monthly)", "1", "49.00"),
            ("Product photography, images", "20", "35.00")],
    "JPY": [("Web design, hours", "8", "15000"), ("翻訳サービス (Translation, pages)", "12", "4500"),
            ("Logo design", "1", "180000"), ("Monthly maintenance", "1", "30000")],
}
TAX_RATES = {"USD": "0", "EUR": "19", "JPY": "10"}
NOTES = "Thank you for your business. Bank transfer details are on the PDF."


@dataclass(frozen=True)
class Plan:
    """One demo invoice: how old it is, who it is for, and what happened to it."""

    days_ago: int
    customer: int  # index into CUSTOMERS
    outcome: str  # draft, sent, link, overdue, reminded, paid, card, refunded, partly_refunded, void
    terms: str
    paid_after: int  # days from issue to payment
    lines: tuple[tuple[str, str, str], ...]


# The newest invoices are still open; older ones were paid, a few by card through Stripe, two refunded, two void.
OUTCOMES = {0: "draft", 1: "card", 2: "draft", 3: "paid", 4: "link", 5: "sent", 6: "card", 7: "reminded",
            8: "overdue", 13: "void", 20: "refunded", 27: "partly_refunded", 41: "void",
            10: "card", 16: "card", 24: "card", 31: "card", 38: "card", 47: "card", 55: "card"}
TERMS = {1: "due_on_receipt", 4: "net_30", 5: "net_60", 7: "net_14", 8: "net_30"}
CARD_OUTCOMES = ("card", "link", "refunded", "partly_refunded")


def plans(seed: int = 2026) -> list[Plan]:
    """The 60 invoices, oldest first (so numbers follow dates); the same every time."""
    rng = random.Random(seed)
    result = []
    for i in range(INVOICE_COUNT):
        days_ago = i * SPACING_DAYS + rng.randint(0, 3)
        customer = (i * 5) % len(CUSTOMERS)
        offers = SERVICES[CUSTOMERS[customer][2]]
        lines = tuple(rng.sample(offers, rng.randint(1, min(3, len(offers)))))
        outcome = OUTCOMES.get(i, "paid")
        paid_after = min(days_ago, rng.randint(2, 20))
        result.append(Plan(days_ago, customer, outcome, TERMS.get(i, "net_14"), paid_after, lines))
    return result[::-1]
