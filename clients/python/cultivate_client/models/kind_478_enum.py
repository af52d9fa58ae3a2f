from enum import StrEnum


class Kind478Enum(StrEnum):
    ANALYZE = "analyze"
    CONVERT = "convert"

    def __str__(self) -> str:
        return str(self.value)
