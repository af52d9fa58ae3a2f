from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.label_enum import LabelEnum

T = TypeVar("T", bound="LabelledLineOutput")


@_attrs_define
class LabelledLineOutput:
    """
    Attributes:
        speaker (str):
        text (str):
        label (LabelEnum): * `OEQ` - OEQ
            * `CEQ` - CEQ
            * `NONQ` - NONQ
        confidence (float):
        cue (str):
    """

    speaker: str
    text: str
    label: LabelEnum
    confidence: float
    cue: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        speaker = self.speaker

        text = self.text

        label = self.label.value

        confidence = self.confidence

        cue = self.cue

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "speaker": speaker,
                "text": text,
                "label": label,
                "confidence": confidence,
                "cue": cue,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        speaker = d.pop("speaker")

        text = d.pop("text")

        label = LabelEnum(d.pop("label"))

        confidence = d.pop("confidence")

        cue = d.pop("cue")

        labelled_line_output = cls(
            speaker=speaker,
            text=text,
            label=label,
            confidence=confidence,
            cue=cue,
        )

        labelled_line_output.additional_properties = d
        return labelled_line_output

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
