"""Stripe's form encoding and strict parameter checking driven by the installed SDK's typed params."""

from __future__ import annotations

import decimal
import functools
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import typing_extensions

from stripe_sandbox.errors import StripeError

# Keys every *Params TypedDict inherits from RequestOptions: they travel as headers, never as parameters.
REQUEST_OPTION_KEYS = frozenset(
    {
        "api_key",
        "stripe_version",
        "stripe_account",
        "stripe_context",
        "max_network_retries",
        "idempotency_key",
        "content_type",
        "headers",
    }
)

_KEY_PART = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True)
class Scalar:
    """A leaf value: str, int, bool or decimal, optionally limited to an enumeration."""

    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Obj:
    """A hash with known keys (a TypedDict)."""

    name: str
    fields: dict[str, Any] = field(hash=False, compare=False)
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Arr:
    """An array, encoded as key[0], key[1], ..."""

    item: Any


@dataclass(frozen=True)
class Map:
    """A free-form hash such as metadata."""

    value: Any


@dataclass(frozen=True)
class OneOf:
    """Alternatives from a Union; an empty-string literal means the field may be unset."""

    options: tuple[Any, ...]


def decode_form(raw: str) -> dict[str, Any]:
    """Decode application/x-www-form-urlencoded bracket notation into nested dicts (arrays stay digit-keyed)."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(key[len(head) :])]
        _assign(result, parts, value, key)
    return result


def _assign(target: dict[str, Any], parts: list[str], value: str, full_key: str) -> None:
    node = target
    for index, part in enumerate(parts[:-1]):
        # "key[]" appends, as some clients send arrays without indexes.
        part = part or str(len(node))
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            raise StripeError.invalid("Invalid hash", param=_param_name(parts[: index + 1]))
        node = child
    last = parts[-1] or str(len(node))
    if isinstance(node.get(last), dict):
        raise StripeError.invalid("Invalid hash", param=full_key)
    node[last] = value


def _param_name(path: list[str]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


def _namespace(module_name: str) -> dict[str, Any]:
    ns: dict[str, Any] = {}
    ns.update(vars(typing))
    ns.update(vars(typing_extensions))
    ns["Decimal"] = decimal.Decimal
    ns.update(vars(sys.modules[module_name]))
    return ns


def _resolve(annotation: Any, module_name: str) -> Any:
    """Turn one annotation (possibly a string forward reference) into a schema node."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        try:
            annotation = eval(annotation, _namespace(module_name))  # noqa: S307 - SDK-provided type strings
        except NameError:
            return Scalar("str")
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing_extensions.NotRequired, typing_extensions.Required, typing.NotRequired, typing.Required):
        return _resolve(args[0], module_name)
    if origin in (typing.Union, types.UnionType):
        return _union([_resolve(a, module_name) for a in args if a is not type(None)])
    if origin in (typing.Literal, typing_extensions.Literal):
        return Scalar("str", tuple(str(a) for a in args))
    if origin in (list, typing.List):
        return Arr(_resolve(args[0], module_name))
    if origin in (dict, typing.Dict, typing.Mapping) or getattr(origin, "__name__", "") == "UntypedStripeObject":
        return Map(_resolve(args[-1], module_name) if args else Scalar("str"))
    if getattr(annotation, "__name__", "") == "UntypedStripeObject":
        return Map(Scalar("str"))
    if annotation is bool:
        return Scalar("bool")
    if annotation is int:
        return Scalar("int")
    if annotation in (float, decimal.Decimal):
        return Scalar("decimal")
    if typing_extensions.is_typeddict(annotation):
        return schema_for(annotation)
    return Scalar("str")


def _union(options: list[Any]) -> Any:
    # "Literal['a', 'b']|str" is the SDK's forward-compatibility hatch: the server still enforces the enumeration.
    enums = [o for o in options if isinstance(o, Scalar) and o.choices]
    real_enum = [o for o in enums if o.choices != ("",)]
    if real_enum:
        options = [o for o in options if not (isinstance(o, Scalar) and o.kind == "str" and not o.choices)]
    merged: list[Any] = []
    choices: list[str] = []
    for option in options:
        if isinstance(option, Scalar) and option.choices:
            choices.extend(option.choices)
        elif option not in merged:
            merged.append(option)
    if choices:
        merged.insert(0, Scalar("str", tuple(dict.fromkeys(choices))))
    return merged[0] if len(merged) == 1 else OneOf(tuple(merged))


@functools.cache
def schema_for(typed_dict: type) -> Obj:
    """Schema of one SDK *Params TypedDict, without the request options."""
    fields: dict[str, Any] = {}
    placeholder = Obj(typed_dict.__name__, fields, frozenset(typed_dict.__required_keys__) - REQUEST_OPTION_KEYS)
    for name, annotation in typed_dict.__annotations__.items():
        if name in REQUEST_OPTION_KEYS:
            continue
        fields[name] = _resolve(annotation, typed_dict.__module__)
    return placeholder


def validate(raw: dict[str, Any], schema: Obj, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check raw decoded params against a schema and return them typed; raise StripeError like Stripe does."""
    _check_unknown(raw, schema, [])
    value = _coerce_obj(raw, schema, [])
    for name in required:
        if name not in value:
            raise StripeError.missing(name)
    return value


def _check_unknown(raw: Any, node: Any, path: list[str]) -> None:
    # Stripe reports unknown parameters before any other problem in the request.
    if not isinstance(raw, dict):
        return
    if isinstance(node, OneOf):
        for option in node.options:
            if isinstance(option, (Obj, Arr, Map)):
                _check_unknown(raw, option, path)
                return
        return
    if isinstance(node, Obj):
        for key, sub in raw.items():
            if key not in node.fields:
                raise StripeError.unknown(_param_name([*path, key]))
            _check_unknown(sub, node.fields[key], [*path, key])
    elif isinstance(node, Arr):
        for key, sub in raw.items():
            _check_unknown(sub, node.item, [*path, key])
    elif isinstance(node, Map):
        for key, sub in raw.items():
            _check_unknown(sub, node.value, [*path, key])


def _coerce(raw: Any, node: Any, path: list[str]) -> Any:
    if isinstance(node, OneOf):
        return _coerce_union(raw, node, path)
    if isinstance(node, Obj):
        return _coerce_obj(raw, node, path)
    if isinstance(node, Arr):
        return _coerce_arr(raw, node, path)
    if isinstance(node, Map):
        if raw == "":
            return {}
        if not isinstance(raw, dict):
            raise StripeError.invalid("Invalid object", param=_param_name(path))
        return {k: _coerce(v, node.value, [*path, k]) for k, v in raw.items()}
    return _coerce_scalar(raw, node, path)


def _coerce_union(raw: Any, node: OneOf, path: list[str]) -> Any:
    if isinstance(raw, dict):
        containers = [o for o in node.options if isinstance(o, (Obj, Arr, Map))]
        if containers:
            return _coerce(raw, containers[0], path)
        raise StripeError.invalid("Invalid string", param=_param_name(path))
    if raw == "" and any(isinstance(o, Scalar) and "" in o.choices for o in node.options):
        return ""
    # The empty-string literal only marks "may be unset"; it is not an alternative for other values.
    scalars = [o for o in node.options if isinstance(o, Scalar) and o.choices != ("",)]
    last_error: StripeError | None = None
    for option in scalars:
        try:
            return _coerce_scalar(raw, option, path)
        except StripeError as exc:
            last_error = exc
    if last_error is not None:
        raise last_error
    raise StripeError.invalid("Invalid object", param=_param_name(path))


def _coerce_obj(raw: Any, node: Obj, path: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StripeError.invalid("Invalid object", param=_param_name(path))
    result = {key: _coerce(value, node.fields[key], [*path, key]) for key, value in raw.items()}
    for name in sorted(node.required):
        if name not in result:
            raise StripeError.missing(_param_name([*path, name]))
    return result


def _coerce_arr(raw: Any, node: Arr, path: list[str]) -> list[Any]:
    if raw == "":
        return []
    if not isinstance(raw, dict) or not all(k.isdigit() for k in raw):
        raise StripeError.invalid("Invalid array", param=_param_name(path))
    return [_coerce(raw[k], node.item, [*path, k]) for k in sorted(raw, key=int)]


def _coerce_scalar(raw: Any, node: Scalar, path: list[str]) -> Any:
    param = _param_name(path)
    if isinstance(raw, dict):
        raise StripeError.invalid(f"Invalid {'string' if node.kind == 'str' else node.kind}", param=param)
    if raw == "" and "" not in node.choices:
        raise StripeError.empty(param)
    if node.choices:
        if raw not in node.choices:
            raise StripeError.invalid(f"Invalid {param}: must be one of {_one_of(node.choices)}", param=param)
        return raw
    if node.kind == "int":
        if not re.fullmatch(r"-?\d+", raw):
            raise StripeError.invalid(f"Invalid integer: {raw}", param=param, code="parameter_invalid_integer")
        return int(raw)
    if node.kind == "bool":
        if raw not in ("true", "false"):
            raise StripeError.invalid(f"Invalid boolean: {raw}", param=param)
        return raw == "true"
    if node.kind == "decimal":
        try:
            return decimal.Decimal(raw)
        except decimal.InvalidOperation:
            raise StripeError.invalid(f"Invalid decimal: {raw}", param=param) from None
    return raw


def _one_of(choices: tuple[str, ...]) -> str:
    shown = [c for c in choices if c]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f", or {shown[-1]}"
