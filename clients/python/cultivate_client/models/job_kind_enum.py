from enum import StrEnum


class JobKindEnum(StrEnum):
    ANALYZE = "analyze"
    CONVERT = "convert"

    def __str__(self) -> str:
        return str(self.value)
