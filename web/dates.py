"""Dates as people write them, in French (default) or English: "1er décembre 2026 à
14 h 05", "1 December 2026 at 14:05". Shared by the server's notifications and the client's
history (neither imports the other). Pure: the time zone is an argument; ``PARIS`` is
metropolitan France's (UTC if the system has no time-zone database).
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MONTHS_EN", "MONTHS_FR", "PARIS", "day_text", "moment_text", "zone"]

Lang = Literal["fr", "en"]
MONTHS_FR: Final = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                    "septembre", "octobre", "novembre", "décembre")
MONTHS_EN: Final = ("January", "February", "March", "April", "May", "June", "July",
                    "August", "September", "October", "November", "December")


def zone(name: str) -> dt.tzinfo:
    """The time zone ``name``, or UTC when the system does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


PARIS: Final = zone("Europe/Paris")


def day_text(day: dt.date, lang: Lang = "fr") -> str:
    """"1er décembre 2026", "2 décembre 2026"; English "1 December 2026"."""
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS_FR[day.month - 1]} {day.year}"


def moment_text(timestamp: int | float, lang: Lang = "fr", tz: dt.tzinfo = PARIS) -> str:
    """A Unix time as a date and time in ``tz``: "1er décembre 2026 à 14 h 05" (French
    typography: "h", minutes on two digits, "14 h" on the hour); "1 December 2026 at
    14:05"."""
    moment = dt.datetime.fromtimestamp(timestamp, tz)
    day = day_text(moment.date(), lang)
    if lang == "en":
        return f"{day} at {moment.hour:02d}:{moment.minute:02d}"
    minutes = f" {moment.minute:02d}" if moment.minute else ""
    return f"{day} à {moment.hour} h{minutes}"
