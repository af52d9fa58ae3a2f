from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.format_enum import FormatEnum
from ..models.job_kind_enum import JobKindEnum
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
        kind (JobKindEnum | Unset): * `analyze` - Analysis
            * `convert` - Conversion Default: JobKindEnum.ANALYZE.
        source_job (UUID | Unset): convert only: instead of a file, the recording of this job of the tenant's...
        clip (str | Unset): ...or, with source_job, one of its highlight clips (01.mp4).
        format_ (FormatEnum | Unset): * `mp4` - mp4
            * `webm` - webm
            * `gif` - gif
            * `webp` - webp
            * `lottie` - lottie
        fps (float | Unset): convert: frames per second (default: the source's).
        width (int | Unset): convert: pixels; the height follows unless given.
        height (int | Unset): convert: pixels; the width follows unless given.
        start_s (float | Unset): convert: where to start, in seconds.
        end_s (float | Unset): convert: where to end, in seconds (default: the end).
        loop (bool | Unset): convert: gif, webp and lottie loop (default true). Default: True.
        quality (int | Unset): convert: 1-100 (default 75).
    """

    source_path: str
    speakers: str | Unset = UNSET
    session: SessionEnum | Unset = UNSET
    priority: PriorityEnum | Unset = UNSET
    render: bool | Unset = True
    blur_others: bool | Unset = UNSET
    webhook: UUID | Unset = UNSET
    kind: JobKindEnum | Unset = JobKindEnum.ANALYZE
    source_job: UUID | Unset = UNSET
    clip: str | Unset = UNSET
    format_: FormatEnum | Unset = UNSET
    fps: float | Unset = UNSET
    width: int | Unset = UNSET
    height: int | Unset = UNSET
    start_s: float | Unset = UNSET
    end_s: float | Unset = UNSET
    loop: bool | Unset = True
    quality: int | Unset = UNSET
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

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        source_job: str | Unset = UNSET
        if not isinstance(self.source_job, Unset):
            source_job = str(self.source_job)

        clip = self.clip

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        fps = self.fps

        width = self.width

        height = self.height

        start_s = self.start_s

        end_s = self.end_s

        loop = self.loop

        quality = self.quality

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
        if kind is not UNSET:
            field_dict["kind"] = kind
        if source_job is not UNSET:
            field_dict["source_job"] = source_job
        if clip is not UNSET:
            field_dict["clip"] = clip
        if format_ is not UNSET:
            field_dict["format"] = format_
        if fps is not UNSET:
            field_dict["fps"] = fps
        if width is not UNSET:
            field_dict["width"] = width
        if height is not UNSET:
            field_dict["height"] = height
        if start_s is not UNSET:
            field_dict["start_s"] = start_s
        if end_s is not UNSET:
            field_dict["end_s"] = end_s
        if loop is not UNSET:
            field_dict["loop"] = loop
        if quality is not UNSET:
            field_dict["quality"] = quality

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

        _kind = d.pop("kind", UNSET)
        kind: JobKindEnum | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = JobKindEnum(_kind)

        _source_job = d.pop("source_job", UNSET)
        source_job: UUID | Unset
        if isinstance(_source_job, Unset):
            source_job = UNSET
        else:
            source_job = UUID(_source_job)

        clip = d.pop("clip", UNSET)

        _format_ = d.pop("format", UNSET)
        format_: FormatEnum | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = FormatEnum(_format_)

        fps = d.pop("fps", UNSET)

        width = d.pop("width", UNSET)

        height = d.pop("height", UNSET)

        start_s = d.pop("start_s", UNSET)

        end_s = d.pop("end_s", UNSET)

        loop = d.pop("loop", UNSET)

        quality = d.pop("quality", UNSET)

        job_submit_json_input_request = cls(
            source_path=source_path,
            speakers=speakers,
            session=session,
            priority=priority,
            render=render,
            blur_others=blur_others,
            webhook=webhook,
            kind=kind,
            source_job=source_job,
            clip=clip,
            format_=format_,
            fps=fps,
            width=width,
            height=height,
            start_s=start_s,
            end_s=end_s,
            loop=loop,
            quality=quality,
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
