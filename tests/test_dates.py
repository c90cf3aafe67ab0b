"""Dates as people write them (web.dates): French by default, English on request."""

from __future__ import annotations

import datetime as dt

from web.dates import PARIS, day_text, moment_text


def _at(y: int, m: int, d: int, hh: int, mm: int) -> int:
    return int(dt.datetime(y, m, d, hh, mm, tzinfo=PARIS).timestamp())


def test_french_days_say_premier_and_spell_the_month() -> None:
    assert day_text(dt.date(2026, 12, 1)) == "1er décembre 2026"
    assert day_text(dt.date(2026, 12, 2)) == "2 décembre 2026"
    assert day_text(dt.date(2027, 8, 15)) == "15 août 2027"
    assert day_text(dt.date(2026, 12, 1), "en") == "1 December 2026"


def test_french_times_use_h_and_leave_out_zero_minutes() -> None:
    assert moment_text(_at(2026, 12, 1, 14, 5)) == "1er décembre 2026 à 14 h 05"
    assert moment_text(_at(2026, 12, 1, 9, 30)) == "1er décembre 2026 à 9 h 30"
    assert moment_text(_at(2026, 12, 1, 14, 0)) == "1er décembre 2026 à 14 h"
    assert moment_text(_at(2026, 12, 1, 14, 5), "en") == "1 December 2026 at 14:05"


def test_times_are_in_paris_time_summer_and_winter() -> None:
    winter = int(dt.datetime(2026, 12, 1, 13, 5, tzinfo=dt.UTC).timestamp())
    summer = int(dt.datetime(2026, 7, 1, 12, 5, tzinfo=dt.UTC).timestamp())
    assert moment_text(winter) == "1er décembre 2026 à 14 h 05"
    assert moment_text(summer) == "1er juillet 2026 à 14 h 05"
    assert moment_text(winter, tz=dt.UTC) == "1er décembre 2026 à 13 h 05"
