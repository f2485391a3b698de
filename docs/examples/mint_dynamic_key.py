#!/usr/bin/env python3
"""Mint a Dynaseal dynamic key on your backend, in the Dynaseal format.

usage: mint_dynamic_key.py TENANT_ID TENANT_KEY MODEL MAX_TOKENS [TTL_SECONDS]

Prints the token (a JWT signed with HS256; the secret is the tenant key string exactly as
the operator issued it). TTL_SECONDS defaults to 600 and must not exceed the tenant's allowed
key lifetime. Needs PyJWT: Debian/Ubuntu `apt install python3-jwt`, elsewhere
`pip install PyJWT`.
"""
import sys
import time
import uuid

import jwt  # PyJWT


def mint_dynamic_key(tenant_id, tenant_key, model, max_tokens, ttl_seconds=600, event_id=None):
    payload = {
        "api-key": tenant_id,               # which tenant signs (standard alternative: "sub")
        "model": model,                     # the only model the device may call ("models": [...] for several)
        "max_tokens": max_tokens,           # the key's whole budget, over all its requests
        "expiring": int(time.time()) + ttl_seconds,  # Unix seconds (standard alternative: "exp")
        "event_id": event_id or uuid.uuid4().hex,     # echoed in every usage callback ("jti")
    }
    token = jwt.encode(payload, tenant_key, algorithm="HS256")
    return token if isinstance(token, str) else token.decode("ascii")  # PyJWT 1.x returns bytes


def main(argv):
    if len(argv) not in (5, 6):
        sys.stderr.write(__doc__)
        return 2
    tenant_id, tenant_key, model, max_tokens = argv[1:5]
    ttl_seconds = argv[5] if len(argv) == 6 else "600"
    if not max_tokens.isdigit() or int(max_tokens) < 1 or not ttl_seconds.isdigit() or int(ttl_seconds) < 1:
        sys.stderr.write("MAX_TOKENS and TTL_SECONDS must be positive integers\n")
        return 2
    print(mint_dynamic_key(tenant_id, tenant_key, model, int(max_tokens), int(ttl_seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
