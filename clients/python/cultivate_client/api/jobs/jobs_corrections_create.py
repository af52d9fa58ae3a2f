from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.correction_input_request import CorrectionInputRequest
from ...models.correction_output import CorrectionOutput
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    job_id: UUID,
    *,
    body: CorrectionInputRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/jobs/{job_id}/corrections".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CorrectionOutput | Error | None:
    if response.status_code == 201:
        response_201 = CorrectionOutput.from_dict(response.json())

        return response_201

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CorrectionOutput | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CorrectionInputRequest,
) -> Response[CorrectionOutput | Error]:
    """Correct a job's result

     Adds one correction after the earlier ones (each is checked against the result as they left it: a
    merged speaker is gone, a new one is there). The machine's result is kept; `GET /jobs/{id}/result`
    serves it with the corrections applied and the metrics recomputed. 400 `bad_correction` with the
    reason; 409 `result_not_ready` until the job has succeeded.

    Args:
        job_id (UUID):
        body (CorrectionInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CorrectionOutput | Error]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CorrectionInputRequest,
) -> CorrectionOutput | Error | None:
    """Correct a job's result

     Adds one correction after the earlier ones (each is checked against the result as they left it: a
    merged speaker is gone, a new one is there). The machine's result is kept; `GET /jobs/{id}/result`
    serves it with the corrections applied and the metrics recomputed. 400 `bad_correction` with the
    reason; 409 `result_not_ready` until the job has succeeded.

    Args:
        job_id (UUID):
        body (CorrectionInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CorrectionOutput | Error
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CorrectionInputRequest,
) -> Response[CorrectionOutput | Error]:
    """Correct a job's result

     Adds one correction after the earlier ones (each is checked against the result as they left it: a
    merged speaker is gone, a new one is there). The machine's result is kept; `GET /jobs/{id}/result`
    serves it with the corrections applied and the metrics recomputed. 400 `bad_correction` with the
    reason; 409 `result_not_ready` until the job has succeeded.

    Args:
        job_id (UUID):
        body (CorrectionInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CorrectionOutput | Error]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CorrectionInputRequest,
) -> CorrectionOutput | Error | None:
    """Correct a job's result

     Adds one correction after the earlier ones (each is checked against the result as they left it: a
    merged speaker is gone, a new one is there). The machine's result is kept; `GET /jobs/{id}/result`
    serves it with the corrections applied and the metrics recomputed. 400 `bad_correction` with the
    reason; 409 `result_not_ready` until the job has succeeded.

    Args:
        job_id (UUID):
        body (CorrectionInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CorrectionOutput | Error
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            body=body,
        )
    ).parsed
