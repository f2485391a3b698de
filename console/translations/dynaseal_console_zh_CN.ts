<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>dynaseal::console::AdminClient</name>
    <message>
        <source>The server redirected the request (HTTP %1) to %2.</source>
        <translation>服务器将请求重定向 (HTTP %1) 到 %2。</translation>
    </message>
    <message>
        <source>Use the final address as the server URL (often https:// instead of http://).</source>
        <translation>请把最终地址用作服务器 URL（通常是 https:// 而不是 http://）。</translation>
    </message>
    <message>
        <source>The server&apos;s answer is not valid JSON.</source>
        <translation>服务器的应答不是有效的 JSON。</translation>
    </message>
    <message>
        <source>Check that the URL points at a Dynaseal server.</source>
        <translation>请检查该 URL 指向的是 Dynaseal 服务器。</translation>
    </message>
    <message>
        <source>log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>The server&apos;s login answer has no token.</source>
        <translation>服务器的登录应答中没有令牌。</translation>
    </message>
    <message>
        <source>log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>check the admin token</source>
        <translation>检查管理令牌</translation>
    </message>
    <message>
        <source>load the upstreams</source>
        <translation>加载上游</translation>
    </message>
    <message>
        <source>add the upstream</source>
        <translation>添加上游</translation>
    </message>
    <message>
        <source>save the upstream</source>
        <translation>保存上游</translation>
    </message>
    <message>
        <source>remove the upstream</source>
        <translation>删除上游</translation>
    </message>
    <message>
        <source>test the upstream</source>
        <translation>测试上游</translation>
    </message>
    <message>
        <source>load the tenants</source>
        <translation>加载租户</translation>
    </message>
    <message>
        <source>load the tenant</source>
        <translation>加载租户</translation>
    </message>
    <message>
        <source>create the tenant</source>
        <translation>创建租户</translation>
    </message>
    <message>
        <source>save the tenant</source>
        <translation>保存租户</translation>
    </message>
    <message>
        <source>delete the tenant</source>
        <translation>删除租户</translation>
    </message>
    <message>
        <source>load the tenant keys</source>
        <translation>加载租户密钥</translation>
    </message>
    <message>
        <source>issue a tenant key</source>
        <translation>签发租户密钥</translation>
    </message>
    <message>
        <source>revoke the tenant key</source>
        <translation>吊销租户密钥</translation>
    </message>
    <message>
        <source>load the request log</source>
        <translation>加载请求日志</translation>
    </message>
    <message>
        <source>load the usage</source>
        <translation>加载用量</translation>
    </message>
    <message>
        <source>load the callbacks</source>
        <translation>加载回调</translation>
    </message>
    <message>
        <source>retry the callback</source>
        <translation>重试回调</translation>
    </message>
    <message>
        <source>load the audit log</source>
        <translation>加载审计日志</translation>
    </message>
    <message>
        <source>mint a dynamic key</source>
        <translation>生成动态密钥</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AdminError</name>
    <message>
        <source>This server does not accept this setting yet (%1). Nothing was saved.</source>
        <translation>此服务器尚不接受该设置（%1）。未保存任何内容。</translation>
    </message>
    <message>
        <source>The server is not reachable behind its proxy (HTTP %1).</source>
        <translation>无法通过代理访问服务器 (HTTP %1)。</translation>
    </message>
    <message>
        <source>Check that dynaseal-server is running and that the reverse proxy points at it.</source>
        <translation>请确认 dynaseal-server 正在运行，且反向代理指向它。</translation>
    </message>
    <message>
        <source>The server answered HTTP %1 with something that is not a Dynaseal answer.</source>
        <translation>服务器返回了 HTTP %1，但内容不是 Dynaseal 的应答。</translation>
    </message>
    <message>
        <source>Check that the URL points at a Dynaseal server (for example http://127.0.0.1:8000) and not at another web site.</source>
        <translation>请确认该 URL 指向 Dynaseal 服务器（例如 http://127.0.0.1:8000），而不是其他网站。</translation>
    </message>
    <message>
        <source>The server refused the request</source>
        <translation>服务器拒绝了请求</translation>
    </message>
    <message>
        <source>Could not %1</source>
        <translation>无法%1</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Check both and try again; the first operator is called &quot;admin&quot;.</source>
        <translation>请检查后重试；第一个操作员的用户名是 &quot;admin&quot;。</translation>
    </message>
    <message>
        <source>Your admin session has expired or was ended.</source>
        <translation>您的管理会话已过期或已结束。</translation>
    </message>
    <message>
        <source>Log in again (File › Connect…).</source>
        <translation>请重新登录（文件 › 连接…）。</translation>
    </message>
    <message>
        <source>You are not logged in.</source>
        <translation>您尚未登录。</translation>
    </message>
    <message>
        <source>Connect with an admin token or log in with your password.</source>
        <translation>请使用管理令牌连接，或用密码登录。</translation>
    </message>
    <message>
        <source>The server did not accept the credential: %1</source>
        <translation>服务器不接受该凭据：%1</translation>
    </message>
    <message>
        <source>Check the key or token and try again.</source>
        <translation>请检查密钥或令牌后重试。</translation>
    </message>
    <message>
        <source>%1: this server does not know the setting &quot;%2&quot;.</source>
        <translation>%1：此服务器不认识设置 &quot;%2&quot;。</translation>
    </message>
    <message>
        <source>It is probably an older dynaseal-server; upgrade it to use this setting. Nothing was saved.</source>
        <translation>它可能是较旧版本的 dynaseal-server；升级后才能使用该设置。未保存任何内容。</translation>
    </message>
    <message>
        <source>%1: %2.</source>
        <translation>%1：%2。</translation>
    </message>
    <message>
        <source>Correct the value and try again. Nothing was saved.</source>
        <translation>请更正该值后重试。未保存任何内容。</translation>
    </message>
    <message>
        <source>%1: this server does not offer this function.</source>
        <translation>%1：此服务器不提供该功能。</translation>
    </message>
    <message>
        <source>It is probably an older dynaseal-server; upgrade it.</source>
        <translation>它可能是较旧版本的 dynaseal-server；请升级。</translation>
    </message>
    <message>
        <source>%1: it no longer exists on the server.</source>
        <translation>%1：服务器上已不存在该对象。</translation>
    </message>
    <message>
        <source>Someone may have deleted it; refresh the list (F5).</source>
        <translation>可能已被他人删除；请刷新列表 (F5)。</translation>
    </message>
    <message>
        <source>%1: not allowed: %2.</source>
        <translation>%1：不允许：%2。</translation>
    </message>
    <message>
        <source>Check the tenant&apos;s policy (active, expiry, models, rules).</source>
        <translation>请检查租户的策略（启用状态、到期时间、模型、规则）。</translation>
    </message>
    <message>
        <source>Pick another name.</source>
        <translation>请换一个名称。</translation>
    </message>
    <message>
        <source>%1: the request is larger than the server accepts.</source>
        <translation>%1：请求超出了服务器允许的大小。</translation>
    </message>
    <message>
        <source>Shorten it, or raise the server&apos;s --max-body-bytes.</source>
        <translation>请缩短内容，或调大服务器的 --max-body-bytes。</translation>
    </message>
    <message>
        <source>Wait a moment, or raise the budget or rate limit.</source>
        <translation>请稍候，或提高预算或速率限制。</translation>
    </message>
    <message>
        <source>%1: the server had an internal problem (HTTP %2): %3.</source>
        <translation>%1：服务器内部出错 (HTTP %2)：%3。</translation>
    </message>
    <message>
        <source>Nothing was changed. Try again; if it keeps failing, read the server&apos;s log.</source>
        <translation>未做任何更改。请重试；如果一直失败，请查看服务器日志。</translation>
    </message>
    <message>
        <source>%1: HTTP %2: %3.</source>
        <translation>%1：HTTP %2：%3。</translation>
    </message>
    <message>
        <source>Nothing is listening at %1: the connection was refused.</source>
        <translation>%1 上没有服务在监听：连接被拒绝。</translation>
    </message>
    <message>
        <source>Is dynaseal-server running, and is this the address from its --listen setting?</source>
        <translation>dynaseal-server 是否在运行？这是否为其 --listen 设置的地址？</translation>
    </message>
    <message>
        <source>The host &quot;%1&quot; was not found.</source>
        <translation>找不到主机 &quot;%1&quot;。</translation>
    </message>
    <message>
        <source>Check the spelling of the server URL and your network.</source>
        <translation>请检查服务器 URL 的拼写和您的网络。</translation>
    </message>
    <message>
        <source>The server at %1 did not answer in time.</source>
        <translation>%1 上的服务器未能及时应答。</translation>
    </message>
    <message>
        <source>Check that it is running and reachable; a firewall may be dropping the connection.</source>
        <translation>请确认它正在运行且可以访问；防火墙可能丢弃了连接。</translation>
    </message>
    <message>
        <source>The server at %1 closed the connection before answering.</source>
        <translation>%1 上的服务器在应答前关闭了连接。</translation>
    </message>
    <message>
        <source>If the server uses HTTPS, use an https:// URL (and http:// if it does not).</source>
        <translation>如果服务器使用 HTTPS，请使用 https:// 地址（否则使用 http://）。</translation>
    </message>
    <message>
        <source>A secure connection to %1 could not be set up: %2.</source>
        <translation>无法与 %1 建立安全连接：%2。</translation>
    </message>
    <message>
        <source>If the server does not use HTTPS, use an http:// URL.</source>
        <translation>如果服务器不使用 HTTPS，请使用 http:// 地址。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an http:// or https:// URL.</source>
        <translation>&quot;%1&quot; 不是 http:// 或 https:// 地址。</translation>
    </message>
    <message>
        <source>Write the server URL like http://127.0.0.1:8000.</source>
        <translation>服务器 URL 的写法如 http://127.0.0.1:8000。</translation>
    </message>
    <message>
        <source>The network proxy failed: %1.</source>
        <translation>网络代理出错：%1。</translation>
    </message>
    <message>
        <source>Check the proxy settings of your system (http_proxy, https_proxy, no_proxy).</source>
        <translation>请检查系统的代理设置（http_proxy、https_proxy、no_proxy）。</translation>
    </message>
    <message>
        <source>The network is not available.</source>
        <translation>网络不可用。</translation>
    </message>
    <message>
        <source>Check your connection; the console retries live data on its own.</source>
        <translation>请检查网络连接；控制台会自动重连实时数据。</translation>
    </message>
    <message>
        <source>Could not talk to the server at %1: %2.</source>
        <translation>无法与 %1 上的服务器通信：%2。</translation>
    </message>
    <message>
        <source>Check the server URL and that the server is running.</source>
        <translation>请检查服务器 URL，并确认服务器正在运行。</translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted: %2.</source>
        <translation>%1 的证书不受信任：%2。</translation>
    </message>
    <message>
        <source>Connect again and compare the certificate&apos;s SHA-256 fingerprint with the server&apos;s before you trust it.</source>
        <translation>请重新连接，在信任前将证书的 SHA-256 指纹与服务器上的进行比对。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AuditModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::AuditPage</name>
    <message>
        <source>&amp;Since</source>
        <translation>起始时间(&amp;S)</translation>
    </message>
    <message>
        <source>No operator actions recorded yet.</source>
        <translation>尚无操作员操作记录。</translation>
    </message>
    <message>
        <source>Every change made through the admin API, with the operator who made it. Secrets never appear here.</source>
        <translation>通过管理 API 所做的每项更改及其操作员。这里绝不会出现密钥。</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CallbacksModel</name>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>租户</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation>最近应答</translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation>HTTP %1</translation>
    </message>
    <message>
        <source>Next try</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CallbacksPage</name>
    <message>
        <source>&amp;Retry now</source>
        <translation>立即重试(&amp;R)</translation>
    </message>
    <message>
        <source>Any state</source>
        <translation>任意状态</translation>
    </message>
    <message>
        <source>&amp;State:</source>
        <translation>状态(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>租户(&amp;T)：</translation>
    </message>
    <message>
        <source>No callbacks match. The server stores a callback for every finished request of a tenant with a callback URL.</source>
        <translation>没有匹配的回调。对设置了回调 URL 的租户，服务器会为每个完成的请求保存一条回调。</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>投递</translation>
    </message>
    <message>
        <source>Make this callback due now (Ctrl+R)</source>
        <translation>让此回调立即到期 (Ctrl+R)</translation>
    </message>
    <message>
        <source>Body sent to the tenant</source>
        <translation>发送给租户的内容</translation>
    </message>
    <message>
        <source>Signed usage callbacks to the tenants&apos; backends, retried with backoff until they answer 2xx.</source>
        <translation>发往租户后端的签名用量回调，会退避重试直到对方返回 2xx。</translation>
    </message>
    <message>
        <source>Select a callback to see its delivery.</source>
        <translation>选择一条回调以查看投递情况。</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation>最近应答</translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation>HTTP %1</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Next try</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Delivery id</source>
        <translation>投递 ID</translation>
    </message>
    <message>
        <source>Callback %1 is due now; the server sends it in a moment.</source>
        <translation>回调 %1 已到期；服务器稍后即会发送。</translation>
    </message>
    <message>
        <source>Callbacks</source>
        <translation>回调</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CertificateDialog</name>
    <message>
        <source>Untrusted certificate</source>
        <translation>不受信任的证书</translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted by this system</source>
        <translation>本系统不信任 %1 的证书</translation>
    </message>
    <message>
        <source>This server used to present a different certificate (%1). If nobody replaced it on purpose, someone may be intercepting the connection: do not trust it.</source>
        <translation>此服务器以前出示的是另一张证书（%1）。如果没有人有意更换它，可能有人在拦截连接：请不要信任它。</translation>
    </message>
    <message>
        <source>This is normal for a server with a self-signed certificate. Trust it only if the fingerprint below matches the one of the server&apos;s certificate, for example from
openssl x509 -in cert.pem -noout -fingerprint -sha256</source>
        <translation>使用自签名证书的服务器会出现这种情况。只有当下面的指纹与服务器证书的指纹一致时才信任它，例如通过以下命令查看：
openssl x509 -in cert.pem -noout -fingerprint -sha256</translation>
    </message>
    <message>
        <source>Issued to:</source>
        <translation>颁发给：</translation>
    </message>
    <message>
        <source>Issued by:</source>
        <translation>颁发者：</translation>
    </message>
    <message>
        <source>Valid:</source>
        <translation>有效期：</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 至 %2</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation>SHA-256 指纹：</translation>
    </message>
    <message>
        <source>Problems:</source>
        <translation>问题：</translation>
    </message>
    <message>
        <source>&amp;Trust this certificate</source>
        <translation>信任此证书(&amp;T)</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::ChatStream</name>
    <message>
        <source>send the chat</source>
        <translation>发送对话</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::ConnectDialog</name>
    <message>
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>Admin &amp;token</source>
        <translation>管理令牌(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Remember this session in the system keychain</source>
        <translation>在系统钥匙串中记住此会话(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>连接(&amp;C)</translation>
    </message>
    <message>
        <source>Connect to a Dynaseal server</source>
        <translation>连接到 Dynaseal 服务器</translation>
    </message>
    <message>
        <source>Sign in with the operator&apos;s password or an admin token.</source>
        <translation>使用操作员密码或管理令牌登录。</translation>
    </message>
    <message>
        <source>http:// or https://, as given to the server&apos;s --listen or its proxy.</source>
        <translation>http:// 或 https://，与服务器的 --listen 或其代理一致。</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>Sign in with:</source>
        <translation>登录方式：</translation>
    </message>
    <message>
        <source>the operator&apos;s password</source>
        <translation>操作员密码</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>密码(&amp;W)：</translation>
    </message>
    <message>
        <source>T&amp;oken:</source>
        <translation>令牌(&amp;O)：</translation>
    </message>
    <message>
        <source>The admin token is kept in the system keychain, never in a file. It expires after the server&apos;s --admin-token-ttl (12 hours by default).</source>
        <translation>管理令牌保存在系统钥匙串中，绝不写入文件。它在服务器的 --admin-token-ttl（默认 12 小时）后过期。</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address, for example http://127.0.0.1:8000.</source>
        <translation>请输入服务器地址，例如 http://127.0.0.1:8000。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid address. Write it like http://127.0.0.1:8000.</source>
        <translation>&quot;%1&quot; 不是有效的地址。写法如 http://127.0.0.1:8000。</translation>
    </message>
    <message>
        <source>Use http:// or https://, not %1://.</source>
        <translation>请使用 http:// 或 https://，而不是 %1://。</translation>
    </message>
    <message>
        <source>Do not put a username or password in the address; use the fields below.</source>
        <translation>不要在地址中包含用户名或密码；请使用下面的输入框。</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接到 %1…</translation>
    </message>
    <message>
        <source>Enter the username and the password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Paste an admin token (it starts with dsa_).</source>
        <translation>请粘贴管理令牌（以 dsa_ 开头）。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::CredentialStore</name>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>given explicitly</source>
        <translation>显式指定</translation>
    </message>
    <message>
        <source>from the environment</source>
        <translation>来自环境变量</translation>
    </message>
    <message>
        <source>last used server</source>
        <translation>上次使用的服务器</translation>
    </message>
    <message>
        <source>from the system keychain</source>
        <translation>来自系统钥匙串</translation>
    </message>
    <message>
        <source>The system keychain refused access (%1). The session was not saved: you will be asked to log in next time.</source>
        <translation>系统钥匙串拒绝访问（%1）。会话未保存：下次需要重新登录。</translation>
    </message>
    <message>
        <source>The system keychain is not available (%1). The session was not saved and never will be in plain text: log in next time, or pass --token or DYNASEAL_ADMIN_TOKEN.</source>
        <translation>系统钥匙串不可用（%1）。会话未保存，也绝不会以明文保存：下次请重新登录，或使用 --token 或 DYNASEAL_ADMIN_TOKEN。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::DashboardPage</name>
    <message>
        <source>Show one tenant&apos;s traffic</source>
        <translation>只显示一个租户的流量</translation>
    </message>
    <message>
        <source>Show one model&apos;s traffic (type any model name)</source>
        <translation>只显示一个模型的流量（可输入任意模型名）</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>租户(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>Requests, last 15 min</source>
        <translation>请求数（近 15 分钟）</translation>
    </message>
    <message>
        <source>Tokens, last 15 min</source>
        <translation>Token 数（近 15 分钟）</translation>
    </message>
    <message>
        <source>Errors, last 15 min</source>
        <translation>错误数（近 15 分钟）</translation>
    </message>
    <message>
        <source>Latency p95, last 15 min</source>
        <translation>p95 延迟（近 15 分钟）</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Requests and errors per second</source>
        <translation>每秒请求数和错误数</translation>
    </message>
    <message>
        <source>per second</source>
        <translation>每秒</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>errors/s</source>
        <translation>错误/秒</translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation>每秒 Token 数</translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation>Token/秒</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <source>Today&apos;s calls per hour</source>
        <translation>今日每小时调用数</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Live traffic of the last 15 minutes, a point a second.</source>
        <translation>最近 15 分钟的实时流量，每秒一个点。</translation>
    </message>
    <message>
        <source>%1 per minute</source>
        <translation>每分钟 %1</translation>
    </message>
    <message>
        <source>%1 per request</source>
        <translation>每个请求 %1</translation>
    </message>
    <message>
        <source>%1% of requests</source>
        <translation>占请求的 %1%</translation>
    </message>
    <message>
        <source>no requests</source>
        <translation>无请求</translation>
    </message>
    <message>
        <source>slowest second&apos;s p95</source>
        <translation>最慢一秒的 p95</translation>
    </message>
    <message>
        <source>%1 tokens, %2 errors</source>
        <translation>%1 个 Token，%2 个错误</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Display</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n 分钟</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n 小时</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n d</source>
        <translation>
            <numerusform>%n 天</numerusform>
        </translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>%1后</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>%1前</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Client closed</source>
        <translation>客户端关闭</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待投递</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>已放弃</translation>
    </message>
    <message>
        <source>Operator created</source>
        <translation>创建操作员</translation>
    </message>
    <message>
        <source>Logged in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Upstream added</source>
        <translation>添加上游</translation>
    </message>
    <message>
        <source>Upstream changed</source>
        <translation>修改上游</translation>
    </message>
    <message>
        <source>Upstream removed</source>
        <translation>删除上游</translation>
    </message>
    <message>
        <source>Tenant created</source>
        <translation>创建租户</translation>
    </message>
    <message>
        <source>Tenant changed</source>
        <translation>修改租户</translation>
    </message>
    <message>
        <source>Tenant deleted</source>
        <translation>删除租户</translation>
    </message>
    <message>
        <source>Tenant key issued</source>
        <translation>签发租户密钥</translation>
    </message>
    <message>
        <source>Tenant key revoked</source>
        <translation>吊销租户密钥</translation>
    </message>
    <message>
        <source>Callback retried</source>
        <translation>重试回调</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::EventStream</name>
    <message>
        <source>This server has no live event stream (GET /admin/v1/events); upgrade it to see live graphs.</source>
        <translation>此服务器没有实时事件流 (GET /admin/v1/events)；请升级以查看实时图表。</translation>
    </message>
    <message>
        <source>The live stream ended.</source>
        <translation>实时数据流已结束。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::MainWindow</name>
    <message>
        <source>Dynaseal Console</source>
        <translation>Dynaseal 控制台</translation>
    </message>
    <message>
        <source>Dynaseal</source>
        <translation>Dynaseal</translation>
    </message>
    <message>
        <source>Console %1</source>
        <translation>控制台 %1</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1 (Ctrl+%2)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation>连接(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation>退出登录(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Dynaseal Console</source>
        <translation>关于 Dynaseal 控制台(&amp;A)</translation>
    </message>
    <message>
        <source>About Dynaseal Console</source>
        <translation>关于 Dynaseal 控制台</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Dynaseal Console %1&lt;/h3&gt;&lt;p&gt;Runs a Dynaseal LLM gateway over its admin API: tenants and their keys, upstreams, the request log, callbacks, the audit log and live traffic.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Dynaseal 控制台 %1&lt;/h3&gt;&lt;p&gt;通过管理 API 运维 Dynaseal LLM 网关：租户及其密钥、上游、请求日志、回调、审计日志和实时流量。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Refreshed.</source>
        <translation>已刷新。</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接到 %1…</translation>
    </message>
    <message>
        <source>The admin token (%1) did not work: %2</source>
        <translation>管理令牌（%1）无效：%2</translation>
    </message>
    <message>
        <source>The session is saved in the system keychain.</source>
        <translation>会话已保存到系统钥匙串。</translation>
    </message>
    <message>
        <source>admin token</source>
        <translation>管理令牌</translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>已连接到 %1</translation>
    </message>
    <message>
        <source>%1 — Dynaseal Console</source>
        <translation>%1 — Dynaseal 控制台</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Not connected — File › Connect… (Ctrl+K)</source>
        <translation>未连接 — 文件 › 连接… (Ctrl+K)</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Logged out.</source>
        <translation>已退出登录。</translation>
    </message>
    <message>
        <source>Live data paused</source>
        <translation>实时数据已暂停</translation>
    </message>
    <message>
        <source>Connecting live data…</source>
        <translation>正在连接实时数据…</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message numerus="yes">
        <source>Live data lost; retrying in %n s</source>
        <translation>
            <numerusform>实时数据中断；%n 秒后重试</numerusform>
        </translation>
    </message>
    <message>
        <source>No live data</source>
        <translation>无实时数据</translation>
    </message>
    <message>
        <source>cannot create the directory %1</source>
        <translation>无法创建目录 %1</translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::MessageBar</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Page</name>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::Pager</name>
    <message>
        <source>‹ &amp;Previous</source>
        <translation>‹ 上一页(&amp;P)</translation>
    </message>
    <message>
        <source>N&amp;ext ›</source>
        <translation>下一页(&amp;E) ›</translation>
    </message>
    <message>
        <source>No more rows (%1 in total)</source>
        <translation>没有更多行（共 %1 行）</translation>
    </message>
    <message>
        <source>No rows</source>
        <translation>没有数据</translation>
    </message>
    <message>
        <source>%1–%2 of %3</source>
        <translation>第 %1–%2 行，共 %3 行</translation>
    </message>
    <message>
        <source>%1–%2</source>
        <translation>第 %1–%2 行</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::PlaygroundPage</name>
    <message>
        <source>Issue a temporary tenant key (revoked when the chat is done)</source>
        <translation>签发临时租户密钥（对话结束后吊销）</translation>
    </message>
    <message>
        <source>Use this tenant key:</source>
        <translation>使用此租户密钥：</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>1. Tenant and key</source>
        <translation>1. 租户和密钥</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>租户(&amp;T)：</translation>
    </message>
    <message>
        <source>The console cannot read existing tenant keys: the server shows a key only when it is issued.</source>
        <translation>控制台无法读取已有的租户密钥：服务器只在签发时显示一次密钥。</translation>
    </message>
    <message>
        <source>2. Dynamic key and chat</source>
        <translation>2. 动态密钥和对话</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 个 Token</translation>
    </message>
    <message>
        <source>Key &amp;budget:</source>
        <translation>密钥预算(&amp;B)：</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Key &amp;lifetime:</source>
        <translation>密钥有效期(&amp;L)：</translation>
    </message>
    <message>
        <source>Ma&amp;x answer tokens:</source>
        <translation>回答最大 Token 数(&amp;X)：</translation>
    </message>
    <message>
        <source>Say hello in one short sentence.</source>
        <translation>用一句简短的话打个招呼。</translation>
    </message>
    <message>
        <source>&amp;Prompt:</source>
        <translation>提示词(&amp;P)：</translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation>发送 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Answer (streamed)</source>
        <translation>回答（流式）</translation>
    </message>
    <message>
        <source>The model&apos;s answer appears here as it streams.</source>
        <translation>模型的回答会以流式显示在这里。</translation>
    </message>
    <message>
        <source>Usage callback</source>
        <translation>用量回调</translation>
    </message>
    <message>
        <source>Python (OpenAI SDK)</source>
        <translation>Python (OpenAI SDK)</translation>
    </message>
    <message>
        <source>&amp;Copy snippet</source>
        <translation>复制代码(&amp;C)</translation>
    </message>
    <message>
        <source>Send a chat to see the callback the tenant receives.</source>
        <translation>发送一次对话，查看租户收到的回调。</translation>
    </message>
    <message>
        <source>Call the server the way a tenant and a device do, and see the callback.</source>
        <translation>像租户和设备那样调用服务器，并查看回调。</translation>
    </message>
    <message>
        <source>Tenant key</source>
        <translation>租户密钥</translation>
    </message>
    <message>
        <source>Dynamic key</source>
        <translation>动态密钥</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回调</translation>
    </message>
    <message>
        <source>Pick a tenant first (create one on the Tenants page).</source>
        <translation>请先选择租户（可在“租户”页面创建）。</translation>
    </message>
    <message>
        <source>Pick a model: one that an upstream serves.</source>
        <translation>请选择一个上游提供的模型。</translation>
    </message>
    <message>
        <source>Paste the tenant key, or let the console issue a temporary one.</source>
        <translation>请粘贴租户密钥，或让控制台签发一个临时密钥。</translation>
    </message>
    <message>
        <source>Waiting for the chat to finish…</source>
        <translation>正在等待对话结束…</translation>
    </message>
    <message>
        <source>pasted key</source>
        <translation>粘贴的密钥</translation>
    </message>
    <message>
        <source>issuing a temporary key…</source>
        <translation>正在签发临时密钥…</translation>
    </message>
    <message>
        <source>temporary key %1</source>
        <translation>临时密钥 %1</translation>
    </message>
    <message>
        <source>minting…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>event %1, %2 tokens, expires %3</source>
        <translation>事件 %1，%2 个 Token，%3 过期</translation>
    </message>
    <message>
        <source>streaming…</source>
        <translation>正在流式接收…</translation>
    </message>
    <message>
        <source>no usage reported</source>
        <translation>未报告用量</translation>
    </message>
    <message>
        <source>%1 prompt + %2 completion tokens</source>
        <translation>提示 %1 + 补全 %2 个 Token</translation>
    </message>
    <message>
        <source>done in %1, %2</source>
        <translation>用时 %1 完成，%2</translation>
    </message>
    <message>
        <source>%1 characters received in %2; %3.</source>
        <translation>在 %2 内收到 %1 个字符；%3。</translation>
    </message>
    <message>
        <source>waiting for the delivery…</source>
        <translation>正在等待投递…</translation>
    </message>
    <message>
        <source>Looking for the callback of event %1…</source>
        <translation>正在查找事件 %1 的回调…</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>No callback: the chat did not finish.</source>
        <translation>没有回调：对话未完成。</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>No callback for event %1 appeared within 30 seconds. Look on the Callbacks page later.</source>
        <translation>30 秒内未出现事件 %1 的回调。请稍后在“回调”页面查看。</translation>
    </message>
    <message numerus="yes">
        <source>Delivered to %1 (HTTP %2) after %n attempt(s).</source>
        <translation>
            <numerusform>经过 %n 次尝试，已投递到 %1 (HTTP %2)。</numerusform>
        </translation>
    </message>
    <message>
        <source>Stored, about to be sent to %1.</source>
        <translation>已保存，即将发送到 %1。</translation>
    </message>
    <message>
        <source>Not delivered yet (%1): %2. Next try %3.</source>
        <translation>尚未投递（%1）：%2。下次尝试：%3。</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <source>Playground</source>
        <translation>试验场</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::RequestsModel</name>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>租户</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Token 数</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>Stream</source>
        <translation>流式</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Event id</source>
        <translation>事件 ID</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::RequestsPage</name>
    <message>
        <source>&amp;From</source>
        <translation>从(&amp;F)</translation>
    </message>
    <message>
        <source>T&amp;o</source>
        <translation>到(&amp;O)</translation>
    </message>
    <message>
        <source>any model</source>
        <translation>任意模型</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>任意状态</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>租户(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Status:</source>
        <translation>状态(&amp;S)：</translation>
    </message>
    <message>
        <source>No requests match. Requests appear here once devices call the server with dynamic keys.</source>
        <translation>没有匹配的请求。设备使用动态密钥调用服务器后，请求会显示在这里。</translation>
    </message>
    <message>
        <source>Every proxied request that passed the checks, newest first.</source>
        <translation>每个通过检查并被代理的请求，最新的在前。</translation>
    </message>
    <message>
        <source>Select a request to see its details.</source>
        <translation>选择一个请求以查看详情。</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Event id</source>
        <translation>事件 ID</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>租户</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>, streamed</source>
        <translation>，流式</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Token 数</translation>
    </message>
    <message>
        <source>%1 prompt + %2 completion = %3 billed (%4 reserved; usage from %5)</source>
        <translation>提示 %1 + 补全 %2 = 计费 %3（预留 %4；用量来源 %5）</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::SecretDialog</name>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>This is the only time the server shows it. Copy it now and store it somewhere safe (a secret manager); if it is lost, issue a new one and revoke this one.</source>
        <translation>服务器只显示这一次。请立即复制并妥善保存（例如放入密钥管理系统）；如果丢失，请签发新的并吊销这个。</translation>
    </message>
    <message>
        <source>I have stored it</source>
        <translation>我已保存</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TableView</name>
    <message>
        <source>Nothing matches the search.</source>
        <translation>没有符合搜索条件的内容。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantEditor</name>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>还原(&amp;V)</translation>
    </message>
    <message>
        <source>Save the changes (%1)</source>
        <translation>保存更改 (%1)</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>访问控制</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>限制</translation>
    </message>
    <message>
        <source>Rewriting</source>
        <translation>请求改写</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>e.g. Acme app</source>
        <translation>例如 Acme 应用</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Callback URL:</source>
        <translation>回调 URL(&amp;C)：</translation>
    </message>
    <message>
        <source>Receives a signed usage callback after every request.</source>
        <translation>每次请求后接收一条签名的用量回调。</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Token &amp;quota:</source>
        <translation>Token 配额(&amp;Q)：</translation>
    </message>
    <message>
        <source>The most tokens ever billed to this tenant over all its keys; it does not reset. Empty: no limit.</source>
        <translation>该租户所有密钥累计可计费的最大 Token 数；不会重置。留空表示不限。</translation>
    </message>
    <message>
        <source>Used:</source>
        <translation>已用：</translation>
    </message>
    <message>
        <source>server default (--max-key-lifetime)</source>
        <translation>服务器默认值 (--max-key-lifetime)</translation>
    </message>
    <message>
        <source>Key &amp;lifetime (s):</source>
        <translation>密钥有效期（秒）(&amp;L)：</translation>
    </message>
    <message>
        <source>The longest lifetime of this tenant&apos;s dynamic keys, in seconds.</source>
        <translation>该租户动态密钥的最长有效期，单位为秒。</translation>
    </message>
    <message>
        <source>Id:</source>
        <translation>ID：</translation>
    </message>
    <message>
        <source>Active: accept this tenant&apos;s requests</source>
        <translation>启用：接受该租户的请求</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>Expires on</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <source>Expiry:</source>
        <translation>到期：</translation>
    </message>
    <message>
        <source>After this time (your local time) every request of the tenant is refused.</source>
        <translation>超过此时间（本地时间）后，该租户的所有请求都会被拒绝。</translation>
    </message>
    <message>
        <source>Dynamic keys (JWT signed with a tenant key)</source>
        <translation>动态密钥（用租户密钥签名的 JWT）</translation>
    </message>
    <message>
        <source>Tenant keys used directly</source>
        <translation>直接使用租户密钥</translation>
    </message>
    <message>
        <source>Any credential matching a regular expression</source>
        <translation>任何匹配正则表达式的凭据</translation>
    </message>
    <message>
        <source>&amp;Authentication:</source>
        <translation>认证方式(&amp;A)：</translation>
    </message>
    <message>
        <source>Re&amp;gex:</source>
        <translation>正则表达式(&amp;G)：</translation>
    </message>
    <message>
        <source>Required with regular-expression authentication.</source>
        <translation>使用正则表达式认证时必填。</translation>
    </message>
    <message>
        <source>&amp;Key position:</source>
        <translation>密钥位置(&amp;K)：</translation>
    </message>
    <message>
        <source>Where clients put their key: header:&lt;Name&gt; (a leading &quot;Bearer &quot; is removed), body:&lt;JSON field&gt; or arg:&lt;query parameter&gt;.</source>
        <translation>客户端放置密钥的位置：header:&lt;名称&gt;（会去掉开头的 &quot;Bearer &quot;）、body:&lt;JSON 字段&gt; 或 arg:&lt;查询参数&gt;。</translation>
    </message>
    <message>
        <source>Allowed &amp;models:</source>
        <translation>允许的模型(&amp;M)：</translation>
    </message>
    <message>
        <source>One model per line. Empty: every model an upstream serves.</source>
        <translation>每行一个模型。留空表示上游提供的所有模型。</translation>
    </message>
    <message>
        <source>A&amp;llow rules:</source>
        <translation>允许规则(&amp;L)：</translation>
    </message>
    <message>
        <source>One rule per line: ip:10.0.0.0/8, secret:&lt;regular expression&gt;, time:09:00-18:00 [Europe/Berlin]. With allow rules, only matching requests pass; a matching allow rule wins over deny rules.</source>
        <translation>每行一条规则：ip:10.0.0.0/8、secret:&lt;正则表达式&gt;、time:09:00-18:00 [Asia/Shanghai]。设置了允许规则时，只有匹配的请求才能通过；匹配的允许规则优先于拒绝规则。</translation>
    </message>
    <message>
        <source>&amp;Deny rules:</source>
        <translation>拒绝规则(&amp;D)：</translation>
    </message>
    <message>
        <source>Same syntax; matching requests are refused with 403.</source>
        <translation>语法相同；匹配的请求会以 403 拒绝。</translation>
    </message>
    <message>
        <source>&amp;Rate limits:</source>
        <translation>速率限制(&amp;R)：</translation>
    </message>
    <message>
        <source>One per line: ingress:N/minute (all requests of the tenant), secret:N/hour (per key), tokens:N/day (tokens billed), or no-limit.</source>
        <translation>每行一条：ingress:N/minute（租户的全部请求）、secret:N/hour（每个密钥）、tokens:N/day（计费 Token），或 no-limit。</translation>
    </message>
    <message>
        <source>Upstream re&amp;tries:</source>
        <translation>上游重试次数(&amp;T)：</translation>
    </message>
    <message>
        <source>How often a failed upstream call is tried again before the error goes to the device (0–10).</source>
        <translation>上游调用失败后，在把错误返回给设备之前重试的次数（0–10）。</translation>
    </message>
    <message>
        <source>e.g. Answer briefly and politely: {{query}}</source>
        <translation>例如：请简洁礼貌地回答：{{query}}</translation>
    </message>
    <message>
        <source>&amp;Prompt template:</source>
        <translation>提示词模板(&amp;P)：</translation>
    </message>
    <message>
        <source>{{query}} is replaced by the user&apos;s last message. Empty: messages are sent as they are.</source>
        <translation>{{query}} 会被替换为用户的最后一条消息。留空则按原样发送消息。</translation>
    </message>
    <message>
        <source>Parameter &amp;mapping:</source>
        <translation>参数映射(&amp;M)：</translation>
    </message>
    <message>
        <source>JSON: for each field, [from, to] value pairs replaced before forwarding.</source>
        <translation>JSON：每个字段的 [原值, 新值] 对，在转发前替换。</translation>
    </message>
    <message>
        <source>&amp;Fixed parameters:</source>
        <translation>固定参数(&amp;F)：</translation>
    </message>
    <message>
        <source>JSON: fields forced to these values on every request.</source>
        <translation>JSON：每个请求中强制设为这些值的字段。</translation>
    </message>
    <message>
        <source>Select a tenant, or create one with New tenant.</source>
        <translation>请选择一个租户，或点击“新建租户”创建。</translation>
    </message>
    <message>
        <source>New tenant</source>
        <translation>新建租户</translation>
    </message>
    <message>
        <source>Enter a name and the callback URL, then Save. Access rules, limits and keys can be set once it exists.</source>
        <translation>请输入名称和回调 URL，然后保存。创建后即可设置访问规则、限制和密钥。</translation>
    </message>
    <message>
        <source>This server does not report access policies yet. You can still enter them; if the server does not support them, saving explains which setting it refused.</source>
        <translation>此服务器尚未报告访问策略。您仍可填写；如果服务器不支持，保存时会说明被拒绝的设置。</translation>
    </message>
    <message>
        <source>%1
created %2, updated %3</source>
        <translation>%1
创建于 %2，更新于 %3</translation>
    </message>
    <message>
        <source>This is not valid JSON: %1 at character %2.</source>
        <translation>这不是有效的 JSON：%1（第 %2 个字符处）。</translation>
    </message>
    <message>
        <source>Write a JSON object, like {&quot;temperature&quot;: 0.2}.</source>
        <translation>请写一个 JSON 对象，例如 {&quot;temperature&quot;: 0.2}。</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>创建(&amp;C)</translation>
    </message>
    <message>
        <source>%1 of %2 tokens</source>
        <translation>%1 / %2 个 Token</translation>
    </message>
    <message>
        <source>%1 tokens (no limit)</source>
        <translation>%1 个 Token（不限）</translation>
    </message>
    <message>
        <source>Fix the marked field; nothing was saved.</source>
        <translation>请修正标出的字段；未保存任何内容。</translation>
    </message>
    <message>
        <source>Tenant created.</source>
        <translation>租户已创建。</translation>
    </message>
    <message>
        <source>Saved. The change applies to the next request.</source>
        <translation>已保存。更改从下一个请求起生效。</translation>
    </message>
    <message>
        <source>The server refused the change; see the marked field. Nothing was saved.</source>
        <translation>服务器拒绝了更改；请查看标出的字段。未保存任何内容。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantFilterBox</name>
    <message>
        <source>All tenants</source>
        <translation>全部租户</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantKeysModel</name>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>已吊销</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>最近使用</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantKeysPanel</name>
    <message>
        <source>&amp;Issue key</source>
        <translation>签发密钥(&amp;I)</translation>
    </message>
    <message>
        <source>Re&amp;voke…</source>
        <translation>吊销(&amp;V)…</translation>
    </message>
    <message>
        <source>The tenant&apos;s backend signs dynamic keys with a tenant key. Issue a new key to rotate, then revoke the old one: revoking refuses its dynamic keys from the next request on.</source>
        <translation>租户后端用租户密钥签名动态密钥。轮换时先签发新密钥，再吊销旧密钥：吊销后，用它签名的动态密钥从下一个请求起即被拒绝。</translation>
    </message>
    <message>
        <source>No keys yet. Issue one for the tenant&apos;s backend.</source>
        <translation>尚无密钥。请为租户后端签发一个。</translation>
    </message>
    <message>
        <source>New tenant key</source>
        <translation>新的租户密钥</translation>
    </message>
    <message>
        <source>Give this key to the tenant&apos;s backend. It signs dynamic keys with it (HS256) and may put the key id %1 in their &quot;kid&quot; header.</source>
        <translation>请把此密钥交给租户后端。后端用它签名动态密钥 (HS256)，并可在 &quot;kid&quot; 头中填写密钥 ID %1。</translation>
    </message>
    <message>
        <source>Tenant &amp;key:</source>
        <translation>租户密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Revoke tenant key</source>
        <translation>吊销租户密钥</translation>
    </message>
    <message>
        <source>Revoke the key %1 (ending in %2)?</source>
        <translation>吊销密钥 %1（结尾为 %2）？</translation>
    </message>
    <message>
        <source>Every dynamic key signed with it is refused from the next request on. This cannot be undone.</source>
        <translation>用它签名的所有动态密钥从下一个请求起都会被拒绝。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>吊销</translation>
    </message>
    <message>
        <source>Key %1 revoked.</source>
        <translation>密钥 %1 已吊销。</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantsModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Tokens used</source>
        <translation>已用 Token</translation>
    </message>
    <message>
        <source>Quota</source>
        <translation>配额</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Callback URL</source>
        <translation>回调 URL</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::TenantsPage</name>
    <message>
        <source>&amp;New tenant</source>
        <translation>新建租户(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>删除(&amp;D)…</translation>
    </message>
    <message>
        <source>Search tenants (Ctrl+F)</source>
        <translation>搜索租户 (Ctrl+F)</translation>
    </message>
    <message>
        <source>Create a tenant (%1)</source>
        <translation>创建租户 (%1)</translation>
    </message>
    <message>
        <source>No tenants yet. A tenant is an app&apos;s backend: create one with New tenant.</source>
        <translation>尚无租户。租户就是一个应用的后端：点击“新建租户”创建。</translation>
    </message>
    <message>
        <source>Saved tenant %1.</source>
        <translation>已保存租户 %1。</translation>
    </message>
    <message>
        <source>Tenant created</source>
        <translation>租户已创建</translation>
    </message>
    <message>
        <source>The tenant&apos;s backend needs this secret to check the signature of its usage callbacks (X-Dynaseal-Signature).</source>
        <translation>租户后端需要此密钥来校验用量回调的签名 (X-Dynaseal-Signature)。</translation>
    </message>
    <message>
        <source>Callback &amp;secret:</source>
        <translation>回调密钥(&amp;S)：</translation>
    </message>
    <message>
        <source>An app&apos;s backend: it holds tenant keys, mints dynamic keys and receives usage callbacks.</source>
        <translation>应用的后端：持有租户密钥、生成动态密钥并接收用量回调。</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Discard the unsaved changes to &quot;%1&quot;?</source>
        <translation>放弃对 &quot;%1&quot; 未保存的更改？</translation>
    </message>
    <message>
        <source>New tenant</source>
        <translation>新建租户</translation>
    </message>
    <message>
        <source>Delete tenant</source>
        <translation>删除租户</translation>
    </message>
    <message>
        <source>Delete the tenant &quot;%1&quot; and all its keys?</source>
        <translation>删除租户 &quot;%1&quot; 及其所有密钥？</translation>
    </message>
    <message>
        <source>Its dynamic keys are refused at once and its undelivered callbacks are abandoned. The request log and usage history stay. This cannot be undone.</source>
        <translation>其动态密钥会立即被拒绝，未投递的回调会被放弃。请求日志和用量历史会保留。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Tenant %1 deleted.</source>
        <translation>租户 %1 已删除。</translation>
    </message>
    <message>
        <source>Tenants</source>
        <translation>租户</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::UpstreamsModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
</context>
<context>
    <name>dynaseal::console::UpstreamsPage</name>
    <message>
        <source>&amp;Add upstream</source>
        <translation>添加上游(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation>删除(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation>测试(&amp;T)</translation>
    </message>
    <message>
        <source>No upstreams yet. Add the OpenAI-compatible provider that serves your models.</source>
        <translation>尚无上游。请添加提供模型的 OpenAI 兼容服务商。</translation>
    </message>
    <message>
        <source>Ask the server to call this upstream with its real key and list its models</source>
        <translation>让服务器用真实密钥调用此上游并列出其模型</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Unique; for you only.</source>
        <translation>唯一；仅供您识别。</translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation>基础 URL(&amp;B)：</translation>
    </message>
    <message>
        <source>The server calls &lt;base URL&gt;/chat/completions, so it usually ends in /v1.</source>
        <translation>服务器会调用 &lt;基础 URL&gt;/chat/completions，所以它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Write-only: stored encrypted and never shown again. Leave empty to keep the current key; type a new one to rotate it.</source>
        <translation>只写：加密保存，不再显示。留空则保留当前密钥；输入新密钥即可轮换。</translation>
    </message>
    <message>
        <source>&amp;Models:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>One model name per line. A request goes to the oldest upstream that lists its model.</source>
        <translation>每行一个模型名。请求会发往最早添加且列出该模型的上游。</translation>
    </message>
    <message>
        <source>OpenAI-compatible providers: the real keys stay on the server.</source>
        <translation>OpenAI 兼容的服务商：真实密钥只保存在服务器上。</translation>
    </message>
    <message>
        <source>unchanged (%1)</source>
        <translation>不变（%1）</translation>
    </message>
    <message>
        <source>Select an upstream, or add one.</source>
        <translation>请选择一个上游，或添加一个。</translation>
    </message>
    <message>
        <source>New upstream</source>
        <translation>新上游</translation>
    </message>
    <message>
        <source>All four fields are required.</source>
        <translation>四个字段都必须填写。</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <source>The server refused the change; see the marked field. Nothing was saved.</source>
        <translation>服务器拒绝了更改；请查看标出的字段。未保存任何内容。</translation>
    </message>
    <message>
        <source>Saved. New requests use it at once.</source>
        <translation>已保存。新请求会立即使用它。</translation>
    </message>
    <message>
        <source>Saved upstream %1.</source>
        <translation>已保存上游 %1。</translation>
    </message>
    <message>
        <source>Remove upstream</source>
        <translation>删除上游</translation>
    </message>
    <message>
        <source>Remove the upstream &quot;%1&quot;?</source>
        <translation>删除上游 &quot;%1&quot;？</translation>
    </message>
    <message>
        <source>Calls in progress finish. New calls for its models go to another upstream that serves them, or are refused with model_not_found.</source>
        <translation>进行中的调用会完成。对其模型的新调用会发往提供这些模型的其他上游，否则以 model_not_found 拒绝。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Testing %1…</source>
        <translation>正在测试 %1…</translation>
    </message>
    <message>
        <source>This server cannot test upstreams yet: it has no POST /admin/v1/upstreams/{id}/test. The console does not call the upstream itself, because the upstream&apos;s key never leaves the server. Try a real call in the Playground instead, or upgrade the server.</source>
        <translation>此服务器尚不能测试上游：它没有 POST /admin/v1/upstreams/{id}/test。控制台不会自己调用上游，因为上游密钥从不离开服务器。请在“试验场”中进行一次真实调用，或升级服务器。</translation>
    </message>
    <message>
        <source>The upstream answered HTTP %1 in %2.</source>
        <translation>上游在 %2 内返回了 HTTP %1。</translation>
    </message>
    <message>
        <source>It serves: %1.</source>
        <translation>它提供：%1。</translation>
    </message>
    <message>
        <source>The upstream refused the API key: rotate it here with the right key.</source>
        <translation>上游拒绝了 API 密钥：请在这里换成正确的密钥。</translation>
    </message>
    <message>
        <source>Check the base URL: it usually ends in /v1.</source>
        <translation>请检查基础 URL：它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>The server could not reach it: check the base URL and the server&apos;s network.</source>
        <translation>服务器无法访问它：请检查基础 URL 和服务器的网络。</translation>
    </message>
    <message>
        <source>The test failed (HTTP %1, %2): %3</source>
        <translation>测试失败（HTTP %1，%2）：%3</translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation>上游</translation>
    </message>
</context>
</TS>
