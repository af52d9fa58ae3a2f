from enum import StrEnum


class JobsListKind(StrEnum):
    ANALYZE = "analyze"
    CONVERT = "convert"

    def __str__(self) -> str:
        return str(self.value)
