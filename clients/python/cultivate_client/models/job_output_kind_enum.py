from enum import StrEnum


class JobOutputKindEnum(StrEnum):
    ANALYZE = "analyze"

    def __str__(self) -> str:
        return str(self.value)
