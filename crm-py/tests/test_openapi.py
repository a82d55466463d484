"""crm-server's generated OpenAPI description is a valid OpenAPI 3.1 document (the reference
validator), and it describes every operation the Python binding has."""

from __future__ import annotations

import json
import pathlib

import crm
import crm._errors
from crm._ops import Operations
from openapi_spec_validator import validate

SPEC = pathlib.Path(__file__).resolve().parents[2] / "crm-server" / "openapi.json"


def test_the_description_is_valid_openapi_3_1() -> None:
    doc = json.loads(SPEC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_operation_of_the_binding_has_its_route() -> None:
    doc = json.loads(SPEC.read_text(encoding="utf-8"))
    methods = [m for m in vars(Operations) if not m.startswith("_")]
    assert len(methods) > 50
    missing = [m for m in methods if f"/v1/ops/{m}" not in doc["paths"]]
    assert missing == []
    # The refusal every route shares names every code the binding raises, and the reverse.
    codes = set(doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
    raised = {
        cls.code
        for cls in vars(crm._errors).values()
        if isinstance(cls, type) and issubclass(cls, crm.CrmError) and cls is not crm.CrmError
        and isinstance(vars(cls).get("code"), str)
    }
    assert "UNAUTHENTICATED" in raised
    assert raised <= codes, raised - codes
    server_only = {"UNKNOWN_ROUTE", "METHOD_NOT_ALLOWED", "OVERLOADED", "BODY_TOO_LARGE", "TIMEOUT", "INTERNAL"}
    assert codes - raised <= server_only, codes - raised - server_only
