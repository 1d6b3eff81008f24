"""Every bench on SQLite, then on PostgreSQL; every VERDICT line again in a summary; exit 1 on any miss.

    .venv/bin/python bench/run_all.py                  # what `make bench` runs
    .venv/bin/python bench/run_all.py stripe_webhooks --engines sqlite

PostgreSQL is BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); each bench makes a fresh
database of its own there. The machine is shared and small, so the load average is sampled all along and printed
while the benches run and beside each bench's figures: a figure taken under load says so.
A bench that fails, times out or prints no VERDICT line counts as a miss (a target nobody measured is not met).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.verdict import line  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
BOTH = ("sqlite", "postgres")
# The list and dashboard seed this many invoices: BENCH_INVOICES=1000000 for the full scale.
INVOICES = os.environ.get("BENCH_INVOICES", "100000")
TOTAL_MINUTES = 20  # target 8: the whole run

# (name, argv after the interpreter, engines): scales chosen so both engines together stay under TOTAL_MINUTES.
BENCHES: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("probes", ["bench/probes.py", "--requests", "300"], BOTH),
    ("stripe_webhooks", ["bench/stripe_webhooks.py", "2000"], BOTH),
    ("invoice_list", ["bench/invoice_list.py", "--invoices", INVOICES, "--concurrency", "50", "--seconds", "5"], BOTH),
    ("dashboard", ["bench/dashboard.py", "--invoices", INVOICES, "--concurrency", "1,5,10", "--rounds", "10"], BOTH),
    ("sse_fanout", ["bench/sse_fanout.py", "--streams", "100", "1000", "--rounds", "20"], BOTH),
    ("recurring", ["bench/recurring.py", "--profiles", "1000", "--periods", "10"], BOTH),
    ("import_customers", ["bench/import_customers.py", "--rows", "10000"], BOTH),
]
TIMEOUT_SECONDS = 480  # one bench on one engine


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds; printed every `every` seconds while the benches run."""

    def __init__(self, interval: float = 5, every: float = 30) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.interval, self.every = interval, every
        self.stopped = threading.Event()

    def run(self) -> None:
        last_print = time.monotonic()
        while not self.stopped.wait(self.interval):
            self.samples.append(os.getloadavg()[0])
            if time.monotonic() - last_print >= self.every:
                say(f"load average {now_load()}")
                last_print = time.monotonic()

    def since(self, start: int) -> str:
        window = self.samples[start:] or [os.getloadavg()[0]]
        return f"load 1-min mean {sum(window) / len(window):.2f} max {max(window):.2f}"


@dataclass
class Outcome:
    name: str
    engine: str
    seconds: float
    load: str
    verdicts: list[str] = field(default_factory=list)
    failure: str = ""


PRINT_LOCK = threading.Lock()


def say(text: str) -> None:
    with PRINT_LOCK:
        print(f"[run_all] {text}", flush=True)


def now_load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def environment(engine: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PICCOLO_CONF": "app.piccolo_conf"}
    # This checkout's code, in the benches and the servers they start (the venv may be installed from another).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH")]))
    env.pop("DATABASE_URL", None)  # unset: every bench makes a fresh SQLite database in a temp folder
    if engine == "postgres":
        env["DATABASE_URL"] = POSTGRES_URL
    return env


def run_one(name: str, argv: list[str], engine: str, sampler: LoadSampler) -> Outcome:
    """One bench on one engine, its output passed through as it comes, its VERDICT lines kept."""
    say(f"{name} on {engine}: {' '.join(argv)}  (load average {now_load()})")
    first_sample, started = len(sampler.samples), time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=environment(engine), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    outcome = Outcome(name, engine, 0, "")
    timer = threading.Timer(TIMEOUT_SECONDS, lambda: os.killpg(process.pid, signal.SIGTERM))
    timer.start()
    try:
        for text in process.stdout:
            with PRINT_LOCK:
                print(f"  {name}/{engine}: {text}", end="", flush=True)
            if text.startswith("VERDICT "):
                outcome.verdicts.append(text.rstrip("\n"))
        code = process.wait()
    finally:
        timer.cancel()
    outcome.seconds, outcome.load = time.perf_counter() - started, sampler.since(first_sample)
    missed = any(text.startswith("VERDICT missed") for text in outcome.verdicts)
    if code and outcome.seconds >= TIMEOUT_SECONDS:
        outcome.failure = f"timed out at {TIMEOUT_SECONDS}s"
    elif code and not missed:  # a bench exiting 1 on its own missed verdict says nothing new
        outcome.failure = f"exited {code}"
    elif not outcome.verdicts:
        outcome.failure = "printed no VERDICT line"
    return outcome


def summary(outcomes: list[Outcome], total_seconds: float, sampler: LoadSampler, whole: bool) -> bool:
    """Repeat every verdict, name every failure, judge the whole run's time; returns whether all is met."""
    print("\n==== bench summary ====", flush=True)
    all_met = True
    for outcome in outcomes:
        print(f"-- {outcome.name} on {outcome.engine}: {outcome.seconds:.0f}s, {outcome.load}")
        for verdict_line in outcome.verdicts:
            print(verdict_line)
            all_met &= verdict_line.startswith("VERDICT met")
        if outcome.failure:
            print(f"VERDICT missed | {outcome.engine} | {outcome.name} | {outcome.failure}")
            all_met = False
    minutes = total_seconds / 60
    met = minutes <= TOTAL_MINUTES or not whole  # only the whole run is judged on its time
    if whole:
        print(line(met, "all", "make bench wall time", round(minutes, 1), TOTAL_MINUTES, " min"))
    else:
        print(f"wall time {minutes:.1f} min (a part of the run: not judged against {TOTAL_MINUTES} min)")
    print(f"load average over the run: {sampler.since(0)}; now {now_load()}")
    print(f"==== {'every target met' if all_met and met else 'some target missed'} ====", flush=True)
    return all_met and met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these benches (default: all)")
    parser.add_argument("--engines", default=",".join(BOTH), help="comma-separated: sqlite,postgres")
    args = parser.parse_args()
    wanted = [entry for entry in BENCHES if not args.names or entry[0] in args.names]
    unknown = set(args.names) - {entry[0] for entry in BENCHES}
    if unknown:
        parser.error(f"unknown bench(es): {', '.join(sorted(unknown))}")
    sampler = LoadSampler()
    sampler.start()
    started, outcomes = time.perf_counter(), []
    say(f"{len(wanted)} benches; load average {now_load()} (1, 5, 15 min) on {os.cpu_count()} cores")
    for name, argv, engines in wanted:
        for engine in args.engines.split(","):
            if engine in engines:
                outcomes.append(run_one(name, argv, engine, sampler))
    sampler.stopped.set()
    whole = not args.names and set(args.engines.split(",")) >= set(BOTH)
    return 0 if summary(outcomes, time.perf_counter() - started, sampler, whole) else 1


if __name__ == "__main__":
    sys.exit(main())
