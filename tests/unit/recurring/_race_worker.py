"""One scheduler process for the race test: waits for the go file, runs a pass at a frozen time, prints its count."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path

from app.services import clock
from app.services.recurring import generate


async def main(at: str, vendor_id: int, go: Path) -> None:
    clock.freeze(datetime.fromisoformat(at))
    while not go.exists():
        time.sleep(0.005)
    print(await generate.run_due(vendor_id), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
