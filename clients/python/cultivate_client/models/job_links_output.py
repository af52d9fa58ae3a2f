from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="JobLinksOutput")


@_attrs_define
class JobLinksOutput:
    """
    Attributes:
        self_ (str):
        result (str):
        artifacts (str):
        retry (str):
        page (str): The job's page in the dashboard.
    """

    self_: str
    result: str
    artifacts: str
    retry: str
    page: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_

        result = self.result

        artifacts = self.artifacts

        retry = self.retry

        page = self.page

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "self": self_,
                "result": result,
                "artifacts": artifacts,
                "retry": retry,
                "page": page,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        self_ = d.pop("self")

        result = d.pop("result")

        artifacts = d.pop("artifacts")

        retry = d.pop("retry")

        page = d.pop("page")

        job_links_output = cls(
            self_=self_,
            result=result,
            artifacts=artifacts,
            retry=retry,
            page=page,
        )

        job_links_output.additional_properties = d
        return job_links_output

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
