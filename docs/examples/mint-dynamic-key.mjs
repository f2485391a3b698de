#!/usr/bin/env node
// Mint a Dynaseal dynamic key on your backend, in the Dynaseal format, with Node's built-in
// crypto only (no npm packages).
//
// usage: node mint-dynamic-key.mjs TENANT_ID TENANT_KEY MODEL MAX_TOKENS [TTL_SECONDS]
//
// Prints the token (a JWT signed with HS256; the secret is the tenant key string exactly as the
// operator issued it). TTL_SECONDS defaults to 600 and must not exceed the tenant's allowed key
// lifetime. Needs Node 16 or later.
import { createHmac, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const base64url = (text) => Buffer.from(text, 'utf8').toString('base64url');

export function mintDynamicKey({ tenantId, tenantKey, model, maxTokens, ttlSeconds = 600, eventId = randomUUID() }) {
    const header = { alg: 'HS256', typ: 'JWT' };
    const payload = {
        'api-key': tenantId,        // which tenant signs (standard alternative: "sub")
        model,                      // the only model the device may call ("models": [...] for several)
        max_tokens: maxTokens,      // the key's whole budget, over all its requests
        expiring: Math.floor(Date.now() / 1000) + ttlSeconds, // Unix seconds (standard alternative: "exp")
        event_id: eventId,          // echoed in every usage callback ("jti")
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = createHmac('sha256', tenantKey).update(signingInput).digest('base64url');
    return `${signingInput}.${signature}`;
}

function main(argv) {
    if (argv.length !== 4 && argv.length !== 5) {
        process.stderr.write('usage: node mint-dynamic-key.mjs TENANT_ID TENANT_KEY MODEL MAX_TOKENS [TTL_SECONDS]\n');
        return 2;
    }
    const [tenantId, tenantKey, model, maxTokensText, ttlText = '600'] = argv;
    const positive = (text) => /^[0-9]+$/.test(text) && Number(text) >= 1;
    if (!positive(maxTokensText) || !positive(ttlText)) {
        process.stderr.write('MAX_TOKENS and TTL_SECONDS must be positive integers\n');
        return 2;
    }
    console.log(mintDynamicKey({ tenantId, tenantKey, model, maxTokens: Number(maxTokensText), ttlSeconds: Number(ttlText) }));
    return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    process.exitCode = main(process.argv.slice(2));
}
