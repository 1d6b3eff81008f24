"""One verdict line per issue-20 target, the same shape from every bench so `make bench` can collect them."""

from __future__ import annotations

import os


def engine() -> str:
    """The engine the bench runs on, from DATABASE_URL: "sqlite" or "postgres"."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def verdict(target: str, value: float, bound: float, unit: str, at_least: bool = False) -> bool:
    """Print `VERDICT met|missed | <engine> | <target> | <value><unit> (target <= <bound><unit>)`; True when met."""
    met = value >= bound if at_least else value <= bound
    sign = ">=" if at_least else "<="
    print(f"VERDICT {'met' if met else 'missed'} | {engine()} | {target} | {value:g}{unit} "
          f"(target {sign} {bound:g}{unit})", flush=True)
    return met
