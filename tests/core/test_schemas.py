"""The query schemas every app's API shares."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.schemas import StatisticsFilter


def test_the_months_default_to_this_year_and_a_range_backwards_is_refused_naming_last():
    today = timezone.localdate()
    assert StatisticsFilter(org="C01").months() == (today.replace(month=1, day=1), today)
    assert StatisticsFilter(org="C01", first="2026-02-03", last="2026-04-01").months() == (
        dt.date(2026, 2, 3), dt.date(2026, 4, 1))
    with pytest.raises(ValidationError) as raised:
        StatisticsFilter(org="C01", first="2026-05-01", last="2026-01-01").months()
    assert "last" in raised.value.message_dict
