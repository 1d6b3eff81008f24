"""The API reference page: Swagger UI from PayPort's own /static, so /api/v1/docs loads nothing from the internet.

`make docs-ui` copies the pinned swagger-ui-dist (package-lock.json) to static/vendor/swagger-ui/. Litestar's page
puts the schema in an inline script; this one fetches /api/v1/docs/openapi.json from a static script instead, so
the page's Content-Security-Policy allows scripts from 'self' only.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin

ASSETS = "/static/vendor/swagger-ui"
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; "
            "form-action 'self'")


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI whose scripts, styles and icon all come from this server."""

    def __init__(self) -> None:
        super().__init__(js_url=f"{ASSETS}/swagger-ui-bundle.js", css_url=f"{ASSETS}/swagger-ui.css",
                         standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
                         favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>", path="/swagger")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        spec = escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} reference</title>
  {self.favicon}
  <link rel="stylesheet" href="{self.css_url}">
  <link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
  <main id="swagger-ui" data-spec-url="{spec}" aria-label="{title} reference"></main>
  <script src="{self.js_url}"></script>
  <script src="{self.standalone_preset_js_url}"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>""".encode()
