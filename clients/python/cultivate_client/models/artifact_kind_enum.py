from enum import StrEnum


class ArtifactKindEnum(StrEnum):
    CAPTIONS = "captions"
    CLIP = "clip"
    OUTPUT = "output"
    RESULT = "result"
    THUMBNAIL = "thumbnail"

    def __str__(self) -> str:
        return str(self.value)
