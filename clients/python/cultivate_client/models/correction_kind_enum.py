from enum import StrEnum


class CorrectionKindEnum(StrEnum):
    ADD = "add"
    LABEL = "label"
    MERGE = "merge"
    SPEAKER = "speaker"
    SPLIT = "split"
    SWAP = "swap"

    def __str__(self) -> str:
        return str(self.value)
