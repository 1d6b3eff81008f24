"""A bare Litestar app serving one Jinja partial: the yardstick bench/invoice_list.py compares against."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

ROWS = [{"number": f"INV-2026-{n:05d}", "customer": f"Customer {n % 997}", "status": "Sent",
         "issued": "Nov 22, 2026", "due": "Dec 22, 2026", "total": f"${n * 13 % 99999:,}.00"} for n in range(25)]


@get("/partial", sync_to_thread=False)
def partial() -> Template:
    """25 invoice-like rows rendered by Jinja, no database, no session."""
    return Template("bare_table.html", context={"rows": ROWS})


app = Litestar(route_handlers=[partial], template_config=TemplateConfig(
    directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine))
