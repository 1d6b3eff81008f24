"""Stripe's error shape: `{"error": {"type", "code", "param", "message", ...}}` with the status the SDK maps."""

from __future__ import annotations

from typing import Any

DOC_URL = "https://stripe.com/docs/error-codes/"
# Stripe's 401s name the HTTP Basic scheme its API keys use (curl -u sk_test_...:).
AUTH_HEADERS = {"WWW-Authenticate": 'Basic realm="Stripe"'}


class StripeError(Exception):
    """An API error rendered exactly as Stripe renders it."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",  # noqa: A002 - Stripe's own field name
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}
        self.headers = headers or {}
        # True when the changes made before the error stand (a declined card leaves a failed charge behind).
        self.keep_changes = False

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        """The JSON body Stripe returns for this error."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_URL + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        # Stripe logs no request it could not tie to an account: a 401 carries no request_log_url.
        if request_id and self.status != 401:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error.update(self.extra)
        return {"error": error}

    @classmethod
    def invalid(cls, message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
        """400 invalid_request_error."""
        return cls(message, param=param, code=code)

    @classmethod
    def unknown(cls, param: str) -> StripeError:
        """400 parameter_unknown, as for a parameter the API version does not know."""
        return cls(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")

    @classmethod
    def missing(cls, param: str) -> StripeError:
        """400 parameter_missing."""
        return cls(f"Missing required param: {param}.", param=param, code="parameter_missing")

    @classmethod
    def empty(cls, param: str) -> StripeError:
        """400 parameter_invalid_empty, Stripe's answer to an empty string for a field that cannot be unset."""
        return cls(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
            f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request "
            "or supply a non-empty value.",
            param=param,
            code="parameter_invalid_empty",
        )

    @classmethod
    def not_found(cls, kind: str, object_id: str, *, param: str = "id") -> StripeError:
        """404 resource_missing."""
        return cls(f"No such {kind}: '{object_id}'", status=404, param=param, code="resource_missing")

    @classmethod
    def auth_missing(cls) -> StripeError:
        """401 for a request without any key."""
        return cls(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
            "for details, or we can help at https://support.stripe.com/.",
            status=401,
            headers=AUTH_HEADERS,
        )

    @classmethod
    def auth_invalid(cls, key: str) -> StripeError:
        """401 for a key the sandbox does not know: Stripe sends only message and type, the key masked but for 8+4."""
        shown = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else key
        return cls(f"Invalid API Key provided: {shown}", status=401, headers=AUTH_HEADERS)

    @classmethod
    def account_invalid(cls, key: str, account: str) -> StripeError:
        """403 for a Stripe-Account (or account id) the key has no access to."""
        shown = key[:8] + "*" * 4 + key[-4:]
        return cls(
            f"The provided key '{shown}' does not have access to account '{account}' (or that account does not "
            "exist). Application access may have been revoked.",
            status=403,
            code="account_invalid",
        )

    @classmethod
    def idempotency(cls, key: str) -> StripeError:
        """400 idempotency_error for a reused key with different parameters."""
        return cls(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. "
            f"Try using a key other than '{key}' if you meant to execute a different request.",
            type="idempotency_error",
        )
