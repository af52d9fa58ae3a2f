import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.job_page_output import JobPageOutput
from ...models.jobs_list_kind import JobsListKind
from ...models.jobs_list_ordering import JobsListOrdering
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    kind: JobsListKind | Unset = UNSET,
    limit: int | Unset = UNSET,
    ordering: JobsListOrdering | Unset = UNSET,
    status: str | Unset = UNSET,
    uploader: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["cursor"] = cursor

    json_kind: str | Unset = UNSET
    if not isinstance(kind, Unset):
        json_kind = kind.value

    params["kind"] = json_kind

    params["limit"] = limit

    json_ordering: str | Unset = UNSET
    if not isinstance(ordering, Unset):
        json_ordering = ordering.value

    params["ordering"] = json_ordering

    params["status"] = status

    params["uploader"] = uploader

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | JobPageOutput | None:
    if response.status_code == 200:
        response_200 = JobPageOutput.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = Error.from_dict(response.json())

        return response_406

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | JobPageOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    kind: JobsListKind | Unset = UNSET,
    limit: int | Unset = UNSET,
    ordering: JobsListOrdering | Unset = UNSET,
    status: str | Unset = UNSET,
    uploader: str | Unset = UNSET,
) -> Response[Error | JobPageOutput]:
    """List jobs

     The tenant's jobs, newest first, a page at a time (`cursor` from `next`/`previous`; `limit` up to
    100). `ordering=created_at` for oldest first.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        kind (JobsListKind | Unset):
        limit (int | Unset):
        ordering (JobsListOrdering | Unset):
        status (str | Unset):
        uploader (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobPageOutput]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        kind=kind,
        limit=limit,
        ordering=ordering,
        status=status,
        uploader=uploader,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    kind: JobsListKind | Unset = UNSET,
    limit: int | Unset = UNSET,
    ordering: JobsListOrdering | Unset = UNSET,
    status: str | Unset = UNSET,
    uploader: str | Unset = UNSET,
) -> Error | JobPageOutput | None:
    """List jobs

     The tenant's jobs, newest first, a page at a time (`cursor` from `next`/`previous`; `limit` up to
    100). `ordering=created_at` for oldest first.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        kind (JobsListKind | Unset):
        limit (int | Unset):
        ordering (JobsListOrdering | Unset):
        status (str | Unset):
        uploader (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobPageOutput
    """

    return sync_detailed(
        client=client,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        kind=kind,
        limit=limit,
        ordering=ordering,
        status=status,
        uploader=uploader,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    kind: JobsListKind | Unset = UNSET,
    limit: int | Unset = UNSET,
    ordering: JobsListOrdering | Unset = UNSET,
    status: str | Unset = UNSET,
    uploader: str | Unset = UNSET,
) -> Response[Error | JobPageOutput]:
    """List jobs

     The tenant's jobs, newest first, a page at a time (`cursor` from `next`/`previous`; `limit` up to
    100). `ordering=created_at` for oldest first.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        kind (JobsListKind | Unset):
        limit (int | Unset):
        ordering (JobsListOrdering | Unset):
        status (str | Unset):
        uploader (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobPageOutput]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        kind=kind,
        limit=limit,
        ordering=ordering,
        status=status,
        uploader=uploader,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    kind: JobsListKind | Unset = UNSET,
    limit: int | Unset = UNSET,
    ordering: JobsListOrdering | Unset = UNSET,
    status: str | Unset = UNSET,
    uploader: str | Unset = UNSET,
) -> Error | JobPageOutput | None:
    """List jobs

     The tenant's jobs, newest first, a page at a time (`cursor` from `next`/`previous`; `limit` up to
    100). `ordering=created_at` for oldest first.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        kind (JobsListKind | Unset):
        limit (int | Unset):
        ordering (JobsListOrdering | Unset):
        status (str | Unset):
        uploader (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobPageOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            created_after=created_after,
            created_before=created_before,
            cursor=cursor,
            kind=kind,
            limit=limit,
            ordering=ordering,
            status=status,
            uploader=uploader,
        )
    ).parsed
