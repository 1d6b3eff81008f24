"""One verdict line per target, in the form bench/run_all.py collects and repeats in its summary.

    VERDICT met | sqlite | webhooks events/s, 20 in flight | 912/s (target >= 800/s)

`unit` is appended to the figures as given ("/s", " ms", ""), so a bench decides its own spacing.
"""

from __future__ import annotations

import os


def engine() -> str:
    """The engine this bench runs on, from DATABASE_URL (the benches default to SQLite when it is unset)."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def figure(value: float) -> str:
    """Whole numbers bare, large figures rounded, small ones to three significant digits."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def line(met: bool, where: str, target: str, value: float, bound: float, unit: str, at_least: bool = False) -> str:
    """The verdict line itself (run_all.py prints its own with this, for targets over the whole run)."""
    sign = ">=" if at_least else "<="
    return (f"VERDICT {'met' if met else 'missed'} | {where} | {target} | "
            f"{figure(value)}{unit} (target {sign} {figure(bound)}{unit})")


def verdict(target: str, value: float, bound: float, unit: str, at_least: bool = False) -> bool:
    """Print whether `value` meets `bound` (at most, or at least when `at_least`); returns whether it does."""
    met = value >= bound if at_least else value <= bound
    print(line(met, engine(), target, value, bound, unit, at_least), flush=True)
    return met
