from enum import StrEnum


class SessionEnum(StrEnum):
    CLASSROOM = "classroom"
    COACHING = "coaching"

    def __str__(self) -> str:
        return str(self.value)
