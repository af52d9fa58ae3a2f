from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.delivery_output_payload import DeliveryOutputPayload


T = TypeVar("T", bound="DeliveryOutput")


@_attrs_define
class DeliveryOutput:
    """
    Attributes:
        id (UUID):
        event (str):
        event_id (UUID):
        status (str): pending, succeeded or failed
        attempts (int):
        next_attempt_at (datetime.datetime | None):
        response_status (int | None):
        response_excerpt (str):
        error (str):
        duration_ms (int | None):
        redelivery_of (None | UUID):
        created_at (datetime.datetime):
        last_attempt_at (datetime.datetime | None):
        payload (DeliveryOutputPayload):
    """

    id: UUID
    event: str
    event_id: UUID
    status: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    response_status: int | None
    response_excerpt: str
    error: str
    duration_ms: int | None
    redelivery_of: None | UUID
    created_at: datetime.datetime
    last_attempt_at: datetime.datetime | None
    payload: DeliveryOutputPayload
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event = self.event

        event_id = str(self.event_id)

        status = self.status

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        response_status: int | None
        response_status = self.response_status

        response_excerpt = self.response_excerpt

        error = self.error

        duration_ms: int | None
        duration_ms = self.duration_ms

        redelivery_of: None | str
        if isinstance(self.redelivery_of, UUID):
            redelivery_of = str(self.redelivery_of)
        else:
            redelivery_of = self.redelivery_of

        created_at = self.created_at.isoformat()

        last_attempt_at: None | str
        if isinstance(self.last_attempt_at, datetime.datetime):
            last_attempt_at = self.last_attempt_at.isoformat()
        else:
            last_attempt_at = self.last_attempt_at

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event": event,
                "event_id": event_id,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "response_status": response_status,
                "response_excerpt": response_excerpt,
                "error": error,
                "duration_ms": duration_ms,
                "redelivery_of": redelivery_of,
                "created_at": created_at,
                "last_attempt_at": last_attempt_at,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_output_payload import DeliveryOutputPayload  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event = d.pop("event")

        event_id = UUID(d.pop("event_id"))

        status = d.pop("status")

        attempts = d.pop("attempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_response_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        response_status = _parse_response_status(d.pop("response_status"))

        response_excerpt = d.pop("response_excerpt")

        error = d.pop("error")

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_redelivery_of(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redelivery_of_type_0 = UUID(data)

                return redelivery_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        redelivery_of = _parse_redelivery_of(d.pop("redelivery_of"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_last_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_attempt_at = _parse_last_attempt_at(d.pop("last_attempt_at"))

        payload = DeliveryOutputPayload.from_dict(d.pop("payload"))

        delivery_output = cls(
            id=id,
            event=event,
            event_id=event_id,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            response_status=response_status,
            response_excerpt=response_excerpt,
            error=error,
            duration_ms=duration_ms,
            redelivery_of=redelivery_of,
            created_at=created_at,
            last_attempt_at=last_attempt_at,
            payload=payload,
        )

        delivery_output.additional_properties = d
        return delivery_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
