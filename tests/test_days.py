"""The one parser for days people and programs name (stancewatch/days.py)."""

from __future__ import annotations

from datetime import date

import pytest

from stancewatch.days import DayFormatError, parse_day


@pytest.mark.parametrize("text", [
    "2023-07-11", " 2023-07-11 ", "2023/7/11", "2023-07-11T23:30:00-05:00", "2023-07-11t01:00Z",
    "2023-07-11 12:00", "11 July 2023", "11th July 2023", "11 Jul. 2023", "July 11, 2023",
    "Jul 11 2023", "Tuesday, 11 July 2023", "Tue, 11 Jul 2023 09:30:00 GMT",
    "Tue, 11 Jul 2023 23:30:00 -0500", "11 July 2023 10:00",
])
def test_a_day_written_any_unambiguous_way_is_the_day_as_written(text: str) -> None:
    assert parse_day(text) == date(2023, 7, 11)


@pytest.mark.parametrize("text", [
    "2023-02-30", "2023-13-01", "July 2023", "tomorrow", "",
    "x 11 July 2023", "11 Julyx 2023", "2023-07-111", "20230711",
])
def test_ambiguous_impossible_or_partial_days_are_refused_with_the_forms_that_work(text: str) -> None:
    with pytest.raises(DayFormatError, match="is not a day"):
        parse_day(text)
    assert isinstance(DayFormatError("x"), ValueError)  # callers that catch ValueError keep working


@pytest.mark.parametrize("text", ["07/11/2023", "11.07.2023", "7-11-23"])
def test_all_number_days_with_the_day_or_month_first_are_refused_as_ambiguous(text: str) -> None:
    with pytest.raises(DayFormatError, match="reads two ways"):
        parse_day(text)
