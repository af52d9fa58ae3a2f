"""OpenAPI: the one error shape, and the error responses every operation can give."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, machine-readable; see docs/api.md.",
                    "example": "not_found",
                },
                "message": {"type": "string", "description": "One sentence for people."},
                "details": {
                    "nullable": True,
                    "description": "Field errors for validation_error, retry_after for rate_limited.",
                },
            },
        }
    },
}

# Status codes and when they happen; an operation gets those that can apply to it.
COMMON = {
    "400": "The request is not valid (`validation_error`, `malformed_request`, a refused option or file).",
    "401": "No key, or a key that is not valid (`not_authenticated`, `authentication_failed`).",
    "403": "The key's role may not do this (`read_only_role`, `admin_only`), or the tenant is suspended (`tenant_suspended`).",
    "404": "No such object in this tenant (`not_found`); another tenant's objects are never visible.",
    "406": "The Accept header asks for something other than JSON (`not_acceptable`).",
    "429": "Too many requests for this key or tenant (`rate_limited`); see the Retry-After header.",
}
BY_METHOD = {
    "post": {
        "402": "The job's estimate does not fit what is left of the month's budget (`budget_exceeded`).",
        "409": "The object is not in a state that allows this (`not_retryable`, `webhook_disabled`).",
        "413": "The file is larger than the upload limit (`too_large`).",
        "415": "The body's content type, or the file's type, is not accepted.",
        "503": "A passing fault on our side while checking the file; try again later.",
    },
    "patch": {"415": "The body's content type is not accepted (`unsupported_media_type`)."},
    "delete": {"409": "The object is not in a state that allows this (`not_cancellable`)."},
}
RESULT_NOT_READY = {"409": "Not ready yet (`result_not_ready`)."}


# OpenAPI links: what a client (and Schemathesis's stateful phase) can call next with the id
# that a create returned.
LINKS = {
    ("/api/v1/jobs", "post", "202"): (
        "job_id",
        ["jobs_retrieve", "jobs_cancel", "jobs_retry", "jobs_result", "jobs_artifacts"],
    ),
    ("/api/v1/webhooks", "post", "201"): (
        "endpoint_id",
        ["webhooks_retrieve", "webhooks_update", "webhooks_deliveries", "webhooks_destroy"],
    ),
    ("/api/v1/keys", "post", "201"): ("key_id", ["keys_revoke"]),
}


def add_links(result, generator, request, public):
    """drf-spectacular post-processing hook: link each create to what can be done with its id."""
    for (path, method, code), (parameter, operations) in LINKS.items():
        response = result.get("paths", {}).get(path, {}).get(method, {}).get("responses", {}).get(code)
        if response is not None:
            response["links"] = {
                op: {"operationId": op, "parameters": {parameter: "$response.body#/id"}} for op in operations
            }
    return result


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: document the error shape on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            public_op = not operation.get("security") or operation.get("security") == [{}]
            codes = dict(COMMON)
            codes.update(BY_METHOD.get(method, {}))
            if method == "get" and path.endswith("/result"):
                codes.update(RESULT_NOT_READY)
            if path.startswith("/api/v1/files/"):
                codes = {"404": "No such file.", "410": "The link has expired (`link_expired`)."}
            for code, description in codes.items():
                if code in ("401", "403", "429") and public_op:
                    continue
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
