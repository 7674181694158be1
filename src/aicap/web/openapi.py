"""OpenAPI documents the one error shape the runtime sends: FastAPI adds a default 422
``HTTPValidationError`` (``{"detail": [...]}``) to every route with parameters, a shape the
app never returns (its validation handlers answer ``{"error": {...}}``). :func:`one_error_shape`
replaces those responses with ``ErrorResponse`` (``CoopErrorResponse`` under ``/api/coop``) and
drops the unused schemas."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

DEFAULT_SHAPES = ("HTTPValidationError", "ValidationError")


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def clean(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every reference to FastAPI's default validation shape replaced."""
    schemas = spec.get("components", {}).get("schemas", {})
    for path, ops in spec.get("paths", {}).items():
        model = "CoopErrorResponse" if path.startswith("/api/coop") else "ErrorResponse"
        if model not in schemas:
            model = "ErrorResponse"
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            r422 = op.get("responses", {}).get("422")
            if r422 is None:
                continue
            content = r422.get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref", "")
            if ref.rsplit("/", 1)[-1] in DEFAULT_SHAPES:
                content["schema"] = _ref(model)
                r422["description"] = "Invalid parameters; detail names each field."
    for name in DEFAULT_SHAPES:
        schemas.pop(name, None)
    return spec


def one_error_shape(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the cleaned schema (computed once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = clean(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented override
