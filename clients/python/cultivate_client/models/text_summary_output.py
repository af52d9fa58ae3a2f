from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TextSummaryOutput")


@_attrs_define
class TextSummaryOutput:
    """
    Attributes:
        lines (int):
        oeq_count (int):
        ceq_count (int):
        question_count (int):
        oeq_share (float | None):
    """

    lines: int
    oeq_count: int
    ceq_count: int
    question_count: int
    oeq_share: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lines = self.lines

        oeq_count = self.oeq_count

        ceq_count = self.ceq_count

        question_count = self.question_count

        oeq_share: float | None
        oeq_share = self.oeq_share

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lines": lines,
                "oeq_count": oeq_count,
                "ceq_count": ceq_count,
                "question_count": question_count,
                "oeq_share": oeq_share,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        lines = d.pop("lines")

        oeq_count = d.pop("oeq_count")

        ceq_count = d.pop("ceq_count")

        question_count = d.pop("question_count")

        def _parse_oeq_share(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        oeq_share = _parse_oeq_share(d.pop("oeq_share"))

        text_summary_output = cls(
            lines=lines,
            oeq_count=oeq_count,
            ceq_count=ceq_count,
            question_count=question_count,
            oeq_share=oeq_share,
        )

        text_summary_output.additional_properties = d
        return text_summary_output

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
