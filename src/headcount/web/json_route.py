"""A route class for hot JSON endpoints: documented by FastAPI like any route, served without
FastAPI's per-request machinery.

    router.add_api_route("/replies", endpoint, methods=["POST"], response_model=Out,
                         route_class_override=JsonBodyRoute)

The endpoint takes `(body: Model, request: Request)` and returns a ready Response.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, get_type_hints

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var
from pydantic import BaseModel, ValidationError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class JsonBodyRoute(APIRoute):
    """Documented like any route (its body and response models are in OpenAPI), but its
    handler skips FastAPI's per-request machinery: the JSON body is validated by
    pydantic-core straight from the bytes and the endpoint `(body, request)` is called
    directly. On the burst path that machinery (dependency solving, query parsing, exit
    stacks) cost about a third of the server's CPU per reply.

    The route's dependencies (the app-wide route policy) still run first, called directly
    when each is a plain `async def dep(request)`; any other kind of dependency, or an
    override of one, gets FastAPI's own handler."""

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        # FastAPI builds an included route's handler with its effective (merged) settings
        # in this context variable; read it the way APIRoute.get_route_handler does.
        effective = _effective_route_context_var.get()
        route = effective if effective is not None and effective.original_route is self else self
        dependencies: list[Dependant] = route.dependant.dependencies
        if not all(_takes_only_the_request(d) for d in dependencies):
            return standard
        calls: list[tuple[Callable[..., Coroutine[Any, Any, object]], str]] = []
        for d in dependencies:
            assert d.call is not None and d.request_param_name is not None
            calls.append((d.call, d.request_param_name))
        endpoint = self.endpoint
        model: type[BaseModel] = get_type_hints(endpoint)["body"]

        async def handle(request: Request) -> Response:
            overrides = request.app.dependency_overrides
            if overrides and any(call in overrides for call, _ in calls):
                return await standard(request)
            for call, name in calls:
                await call(**{name: request})
            response: Response = await endpoint(await _json_body(request, model), request)
            return response

        return handle


def _takes_only_the_request(dependency: Dependant) -> bool:
    """`async def dep(request)`: no parameters, sub-dependencies or special arguments."""
    d = dependency
    params = (d.path_params, d.query_params, d.header_params, d.cookie_params, d.body_params)
    special = (
        d.websocket_param_name, d.http_connection_param_name, d.response_param_name,
        d.background_tasks_param_name, d.security_scopes_param_name,
    )  # fmt: skip
    return (
        inspect.iscoroutinefunction(d.call)
        and d.request_param_name is not None
        and not d.dependencies
        and not any(params)
        and all(name is None for name in special)
    )


async def _json_body(request: Request, model: type[BaseModel]) -> BaseModel:
    """The body as FastAPI would take it (JSON content type required), errors in the same
    shape (`loc` starts with "body"), the input never echoed."""
    raw = await request.body()
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    subtype = media_type.partition("/")[2]
    if not (subtype == "json" or subtype.endswith("+json")):
        raise RequestValidationError(
            [{"type": "content_type", "loc": ("body",), "msg": "Send the body as JSON."}]
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
