"""`RemoteCrm`: the organisation behind a `crm serve` (crm-server), over HTTP."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from types import TracebackType
from typing import Dict, List, Mapping, Optional, Protocol, Tuple, Type

from . import _convert, _imports
from . import http as _http
from ._batch import ArrowData
from ._base import CrmError
from ._errors import InvalidStateError
from ._ops import Operations
from ._records import ImportOptions, ImportResult, User
from .http import ApiToken, HttpRequest, IssuedToken, Transport, UnreachableError


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is returned as the answer it is, never followed: following it would send the
    credential to wherever the redirect points."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class _Build(Protocol):
    """One of `crm.http`'s request builders without arguments of its own."""

    def __call__(self, *, base_url: str, credential: str) -> HttpRequest: ...


def urllib_transport(timeout: float = 30.0) -> Transport:
    """The default transport: the standard library's `urllib.request` (proxies from the
    environment, TLS with the system's certificates, redirects not followed), one connection
    per call. `timeout` (seconds) bounds the connection and each wait for the answer."""

    def send(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        req = urllib.request.Request(url, data=body or None, headers=dict(headers), method=method)
        try:
            with _OPENER.open(req, timeout=timeout) as answer:
                return int(answer.status), bytes(answer.read())
        except urllib.error.HTTPError as e:  # an answer with an error status: crm's error body
            with e:
                return int(e.code), bytes(e.read())
        except urllib.error.URLError as e:
            raise UnreachableError(f"cannot reach {_origin(url)}: {e.reason}") from e
        except (OSError, http.client.HTTPException) as e:  # no answer in time, or one cut off
            what = f"no answer within {timeout:g} s" if isinstance(e, (TimeoutError, socket.timeout)) else f"the answer failed ({e!r})"
            raise UnreachableError(f"{_origin(url)}: {what}; the call may have completed") from e

    return send


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class RemoteCrm(Operations):
    """The organisation served by ``crm serve`` at `base_url`, with the methods, records and
    exceptions of `crm.Crm`: code written for one runs against the other::

        c = crm.RemoteCrm("http://127.0.0.1:8080", os.environ["CRM_TOKEN"])
        me = c.me                                    # the token's user (GET /v1/whoami, once)
        created = c.create_customer(me.id, name="Acme")
        try:
            c.customer(me.id, "c-404")
        except crm.NotFoundError as e:
            print(e.code, e.kind, e.id)

    The server acts as the credential's user, so the actor every method names first must be that
    user's id (``c.me.id``) or ``""``; another is refused before anything is sent
    (`InvalidInputError`, field ``actor``). Records outside the user's data scope read as absent
    (`NotFoundError`, where in-process gives `OutOfScopeError`). Failures of the HTTP path are
    `crm.ServerError` subclasses (`OverloadedError`, `ServerTimeoutError`...; no server at all is
    `UnreachableError`, with the transport's exception as its cause). Pure functions
    (`crm.sla_due`, `crm.analytics`...) run locally, as ever.

    `transport` sends one request: any callable ``(method, url, headers, body) -> (status,
    body)``, returning error statuses as answers and raising only when there is no answer. The
    default is `urllib_transport(timeout)`; to reuse connections, or for HTTP/2, wrap httpx (then
    its own timeout applies)::

        client = httpx.Client(timeout=10.0)

        def send(method, url, headers, body):
            try:
                r = client.request(method, url, headers=headers, content=body)
            except httpx.TransportError as e:
                raise crm.UnreachableError(f"cannot reach {url}: {e}") from e
            return r.status_code, r.content

        c = crm.RemoteCrm("https://crm.example.com", credential, transport=send)

    For another I/O model (asyncio, a queue), `crm.http` builds the requests and reads the
    answers without sending anything.
    """

    def __init__(
        self, base_url: str, credential: str, *, transport: Optional[Transport] = None, timeout: float = 30.0
    ) -> None:
        _http.whoami_request(base_url=base_url, credential=credential)  # checks both, sends nothing
        self._base_url = base_url.rstrip("/")
        self._credential = credential
        self._transport: Transport = transport if transport is not None else urllib_transport(timeout)
        self._me: Optional[User] = None
        self._closed = False

    def __repr__(self) -> str:
        return f"RemoteCrm({self._base_url!r})"

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def me(self) -> User:
        """The token's user, the actor of every call (asked of the server once, on first use)."""
        if self._me is None:
            self._me = _http.read_user(*self._send(self._req(_http.whoami_request)))
        return self._me

    def close(self) -> None:
        """Later calls raise `InvalidStateError`, as on a closed `crm.Crm` (the transport is the
        caller's to close)."""
        self._closed = True

    def __enter__(self) -> RemoteCrm:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def tokens(self) -> List[ApiToken]:
        """Every token of the organisation (an administrator) or the caller's own, in order of issue."""
        return _http.read_tokens(*self._send(self._req(_http.tokens_request)))

    def issue_token(self, user_id: str, label: str = "") -> IssuedToken:
        """A new token acting as `user_id` (administrators only); its `credential` is shown only now."""
        req = _http.issue_token_request(user_id, label, base_url=self._base_url, credential=self._credential)
        return _http.read_issued_token(*self._send(req))

    def revoke_token(self, id: str, expected_version: int) -> ApiToken:
        """Revokes a token (an administrator, or its own user); it stops working at once."""
        req = _http.revoke_token_request(id, expected_version, base_url=self._base_url, credential=self._credential)
        return _http.read_token(*self._send(req))

    def import_table(self, actor: str, data: ArrowData, options: ImportOptions) -> ImportResult:
        """`crm.Crm.import_table` against the server: the table's columns are read locally as
        `Crm.import_table` reads them (one crossing into the native module) and sent as
        `import_columns`' columns."""
        return self.import_columns(actor, options, _imports.columns(data))

    def _call(self, op: str, actor: str, args: Dict[str, object]) -> object:
        if actor != "" and actor != self.me.id:
            shown = repr(actor[:40]) if isinstance(actor, str) else type(actor).__name__
            raise _convert.invalid(
                "actor",
                f"the server acts as the token's user {self.me.id!r}, not {shown}: "
                f"name {self.me.id!r} (RemoteCrm.me.id) or \"\"",
            )
        req = _http.request(op, args, base_url=self._base_url, credential=self._credential)
        return _http.read(op, *self._send(req))

    def _req(self, build: _Build) -> HttpRequest:
        return build(base_url=self._base_url, credential=self._credential)

    def _send(self, req: HttpRequest) -> Tuple[int, bytes]:
        if self._closed:
            raise InvalidStateError("this RemoteCrm is closed", {"reason": "this RemoteCrm is closed"})
        try:
            status, body = self._transport(req.method, req.url, req.headers, req.body)
        except CrmError:
            raise
        except OSError as e:  # a custom transport's failure to connect
            raise UnreachableError(f"cannot reach {_origin(req.url)}: {e}") from e
        return status, body
