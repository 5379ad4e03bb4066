"""The OpenAPI part of the override endpoints (docs/rules.md#overrides); api_schema merges it.

Kept apart so that api_schema.py stays small; it reads the helpers of api_schema, which
imports this module once they are defined.
"""

from __future__ import annotations

from typing import Any

from scheduler.domain.model import SwapStatus
from web.api_schema import (
    NULLABLE_TEXT,
    TIME,
    _array,
    _errors,
    _object,
    _ok,
    _operation,
    _path,
    _query,
    _ref,
)
from web.inputs import MAX_ID

OVERRIDE_ID = _path("override_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
KINDS = ["request", "offer", "assign"]

SCHEMAS: dict[str, Any] = {
    "Override": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": KINDS},
            "status": {"type": "string", "enum": list(SwapStatus)},
            "shift": _ref("Shift"),
            "holder": _ref("PersonRef"),
            "cover": _ref("PersonRef"),
            "start": TIME,
            "end": TIME,
            "reason": NULLABLE_TEXT,
            # Why the fairness guard held it for a manager (docs/fairness.md).
            "guard_reason": NULLABLE_TEXT,
            "created_at": TIME,
            "decided_at": {**TIME, "nullable": True},
        }
    ),
    "OverrideList": _object({"overrides": _array(_ref("Override"))}),
    "NewOverride": {
        **_object(
            {
                "shift": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "start": {
                    **TIME,
                    "description": "Start of the cover, a whole minute (default: now, "
                    "rounded up to the next quarter hour: the rest of the shift)",
                },
                "end": {**TIME, "description": "End of the cover (default: the shift's end)"},
                "cover": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "Who covers: asked by the shift's holder, or assigned by a "
                    "manager of the team. Leave it out to offer to cover yourself.",
                },
            },
            required=("shift",),
        ),
        "additionalProperties": False,
    },
}


def _answer(summary: str, done: str) -> dict[str, Any]:
    return {
        "post": _operation(
            summary, _ok("Override", done) | _errors(401, 403, 404, 409), OVERRIDE_ID
        )
    }


PATHS: dict[str, Any] = {
    "/overrides": {
        "get": _operation(
            "Overrides I hold, cover, or (as a manager) may approve",
            _ok("OverrideList", "Newest first") | _errors(400, 401, 404),
            _query(
                "status",
                "Only overrides in this state",
                {"type": "string", "enum": list(SwapStatus)},
            ),
        ),
        "post": _operation(
            "Ask someone to cover part of my shift, offer to cover part of a teammate's, or "
            "assign a cover as a manager; every rule is checked on the pieces",
            _ok("Override", "Pending an answer, or applied (a manager's)", "201")
            | _errors(400, 401, 403, 404, 409),
            body="NewOverride",
        ),
    },
    "/overrides/{override_id}/accept": _answer(
        "Accept an override asked of me", "Applied (or awaiting a manager's approval)"
    ),
    "/overrides/{override_id}/decline": _answer("Decline an override asked of me", "Declined"),
    "/overrides/{override_id}/cancel": _answer("Withdraw my pending override", "Withdrawn"),
    "/overrides/{override_id}/approve": _answer("Approve an override as a manager", "Applied"),
    "/overrides/{override_id}/refuse": _answer("Refuse an override as a manager", "Refused"),
}
