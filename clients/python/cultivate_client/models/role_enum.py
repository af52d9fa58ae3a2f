from enum import StrEnum


class RoleEnum(StrEnum):
    ADMIN = "admin"
    COACH = "coach"
    VIEWER = "viewer"

    def __str__(self) -> str:
        return str(self.value)
