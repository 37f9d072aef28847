"""The HTTP side of ``siting serve``: a Starlette app over a :class:`~siting.serve.engine.WhatIf`.

Routes (JSON in and out; every body validated by a pydantic model, unknown keys refused; see
``docs/serve.md`` for each one):

=========================  ============================================================
``GET  /``                 the page (the meeting map with the live controls)
``GET  /api/state``        summary, stations, switches, and every residence changed so far
``POST /api/add``          ``{category, points: [{lat, lon}, ...], origin?}`` add stations
``POST /api/move``         ``{id, lat, lon}`` move a station
``POST /api/remove``       ``{id}`` remove a station
``POST /api/facility``     ``{category, index, on}`` switch an existing facility off / on
``POST /api/undo``         ``{}`` undo the last operation
``POST /api/optimize``     ``{category, k, time_limit, solver?}`` best next k stations (a job)
``GET  /api/optimize``     the job's state, elapsed time, time limit and suggestions
``POST /api/optimize/cancel``  cancel the job
``POST /api/save``         ``{name}`` scenario + files in ``<out>/<name>/``
``POST /api/export``       ``{name}`` save, then the map and report of ``siting run``
=========================  ============================================================

Guards, before any route runs: a body larger than ``max_body`` bytes is refused (413, also when
sent in chunks); with a token (the server is bound beyond loopback) every request must carry it
(header ``X-Siting-Token`` or ``?token=``), else 401; bound to loopback, only a loopback ``Host``
header is served (no DNS rebinding).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from siting._io import json_ready
from siting.errors import InputError
from siting.serve.engine import MAX_POINTS, WhatIf
from siting.serve.files import NAME_PATTERN, export, save
from siting.serve.optimizer import MAX_K, MAX_TIME_LIMIT, Optimizer

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

#: Largest request body, bytes (50 points of JSON are ~3 KB).
MAX_BODY = 64 * 1024


# ------------------------------------------------------------------------------------------------
# request bodies
# ------------------------------------------------------------------------------------------------
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LatLon(_Body):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


class AddBody(_Body):
    category: str = Field(..., max_length=64)
    points: list[LatLon] = Field(..., min_length=1, max_length=MAX_POINTS)
    origin: Literal["planner", "optimizer"] = "planner"


class MoveBody(_Body):
    id: str = Field(..., max_length=80)
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


class RemoveBody(_Body):
    id: str = Field(..., max_length=80)


class FacilityBody(_Body):
    category: str = Field(..., max_length=64)
    index: int = Field(..., ge=0)
    on: bool


class EmptyBody(_Body):
    pass


class OptimizeBody(_Body):
    category: str = Field(..., max_length=64)
    k: int = Field(..., ge=1, le=MAX_K)
    time_limit: float = Field(..., gt=0, le=MAX_TIME_LIMIT)
    solver: Literal["cbc", "highs"] = "cbc"


class NameBody(_Body):
    name: str = Field(..., pattern=f"^{NAME_PATTERN}$")


# ------------------------------------------------------------------------------------------------
# guards
# ------------------------------------------------------------------------------------------------
class _TooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: body size limit and access token (see the module docstring)."""

    def __init__(self, app: Any, *, token: str | None, max_body: int = MAX_BODY) -> None:
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if self.token is not None:
            given = headers.get(b"x-siting-token", b"").decode("latin-1")
            if not given:
                given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token") or [""])[0]
            if not secrets.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                await _plain(send, 401, {"error": "access token missing or wrong: open the address printed by siting serve"})
                return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                await _plain(send, 400, {"error": "bad Content-Length"})
                return
            if n > self.max_body:
                await _plain(send, 413, {"error": f"request body too large ({n} bytes; at most {self.max_body})"})
                return
        seen = 0
        started = False

        async def counted() -> dict:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return msg

        async def watch(msg: dict) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await _plain(send, 413, {"error": f"request body too large (at most {self.max_body} bytes)"})


async def _plain(send: Any, status: int, body: dict) -> None:
    resp = JSONResponse(body, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": resp.raw_headers})
    await send({"type": "http.response.body", "body": resp.body})


# ------------------------------------------------------------------------------------------------
# the app
# ------------------------------------------------------------------------------------------------
def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(json_ready(data), status_code=status)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if not raw.strip():
        raw = b"{}"
    return model.model_validate_json(raw)


def create_app(
    w: WhatIf,
    *,
    out_dir: Path,
    page: str,
    token: str | None = None,
    loopback: bool = True,
    optimizer: Optimizer | None = None,
) -> Starlette:
    """The Starlette app of ``siting serve``.

    Parameters
    ----------
    w : WhatIf
        The live state.
    out_dir : Path
        The only folder the endpoints write in (saves, exports, the optimizer's exchange files).
    page : str
        The page HTML (:func:`siting.serve.page.page_html`).
    token : str, optional
        Required on every request when given (the server is bound beyond loopback).
    loopback : bool
        The server listens on loopback only: serve only loopback ``Host`` headers.
    optimizer : Optimizer, optional
        Default: one working in ``out_dir/.siting-serve``.
    """
    out_dir = Path(out_dir)
    opt = optimizer if optimizer is not None else Optimizer(w, out_dir / ".siting-serve")

    def handler(model: type[BaseModel] | None, fn: Any, *, blocking: bool = True):
        async def endpoint(request: Request) -> Response:
            try:
                body = await _body(request, model) if model is not None else None
                result = await run_in_threadpool(fn, body) if blocking else fn(body)
                return _json(result)
            except ValidationError as exc:
                problems = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()]
                return _json({"error": "; ".join(problems), "problems": problems}, 422)
            except InputError as exc:
                return _json({"error": str(exc)}, 400)
        return endpoint

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

    def _folder(paths: dict[str, Path]) -> dict[str, Any]:
        rel = {k: str(Path(v).resolve().relative_to(out_dir.resolve())) for k, v in paths.items()}
        return {"folder": str(Path(rel["scenario"]).parent), "files": rel}

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/state", handler(None, lambda _b: w.state()), methods=["GET"]),
        Route("/api/add", handler(AddBody, lambda b: w.add(b.category, [(p.lon, p.lat) for p in b.points], origin=b.origin)),
              methods=["POST"]),
        Route("/api/move", handler(MoveBody, lambda b: w.move(b.id, b.lon, b.lat)), methods=["POST"]),
        Route("/api/remove", handler(RemoveBody, lambda b: w.remove(b.id)), methods=["POST"]),
        Route("/api/facility", handler(FacilityBody, lambda b: w.set_facility(b.category, b.index, b.on)), methods=["POST"]),
        Route("/api/undo", handler(EmptyBody, lambda _b: w.undo()), methods=["POST"]),
        Route("/api/optimize", handler(OptimizeBody, lambda b: opt.start(b.category, b.k, b.time_limit, b.solver)),
              methods=["POST"]),
        Route("/api/optimize", handler(None, lambda _b: opt.status(), blocking=False), methods=["GET"]),
        Route("/api/optimize/cancel", handler(EmptyBody, lambda _b: opt.cancel()), methods=["POST"]),
        Route("/api/save", handler(NameBody, lambda b: _folder(save(w, out_dir, b.name))), methods=["POST"]),
        Route("/api/export", handler(NameBody, lambda b: _folder(export(w, out_dir, b.name))), methods=["POST"]),
    ]
    middleware = [Middleware(Guard, token=token)]
    if loopback:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "::1", "[::1]"]))
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            opt.close()  # a running solver ends with the server

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.whatif = w
    app.state.optimizer = opt
    return app
