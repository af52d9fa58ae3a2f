from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.artifact_kind_enum import ArtifactKindEnum

T = TypeVar("T", bound="ArtifactOutput")


@_attrs_define
class ArtifactOutput:
    """
    Attributes:
        name (str): e.g. result.json, highlights/01.mp4
        kind (ArtifactKindEnum): * `result` - result
            * `clip` - clip
            * `thumbnail` - thumbnail
            * `captions` - captions
            * `output` - output
        size_bytes (int):
        url (str): A short-lived download link.
        expires_at (datetime.datetime):
    """

    name: str
    kind: ArtifactKindEnum
    size_bytes: int
    url: str
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind.value

        size_bytes = self.size_bytes

        url = self.url

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
                "size_bytes": size_bytes,
                "url": url,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        kind = ArtifactKindEnum(d.pop("kind"))

        size_bytes = d.pop("size_bytes")

        url = d.pop("url")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        artifact_output = cls(
            name=name,
            kind=kind,
            size_bytes=size_bytes,
            url=url,
            expires_at=expires_at,
        )

        artifact_output.additional_properties = d
        return artifact_output

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
