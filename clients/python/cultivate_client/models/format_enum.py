from enum import StrEnum


class FormatEnum(StrEnum):
    GIF = "gif"
    LOTTIE = "lottie"
    MP4 = "mp4"
    WEBM = "webm"
    WEBP = "webp"

    def __str__(self) -> str:
        return str(self.value)
