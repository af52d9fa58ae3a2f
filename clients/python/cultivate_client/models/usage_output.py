from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.month_output import MonthOutput


T = TypeVar("T", bound="UsageOutput")


@_attrs_define
class UsageOutput:
    """
    Attributes:
        month (datetime.date): First day of this month.
        currency (str):
        budget (None | str):
        spent (str):
        reserved (str): Estimates of unfinished jobs.
        remaining (None | str):
        percent_spent (float | None):
        minutes_processed (float): Minutes of recordings of jobs that succeeded this month.
        jobs_succeeded (int):
        estimate_per_minute (str):
        history (list[MonthOutput]):
    """

    month: datetime.date
    currency: str
    budget: None | str
    spent: str
    reserved: str
    remaining: None | str
    percent_spent: float | None
    minutes_processed: float
    jobs_succeeded: int
    estimate_per_minute: str
    history: list[MonthOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        month = self.month.isoformat()

        currency = self.currency

        budget: None | str
        budget = self.budget

        spent = self.spent

        reserved = self.reserved

        remaining: None | str
        remaining = self.remaining

        percent_spent: float | None
        percent_spent = self.percent_spent

        minutes_processed = self.minutes_processed

        jobs_succeeded = self.jobs_succeeded

        estimate_per_minute = self.estimate_per_minute

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "month": month,
                "currency": currency,
                "budget": budget,
                "spent": spent,
                "reserved": reserved,
                "remaining": remaining,
                "percent_spent": percent_spent,
                "minutes_processed": minutes_processed,
                "jobs_succeeded": jobs_succeeded,
                "estimate_per_minute": estimate_per_minute,
                "history": history,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.month_output import MonthOutput  # noqa: PLC0415

        d = dict(src_dict)
        month = datetime.date.fromisoformat(d.pop("month"))

        currency = d.pop("currency")

        def _parse_budget(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        budget = _parse_budget(d.pop("budget"))

        spent = d.pop("spent")

        reserved = d.pop("reserved")

        def _parse_remaining(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        remaining = _parse_remaining(d.pop("remaining"))

        def _parse_percent_spent(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        percent_spent = _parse_percent_spent(d.pop("percent_spent"))

        minutes_processed = d.pop("minutes_processed")

        jobs_succeeded = d.pop("jobs_succeeded")

        estimate_per_minute = d.pop("estimate_per_minute")

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = MonthOutput.from_dict(history_item_data)

            history.append(history_item)

        usage_output = cls(
            month=month,
            currency=currency,
            budget=budget,
            spent=spent,
            reserved=reserved,
            remaining=remaining,
            percent_spent=percent_spent,
            minutes_processed=minutes_processed,
            jobs_succeeded=jobs_succeeded,
            estimate_per_minute=estimate_per_minute,
            history=history,
        )

        usage_output.additional_properties = d
        return usage_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
