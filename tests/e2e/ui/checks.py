"""What every page state must hold: no sideways page scroll at phone widths, no serious axe finding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page

from tests.support import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONES = (360, 390)
# Screenshots to look at; PAYPORT_SHOTS moves them out of the repository.
SHOTS = Path(os.environ.get("PAYPORT_SHOTS", ROOT / "test-results" / "pages"))
# The axe impacts that fail the check; add "moderate,minor" to see the rest.
IMPACTS = os.environ.get("PAYPORT_AXE_IMPACTS", "critical,serious").split(",")


def seed(env: dict[str, str], email: str) -> dict[str, int]:
    """Run tests.e2e.ui.seed against the server's database."""
    out = subprocess.run([sys.executable, "-m", "tests.e2e.ui.seed", email], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def overflow(page: Page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def too_wide(page: Page) -> list[str]:
    """The elements reaching furthest past the right edge, to say what overflows."""
    return page.evaluate("""() => [...document.body.querySelectorAll("*")]
        .map(el => ({el, right: el.getBoundingClientRect().right + window.scrollX}))
        .filter(o => o.right > window.innerWidth + 1).sort((a, b) => b.right - a.right).slice(0, 3)
        .map(o => o.el.tagName.toLowerCase() + (o.el.id ? "#" + o.el.id : "") + "." + String(o.el.className)
             + " right=" + Math.round(o.right))""")


def axe_findings(page: Page) -> list[dict]:
    """axe-core's violations of the failing impacts (critical and serious) on the page as it is now."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make axe` (npm ci) first")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))  # the context bypasses the CSP for this injected script only
    return page.evaluate("""async (impacts) => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n")[1])}));
    }""", IMPACTS)


def settle(page: Page) -> None:
    """Wait until no htmx request is in flight and no live-change flash is fading (both dim colours)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .changed')", timeout=10_000)


class PageStates:
    """Checks each page state at 1280, 390 and 360 px, collecting every problem to report them together."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.seen: list[str] = []

    def check(self, name: str, shots: bool = True) -> None:
        """Desktop and phone widths: fits, axe clean; screenshots at 1280 and 390 px."""
        page, original = self.page, self.page.viewport_size
        self.seen.append(name)
        for width in (1280, *PHONES):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)  # one layout pass after the resize
            if width in PHONES and (extra := overflow(page)) > 0:
                self.problems.append(f"{name} @{width}px scrolls sideways by {extra}px: {too_wide(page)}")
            if width in (1280, 390):
                settle(page)
                for finding in axe_findings(page):
                    self.problems.append(f"{name} @{width}px axe {finding['impact']} {finding['id']}: "
                                         f"{finding['help']} {finding['nodes']}")
                if shots:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size(original)
