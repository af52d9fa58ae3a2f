from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.job_output import JobOutput
from ...models.job_submit_input_request import JobSubmitInputRequest
from ...models.job_submit_json_input_request import JobSubmitJsonInputRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: JobSubmitInputRequest | JobSubmitJsonInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/jobs",
    }

    if isinstance(body, JobSubmitInputRequest):
        if not isinstance(body, Unset):
            _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, JobSubmitJsonInputRequest):
        if not isinstance(body, Unset):
            _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | JobOutput | None:
    if response.status_code == 200:
        response_200 = JobOutput.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = JobOutput.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Error.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = Error.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | JobOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: JobSubmitInputRequest | JobSubmitJsonInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | JobOutput]:
    """Submit a recording

     Upload a file (multipart) or point at one already in the tenant's storage inbox (JSON). The job's
    estimated cost is checked against the month's budget before it is queued (402 when it does not fit).
    Send an `Idempotency-Key` header to make retries safe: the same key returns the same job (200)
    instead of a new one (202).

    Args:
        idempotency_key (str | Unset):
        body (JobSubmitInputRequest | Unset):
        body (JobSubmitJsonInputRequest | Unset): The JSON form of a submission (a recording
            already in storage; no file).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: JobSubmitInputRequest | JobSubmitJsonInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | JobOutput | None:
    """Submit a recording

     Upload a file (multipart) or point at one already in the tenant's storage inbox (JSON). The job's
    estimated cost is checked against the month's budget before it is queued (402 when it does not fit).
    Send an `Idempotency-Key` header to make retries safe: the same key returns the same job (200)
    instead of a new one (202).

    Args:
        idempotency_key (str | Unset):
        body (JobSubmitInputRequest | Unset):
        body (JobSubmitJsonInputRequest | Unset): The JSON form of a submission (a recording
            already in storage; no file).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobOutput
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: JobSubmitInputRequest | JobSubmitJsonInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | JobOutput]:
    """Submit a recording

     Upload a file (multipart) or point at one already in the tenant's storage inbox (JSON). The job's
    estimated cost is checked against the month's budget before it is queued (402 when it does not fit).
    Send an `Idempotency-Key` header to make retries safe: the same key returns the same job (200)
    instead of a new one (202).

    Args:
        idempotency_key (str | Unset):
        body (JobSubmitInputRequest | Unset):
        body (JobSubmitJsonInputRequest | Unset): The JSON form of a submission (a recording
            already in storage; no file).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: JobSubmitInputRequest | JobSubmitJsonInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | JobOutput | None:
    """Submit a recording

     Upload a file (multipart) or point at one already in the tenant's storage inbox (JSON). The job's
    estimated cost is checked against the month's budget before it is queued (402 when it does not fit).
    Send an `Idempotency-Key` header to make retries safe: the same key returns the same job (200)
    instead of a new one (202).

    Args:
        idempotency_key (str | Unset):
        body (JobSubmitInputRequest | Unset):
        body (JobSubmitJsonInputRequest | Unset): The JSON form of a submission (a recording
            already in storage; no file).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
