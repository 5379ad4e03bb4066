"""The OpenAPI 3.0 document of the JSON API, written by hand so that it says what we mean.

Tests fuzz the API from this document (schemathesis) and check every response against it, so
it cannot drift from the code without a test failing.
"""

from __future__ import annotations

from typing import Any

from scheduler.domain.model import ROLES, SwapStatus
from scheduler.services.leave import KINDS as LEAVE_KINDS
from web.inputs import MAX_ID


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    # OpenAPI 3.0 ignores siblings of $ref: a nullable reference is spelled with allOf.
    return {"nullable": True, "allOf": [_ref(name)]}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
    }


TIME = {"type": "string", "format": "date-time", "example": "2027-01-04T15:00:00Z"}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
# Instants in requests: an RFC 3339 date-time, or a date (its midnight; as an end, the next one).
DAY_OR_TIME = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
    "example": "2027-02-01",
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        **_object(
            {
                "error": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "The field or parameter at fault"},
            },
            required=("error", "message"),
        )
    },
    "PersonRef": _object({"key": TEXT, "name": TEXT}),
    "Team": _object(
        {"key": TEXT, "name": TEXT, "services": _array(TEXT), "runbook": NULLABLE_TEXT}
    ),
    "OnCallEntry": _object(
        {"role": {"type": "string", "enum": list(ROLES)}, "person": _ref("PersonRef")}
        | {"start": TIME, "end": TIME}
    ),
    "Crew": _object({"team": _ref("Team"), "oncall": _array(_ref("OnCallEntry"))}),
    "OnCallNow": _object({"at": TIME, "teams": _array(_ref("Crew"))}),
    "ServiceOnCall": _object(
        {"at": TIME, "service": TEXT, "team": _ref("Team"), "oncall": _array(_ref("OnCallEntry"))}
    ),
    "Shift": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "team": TEXT,
            "team_name": TEXT,
            "role": {"type": "string", "enum": list(ROLES)},
            "person": _ref("PersonRef"),
            "start": TIME,
            "end": TIME,
            "site": NULLABLE_TEXT,
            "covers": {
                **_array(_object({"person": _ref("PersonRef"), "start": TIME, "end": TIME})),
                "description": "Accepted overrides: who covers which part of the shift",
            },
        }
    ),
    "TeamShifts": _object(
        {
            "team": _ref("Team"),
            "from": TIME,
            "to": {**TIME, "nullable": True},
            "shifts": _array(_ref("Shift")),
            "truncated": {"type": "boolean"},
        }
    ),
    "PersonShifts": _object(
        {
            "person": _ref("PersonRef"),
            "from": TIME,
            "to": {**TIME, "nullable": True},
            "shifts": _array(_ref("Shift")),
            "truncated": {"type": "boolean"},
        }
    ),
    "Leave": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "person": _ref("PersonRef"),
            "kind": {"type": "string", "enum": list(LEAVE_KINDS)},
            "start": TIME,
            "end": TIME,
            "note": NULLABLE_TEXT,
            "source": TEXT,
        }
    ),
    "LeaveList": _object({"leave": _array(_ref("Leave"))}),
    "LeaveCreated": {
        "allOf": [
            _ref("Leave"),
            _object(
                {
                    "conflicts": {
                        **_array(_ref("Shift")),
                        "description": "Published shifts of the person that the leave overlaps",
                    }
                }
            ),
        ]
    },
    "NewLeave": {
        **_object(
            {
                "person": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "Whose leave (default: the token's own person)",
                },
                "start": {
                    **DAY_OR_TIME,
                    "description": "First day, or start time (a time without an offset is "
                    "in the person's time zone)",
                },
                "end": {**DAY_OR_TIME, "description": "Last day (inclusive), or end time"},
                "kind": {"type": "string", "enum": list(LEAVE_KINDS), "default": "leave"},
                "note": {"type": "string", "maxLength": 500},
            },
            required=("start", "end"),
        ),
        "additionalProperties": False,
    },
    "Swap": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": ["offer", "trade"]},
            "status": {"type": "string", "enum": list(SwapStatus)},
            "shift": _ref("Shift"),
            "other_shift": _nullable("Shift"),
            "from_person": _ref("PersonRef"),
            "to_person": _nullable("PersonRef"),
            "accepted_by": _nullable("PersonRef"),
            "reason": NULLABLE_TEXT,
            # Why the fairness guard held the swap for a manager (docs/fairness.md).
            "guard_reason": NULLABLE_TEXT,
            "created_at": TIME,
            "decided_at": {**TIME, "nullable": True},
        }
    ),
    "SwapList": _object({"swaps": _array(_ref("Swap"))}),
    "NewSwap": {
        **_object(
            {
                "shift": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "to_person": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "Offer to this teammate only (default: anyone eligible)",
                },
                "other_shift": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "Propose a trade for this shift of a teammate",
                },
            },
            required=("shift",),
        ),
        "additionalProperties": False,
    },
}

RESPONSES: dict[str, Any] = {
    name: {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    for name, description in {
        "BadRequest": "A parameter or field is invalid (`field` names it)",
        "Unauthorized": "No valid API token",
        "Forbidden": "The token's user may not do this",
        "NotFound": "No such team, person, service, shift, swap or override",
        "Conflict": "The swap or override was refused: `message` gives the reason or the rule",
    }.items()
}


def _ok(schema: str, description: str, status: str = "200") -> dict[str, Any]:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    }


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    names[409] = "Conflict"
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


AT = _query("at", "The instant to ask about (default: now)", DAY_OR_TIME)
FROM = _query("from", "Start of the range (default: now)", DAY_OR_TIME)
TO = _query("to", "End of the range, exclusive (default: no end)", DAY_OR_TIME)
KEY = _path("key", {"type": "string", "minLength": 1})
SWAP_ID = _path("swap_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})


def _operation(summary: str, responses: dict, *parameters, body: str | None = None) -> dict:
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


PATHS: dict[str, Any] = {
    "/oncall": {
        "get": _operation(
            "Who is on call in every team",
            _ok("OnCallNow", "Crews per team") | _errors(400, 401, 404),
            AT,
        )
    },
    "/oncall/service/{service}": {
        "get": _operation(
            "Who to page for a service: its team's crew and runbook",
            _ok("ServiceOnCall", "The owning team's crew") | _errors(400, 401, 404),
            _path("service", {"type": "string", "minLength": 1}),
            AT,
        )
    },
    "/teams/{key}/shifts": {
        "get": _operation(
            "A team's published shifts in a range",
            _ok("TeamShifts", "Shifts in time order") | _errors(400, 401, 404),
            KEY,
            FROM,
            TO,
        )
    },
    "/people/{key}/shifts": {
        "get": _operation(
            "A person's published shifts in a range, across teams",
            _ok("PersonShifts", "Shifts in time order") | _errors(400, 401, 404),
            KEY,
            FROM,
            TO,
        )
    },
    "/leave": {
        "get": _operation(
            "Leave of myself, or of the teams I manage",
            _ok("LeaveList", "Leave in time order") | _errors(400, 401, 403, 404),
            _query("person", "Only this person's leave (a person key)"),
            _query(
                "kind",
                "Leave, or avoid requests",
                {"type": "string", "enum": list(LEAVE_KINDS), "default": "leave"},
            ),
            FROM,
            TO,
        ),
        "post": _operation(
            "Record leave for myself, or for a member of a team I manage",
            _ok("LeaveCreated", "Recorded; `conflicts` lists the shifts it hits", "201")
            | _errors(400, 401, 403, 404),
            body="NewLeave",
        ),
    },
    "/swaps": {
        "get": _operation(
            "Swaps I made, was offered, may take, or may approve",
            _ok("SwapList", "Newest first") | _errors(400, 401, 404),
            _query(
                "status",
                "Only swaps in this state",
                {"type": "string", "enum": list(SwapStatus)},
            ),
        ),
        "post": _operation(
            "Offer my shift (to a teammate or anyone eligible) or propose a trade",
            _ok("Swap", "The swap, open for an answer", "201") | _errors(400, 401, 403, 404, 409),
            body="NewSwap",
        ),
    },
    "/swaps/{swap_id}/accept": {
        "post": _operation(
            "Accept a swap; every rule is checked first",
            _ok("Swap", "Accepted (or awaiting a manager's approval)")
            | _errors(401, 403, 404, 409),
            SWAP_ID,
        )
    },
    "/swaps/{swap_id}/decline": {
        "post": _operation(
            "Decline a swap offered to me",
            _ok("Swap", "Declined") | _errors(401, 403, 404, 409),
            SWAP_ID,
        )
    },
}


# The override endpoints' part: that module reads the helpers above, so it comes after them.
from web import api_schema_overrides  # noqa: E402

SCHEMAS.update(api_schema_overrides.SCHEMAS)
PATHS.update(api_schema_overrides.PATHS)


def document(server_url: str) -> dict[str, Any]:
    """Return the OpenAPI document, served from `server_url` (the API's base URL)."""
    paths = {path: dict(item) for path, item in PATHS.items()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Rota API",
            "version": "1.0.0",
            "description": "On-call schedules, leave and shift swaps. Times are RFC 3339 in UTC.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's API token, created with `rota` or the feeds page",
                }
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }
