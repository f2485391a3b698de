#!/usr/bin/env node
// Verify the signature of a Dynaseal usage callback, as a tenant's backend should, with Node's
// built-in crypto only (no npm packages).
//
// usage: node verify-callback.mjs CALLBACK_SECRET SIGNATURE_HEADER BODY_FILE [--no-age-check]
//
// CALLBACK_SECRET is the tenant's "callback_secret" (whsec_...), SIGNATURE_HEADER the value of
// the X-Dynaseal-Signature header ("t=<unix seconds>,v1=<hex HMAC-SHA256>"), BODY_FILE the raw
// request body exactly as received. Exits 0 if the signature is valid, 1 if it is not. A
// timestamp more than 5 minutes away from now is refused (replay protection) unless
// --no-age-check is given.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const TOLERANCE_SECONDS = 300;

// True if `signatureHeader` signs the raw `body` (a Buffer) with `secret`.
export function verifyCallback(secret, signatureHeader, body, { now = Date.now() / 1000, tolerance = TOLERANCE_SECONDS } = {}) {
    let timestamp = null;
    const signatures = [];
    for (const part of signatureHeader.split(',')) {
        const eq = part.indexOf('=');
        const name = part.slice(0, eq).trim();
        const value = part.slice(eq + 1).trim();
        if (name === 't') timestamp = value;
        else if (name === 'v1') signatures.push(value);
    }
    if (timestamp === null || !/^[0-9]+$/.test(timestamp) || signatures.length === 0) return false;
    if (tolerance !== null && Math.abs(now - Number(timestamp)) > tolerance) return false;
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
    return signatures.some((candidate) => {
        const given = Buffer.from(candidate, 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function main(argv) {
    const noAgeCheck = argv.includes('--no-age-check');
    const args = argv.filter((a) => a !== '--no-age-check');
    if (args.length !== 3) {
        process.stderr.write('usage: node verify-callback.mjs CALLBACK_SECRET SIGNATURE_HEADER BODY_FILE [--no-age-check]\n');
        return 2;
    }
    const [secret, header, bodyFile] = args;
    const valid = verifyCallback(secret, header, readFileSync(bodyFile), { tolerance: noAgeCheck ? null : TOLERANCE_SECONDS });
    console.log(valid ? 'valid' : 'INVALID');
    return valid ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    process.exitCode = main(process.argv.slice(2));
}
