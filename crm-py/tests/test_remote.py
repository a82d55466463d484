"""RemoteCrm and crm.http against a real `crm serve` on a temporary SQLite file (the CLI named by
CRM_BIN, which crm-py/test.sh builds): the same records and exceptions as in-process, the actor
the token's user, and the HTTP path's own failures as ServerErrors."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Iterator, List, Mapping, NamedTuple, Tuple

import pytest

import crm

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Server(NamedTuple):
    url: str
    admin_credential: str


def _crm_bin() -> str:
    path = os.environ.get("CRM_BIN")
    if path:
        assert os.access(path, os.X_OK), f"CRM_BIN={path} is not an executable"
        return path
    default = pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "crm"
    if not default.exists():
        pytest.skip("no crm CLI: run crm-py/test.sh, or set CRM_BIN (cargo build -p crm-cli)")
    return str(default)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`crm serve` on a fresh SQLite file and a free loopback port, stopped (SIGTERM) after the module."""
    binary = _crm_bin()
    tmp = tmp_path_factory.mktemp("crm-serve")
    db = tmp / "crm.db"
    out = subprocess.run(
        [binary, "token", "bootstrap", "--db", str(db), "--admin-name", "Ada"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout
    credential = next(line for line in out.splitlines() if line.startswith("crm1."))
    log_path = tmp / "serve.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: the server logs a line per call
        proc = subprocess.Popen([binary, "serve", "--db", str(db), "--listen", "127.0.0.1:0"], stderr=log)
    try:
        deadline = time.monotonic() + 20
        url = None
        while url is None:
            first = log_path.read_text(errors="replace").split("\n", 1)
            found = re.search(r"on (http://127\.0\.0\.1:\d+)", first[0]) if len(first) > 1 else None
            if found:
                url = found.group(1)
            elif proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"crm serve did not start: {log_path.read_text(errors='replace')[:2000]}")
            else:
                time.sleep(0.02)
        yield Server(url, credential)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Org(NamedTuple):
    admin: crm.RemoteCrm
    team: crm.Team
    rep: crm.User
    rep_token: crm.ApiToken
    rep_c: crm.RemoteCrm
    other_c: crm.RemoteCrm


@pytest.fixture(scope="module")
def org(server: Server) -> Org:
    """The story's start: the administrator (by the bootstrap token) creates a team and two reps
    over HTTP and issues each a token; each rep then works through a RemoteCrm of their own."""
    admin = crm.RemoteCrm(server.url, server.admin_credential)
    assert admin.me.role is crm.Role.ADMIN and admin.me.name == "Ada"
    me = admin.me.id
    team = admin.create_team(me, "East")
    rep = admin.create_user(me, name="Li Lei", role=crm.Role.REP, team_id=team.id)
    other = admin.create_user(me, name="Han Meimei", role="rep", team_id=team.id)
    issued = admin.issue_token(rep.id, "Li Lei's laptop")
    assert isinstance(issued, crm.IssuedToken) and issued.credential.startswith("crm1.")
    assert issued.token.user_id == rep.id and issued.token.label == "Li Lei's laptop"
    assert issued.token.revoked_at is None and issued.token.created_at.tzinfo is not None
    assert issued.credential not in repr(issued)
    other_c = crm.RemoteCrm(server.url, admin.issue_token(other.id).credential)
    return Org(admin, team, rep, issued.token, crm.RemoteCrm(server.url, issued.credential), other_c)


def test_a_rep_works_remotely_with_the_in_process_records(org: Org) -> None:
    c, rep = org.rep_c, org.rep
    assert c.me == rep and isinstance(c.me, crm.User)
    created = c.create_customer(
        rep.id, name="Acme Trading Co., Ltd.", phones=["+86 139 1234 5678"], tags=["vip"],
        custom_fields={"budget": Decimal("125000.50"), "renewal": dt.date(2027, 1, 31), "vip": True},
    )
    assert isinstance(created, crm.CustomerCreated) and created.duplicates == []
    customer = created.customer
    assert isinstance(customer, crm.Customer) and customer.owner_id == rep.id
    assert customer.custom_fields == {"budget": Decimal("125000.50"), "renewal": dt.date(2027, 1, 31), "vip": True}
    assert customer.created_at.tzinfo is not None

    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    at, plan = now - dt.timedelta(hours=1), now + dt.timedelta(days=3)
    follow_up = c.record_follow_up(
        rep.id, customer.id, crm.NewFollowUp(channel=crm.Channel.CALL, note="asked for a quote", at=at, next_follow_up_at=plan)
    )
    assert isinstance(follow_up, crm.FollowUp) and follow_up.at == at and follow_up.next_follow_up_at == plan
    deal = c.create_opportunity(
        rep.id, customer.id,
        crm.NewOpportunity(name="Pallets", amount=Decimal("98000.25"), expected_close=dt.date(2027, 3, 31)),
    )
    assert isinstance(deal, crm.Opportunity) and deal.amount == Decimal("98000.25")

    # Read back: the same classes, Decimals and aware datetimes, as in-process.
    [again] = c.follow_ups("", customer.id)  # "" names the token's user too
    assert again == follow_up and again.at.utcoffset() is not None
    [read] = c.opportunities(rep.id, customer.id)
    assert isinstance(read.amount, Decimal) and str(read.amount) == "98000.25"
    assert read.expected_close == dt.date(2027, 3, 31) and read.created_at.tzinfo is not None
    current = c.customer(rep.id, customer.id)
    assert current.next_follow_up_at == plan and current.last_follow_up_at == at and current.version > customer.version
    assert isinstance(c.settings(), crm.OrgSettings)  # takes no actor

    # A stale write: the core's error with its typed fields.
    with pytest.raises(crm.VersionConflictError) as stale:
        c.update_customer(rep.id, customer.id, customer.version, crm.CustomerPatch(level="A"))
    assert stale.value.code == "VERSION_CONFLICT" and stale.value.actual == current.version
    assert stale.value.kind is crm.EntityKind.CUSTOMER

    # The other rep of the team is outside Li Lei's own scope: the record reads as absent.
    with pytest.raises(crm.NotFoundError) as hidden:
        org.other_c.customer(org.other_c.me.id, customer.id)
    assert hidden.value.kind is crm.EntityKind.CUSTOMER and hidden.value.id == customer.id
    assert isinstance(hidden.value, LookupError) and hidden.value.details == {"kind": crm.EntityKind.CUSTOMER, "id": customer.id}
    assert customer.id not in [x.id for x in org.other_c.customers(org.other_c.me.id)]
    assert customer.id in [x.id for x in org.admin.customers(org.admin.me.id)]
    with pytest.raises(crm.PermissionDeniedError):
        c.issue_token(rep.id)  # administrators only


class Recording:
    """A transport that records every request and sends it with the default transport."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, str]] = []
        self._send = crm.urllib_transport(timeout=10)

    def __call__(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        self.sent.append((method, url))
        return self._send(method, url, headers, body)


def test_another_actor_is_refused_before_anything_is_sent(server: Server, org: Org) -> None:
    recording = Recording()
    c = crm.RemoteCrm(server.url, org.admin.issue_token(org.rep.id, "recorded").credential, transport=recording)
    assert c.me.id == org.rep.id
    assert recording.sent == [("GET", f"{server.url}/v1/whoami")]  # `me`, asked once
    recording.sent.clear()
    with pytest.raises(crm.InvalidInputError) as refused:
        c.customers(org.admin.me.id)  # code written for Crm, acting as the admin
    assert refused.value.field == "actor" and "token's user" in refused.value.reason
    assert isinstance(refused.value, ValueError)
    with pytest.raises(crm.InvalidInputError):  # a float for money: refused here too
        c.create_opportunity(org.rep.id, "c-1", crm.NewOpportunity(name="x", amount=1.5))  # type: ignore[arg-type]
    assert recording.sent == []
    assert c.customers(org.rep.id) == org.rep_c.customers(org.rep.id)
    assert recording.sent == [("POST", f"{server.url}/v1/ops/customers")]


def test_a_revoked_token_is_unauthenticated(server: Server, org: Org) -> None:
    admin = org.admin
    issued = admin.issue_token(org.rep.id, "to revoke")
    c = crm.RemoteCrm(server.url, issued.credential)
    assert c.me.id == org.rep.id
    mine = c.tokens()  # a rep sees their own tokens only
    assert {t.user_id for t in mine} == {org.rep.id} and issued.token.id in [t.id for t in mine]
    revoked = admin.revoke_token(issued.token.id, issued.token.version)
    assert isinstance(revoked, crm.ApiToken) and revoked.revoked_by == admin.me.id
    assert revoked.revoked_at is not None and revoked.revoked_at.tzinfo is not None
    assert [t for t in admin.tokens() if t.id == issued.token.id] == [revoked]
    with pytest.raises(crm.UnauthenticatedError) as refused:
        c.customers(org.rep.id)
    assert refused.value.code == "UNAUTHENTICATED" and issued.credential not in str(refused.value)
    with pytest.raises(crm.UnauthenticatedError):
        crm.RemoteCrm(server.url, issued.credential).me
    with pytest.raises(crm.VersionConflictError):
        admin.revoke_token(issued.token.id, issued.token.version)  # already revoked: a new version
    assert org.rep_c.customers(org.rep.id) is not None  # the rep's other token still works


def test_a_custom_transport(server: Server) -> None:
    """Any callable will do: here one with canned answers, then the server's own failures."""
    user = {"id": "u-7", "name": "Li", "role": "rep", "scope": "own", "team_id": None, "active": True,
            "created_at": "2026-03-02T01:00:00.123456789Z", "version": 1}
    answers = {
        "/v1/whoami": (200, json.dumps(user).encode()),
        "/v1/ops/customers": (429, b'{"code":"OVERLOADED","message":"busy","details":{}}'),
        "/v1/ops/teams": (502, b"<html>Bad Gateway</html>"),
        "/v1/ops/users": (500, b'{"code":"INTERNAL","message":"failed","details":{}}'),
        "/v1/ops/leads": (504, b'{"code":"TIMEOUT","message":"slow","details":{}}'),
        "/v1/ops/pools": (418, b'{"code":"A_NEWER_CODE","message":"?","details":{"x":1}}'),
    }
    seen: List[Mapping[str, str]] = []

    def canned(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        seen.append(headers)
        return answers[url[len("http://crm.test/api"):]]

    c = crm.RemoteCrm("http://crm.test/api/", "crm1.b3Jn.tk-9.c2VjcmV0", transport=canned)
    assert c.me == crm.User("u-7", "Li", crm.Role.REP, crm.DataScope.OWN, None, True,
                            dt.datetime(2026, 3, 2, 1, 0, 0, 123456, tzinfo=dt.timezone.utc), 1)
    assert seen[0]["Authorization"] == "Bearer crm1.b3Jn.tk-9.c2VjcmV0"
    with pytest.raises(crm.OverloadedError) as busy:
        c.customers("u-7")
    assert isinstance(busy.value, crm.ServerError) and busy.value.code == "OVERLOADED" and busy.value.status == 429
    with pytest.raises(crm.ServerError) as proxy:
        c.teams("u-7")
    assert proxy.value.code == "BAD_RESPONSE" and proxy.value.status == 502 and "Bad Gateway" in str(proxy.value)
    with pytest.raises(crm.InternalServerError):
        c.users("u-7")
    with pytest.raises(crm.ServerTimeoutError) as slow:
        c.leads("u-7")
    assert isinstance(slow.value, TimeoutError)
    with pytest.raises(crm.ServerError) as newer:
        c.pools("u-7")
    assert type(newer.value) is crm.ServerError and newer.value.code == "A_NEWER_CODE" and newer.value.details == {"x": 1}

    def refused(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(crm.UnreachableError) as down:
        crm.RemoteCrm(server.url, "crm1.x", transport=refused).settings()
    assert isinstance(down.value.__cause__, ConnectionRefusedError)

    # The real server through a transport of our own (urllib directly).
    def plain(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        req = urllib.request.Request(url, data=body or None, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    assert crm.RemoteCrm(server.url, server.admin_credential, transport=plain).me.role is crm.Role.ADMIN


def test_sans_io_request_and_read(server: Server, org: Org) -> None:
    plan = dt.datetime(2027, 1, 5, 10, 30, tzinfo=SHANGHAI)
    customer = org.admin.create_customer(org.admin.me.id, name="Sans I/O Ltd").customer
    req = crm.http.request(
        "create_opportunity",
        {"customer_id": customer.id, "opportunity": crm.NewOpportunity(name="Racks", amount=Decimal("1200.50"), expected_close=plan.date())},
        base_url=server.url + "/", credential=server.admin_credential,
    )
    assert isinstance(req, crm.http.HttpRequest)
    assert (req.method, req.url) == ("POST", f"{server.url}/v1/ops/create_opportunity")
    assert req.headers["Authorization"] == f"Bearer {server.admin_credential}"
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.body) == {
        "customer_id": customer.id,
        "opportunity": {"name": "Racks", "amount": "1200.50", "expected_close": "2027-01-05", "fields": {}},
    }
    assert server.admin_credential not in repr(req)
    follow = crm.http.request(
        "record_follow_up",
        {"customer_id": "c-1", "follow_up": crm.NewFollowUp(channel="visit", at=dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.timezone.utc))},
        base_url=server.url, credential=server.admin_credential,
    )
    assert json.loads(follow.body)["follow_up"] == {"channel": "visit", "note": "", "at": "2026-12-01T02:30:00+00:00"}

    def send(r: crm.http.HttpRequest) -> Tuple[int, bytes]:
        try:
            with urllib.request.urlopen(urllib.request.Request(r.url, r.body, r.headers, method=r.method)) as a:
                return a.status, a.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    status, body = send(req)
    deal = crm.http.read("create_opportunity", status, body)
    assert status == 200 and isinstance(deal, crm.Opportunity) and deal.amount == Decimal("1200.50")
    whoami = crm.http.whoami_request(base_url=server.url, credential=server.admin_credential)
    assert crm.http.read_user(*send(whoami)) == org.admin.me
    status, body = send(crm.http.request("customer", {"id": "c-404"}, base_url=server.url, credential=server.admin_credential))
    assert status == 404
    with pytest.raises(crm.NotFoundError) as missing:
        crm.http.read("customer", status, body)
    assert missing.value.id == "c-404"
    assert isinstance(crm.http.error(status, body), crm.NotFoundError)
    status, body = send(crm.http.HttpRequest("GET", server.url + "/v1/ops/customer", req.headers))
    assert status == 405
    with pytest.raises(crm.MethodNotAllowedError):
        crm.http.read("customer", status, body)
    status, body = send(crm.http.HttpRequest("GET", server.url + "/v2/nothing", req.headers))
    assert isinstance(crm.http.error(status, body), crm.UnknownRouteError)

    # Refused while building: nothing to send.
    for bad, field in [
        (lambda: crm.http.request("no_such_op", {}, base_url=server.url, credential="crm1.x"), "op"),
        (lambda: crm.http.request("customer", {"id": "c-1", "idd": "c-2"}, base_url=server.url, credential="crm1.x"), "idd"),
        (lambda: crm.http.request("customer", {"id": 7}, base_url=server.url, credential="crm1.x"), "id"),
        (lambda: crm.http.request("customer", {"id": "c-1"}, base_url=server.url, credential="crm1 x\r\nX: y"), "credential"),
        (lambda: crm.http.request("customer", {"id": "c-1"}, base_url="127.0.0.1:80", credential="crm1.x"), "base_url"),
        (lambda: crm.http.request(
            "record_follow_up", {"customer_id": "c-1", "follow_up": crm.NewFollowUp(channel="visit", at=dt.datetime(2026, 1, 1))},
            base_url=server.url, credential="crm1.x"), "follow_up.at"),
    ]:
        with pytest.raises(crm.InvalidInputError) as refused:
            bad()
        assert refused.value.field == field


def test_an_unreachable_server(server: Server) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = crm.RemoteCrm(f"http://127.0.0.1:{port}", server.admin_credential, timeout=5)
    started = time.monotonic()
    with pytest.raises(crm.UnreachableError) as down:
        c.customers("")
    assert time.monotonic() - started < 5
    e = down.value
    assert e.code == "UNREACHABLE" and e.status is None and isinstance(e, (crm.ServerError, ConnectionError))
    assert f"127.0.0.1:{port}" in str(e) and server.admin_credential not in str(e)
    assert isinstance(e.__cause__, urllib.error.URLError)


def test_a_closed_remote_crm(server: Server) -> None:
    with crm.RemoteCrm(server.url, server.admin_credential) as c:
        assert c.me.role is crm.Role.ADMIN
    with pytest.raises(crm.InvalidStateError):
        c.users("")
    assert repr(c) == f"RemoteCrm({server.url!r})"
