"""GET /metrics for Prometheus, behind a bearer token (mounted only when PAYPORT_METRICS_TOKEN is set)."""

from __future__ import annotations

import hmac

from litestar import Request, get
from litestar.plugins.prometheus import PrometheusController
from litestar.response import Response

from app.metrics import OUTBOX_MESSAGES
from app.services.mail.delivery import count_by_status


def _token_ok(request: Request) -> bool:
    token = request.app.state.get("metrics_token") or ""
    given = request.headers.get("authorization", "").encode()
    return bool(token) and hmac.compare_digest(given, f"Bearer {token}".encode())


class MetricsController(PrometheusController):
    """Litestar's Prometheus controller; the outbox gauges are read from the database at each scrape."""

    path = "/metrics"

    @get(opt={"public": True}, include_in_schema=False)
    async def get(self, request: Request) -> Response:
        """Every metric in the Prometheus text format."""
        if not _token_ok(request):  # a plain 401: the app's own handler would send a browser to log in
            return Response({"error": "A valid bearer token is required."}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"})
        for status, count in (await count_by_status()).items():
            OUTBOX_MESSAGES.labels(status).set(count)
        response = await PrometheusController.get.fn(self)
        response.headers["Cache-Control"] = "no-store"
        return response
