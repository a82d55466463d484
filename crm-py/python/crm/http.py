"""The HTTP API of ``crm serve`` (crm-server) without I/O: requests built, answers read.

`request` turns an operation and its arguments (the Python values `crm.Crm` takes) into an
`HttpRequest`; whatever sends it (urllib, httpx, aiohttp, a test double) hands the status and body
back to `read`, which returns the result as the same record classes as in-process, or raises the
same typed exception (`crm.NotFoundError`...). `crm.RemoteCrm` is these two and a transport::

    req = crm.http.request("customer", {"id": "c-1"}, base_url=url, credential=cred)
    answer = httpx.request(req.method, req.url, headers=req.headers, content=req.body)
    customer = crm.http.read("customer", answer.status_code, answer.content)

Arguments are checked here as in-process (a float for money, a naive datetime or a misspelt enum
is refused with `InvalidInputError` before anything is sent). The server acts as the credential's
user, so no actor travels. Errors of the HTTP path rather than of the rules (no route, too busy, a
body too large, a call too slow, the server's own failure, no server at all) are `ServerError`s,
one subclass per code, as the core's codes have theirs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, cast
from urllib.parse import quote

from . import _convert
from . import _records as R
from ._base import CrmError
from ._errors import ERRORS

__all__ = [
    "HttpRequest", "Transport", "request", "read", "error",
    "whoami_request", "tokens_request", "issue_token_request", "revoke_token_request",
    "read_user", "read_tokens", "read_issued_token", "read_token",
    "ApiToken", "IssuedToken",
    "ServerError", "UnknownRouteError", "MethodNotAllowedError", "OverloadedError", "BodyTooLargeError",
    "ServerTimeoutError", "InternalServerError", "UnreachableError",
]

#: Sends one request: ``(method, url, headers, body) -> (status, body)``. It raises for a failure
#: to get any answer (`OSError`s are reported as `UnreachableError` by `crm.RemoteCrm`); an HTTP
#: error status is an answer like any other, returned, not raised.
Transport = Callable[[str, str, Mapping[str, str], bytes], Tuple[int, bytes]]


@dataclass(frozen=True)
class HttpRequest:
    """One request to send as it is. Its ``repr`` hides the credential."""

    method: str
    url: str
    headers: Dict[str, str] = field(repr=False)
    body: bytes = b""


# ---- errors of the HTTP path ------------------------------------------------------------------


class ServerError(CrmError):
    """A call that failed on its way rather than by the rules: the server's own codes
    (`UNKNOWN_ROUTE`, `METHOD_NOT_ALLOWED`, `OVERLOADED`, `BODY_TOO_LARGE`, `TIMEOUT`,
    `INTERNAL`), no server reached (`UNREACHABLE`), or an answer that is not crm's
    (`BAD_RESPONSE`: a proxy's error page...). Each known code has its subclass; a code this
    client does not know (a newer server's) is a plain `ServerError` with that `code`.
    `status` is the HTTP status (None when there was no answer)."""

    code: ClassVar[str] = "SERVER_ERROR"

    def __init__(
        self,
        message: str,
        details: Optional[Dict[str, object]] = None,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
    ) -> None:
        super().__init__(message, details)
        self.status = status
        if code is not None and code != type(self).code:
            setattr(self, "code", code)  # this instance's code, for a code without a class


class UnknownRouteError(ServerError):
    """`UNKNOWN_ROUTE` (404): the URL names no route (a base URL with a wrong path?)."""

    code = "UNKNOWN_ROUTE"


class MethodNotAllowedError(ServerError):
    """`METHOD_NOT_ALLOWED` (405)."""

    code = "METHOD_NOT_ALLOWED"


class OverloadedError(ServerError):
    """`OVERLOADED` (429): the server answers as many calls as it may; nothing was done, try again."""

    code = "OVERLOADED"


class BodyTooLargeError(ServerError):
    """`BODY_TOO_LARGE` (413): the arguments exceed the server's body limit; nothing was done."""

    code = "BODY_TOO_LARGE"


class ServerTimeoutError(ServerError, TimeoutError):
    """`TIMEOUT` (504): the call took longer than the server waits; it may still complete."""

    code = "TIMEOUT"


class InternalServerError(ServerError):
    """`INTERNAL` (500): the server failed on this call; its log says why."""

    code = "INTERNAL"


class UnreachableError(ServerError, ConnectionError):
    """`UNREACHABLE`: no answer (refused connection, unknown host, TLS failure, or no answer within
    the timeout: then the call may still have completed). The transport's exception is the cause."""

    code = "UNREACHABLE"


_SERVER_ERRORS: Dict[str, Type[ServerError]] = {
    cls.code: cls
    for cls in (
        UnknownRouteError, MethodNotAllowedError, OverloadedError, BodyTooLargeError,
        ServerTimeoutError, InternalServerError, UnreachableError,
    )
}

# ---- tokens: crm-server's records, generated from the core's like every other ----------------

ApiToken = R.ApiToken
IssuedToken = R.IssuedToken


# ---- requests ---------------------------------------------------------------------------------

_CREDENTIAL = re.compile(r"[!-~]+")  # printable ASCII, no space: nothing that could split a header


def _build(method: str, path: str, payload: Optional[str], base_url: str, credential: str) -> HttpRequest:
    if not isinstance(credential, str) or not _CREDENTIAL.fullmatch(credential):
        raise _convert.invalid("credential", "must be the token's credential (printable ASCII, no spaces)")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise _convert.invalid("base_url", "must be an http:// or https:// URL")
    headers = {"Authorization": f"Bearer {credential}", "Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    body = b"" if payload is None else payload.encode("utf-8")
    return HttpRequest(method, base_url.rstrip("/") + path, headers, body)


def request(op: str, args: Mapping[str, object], *, base_url: str, credential: str) -> HttpRequest:
    """`POST {base_url}/v1/ops/{op}` with the arguments (named as the method's parameters, None
    for an optional one left out) as JSON. Arguments are checked as in-process: a value that does
    not fit raises `InvalidInputError` naming it, and an operation the core does not have is
    refused too (field ``op``). Pure operations (the module's functions) need no server."""
    if op not in R.OPERATIONS:
        raise _convert.invalid("op", f"unknown operation {op[:60]!r}")
    extra = sorted(set(args) - {name for name, _, _ in R.OPERATIONS[op][1]})
    if extra:
        raise _convert.invalid(", ".join(extra)[:200], f"is not an argument of {op}")
    return _build("POST", f"/v1/ops/{op}", _convert.dump_args(op, args), base_url, credential)


def raw_request(op: str, args_json: str, *, base_url: str, credential: str) -> HttpRequest:
    """`POST {base_url}/v1/ops/{op}` with arguments already in the core's JSON form (what a
    `crm.Replica` sends when it syncs)."""
    if op not in R.OPERATIONS:
        raise _convert.invalid("op", f"unknown operation {op[:60]!r}")
    return _build("POST", f"/v1/ops/{op}", args_json, base_url, credential)


def whoami_request(*, base_url: str, credential: str) -> HttpRequest:
    """`GET /v1/whoami`: the credential's user (read it with `read_user`)."""
    return _build("GET", "/v1/whoami", None, base_url, credential)


def tokens_request(*, base_url: str, credential: str) -> HttpRequest:
    """`GET /v1/tokens`: every token (an administrator) or the caller's own (`read_tokens`)."""
    return _build("GET", "/v1/tokens", None, base_url, credential)


def issue_token_request(user_id: str, label: str = "", *, base_url: str, credential: str) -> HttpRequest:
    """`POST /v1/tokens`: a token acting as `user_id` (administrators; `read_issued_token`)."""
    for name, value in (("user_id", user_id), ("label", label)):
        if not isinstance(value, str):
            raise _convert.invalid(name, f"must be a str, not {type(value).__name__}")
    payload = json.dumps({"user_id": user_id, "label": label}, separators=(",", ":"))
    return _build("POST", "/v1/tokens", payload, base_url, credential)


def revoke_token_request(id: str, expected_version: int, *, base_url: str, credential: str) -> HttpRequest:
    """`POST /v1/tokens/{id}/revoke`: the token stops working at once (`read_token`)."""
    if not isinstance(id, str) or not id:
        raise _convert.invalid("id", "must be a token id such as 'tk-2'")
    payload = json.dumps({"expected_version": _convert.integer(expected_version, "expected_version")})
    return _build("POST", f"/v1/tokens/{quote(id, safe='')}/revoke", payload, base_url, credential)


# ---- answers ----------------------------------------------------------------------------------


def _clip(body: bytes) -> str:
    text = body[:80].decode("utf-8", "replace")
    return repr(text) + ("..." if len(body) > 80 else "")


def error(status: int, body: bytes) -> CrmError:
    """The typed exception of an answer that is not a success: the core's codes as their classes
    (`NotFoundError` with `kind` and `id`...), the server's as `ServerError` subclasses."""
    try:
        data = json.loads(body.decode("utf-8"))
        code, message, details = data["code"], data["message"], data.get("details") or {}
        if not (isinstance(code, str) and isinstance(message, str) and isinstance(details, dict)):
            raise TypeError("not an error body")
    except (ValueError, KeyError, TypeError):
        return ServerError(
            f"HTTP {status} without a crm error body: {_clip(body)}", status=status, code="BAD_RESPONSE"
        )
    if code in ERRORS:
        cls, fields = ERRORS[code]
        try:
            typed = {n: _convert.converter(s)[0](details[n]) for n, s, _ in fields if n in details}
        except (ValueError, KeyError, TypeError):  # details this client cannot type: keep them as sent
            typed = dict(details)
        return cls(message, typed)
    server = _SERVER_ERRORS.get(code, ServerError)
    return server(message, dict(details), status=status, code=code)


def _answer(status: int, body: bytes) -> object:
    if not 200 <= status < 300:
        raise error(status, body)
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise ServerError(
            f"HTTP {status} with a body that is not JSON: {_clip(body)}", status=status, code="BAD_RESPONSE"
        ) from None


def read(op: str, status: int, body: bytes) -> object:
    """The result of operation `op` from the answer's status and body, as in-process (records,
    `Decimal`, aware `datetime`...); any other status raises its typed error."""
    if op not in R.OPERATIONS:
        raise _convert.invalid("op", f"unknown operation {op[:60]!r}")
    return _convert.converter(R.OPERATIONS[op][3])[0](_answer(status, body))


def read_user(status: int, body: bytes) -> R.User:
    """The answer to `whoami_request`."""
    return cast(R.User, _convert.converter("User")[0](_answer(status, body)))


def read_tokens(status: int, body: bytes) -> List[ApiToken]:
    """The answer to `tokens_request`."""
    return cast(List[ApiToken], _convert.converter("list<ApiToken>")[0](_answer(status, body)))


def read_issued_token(status: int, body: bytes) -> IssuedToken:
    """The answer to `issue_token_request`."""
    return cast(IssuedToken, _convert.converter("IssuedToken")[0](_answer(status, body)))


def read_token(status: int, body: bytes) -> ApiToken:
    """The answer to `revoke_token_request`."""
    return cast(ApiToken, _convert.converter("ApiToken")[0](_answer(status, body)))
