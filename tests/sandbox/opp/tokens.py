"""The OPP server's JWTs: HS256 tokens as opp/flask/flask_jwt.py makes and checks them with PyJWT 2.4.0
(opp's requirements.txt), each check in PyJWT's order and with its wording, which the server passes on as
the 401 description (recorded answers: tests/unit/fixtures/opp/transcript_real.json, "token ...").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

LEEWAY = 10  # flask_jwt JWT_LEEWAY


class TokenError(Exception):
    """A token PyJWT refuses; str() is its message."""


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment):
    """PyJWT's base64url_decode: pad, then the stdlib's lenient decoder (characters outside the
    alphabet are dropped, so "!!!" decodes to nothing)."""
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def encode(secret, claims):
    """claims in flask_jwt's order (exp, iat, nbf, identity); PyJWT sorts the header."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"), sort_keys=True).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing = ("%s.%s" % (header, payload)).encode("ascii")
    return "%s.%s.%s" % (header, payload, _b64url(hmac.new(secret, signing, hashlib.sha256).digest()))


def _json_object(data, part):
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise TokenError("Invalid %s string: %s" % (part, exc)) from None
    if not isinstance(value, dict):
        raise TokenError("Invalid %s string: must be a json object" % part)
    return value


def _load(token):
    """PyJWS._load: split, then header, payload and signature, each with its own message."""
    try:
        signing_input, signature_segment = token.rsplit(b".", 1)
        header_segment, payload_segment = signing_input.split(b".", 1)
    except ValueError:
        raise TokenError("Not enough segments") from None
    try:
        header_data = _b64url_decode(header_segment)
    except (TypeError, binascii.Error):
        raise TokenError("Invalid header padding") from None
    header = _json_object(header_data, "header")
    try:
        payload = _b64url_decode(payload_segment)
    except (TypeError, binascii.Error):
        raise TokenError("Invalid payload padding") from None
    try:
        signature = _b64url_decode(signature_segment)
    except (TypeError, binascii.Error):
        raise TokenError("Invalid crypto padding") from None
    return payload, signing_input, header, signature


def _claim_int(claims, name, message):
    try:
        return int(claims[name])
    except ValueError:
        raise TokenError(message) from None


def decode(secret, token):
    """The claims of a token the real server accepts, or TokenError with PyJWT's message.

    As on the real server no claim is required: flask_jwt asks with PyJWT 1 options (require_exp...)
    that PyJWT 2 ignores. A claim of another type than int or str (a list) crashes there: TypeError."""
    payload, signing_input, header, signature = _load(token.encode("utf-8"))
    if header.get("alg") != "HS256":
        raise TokenError("The specified alg value is not allowed")
    if not hmac.compare_digest(signature, hmac.new(secret, signing_input, hashlib.sha256).digest()):
        raise TokenError("Signature verification failed")
    claims = _json_object(payload, "payload")
    now = int(time.time())
    if "iat" in claims:
        _claim_int(claims, "iat", "Issued At claim (iat) must be an integer.")
    if "nbf" in claims and _claim_int(claims, "nbf", "Not Before claim (nbf) must be an integer.") > now + LEEWAY:
        raise TokenError("The token is not yet valid (nbf)")
    if "exp" in claims and _claim_int(claims, "exp", "Expiration Time claim (exp) must be an integer.") < now - LEEWAY:
        raise TokenError("Signature has expired")
    return claims
