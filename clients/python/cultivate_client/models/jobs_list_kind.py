from enum import StrEnum


class JobsListKind(StrEnum):
    ANALYZE = "analyze"

    def __str__(self) -> str:
        return str(self.value)
