from enum import StrEnum


class ArtifactOutputKindEnum(StrEnum):
    CAPTIONS = "captions"
    CLIP = "clip"
    RESULT = "result"
    THUMBNAIL = "thumbnail"

    def __str__(self) -> str:
        return str(self.value)
