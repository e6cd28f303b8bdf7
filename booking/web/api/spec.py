"""Each API operation is declared once, with `operation(...)`: the route, the pydantic
models that parse its query and body, and its answers. The same declarations
validate requests and build the OpenAPI 3.1 document (`openapi_document`).

Why not a library such as flask-openapi3, spectree or APIFlask: each brings its own
request parsing and error format around the view (APIFlask on marshmallow), and a
documentation page loading Swagger UI or Redoc from a CDN or as inline script, which
this app's CSP forbids. OpenAPI 3.1 uses JSON Schema 2020-12, which is what pydantic
v2's `models_json_schema` emits; what remains is some eighty lines that place those
schemas into paths, parameters and responses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from booking.web.api.problems import ApiProblem, invalid

View = TypeVar("View", bound=Callable[..., Any])
_RULE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # the Flask rule, relative to the blueprint
    endpoint: str
    summary: str
    description: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    bearer: bool
    headers: dict[str, str] = field(default_factory=dict)  # request headers it reads


OPERATIONS: list[Operation] = []


def operation(bp: Blueprint, method: str, rule: str, *, summary: str, description: str = "",
              query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              responses: dict[int, tuple[str, type[BaseModel] | None]], bearer: bool = False,
              headers: dict[str, str] | None = None) -> Callable[[View], View]:
    """Register a view under `rule` and describe it. The view receives the parsed
    `query` and `body` models as keyword arguments of those names; a query that does
    not fit is a 400, a body a 422, both with per-field errors."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def parsed(**kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict(), status=400)
            if body is not None:
                kwargs["body"] = _parse(body, _json_body(), status=422)
            return view(**kwargs)

        bp.add_url_rule(rule, view_func=parsed, methods=[method])
        OPERATIONS.append(Operation(method, rule, f"{bp.name}.{view.__name__}", summary,
                                    description, query, body, responses, bearer,
                                    headers or {}))
        return parsed  # type: ignore[return-value]  # same signature, seen by Flask only

    return register


def _parse(model: type[BaseModel], data: Any, *, status: int) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(error, status=status) from None


def _json_body() -> Any:
    """The JSON body; {} when there is none (a body with only optional fields)."""
    if not request.is_json:
        if request.content_length or request.mimetype:
            raise ApiProblem(415, "unsupported-media-type")
        return {}
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "malformed-json")
    return data


def openapi_document(*, prefix: str, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation."""
    models = {model for op in OPERATIONS
              for model in (op.query, op.body, *(m for _, m in op.responses.values())) if model}
    keyed: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = sorted(
        ((m, "validation" if _is_input(m) else "serialization") for m in models),
        key=lambda pair: pair[0].__name__)
    refs, definitions = models_json_schema(keyed, ref_template=_REF)
    schemas = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = prefix + _RULE_ARGUMENT.sub(r"{\1}", op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _describe(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"manageToken": {
                "type": "http", "scheme": "bearer",
                "description": "The `manage_token` of a booking, from its 201 answer."}},
        },
    }


def _is_input(model: type[BaseModel]) -> bool:
    return any(model in (op.query, op.body) for op in OPERATIONS)


def _describe(op: Operation, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": op.endpoint.rpartition(".")[2],
                                 "summary": op.summary}
    if op.description:
        described["description"] = op.description
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 80}}
                  for name in _RULE_ARGUMENT.findall(op.rule)]
    if op.query is not None:
        schema = schemas[op.query.__name__]
        required = set(schema.get("required", []))
        parameters += [{"name": name, "in": "query", "required": name in required,
                        "schema": _without_null(prop),
                        **({"description": prop["description"]} if "description" in prop
                           else {})}
                       for name, prop in schema["properties"].items()]
    parameters += [{"name": name, "in": "header", "required": False,
                    "schema": {"type": "string", "maxLength": 255}, "description": text}
                   for name, text in op.headers.items()]
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(op.body, "validation")]}}}
    if op.bearer:
        described["security"] = [{"manageToken": []}]
    described["responses"] = {
        str(status): _response(status, text, model, refs)
        for status, (text, model) in sorted(op.responses.items())}
    return described


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: absent rather than null (a query string cannot
    say null), and its description beside it, not inside."""
    schema = {k: v for k, v in schema.items() if k not in ("description", "default")
              or (k == "default" and v is not None)}
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option != {"type": "null"}]
        if len(options) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}
        else:
            schema["anyOf"] = options
    return schema


def _response(status: int, text: str, model: type[BaseModel] | None,
              refs: dict[Any, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": text}
    if model is not None:
        media = "application/problem+json" if status >= 400 else "application/json"
        answer["content"] = {media: {"schema": refs[(model, "serialization")]}}
    return answer
