from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.correction_kind_enum import CorrectionKindEnum

if TYPE_CHECKING:
    from ..models.correction_input_request_data import CorrectionInputRequestData


T = TypeVar("T", bound="CorrectionInputRequest")


@_attrs_define
class CorrectionInputRequest:
    """
    Attributes:
        kind (CorrectionKindEnum): * `label` - Question label
            * `add` - Missed question
            * `speaker` - Speaker role or name
            * `swap` - Speakers swapped
            * `merge` - Speakers merged
            * `split` - Stretch given to another speaker
        data (CorrectionInputRequestData): label {question, label: OEQ|CEQ|NONQ}; add {start, text, label: OEQ|CEQ};
            speaker {speaker, role?, name?}; swap {a, b}; merge {speaker, into}: everything `speaker` said becomes `into`'s;
            split {start, end, speaker: an id or "new", role?}: the words whose middle falls in [start, end) become that
            speaker's (a new one is the next free S<n>, role `other` unless given). Times in seconds. See docs/api.md.
    """

    kind: CorrectionKindEnum
    data: CorrectionInputRequestData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.correction_input_request_data import CorrectionInputRequestData  # noqa: PLC0415

        d = dict(src_dict)
        kind = CorrectionKindEnum(d.pop("kind"))

        data = CorrectionInputRequestData.from_dict(d.pop("data"))

        correction_input_request = cls(
            kind=kind,
            data=data,
        )

        correction_input_request.additional_properties = d
        return correction_input_request

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
