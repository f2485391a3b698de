#!/usr/bin/env python3
"""Verify the signature of a Dynaseal usage callback, as a tenant's backend should.

usage: verify_callback.py CALLBACK_SECRET SIGNATURE_HEADER BODY_FILE [--no-age-check]

CALLBACK_SECRET is the tenant's "callback_secret" (whsec_...), SIGNATURE_HEADER the value of the
X-Dynaseal-Signature header ("t=<unix seconds>,v1=<hex HMAC-SHA256>"), BODY_FILE the raw request
body exactly as received. Exits 0 if the signature is valid, 1 if it is not. A timestamp more
than 5 minutes away from now is refused (replay protection) unless --no-age-check is given.
Standard library only.
"""
import hashlib
import hmac
import sys
import time

TOLERANCE_SECONDS = 300


def verify_callback(secret, signature_header, body, now=None, tolerance=TOLERANCE_SECONDS):
    """True if `signature_header` signs the raw `body` (bytes) with `secret` (str or bytes)."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    timestamp, signatures = None, []
    for part in signature_header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return False
    if tolerance is not None:
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > tolerance:
            return False
    expected = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def main(argv):
    args = [a for a in argv[1:] if a != "--no-age-check"]
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    secret, header, body_file = args
    with open(body_file, "rb") as f:
        body = f.read()
    tolerance = None if "--no-age-check" in argv[1:] else TOLERANCE_SECONDS
    if verify_callback(secret, header, body, tolerance=tolerance):
        print("valid")
        return 0
    print("INVALID")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
