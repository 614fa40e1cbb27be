"""The v1 API's OpenAPI document (``/api/v1/openapi.json``) and its docs page
(``/api/v1/docs``), rendered by our own template from the document: no CDN script (the
app's CSP is ``script-src 'self'``). The app-wide ``/openapi.json`` stays off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup, escape

from ringback.web.api.common import ApiUser
from ringback.web.api.errors import DOCS_PATH, PREFIX
from ringback.web.render import render

SPEC_PATH = PREFIX + "/openapi.json"
VERSION = "1.0"
DESCRIPTION = (
    "Ringback's REST API: contacts (with back story), interactions, voicemails (capture "
    "one into its contact, mark one done), call reviews, follow-ups, the coach and return "
    "statistics.\n\n"
    "Authenticate with `Authorization: Bearer TOKEN` (`ringback tokens create --name NAME "
    "--json`) or a signed-in session (unsafe methods then need the `X-CSRF-Token` header). "
    "Lists take `limit`, `cursor` and `updated_since` and answer `{items, next}`; the "
    "contacts list also takes `search` (the CLI's and the web app's contact search). Creates "
    "and actions (capture, done) take an `Idempotency-Key` header. Errors are "
    "`{error: {code, message, hint}}`."
)
METHODS = ("get", "post", "put", "patch", "delete")

router = APIRouter()


def build_spec(routes: list[Any]) -> dict[str, Any]:
    """The OpenAPI document of the app's ``/api/v1`` routes, with the bearer scheme."""
    from fastapi.routing import iter_route_contexts

    v1 = [r for r in iter_route_contexts(routes) if (r.path or "").startswith(PREFIX + "/")]
    spec = get_openapi(title="Ringback API", version=VERSION, description=DESCRIPTION, routes=v1)
    components = spec.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token"},
        "session": {"type": "apiKey", "in": "cookie", "name": "rb_session"},
    }
    spec["security"] = [{"bearer": []}, {"session": []}]
    return _named_bodies(spec)


# FastAPI names a form body after its function and path ("Body_upload_call_api_v1_calls_post");
# a reader of the docs page and a generated client get a name that says what it is.
BODY_NAMES = {"Body_upload_call_api_v1_calls_post": "CallUpload"}


def _named_bodies(spec: dict[str, Any]) -> dict[str, Any]:
    import json

    schemas = spec.get("components", {}).get("schemas", {})
    text = json.dumps(spec)
    for old, new in BODY_NAMES.items():
        if old in schemas:
            text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
            text = text.replace(f'"{old}":', f'"{new}":').replace(
                f'"title": "{old}"', f'"title": "{new}"'
            )
    named: dict[str, Any] = json.loads(text)
    return named


def spec_of(request: Request) -> dict[str, Any]:
    """The app's spec, built once."""
    state = request.app.state
    if getattr(state, "api_spec", None) is None:
        state.api_spec = build_spec(list(request.app.routes))
    spec: dict[str, Any] = state.api_spec
    return spec


@router.get(SPEC_PATH, include_in_schema=False)
async def openapi_json(request: Request, user: ApiUser) -> Response:
    """The spec (for a token or a session)."""
    return JSONResponse(spec_of(request))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: tuple[tuple[str, str, str, bool, str], ...]  # name, in, type, required, text
    body: str
    responses: tuple[tuple[str, str], ...]


_CODE = re.compile(r"``(.+?)``|`([^`]+)`")


def prose(text: str) -> Markup:
    """The spec's text for the page: escaped, with its `code` (and ``code``) marks shown
    as code rather than as backticks."""
    return Markup(
        _CODE.sub(lambda m: f"<code>{m.group(1) or m.group(2)}</code>", str(escape(text)))
    )


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return str(schema.get("format") or schema.get("type") or "any")


def _body(op: dict[str, Any]) -> str:
    content = op.get("requestBody", {}).get("content", {})
    return ", ".join(f"{kind}: {_type(v.get('schema', {}))}" for kind, v in content.items())


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of ``spec`` as the docs page lists it, by path."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = tuple(
                (
                    p["name"],
                    p["in"],
                    _type(p.get("schema", {})),
                    bool(p.get("required")),
                    prose(p.get("description", "")),
                )
                for p in op.get("parameters", [])
            )
            responses = tuple(
                (code, r.get("description", "")) for code, r in op["responses"].items()
            )
            found.append(
                Operation(
                    method.upper(),
                    path,
                    op.get("summary", ""),
                    prose(op.get("description", "")),
                    params,
                    _body(op),
                    responses,
                )
            )
    return found


def schemas(spec: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Each body's fields: (name, [(field, type, required)])."""
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [(f, _type(s), f in required) for f, s in schema.get("properties", {}).items()]
        out.append((name, fields))
    return out


@router.get(DOCS_PATH, include_in_schema=False)
async def docs_page(request: Request, user: ApiUser) -> Response:
    """The API's reference, from the spec."""
    spec = spec_of(request)
    return render(
        request,
        "api_docs.html",
        operations=operations(spec),
        schemas=schemas(spec),
        description=prose(spec["info"]["description"]),
        spec_path=SPEC_PATH,
        version=spec["info"]["version"],
    )
