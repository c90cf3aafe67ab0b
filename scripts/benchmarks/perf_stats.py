"""Figures of ``scripts/bench perf``: interleaved repetitions, their median and spread, and
the closing ``| figure | today | goal | met? |`` table (the Goals table of issue 14)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """One figure's repetitions (each a ratio or a value measured in the same repetition as
    its baseline)."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> Series:
        return cls(tuple(v for v in values if v == v))  # NaN (nothing measured) left out

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def text(self, unit: str = "x", digits: int = 2) -> str:
        if not self.values:
            return "not measured"
        lo, hi = min(self.values), max(self.values)
        return (f"{self.median:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f}, "
                f"n={len(self.values)})")


@dataclass(frozen=True)
class Row:
    figure: str
    today: str
    goal: str
    met: str

    @classmethod
    def judged(cls, figure: str, series: Series, goal: str, unit: str = "x",
               digits: int = 2) -> Row:
        return cls(figure, series.text(unit, digits), goal, met(series.median, goal))


def met(value: float, goal: str) -> str:
    """``yes``/``no`` for a median against a goal written ``>= 0.25x`` or ``<= 3``."""
    found = re.match(r"\s*(>=|<=)\s*([0-9.]+)", goal)
    if found is None or value != value:
        return "—"
    target = float(found.group(2))
    ok = value >= target if found.group(1) == ">=" else value <= target
    return "yes" if ok else "no"


def table(rows: list[Row]) -> str:
    lines = ["| figure | today | goal | met? |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.figure} | {r.today} | {r.goal} | {r.met} |" for r in rows]
    return "\n".join(lines)
