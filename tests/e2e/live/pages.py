"""What a vendor sees of live updates: the connection indicator and self-refreshing parts of a page."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Locator, Page

# Stands in for a live partial (e.g. an invoice status badge) on pages that have none yet.
ADD_LIVE_PART = """([id, invoiceId]) => {
  const el = document.createElement("div");
  el.id = id;
  el.setAttribute("hx-get", "/healthz");
  el.setAttribute("hx-trigger", "sse:invoice-changed-" + invoiceId);
  el.textContent = "stale";
  document.getElementById("main").appendChild(el);
  htmx.process(el);
}"""


def live_status(page: Page) -> Locator:
    """The sidebar's connection indicator."""
    return page.locator(".sidebar").get_by_role("status")


def add_live_part(page: Page, element_id: str, invoice_id: int) -> Locator:
    """A part of the page that re-fetches itself on `invoice-changed-<invoice_id>`."""
    page.evaluate(ADD_LIVE_PART, [element_id, invoice_id])
    return page.locator(f"#{element_id}")


@dataclass
class StreamLog:
    """The server-sent events one tab's EventSource received, as Chromium's network layer saw them."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def invoice_ids(self) -> set[str]:
        """The invoice ids of every invoice-changed event received."""
        return {data for name, data in self.events if name.startswith("invoice-changed")}


def record_stream(context: BrowserContext, page: Page) -> StreamLog:
    """Record every SSE message this tab receives (call before it opens a page)."""
    log = StreamLog()
    session = context.new_cdp_session(page)
    session.on("Network.eventSourceMessageReceived", lambda msg: log.events.append((msg["eventName"], msg["data"])))
    session.send("Network.enable")
    return log
