from enum import StrEnum


class PriorityEnum(StrEnum):
    DEFAULT = "default"
    HIGH = "high"
    LOW = "low"

    def __str__(self) -> str:
        return str(self.value)
