"""What the API of every app shares about its queries: a subtree read a page at a time, and the
months a statistics answer covers."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema

from dangjian.core.paging import PAGE_SIZE


class OrgPageFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=200)


class StatisticsFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    first: dt.date | None = Field(default=None, description="Any day of the first month; January of this year "
                                                            "if left out.")
    last: dt.date | None = Field(default=None, description="Any day of the last month; this month if left out.")

    def months(self) -> tuple[dt.date, dt.date]:
        """The first and last day asked for (as ``core.forms.MonthRangeForm`` reads a page's);
        a last month before the first is refused naming ``last``."""
        today = timezone.localdate()
        first, last = self.first or today.replace(month=1, day=1), self.last or today
        if first > last:
            raise ValidationError({"last": _("The last month comes after the first.")})
        return first, last
