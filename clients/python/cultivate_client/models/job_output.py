from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_kind_enum import JobKindEnum
from ..models.status_enum import StatusEnum

if TYPE_CHECKING:
    from ..models.cost_output import CostOutput
    from ..models.job_attempt_output import JobAttemptOutput
    from ..models.job_error_output import JobErrorOutput
    from ..models.job_links_output import JobLinksOutput
    from ..models.job_output_options import JobOutputOptions
    from ..models.job_output_timings import JobOutputTimings
    from ..models.video_output import VideoOutput


T = TypeVar("T", bound="JobOutput")


@_attrs_define
class JobOutput:
    """
    Attributes:
        id (UUID):
        kind (JobKindEnum): * `analyze` - Analysis
            * `convert` - Conversion
        status (StatusEnum): * `queued` - Queued
            * `running` - Running
            * `succeeded` - Succeeded
            * `failed` - Failed
            * `cancelled` - Cancelled
        stage (str):
        stage_label (str):
        progress (int):
        priority (str):
        options (JobOutputOptions): speakers, session, blur_others, render, webhook
        attempts (int): Attempts of the current run (a retry starts again at 0).
        attempt_log (list[JobAttemptOutput]): Every attempt ever made, with how it ended.
        error (JobErrorOutput | None):
        cost (CostOutput):
        timings (JobOutputTimings): Per stage: wall_s, cpu_s, device.
        video (VideoOutput):
        submitted_by (str): A username, or the prefix of the API key used.
        created_at (datetime.datetime):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        links (JobLinksOutput):
    """

    id: UUID
    kind: JobKindEnum
    status: StatusEnum
    stage: str
    stage_label: str
    progress: int
    priority: str
    options: JobOutputOptions
    attempts: int
    attempt_log: list[JobAttemptOutput]
    error: JobErrorOutput | None
    cost: CostOutput
    timings: JobOutputTimings
    video: VideoOutput
    submitted_by: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    links: JobLinksOutput
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_error_output import JobErrorOutput  # noqa: PLC0415

        id = str(self.id)

        kind = self.kind.value

        status = self.status.value

        stage = self.stage

        stage_label = self.stage_label

        progress = self.progress

        priority = self.priority

        options = self.options.to_dict()

        attempts = self.attempts

        attempt_log = []
        for attempt_log_item_data in self.attempt_log:
            attempt_log_item = attempt_log_item_data.to_dict()
            attempt_log.append(attempt_log_item)

        error: dict[str, Any] | None
        if isinstance(self.error, JobErrorOutput):
            error = self.error.to_dict()
        else:
            error = self.error

        cost = self.cost.to_dict()

        timings = self.timings.to_dict()

        video = self.video.to_dict()

        submitted_by = self.submitted_by

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        links = self.links.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "status": status,
                "stage": stage,
                "stage_label": stage_label,
                "progress": progress,
                "priority": priority,
                "options": options,
                "attempts": attempts,
                "attempt_log": attempt_log,
                "error": error,
                "cost": cost,
                "timings": timings,
                "video": video,
                "submitted_by": submitted_by,
                "created_at": created_at,
                "started_at": started_at,
                "finished_at": finished_at,
                "links": links,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cost_output import CostOutput  # noqa: PLC0415
        from ..models.job_attempt_output import JobAttemptOutput  # noqa: PLC0415
        from ..models.job_error_output import JobErrorOutput  # noqa: PLC0415
        from ..models.job_links_output import JobLinksOutput  # noqa: PLC0415
        from ..models.job_output_options import JobOutputOptions  # noqa: PLC0415
        from ..models.job_output_timings import JobOutputTimings  # noqa: PLC0415
        from ..models.video_output import VideoOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = JobKindEnum(d.pop("kind"))

        status = StatusEnum(d.pop("status"))

        stage = d.pop("stage")

        stage_label = d.pop("stage_label")

        progress = d.pop("progress")

        priority = d.pop("priority")

        options = JobOutputOptions.from_dict(d.pop("options"))

        attempts = d.pop("attempts")

        attempt_log = []
        _attempt_log = d.pop("attempt_log")
        for attempt_log_item_data in _attempt_log:
            attempt_log_item = JobAttemptOutput.from_dict(attempt_log_item_data)

            attempt_log.append(attempt_log_item)

        def _parse_error(data: object) -> JobErrorOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = JobErrorOutput.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobErrorOutput | None, data)

        error = _parse_error(d.pop("error"))

        cost = CostOutput.from_dict(d.pop("cost"))

        timings = JobOutputTimings.from_dict(d.pop("timings"))

        video = VideoOutput.from_dict(d.pop("video"))

        submitted_by = d.pop("submitted_by")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        links = JobLinksOutput.from_dict(d.pop("links"))

        job_output = cls(
            id=id,
            kind=kind,
            status=status,
            stage=stage,
            stage_label=stage_label,
            progress=progress,
            priority=priority,
            options=options,
            attempts=attempts,
            attempt_log=attempt_log,
            error=error,
            cost=cost,
            timings=timings,
            video=video,
            submitted_by=submitted_by,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
            links=links,
        )

        job_output.additional_properties = d
        return job_output

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
