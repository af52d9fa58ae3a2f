from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.format_enum import FormatEnum
from ..models.job_kind_enum import JobKindEnum
from ..models.priority_enum import PriorityEnum
from ..models.session_enum import SessionEnum
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="JobSubmitInputRequest")


@_attrs_define
class JobSubmitInputRequest:
    """
    Attributes:
        file (File | Unset): The recording (multipart upload).
        source_path (str | Unset): Instead of a file: the path of a recording already in the tenant's storage inbox
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

    file: File | Unset = UNSET
    source_path: str | Unset = UNSET
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
        file: FileTypes | Unset = UNSET
        if not isinstance(self.file, Unset):
            file = self.file.to_tuple()

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
        field_dict.update({})
        if file is not UNSET:
            field_dict["file"] = file
        if source_path is not UNSET:
            field_dict["source_path"] = source_path
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

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.file, Unset):
            files.append(("file", self.file.to_tuple()))

        if not isinstance(self.source_path, Unset):
            files.append(("source_path", (None, str(self.source_path).encode(), "text/plain")))

        if not isinstance(self.speakers, Unset):
            files.append(("speakers", (None, str(self.speakers).encode(), "text/plain")))

        if not isinstance(self.session, Unset):
            files.append(("session", (None, str(self.session.value).encode(), "text/plain")))

        if not isinstance(self.priority, Unset):
            files.append(("priority", (None, str(self.priority.value).encode(), "text/plain")))

        if not isinstance(self.render, Unset):
            files.append(("render", (None, str(self.render).encode(), "text/plain")))

        if not isinstance(self.blur_others, Unset):
            files.append(("blur_others", (None, str(self.blur_others).encode(), "text/plain")))

        if not isinstance(self.webhook, Unset):
            files.append(("webhook", (None, str(self.webhook), "text/plain")))

        if not isinstance(self.kind, Unset):
            files.append(("kind", (None, str(self.kind.value).encode(), "text/plain")))

        if not isinstance(self.source_job, Unset):
            files.append(("source_job", (None, str(self.source_job), "text/plain")))

        if not isinstance(self.clip, Unset):
            files.append(("clip", (None, str(self.clip).encode(), "text/plain")))

        if not isinstance(self.format_, Unset):
            files.append(("format", (None, str(self.format_.value).encode(), "text/plain")))

        if not isinstance(self.fps, Unset):
            files.append(("fps", (None, str(self.fps).encode(), "text/plain")))

        if not isinstance(self.width, Unset):
            files.append(("width", (None, str(self.width).encode(), "text/plain")))

        if not isinstance(self.height, Unset):
            files.append(("height", (None, str(self.height).encode(), "text/plain")))

        if not isinstance(self.start_s, Unset):
            files.append(("start_s", (None, str(self.start_s).encode(), "text/plain")))

        if not isinstance(self.end_s, Unset):
            files.append(("end_s", (None, str(self.end_s).encode(), "text/plain")))

        if not isinstance(self.loop, Unset):
            files.append(("loop", (None, str(self.loop).encode(), "text/plain")))

        if not isinstance(self.quality, Unset):
            files.append(("quality", (None, str(self.quality).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _file = d.pop("file", UNSET)
        file: File | Unset
        if isinstance(_file, Unset):
            file = UNSET
        else:
            file = File(payload=BytesIO(_file))

        source_path = d.pop("source_path", UNSET)

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

        job_submit_input_request = cls(
            file=file,
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

        job_submit_input_request.additional_properties = d
        return job_submit_input_request

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
