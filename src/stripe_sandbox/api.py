"""The request pipeline every /v1 route shares: key, Stripe-Account, params, idempotency, JSON out."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Callable

from litestar import Request, Response

from stripe_sandbox.core import API_VERSION, Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.limits import check_lengths
from stripe_sandbox.params import decode_form, schema_for, validate
from stripe_sandbox.store import now, random_id
from stripe_sandbox.versions import check_version, render_version

Handler = Callable[[Sandbox, Context, dict[str, Any]], dict[str, Any]]
IDEMPOTENCY_TTL = 24 * 3600
REQUEST_ID_KEY = "sandbox_request_id"


def sandbox_of(request: Request) -> Sandbox:
    """The Sandbox instance the app was created with."""
    return request.app.state.sandbox


async def api_call(request: Request, params_cls: type | None, handler: Handler, *, required: tuple[str, ...] = ()) -> Response:
    """Authenticate, validate params against the SDK's TypedDict, honour Idempotency-Key, run handler, render JSON."""
    sandbox = sandbox_of(request)
    request_id = request_id_of(request)
    started = False
    idem: tuple[str, str, str] | None = None
    try:
        ctx = authenticate(sandbox, request, request_id)
        version = check_version(request.headers["stripe-version"]) if "stripe-version" in request.headers else API_VERSION
        raw = decode_form((await request.body()).decode() if request.method == "POST" else request.url.query or "")
        params = validate(raw, schema_for(params_cls), required=required) if params_cls else _no_params(raw)
        if request.method == "POST":
            check_lengths(params)
        if request.method == "POST" and ctx.idempotency_key:
            idem = (f"{ctx.key_account}:{ctx.account}", ctx.idempotency_key, _fingerprint(request, raw))
            replay = _replay(sandbox, *idem)
            if replay is not None:
                return _respond(replay[0], replay[1], request_id, ctx.idempotency_key, replayed=True, version=version)
        started = True
        kept: StripeError | None = None
        with sandbox.store.transaction():
            try:
                result = handler(sandbox, ctx, params)
            except StripeError as exc:
                if not exc.keep_changes:
                    raise
                kept = exc
            if kept is None:
                expanded = expand(sandbox, ctx, render(sandbox, result), params.get("expand") or [])
                body = json.dumps(render_version(expanded, version))
                status = 200
                if idem:
                    _remember(sandbox, *idem, status, body)
        if kept is not None:
            raise kept
    except StripeError as exc:
        body, status = json.dumps(exc.body(request_id)), exc.status
        # Stripe saves the outcome of a request that began executing, errors included, but not failed validation.
        if idem and started:
            _remember(sandbox, *idem, status, body)
        return _respond(status, body, request_id, request.headers.get("idempotency-key"), extra=exc.headers)
    return _respond(status, body, request_id, ctx.idempotency_key, version=version)


def request_id_of(request: Request) -> str:
    """This request's Request-Id: made once per request, so the header, error bodies and events agree."""
    scope = request.scope
    if REQUEST_ID_KEY not in scope:
        scope[REQUEST_ID_KEY] = random_id("req_", 14)  # type: ignore[literal-required]
    return scope[REQUEST_ID_KEY]  # type: ignore[literal-required]


async def add_request_id(message: dict[str, Any], scope: dict[str, Any]) -> None:
    """before_send hook: every response carries Request-Id, unknown URLs, pages and test routes included."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    if not any(name.lower() == b"request-id" for name, _ in headers):
        if REQUEST_ID_KEY not in scope:
            scope[REQUEST_ID_KEY] = random_id("req_", 14)
        headers.append((b"request-id", scope[REQUEST_ID_KEY].encode()))
        message["headers"] = headers


def _no_params(raw: dict[str, Any]) -> dict[str, Any]:
    for key in raw:
        raise StripeError.unknown(key)
    return {}


def authenticate(sandbox: Sandbox, request: Request, request_id: str) -> Context:
    """Resolve the key (Bearer or Basic) and the Stripe-Account header into a Context."""
    key = _key_from_header(request.headers.get("authorization", ""))
    if not key:
        raise StripeError.auth_missing()
    key_account = sandbox.account_for_key(key)
    if key_account is None:
        raise StripeError.auth_invalid(key)
    account = request.headers.get("stripe-account") or key_account
    if account != key_account and sandbox.platform_of(account) != key_account:
        raise StripeError.account_invalid(key, account)
    base = str(request.base_url).rstrip("/")
    return Context(key, key_account, account, request_id, request.headers.get("idempotency-key"), base)


def _key_from_header(header: str) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().partition(":")[0]
        except ValueError:
            return ""
    return ""


def _fingerprint(request: Request, raw: dict[str, Any]) -> str:
    canonical = json.dumps([request.method, request.url.path, raw], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(sandbox: Sandbox, scope: str, key: str, fingerprint: str) -> tuple[int, str] | None:
    sandbox.store.execute("DELETE FROM idempotency WHERE created < ?", (now() - IDEMPOTENCY_TTL,))
    rows = sandbox.store.query("SELECT * FROM idempotency WHERE account = ? AND key = ?", (scope, key))
    if not rows:
        return None
    if rows[0]["fingerprint"] != fingerprint:
        raise StripeError.idempotency(key)
    return rows[0]["status"], rows[0]["body"]


def _remember(sandbox: Sandbox, scope: str, key: str, fingerprint: str, status: int, body: str) -> None:
    sandbox.store.execute(
        "INSERT OR REPLACE INTO idempotency (account, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)",
        (scope, key, fingerprint, status, body, now()),
    )


def _respond(
    status: int,
    body: str,
    request_id: str,
    idempotency_key: str | None,
    *,
    replayed: bool = False,
    extra: dict[str, str] | None = None,
    version: str = API_VERSION,
) -> Response:
    headers = {"Request-Id": request_id, "Stripe-Version": version, **(extra or {})}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(content=body.encode(), status_code=status, media_type="application/json", headers=headers)


def render(sandbox: Sandbox, obj: Any) -> Any:
    """Fill in fields computed at read time (an event's pending_webhooks) in an object or a list."""
    if isinstance(obj, dict):
        if obj.get("object") == "list":
            return {**obj, "data": [render(sandbox, item) for item in obj["data"]]}
        if obj.get("object") == "event":
            return {**obj, "pending_webhooks": sandbox.pending_webhooks(obj["id"])}
    return obj


def expand(sandbox: Sandbox, ctx: Context, obj: Any, paths: list[str]) -> Any:
    """Replace id strings by the objects they name for each `expand[]` path, as Stripe does."""
    for path in paths:
        obj = _expand_path(sandbox, ctx, obj, path.split("."))
    return obj


def _expand_path(sandbox: Sandbox, ctx: Context, obj: Any, parts: list[str]) -> Any:
    if not parts or not isinstance(obj, dict):
        return obj
    head, rest = parts[0], parts[1:]
    if obj.get("object") == "list" and head == "data":
        return {**obj, "data": [_expand_path(sandbox, ctx, item, rest) for item in obj["data"]]}
    virtual = VIRTUAL_EXPANSIONS.get((obj.get("object"), head))
    if virtual is not None and head not in obj:
        return {**obj, head: _expand_path(sandbox, ctx, virtual(sandbox, obj), rest)}
    if head not in obj:
        raise StripeError.invalid(f"This property cannot be expanded ({head}).", param="expand")
    value = obj[head]
    if isinstance(value, str):
        found = sandbox.store.get(value)
        if found is None:
            raise StripeError.invalid(f"This property cannot be expanded ({head}).", param="expand")
        value = render(sandbox, found)
    return {**obj, head: _expand_path(sandbox, ctx, value, rest)}


# (object type, field) -> function that builds a field Stripe only returns when expanded.
VIRTUAL_EXPANSIONS: dict[tuple[str | None, str], Callable[[Sandbox, dict[str, Any]], Any]] = {}


def find(sandbox: Sandbox, ctx: Context, object_id: str, type: str, kind: str, *, param: str = "id") -> dict[str, Any]:  # noqa: A002
    """An object of one type on the acting account, or Stripe's 404."""
    found = sandbox.store.get_with_meta(object_id)
    if found is None or found[0].get("object") != type or found[2] != ctx.account:
        raise StripeError.not_found(kind, object_id, param=param)
    return found[0]


def list_objects(
    sandbox: Sandbox,
    account: str | None,
    type: str,  # noqa: A002
    params: dict[str, Any],
    url: str,
    where: str = "",
    args: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """A Stripe list page: newest first, `limit`, `starting_after` / `ending_before`, `created` filter."""
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 100"
        raise StripeError.invalid(f"This value must be {bound}.", param="limit")
    where, args = _created_filter(params.get("created"), where, args)
    rows = list(sandbox.store.rows(type, account=account, where=where, args=args))
    ids = [row["id"] for row in rows]
    start = 0
    if params.get("starting_after"):
        start = _cursor(ids, params["starting_after"], type, "starting_after") + 1
        page = rows[start : start + limit]
        more = start + limit < len(rows)
    elif params.get("ending_before"):
        end = _cursor(ids, params["ending_before"], type, "ending_before")
        page = rows[max(0, end - limit) : end]
        more = end - limit > 0
    else:
        page = rows[:limit]
        more = len(rows) > limit
    return {"object": "list", "data": [json.loads(r["data"]) for r in page], "has_more": more, "url": url}


def _cursor(ids: list[str], cursor: str, type: str, param: str) -> int:  # noqa: A002
    if cursor not in ids:
        raise StripeError.not_found(type, cursor, param=param)
    return ids.index(cursor)


def _created_filter(created: Any, where: str, args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    if created is None:
        return where, args
    ops = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    bounds = created if isinstance(created, dict) else {"eq": created}
    clauses = [where] if where else []
    for name, value in bounds.items():
        clauses.append(f"created {ops.get(name, '=')} ?")
        args = (*args, value)
    return " AND ".join(f"({c})" for c in clauses), args
