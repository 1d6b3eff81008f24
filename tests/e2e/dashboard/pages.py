"""Dashboard page object and seeding helpers for browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from playwright.sync_api import Page, expect

from bench.dashboard_seed import Seeded, seed, vendor_id_of


def seed_busy_vendor(database_url: str, email: str, invoices: int = 240) -> Seeded:
    """Give the vendor behind `email` a year and a bit of invoicing history."""
    return seed(database_url, vendor_id_of(database_url, email), invoices, datetime.now(timezone.utc))


@dataclass
class DashboardPage:
    """The dashboard as a vendor sees it."""

    page: Page
    base_url: str

    def open(self) -> "DashboardPage":
        """Go to the dashboard."""
        self.page.goto(f"{self.base_url}/")
        expect(self.page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
        return self

    def figure(self, name: str):
        """The list of per-currency values under a figure, e.g. "Outstanding"."""
        return self.page.get_by_role("list", name=name, exact=True)
