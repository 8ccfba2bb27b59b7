"""The one parser for a day a person or a program names: `classify`'s "date" per line,
`--since` / `--until`, and the Python API's `date`, `since` and `until` strings.
(Dates that pages and feeds claim are extractors/dates.py's.)"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from stancewatch.errors import UserError

DAY_EXAMPLES = "2025-03-31, 2025-03-31T09:30:00Z, 31 March 2025, March 31, 2025 or Mon, 31 Mar 2025"
_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,? )?"
_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[t ])")
_DAY_MONTH_YEAR = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})")
_MONTH_DAY_YEAR = re.compile(_WEEKDAY + r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_NUMBERS_ONLY = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")  # 03/04/2025: refused


class DayFormatError(UserError, ValueError):
    """A day that is not written in one of the unambiguous forms of DAY_EXAMPLES."""


def parse_day(value: str) -> date:
    """The calendar day a text names, as written (a time and zone after it do not move it):
    ISO 8601 ('2025-03-31', '2025-03-31T23:30:00-05:00', '2025/03/31'), a month by name in
    either order ('31 March 2025', 'Mar 31, 2025', 'Monday, 31st March 2025') and RFC 2822
    as feeds write it ('Mon, 31 Mar 2025 09:30:00 GMT'). All-number forms with the day or
    month first ('03/04/2025') are refused: they read two ways."""
    text = " ".join(str(value).split()).lower()
    iso = _ISO_DAY.match(text)
    if iso:
        return _day(int(iso[1]), int(iso[2]), int(iso[3]), value)
    for pattern, (year, month, day) in ((_DAY_MONTH_YEAR, (3, 2, 1)), (_MONTH_DAY_YEAR, (3, 1, 2))):
        named = pattern.match(text)
        rest = text[named.end():] if named else ""
        if named and named[month] in _MONTHS and (not rest or rest[0] in " t"):
            return _day(int(named[year]), _MONTHS[named[month]], int(named[day]), value)
    try:
        return parsedate_to_datetime(str(value)).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    if _NUMBERS_ONLY.fullmatch(text):
        raise DayFormatError(f"{str(value)[:40]!r} reads two ways (day or month first): write "
                             "the year first (2025-03-31) or the month by name")
    raise DayFormatError(f"{str(value)[:40]!r} is not a day like {DAY_EXAMPLES}")


def _day(year: int, month: int, day: int, value: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DayFormatError(f"{str(value)[:40]!r} is not a day ({exc})") from None
