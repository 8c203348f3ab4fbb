"""Shared measuring helpers of the benchmarks: results, timing, the floor beside each figure."""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS: list[tuple[str, float, float | None, str, bool]] = []


def report(name: str, value: float, floor: float | None, bar: str, ok: bool, unit: str = "s") -> None:
    RESULTS.append((name, value, floor, bar, ok))
    ratio = f"{value / floor:5.2f}×" if floor else "     "
    floor_s = f"{floor:8.3f}{unit}" if floor is not None else " " * 9
    print(f"  {name:<48} {value:8.3f}{unit}  floor {floor_s}  {ratio}  bar: {bar:<12} {'OK' if ok else 'OVER'}", flush=True)


def best_pair(app_fn, raw_fn, repeat: int = 40) -> tuple[float, float]:
    """Best time of each, measured alternately so both see the same machine
    (this shared 2-core box drifts by tens of percent within minutes)."""
    app_times, raw_times = [], []
    for _ in range(repeat):
        for fn, times in ((app_fn, app_times), (raw_fn, raw_times)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return min(app_times), min(raw_times)


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
