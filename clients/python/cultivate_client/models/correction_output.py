from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.correction_kind_enum import CorrectionKindEnum

if TYPE_CHECKING:
    from ..models.correction_output_data import CorrectionOutputData


T = TypeVar("T", bound="CorrectionOutput")


@_attrs_define
class CorrectionOutput:
    """
    Attributes:
        kind (CorrectionKindEnum): * `label` - Question label
            * `add` - Missed question
            * `speaker` - Speaker role or name
            * `swap` - Speakers swapped
            * `merge` - Speakers merged
            * `split` - Stretch given to another speaker
        data (CorrectionOutputData): As checked and kept (times rounded to 0.01 s).
        by (str): The coach's username; empty when made with an API key.
        at (datetime.datetime):
    """

    kind: CorrectionKindEnum
    data: CorrectionOutputData
    by: str
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        data = self.data.to_dict()

        by = self.by

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "data": data,
                "by": by,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.correction_output_data import CorrectionOutputData  # noqa: PLC0415

        d = dict(src_dict)
        kind = CorrectionKindEnum(d.pop("kind"))

        data = CorrectionOutputData.from_dict(d.pop("data"))

        by = d.pop("by")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        correction_output = cls(
            kind=kind,
            data=data,
            by=by,
            at=at,
        )

        correction_output.additional_properties = d
        return correction_output

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
