"""`Replica`: a device's offline copy of one user's scope, synced with a `crm serve`."""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Callable, Dict, List, Optional, Tuple, Union, cast

from . import _convert
from . import http as _http
from ._crm import NativeReplica, sync_operations
from ._ops import Operations
from ._records import DeviceOp, Rejection, SyncSummary
from ._remote import RemoteCrm

#: What a replica calls to reach the server: ``server(op, args_json) -> answer_json``, the
#: operation's named arguments and answer as JSON text in the core's form.
ServerCall = Callable[[str, str], str]


class Replica(Operations):
    """One user's scope on this device (a SQLite file, or memory), with the methods, records and
    exceptions of `crm.Crm`, usable without a network. The operations a rep makes in the field
    (`SYNC_OPERATIONS`: creating customers, contacts and follow-ups, claiming and releasing,
    moving deals) apply at once under the same rules and wait in an outbox; any other change
    needs the server and raises `InvalidStateError`. `sync` pushes the outbox (the server's
    rules decide: a refused operation becomes a `Rejection`) and pulls what changed::

        remote = crm.RemoteCrm("http://127.0.0.1:8080", token)
        phone = crm.Replica("li.db", user_id=remote.me.id, device_id="li-phone")
        phone.claim_customer(phone.user_id, "c-7")      # offline
        summary = phone.sync(remote)                     # later, online

    Records made offline carry temporary ids (``c-1000000000001``) until the push gives them the
    server's. The acting user of every method is the replica's (`user_id`, or ""). """

    #: The operations a device may make offline, as the core lists them.
    SYNC_OPERATIONS: Tuple[str, ...] = tuple(sync_operations())

    def __init__(
        self,
        path: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        user_id: str,
        device_id: str,
        now: Optional[_dt.datetime] = None,
    ) -> None:
        file = None if path is None else os.fspath(path)
        clock = None if now is None else _convert.instant(now, "now")
        self._native = _convert.native(lambda: NativeReplica(file, user_id, device_id, clock))

    @property
    def user_id(self) -> str:
        return str(self._native.user_id())

    @property
    def device_id(self) -> str:
        return str(self._native.device_id())

    @property
    def cursor(self) -> Optional[int]:
        """The last server event applied; None before the first sync."""
        return _convert.native(self._native.cursor)

    def outbox(self) -> List[DeviceOp]:
        """The operations made offline and not yet pushed, oldest first."""
        data = json.loads(_convert.native(self._native.outbox))
        return cast(List[DeviceOp], _convert.converter("list<DeviceOp>")[0](data))

    def rejections(self) -> List[Rejection]:
        """The operations the server refused (with the error's code and details), oldest first."""
        data = json.loads(_convert.native(self._native.rejections))
        return cast(List[Rejection], _convert.converter("list<Rejection>")[0](data))

    def dismiss_rejection(self, op_id: int) -> None:
        """Forgets a refusal the user has seen."""
        _convert.native(lambda: self._native.dismiss_rejection(op_id))

    def sync(self, server: Union[RemoteCrm, ServerCall]) -> SyncSummary:
        """Pushes the outbox and pulls the server's changes (the whole scope on the first sync),
        through a `RemoteCrm` (its transport: urllib, httpx, requests...) or any
        ``server(op, args_json) -> answer_json``. A failure to reach the server raises; what
        was applied before it stays applied, and the next `sync` carries on."""
        call = _via(server) if isinstance(server, RemoteCrm) else server
        text = _convert.native(lambda: self._native.sync(call))
        return cast(SyncSummary, _convert.converter("SyncSummary")[0](json.loads(text)))

    def set_now(self, now: _dt.datetime) -> None:
        """Moves the fixed clock (only with ``now=`` given when opened)."""
        _convert.native(lambda: self._native.set_now(_convert.instant(now, "now")))

    def _call(self, op: str, actor: str, args: Dict[str, object]) -> object:
        if actor not in ("", self.user_id):
            shown = repr(actor[:40]) if isinstance(actor, str) else type(actor).__name__
            raise _convert.invalid("actor", f"this replica acts as {self.user_id!r}, not {shown}")
        text = _convert.dump_args(op, args)
        return _convert.load_result(op, _convert.native(lambda: self._native.call(op, text)))


def _via(remote: RemoteCrm) -> ServerCall:
    """The operation calls of a replica's sync, sent through `remote`'s transport and credential."""

    def call(op: str, args_json: str) -> str:
        status, body = remote._send(remote._req(lambda **kw: _http.raw_request(op, args_json, **kw)))
        if status != 200:
            raise _http.error(status, body)
        return body.decode("utf-8")

    return call
