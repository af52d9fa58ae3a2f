from enum import StrEnum


class LabelEnum(StrEnum):
    CEQ = "CEQ"
    NONQ = "NONQ"
    OEQ = "OEQ"

    def __str__(self) -> str:
        return str(self.value)
