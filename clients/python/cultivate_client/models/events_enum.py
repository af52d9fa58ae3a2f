from enum import StrEnum


class EventsEnum(StrEnum):
    BUDGET_THRESHOLD = "budget.threshold"
    JOB_CANCELLED = "job.cancelled"
    JOB_FAILED = "job.failed"
    JOB_PROGRESS = "job.progress"
    JOB_QUEUED = "job.queued"
    JOB_SUCCEEDED = "job.succeeded"

    def __str__(self) -> str:
        return str(self.value)
