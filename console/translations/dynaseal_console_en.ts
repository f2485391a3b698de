<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>dynaseal::console::AdminClient</name>
    <message>
        <source>The server redirected the request (HTTP %1) to %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the final address as the server URL (often https:// instead of http://).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s answer is not valid JSON.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that the URL points at a Dynaseal server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s login answer has no token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>log out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>check the admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the upstreams</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>add the upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>save the upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>remove the upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>test the upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the tenants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>create the tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>save the tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delete the tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the tenant keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>issue a tenant key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>revoke the tenant key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the request log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the callbacks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retry the callback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load the audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mint a dynamic key</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AdminError</name>
    <message>
        <source>This server does not accept this setting yet (%1). Nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is not reachable behind its proxy (HTTP %1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that dynaseal-server is running and that the reverse proxy points at it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered HTTP %1 with something that is not a Dynaseal answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that the URL points at a Dynaseal server (for example http://127.0.0.1:8000) and not at another web site.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check both and try again; the first operator is called &quot;admin&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your admin session has expired or was ended.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in again (File › Connect…).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not logged in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect with an admin token or log in with your password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not accept the credential: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the key or token and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: this server does not know the setting &quot;%2&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It is probably an older dynaseal-server; upgrade it to use this setting. Nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correct the value and try again. Nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: this server does not offer this function.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It is probably an older dynaseal-server; upgrade it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: it no longer exists on the server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Someone may have deleted it; refresh the list (F5).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: not allowed: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the tenant&apos;s policy (active, expiry, models, rules).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick another name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the request is larger than the server accepts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shorten it, or raise the server&apos;s --max-body-bytes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait a moment, or raise the budget or rate limit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the server had an internal problem (HTTP %2): %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was changed. Try again; if it keeps failing, read the server&apos;s log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: HTTP %2: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is listening at %1: the connection was refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Is dynaseal-server running, and is this the address from its --listen setting?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The host &quot;%1&quot; was not found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the spelling of the server URL and your network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server at %1 did not answer in time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that it is running and reachable; a firewall may be dropping the connection.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server at %1 closed the connection before answering.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If the server uses HTTPS, use an https:// URL (and http:// if it does not).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A secure connection to %1 could not be set up: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If the server does not use HTTPS, use an http:// URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an http:// or https:// URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the server URL like http://127.0.0.1:8000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network proxy failed: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the proxy settings of your system (http_proxy, https_proxy, no_proxy).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network is not available.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check your connection; the console retries live data on its own.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not talk to the server at %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the server URL and that the server is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect again and compare the certificate&apos;s SHA-256 fingerprint with the server&apos;s before you trust it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AuditModel</name>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AuditPage</name>
    <message>
        <source>&amp;Since</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No operator actions recorded yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every change made through the admin API, with the operator who made it. Secrets never appear here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CallbacksModel</name>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next try</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CallbacksPage</name>
    <message>
        <source>&amp;Retry now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;State:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No callbacks match. The server stores a callback for every finished request of a tenant with a callback URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make this callback due now (Ctrl+R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Body sent to the tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed usage callbacks to the tenants&apos; backends, retried with backoff until they answer 2xx.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a callback to see its delivery.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next try</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivery id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback %1 is due now; the server sends it in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callbacks</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CertificateDialog</name>
    <message>
        <source>Untrusted certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted by this system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server used to present a different certificate (%1). If nobody replaced it on purpose, someone may be intercepting the connection: do not trust it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is normal for a server with a self-signed certificate. Trust it only if the fingerprint below matches the one of the server&apos;s certificate, for example from
openssl x509 -in cert.pem -noout -fingerprint -sha256</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valid:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problems:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Trust this certificate</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::ChatStream</name>
    <message>
        <source>send the chat</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::ConnectDialog</name>
    <message>
        <source>&amp;Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin &amp;token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remember this session in the system keychain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect to a Dynaseal server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with the operator&apos;s password or an admin token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>http:// or https://, as given to the server&apos;s --listen or its proxy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the operator&apos;s password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;oken:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The admin token is kept in the system keychain, never in a file. It expires after the server&apos;s --admin-token-ttl (12 hours by default).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the server&apos;s address, for example http://127.0.0.1:8000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid address. Write it like http://127.0.0.1:8000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use http:// or https://, not %1://.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do not put a username or password in the address; use the fields below.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the username and the password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste an admin token (it starts with dsa_).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CredentialStore</name>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>given explicitly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from the environment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last used server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from the system keychain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keychain refused access (%1). The session was not saved: you will be asked to log in next time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keychain is not available (%1). The session was not saved and never will be in plain text: log in next time, or pass --token or DYNASEAL_ADMIN_TOKEN.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::DashboardPage</name>
    <message>
        <source>Show one tenant&apos;s traffic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show one model&apos;s traffic (type any model name)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests, last 15 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens, last 15 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors, last 15 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency p95, last 15 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests and errors per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>errors/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p50</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p95</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today&apos;s calls per hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live traffic of the last 15 minutes, a point a second.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 per minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 per request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1% of requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>slowest second&apos;s p95</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 tokens, %2 errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Display</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n h</numerusform>
            <numerusform>%n h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n d</source>
        <translation>
            <numerusform>%n d</numerusform>
            <numerusform>%n d</numerusform>
        </translation>
    </message>
    <message>
        <source>in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In flight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant deleted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant key issued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant key revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback retried</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::EventStream</name>
    <message>
        <source>This server has no live event stream (GET /admin/v1/events); upgrade it to see live graphs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The live stream ended.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::MainWindow</name>
    <message>
        <source>Dynaseal Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dynaseal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Console %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Dynaseal Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Dynaseal Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Dynaseal Console %1&lt;/h3&gt;&lt;p&gt;Runs a Dynaseal LLM gateway over its admin API: tenants and their keys, upstreams, the request log, callbacks, the audit log and live traffic.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refreshed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The admin token (%1) did not work: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The session is saved in the system keychain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — Dynaseal Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected — File › Connect… (Ctrl+K)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logged out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live data paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting live data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Live data lost; retrying in %n s</source>
        <translation>
            <numerusform>Live data lost; retrying in %n s</numerusform>
            <numerusform>Live data lost; retrying in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>No live data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot create the directory %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::MessageBar</name>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Page</name>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Pager</name>
    <message>
        <source>‹ &amp;Previous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>N&amp;ext ›</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No more rows (%1 in total)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No rows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1–%2 of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1–%2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::PlaygroundPage</name>
    <message>
        <source>Issue a temporary tenant key (revoked when the chat is done)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use this tenant key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1. Tenant and key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The console cannot read existing tenant keys: the server shows a key only when it is issued.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2. Dynamic key and chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key &amp;budget:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key &amp;lifetime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ma&amp;x answer tokens:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Say hello in one short sentence.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Prompt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer (streamed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model&apos;s answer appears here as it streams.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage callback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python (OpenAI SDK)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send a chat to see the callback the tenant receives.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call the server the way a tenant and a device do, and see the callback.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dynamic key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a tenant first (create one on the Tenants page).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a model: one that an upstream serves.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste the tenant key, or let the console issue a temporary one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the chat to finish…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pasted key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>issuing a temporary key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>temporary key %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>minting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>event %1, %2 tokens, expires %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>streaming…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no usage reported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 prompt + %2 completion tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>done in %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 characters received in %2; %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for the delivery…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking for the callback of event %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No callback: the chat did not finish.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No callback for event %1 appeared within 30 seconds. Look on the Callbacks page later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Delivered to %1 (HTTP %2) after %n attempt(s).</source>
        <translation>
            <numerusform>Delivered to %1 (HTTP %2) after %n attempt.</numerusform>
            <numerusform>Delivered to %1 (HTTP %2) after %n attempts.</numerusform>
        </translation>
    </message>
    <message>
        <source>Stored, about to be sent to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not delivered yet (%1): %2. Next try %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Playground</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::RequestsModel</name>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event id</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::RequestsPage</name>
    <message>
        <source>&amp;From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;o</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Status:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No requests match. Requests appear here once devices call the server with dynamic keys.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every proxied request that passed the checks, newest first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a request to see its details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, streamed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 prompt + %2 completion = %3 billed (%4 reserved; usage from %5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::SecretDialog</name>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is the only time the server shows it. Copy it now and store it somewhere safe (a secret manager); if it is lost, issue a new one and revoke this one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I have stored it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TableView</name>
    <message>
        <source>Nothing matches the search.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantEditor</name>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the changes (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rewriting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Acme app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Callback URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receives a signed usage callback after every request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token &amp;quota:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The most tokens ever billed to this tenant over all its keys; it does not reset. Empty: no limit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>server default (--max-key-lifetime)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key &amp;lifetime (s):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The longest lifetime of this tenant&apos;s dynamic keys, in seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Id:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active: accept this tenant&apos;s requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After this time (your local time) every request of the tenant is refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dynamic keys (JWT signed with a tenant key)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant keys used directly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any credential matching a regular expression</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Authentication:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;gex:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required with regular-expression authentication.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Key position:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where clients put their key: header:&lt;Name&gt; (a leading &quot;Bearer &quot; is removed), body:&lt;JSON field&gt; or arg:&lt;query parameter&gt;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowed &amp;models:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One model per line. Empty: every model an upstream serves.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;llow rules:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One rule per line: ip:10.0.0.0/8, secret:&lt;regular expression&gt;, time:09:00-18:00 [Europe/Berlin]. With allow rules, only matching requests pass; a matching allow rule wins over deny rules.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Deny rules:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same syntax; matching requests are refused with 403.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Rate limits:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One per line: ingress:N/minute (all requests of the tenant), secret:N/hour (per key), tokens:N/day (tokens billed), or no-limit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream re&amp;tries:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How often a failed upstream call is tried again before the error goes to the device (0–10).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Answer briefly and politely: {{query}}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Prompt template:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{{query}} is replaced by the user&apos;s last message. Empty: messages are sent as they are.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameter &amp;mapping:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON: for each field, [from, to] value pairs replaced before forwarding.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fixed parameters:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON: fields forced to these values on every request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a tenant, or create one with New tenant.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a name and the callback URL, then Save. Access rules, limits and keys can be set once it exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server does not report access policies yet. You can still enter them; if the server does not support them, saving explains which setting it refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
created %2, updated %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is not valid JSON: %1 at character %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a JSON object, like {&quot;temperature&quot;: 0.2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 tokens (no limit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fix the marked field; nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant created.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. The change applies to the next request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the change; see the marked field. Nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantFilterBox</name>
    <message>
        <source>All tenants</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantKeysModel</name>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantKeysPanel</name>
    <message>
        <source>&amp;Issue key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;voke…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tenant&apos;s backend signs dynamic keys with a tenant key. Issue a new key to rotate, then revoke the old one: revoking refuses its dynamic keys from the next request on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No keys yet. Issue one for the tenant&apos;s backend.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New tenant key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give this key to the tenant&apos;s backend. It signs dynamic keys with it (HS256) and may put the key id %1 in their &quot;kid&quot; header.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant &amp;key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke tenant key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the key %1 (ending in %2)?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every dynamic key signed with it is refused from the next request on. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key %1 revoked.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantsModel</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quota</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantsPage</name>
    <message>
        <source>&amp;New tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search tenants (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a tenant (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No tenants yet. A tenant is an app&apos;s backend: create one with New tenant.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved tenant %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tenant&apos;s backend needs this secret to check the signature of its usage callbacks (X-Dynaseal-Signature).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback &amp;secret:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An app&apos;s backend: it holds tenant keys, mints dynamic keys and receives usage callbacks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard the unsaved changes to &quot;%1&quot;?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the tenant &quot;%1&quot; and all its keys?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its dynamic keys are refused at once and its undelivered callbacks are abandoned. The request log and usage history stay. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant %1 deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenants</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::UpstreamsModel</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dynaseal::console::UpstreamsPage</name>
    <message>
        <source>&amp;Add upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No upstreams yet. Add the OpenAI-compatible provider that serves your models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the server to call this upstream with its real key and list its models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unique; for you only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server calls &lt;base URL&gt;/chat/completions, so it usually ends in /v1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write-only: stored encrypted and never shown again. Leave empty to keep the current key; type a new one to rotate it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Models:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One model name per line. A request goes to the oldest upstream that lists its model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenAI-compatible providers: the real keys stay on the server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unchanged (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select an upstream, or add one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All four fields are required.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the change; see the marked field. Nothing was saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. New requests use it at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved upstream %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove upstream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the upstream &quot;%1&quot;?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls in progress finish. New calls for its models go to another upstream that serves them, or are refused with model_not_found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server cannot test upstreams yet: it has no POST /admin/v1/upstreams/{id}/test. The console does not call the upstream itself, because the upstream&apos;s key never leaves the server. Try a real call in the Playground instead, or upgrade the server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The upstream answered HTTP %1 in %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It serves: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The upstream refused the API key: rotate it here with the right key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the base URL: it usually ends in /v1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not reach it: check the base URL and the server&apos;s network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The test failed (HTTP %1, %2): %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
