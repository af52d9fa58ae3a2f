from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.priority_enum import PriorityEnum
from ..models.session_enum import SessionEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="JobSubmitJsonInputRequest")


@_attrs_define
class JobSubmitJsonInputRequest:
    """The JSON form of a submission (a recording already in storage; no file).

    Attributes:
        source_path (str): Instead of a file: the path of a recording already in the tenant's storage inbox
            (`inbox/<tenant id>/<path>` in the bucket).
        speakers (str | Unset): 'auto' or how many people speak (default 2).
        session (SessionEnum | Unset): * `classroom` - classroom
            * `coaching` - coaching
        priority (PriorityEnum | Unset): * `high` - high
            * `default` - default
            * `low` - low
        render (bool | Unset): Render the highlight clips (default true). Default: True.
        blur_others (bool | Unset): Blur all faces but the teacher's in the clips; leave out for the tenant's default.
        webhook (UUID | Unset): Send this job's events to this endpoint only (one of the tenant's).
    """

    source_path: str
    speakers: str | Unset = UNSET
    session: SessionEnum | Unset = UNSET
    priority: PriorityEnum | Unset = UNSET
    render: bool | Unset = True
    blur_others: bool | Unset = UNSET
    webhook: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        source_path = self.source_path

        speakers = self.speakers

        session: str | Unset = UNSET
        if not isinstance(self.session, Unset):
            session = self.session.value

        priority: str | Unset = UNSET
        if not isinstance(self.priority, Unset):
            priority = self.priority.value

        render = self.render

        blur_others = self.blur_others

        webhook: str | Unset = UNSET
        if not isinstance(self.webhook, Unset):
            webhook = str(self.webhook)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "source_path": source_path,
            }
        )
        if speakers is not UNSET:
            field_dict["speakers"] = speakers
        if session is not UNSET:
            field_dict["session"] = session
        if priority is not UNSET:
            field_dict["priority"] = priority
        if render is not UNSET:
            field_dict["render"] = render
        if blur_others is not UNSET:
            field_dict["blur_others"] = blur_others
        if webhook is not UNSET:
            field_dict["webhook"] = webhook

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        source_path = d.pop("source_path")

        speakers = d.pop("speakers", UNSET)

        _session = d.pop("session", UNSET)
        session: SessionEnum | Unset
        if isinstance(_session, Unset):
            session = UNSET
        else:
            session = SessionEnum(_session)

        _priority = d.pop("priority", UNSET)
        priority: PriorityEnum | Unset
        if isinstance(_priority, Unset):
            priority = UNSET
        else:
            priority = PriorityEnum(_priority)

        render = d.pop("render", UNSET)

        blur_others = d.pop("blur_others", UNSET)

        _webhook = d.pop("webhook", UNSET)
        webhook: UUID | Unset
        if isinstance(_webhook, Unset):
            webhook = UNSET
        else:
            webhook = UUID(_webhook)

        job_submit_json_input_request = cls(
            source_path=source_path,
            speakers=speakers,
            session=session,
            priority=priority,
            render=render,
            blur_others=blur_others,
            webhook=webhook,
        )

        job_submit_json_input_request.additional_properties = d
        return job_submit_json_input_request

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
