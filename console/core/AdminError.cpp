#include "console/core/AdminError.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace dynaseal::console {

QString AdminError::text() const
{
    if (advice.isEmpty())
        return summary;
    return summary + QLatin1Char(' ') + advice;
}

QString AdminError::fieldText() const
{
    if (isUnknownField())
        return tr("This server does not accept this setting yet (%1). Nothing was saved.").arg(serverMessage);
    return serverMessage.isEmpty() ? summary : serverMessage;
}

bool AdminError::isMissingEndpoint() const
{
    return (status == 404 && code == QLatin1String("unknown_url")) || status == 405;
}

QString AdminError::fieldOf(const QString &message, int *line)
{
    static const QRegularExpression unknown(QStringLiteral("^unknown field \"([^\"]+)\""));
    static const QRegularExpression named(QStringLiteral("^\"([A-Za-z0-9_.\\-]+)\""));
    static const QRegularExpression lineNo(QStringLiteral("^\"[^\"]+\" line (\\d+)"));
    if (line)
        *line = 0;
    QRegularExpressionMatch m = unknown.match(message);
    if (m.hasMatch())
        return m.captured(1);
    m = named.match(message);
    if (!m.hasMatch())
        return {};
    if (line) {
        const QRegularExpressionMatch l = lineNo.match(message);
        if (l.hasMatch())
            *line = l.captured(1).toInt();
    }
    // "param_map.model" is about the param_map field.
    return m.captured(1).section(QLatin1Char('.'), 0, 0);
}

AdminError AdminError::fromHttp(int status, const QByteArray &body, const QString &operation)
{
    AdminError e;
    e.kind = Kind::Http;
    e.status = status;
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(QLatin1String("error")).toObject();
    if (error.isEmpty()) {
        e.kind = Kind::Protocol;
        if (status == 502 || status == 503 || status == 504) {
            e.summary = tr("The server is not reachable behind its proxy (HTTP %1).").arg(status);
            e.advice = tr("Check that dynaseal-server is running and that the reverse proxy points at it.");
        } else {
            e.summary = tr("The server answered HTTP %1 with something that is not a Dynaseal answer.").arg(status);
            e.advice = tr("Check that the URL points at a Dynaseal server (for example http://127.0.0.1:8000) and not at another "
                          "web site.");
        }
        return e;
    }
    e.code = error.value(QLatin1String("code")).toString();
    e.serverMessage = error.value(QLatin1String("message")).toString();
    e.field = fieldOf(e.serverMessage, &e.line);
    const QString what = operation.isEmpty() ? tr("The server refused the request") : tr("Could not %1").arg(operation);

    if (e.code == QLatin1String("invalid_credentials")) {
        e.summary = tr("Wrong username or password.");
        e.advice = tr("Check both and try again; the first operator is called \"admin\".");
    } else if (e.code == QLatin1String("invalid_token")) {
        e.summary = tr("Your admin session has expired or was ended.");
        e.advice = tr("Log in again (File › Connect…).");
    } else if (e.code == QLatin1String("missing_token")) {
        e.summary = tr("You are not logged in.");
        e.advice = tr("Connect with an admin token or log in with your password.");
    } else if (status == 401) {
        e.summary = tr("The server did not accept the credential: %1").arg(e.serverMessage);
        e.advice = tr("Check the key or token and try again.");
    } else if (e.code == QLatin1String("unknown_field")) {
        e.summary = tr("%1: this server does not know the setting \"%2\".").arg(what, e.field);
        e.advice = tr("It is probably an older dynaseal-server; upgrade it to use this setting. Nothing was saved.");
    } else if (status == 400) {
        e.summary = tr("%1: %2.").arg(what, e.serverMessage);
        e.advice = tr("Correct the value and try again. Nothing was saved.");
    } else if (e.isMissingEndpoint()) {
        e.summary = tr("%1: this server does not offer this function.").arg(what);
        e.advice = tr("It is probably an older dynaseal-server; upgrade it.");
    } else if (status == 404) {
        e.summary = tr("%1: it no longer exists on the server.").arg(what);
        e.advice = tr("Someone may have deleted it; refresh the list (F5).");
    } else if (status == 403) {
        e.summary = tr("%1: not allowed: %2.").arg(what, e.serverMessage);
        e.advice = tr("Check the tenant's policy (active, expiry, models, rules).");
    } else if (status == 409) {
        e.summary = tr("%1: %2.").arg(what, e.serverMessage);
        e.advice = tr("Pick another name.");
    } else if (status == 413) {
        e.summary = tr("%1: the request is larger than the server accepts.").arg(what);
        e.advice = tr("Shorten it, or raise the server's --max-body-bytes.");
    } else if (status == 429) {
        e.summary = tr("%1: %2.").arg(what, e.serverMessage);
        e.advice = tr("Wait a moment, or raise the budget or rate limit.");
    } else if (status >= 500) {
        e.summary = tr("%1: the server had an internal problem (HTTP %2): %3.").arg(what).arg(status).arg(e.serverMessage);
        e.advice = tr("Nothing was changed. Try again; if it keeps failing, read the server's log.");
    } else {
        e.summary = tr("%1: HTTP %2: %3.").arg(what).arg(status).arg(e.serverMessage);
    }
    return e;
}

AdminError AdminError::fromNetwork(QNetworkReply::NetworkError error, const QString &detail, const QUrl &url)
{
    AdminError e;
    e.kind = Kind::Network;
    const QString host = url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        e.summary = tr("Nothing is listening at %1: the connection was refused.").arg(host);
        e.advice = tr("Is dynaseal-server running, and is this the address from its --listen setting?");
        break;
    case QNetworkReply::HostNotFoundError:
        e.summary = tr("The host \"%1\" was not found.").arg(url.host());
        e.advice = tr("Check the spelling of the server URL and your network.");
        break;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        e.summary = tr("The server at %1 did not answer in time.").arg(host);
        e.advice = tr("Check that it is running and reachable; a firewall may be dropping the connection.");
        break;
    case QNetworkReply::RemoteHostClosedError:
        e.summary = tr("The server at %1 closed the connection before answering.").arg(host);
        e.advice = tr("If the server uses HTTPS, use an https:// URL (and http:// if it does not).");
        break;
    case QNetworkReply::SslHandshakeFailedError:
        e.kind = Kind::Certificate;
        e.summary = tr("A secure connection to %1 could not be set up: %2.").arg(host, detail);
        e.advice = tr("If the server does not use HTTPS, use an http:// URL.");
        break;
    case QNetworkReply::ProtocolUnknownError:
        e.summary = tr("\"%1\" is not an http:// or https:// URL.").arg(url.toDisplayString());
        e.advice = tr("Write the server URL like http://127.0.0.1:8000.");
        break;
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
        e.summary = tr("The network proxy failed: %1.").arg(detail);
        e.advice = tr("Check the proxy settings of your system (http_proxy, https_proxy, no_proxy).");
        break;
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::TemporaryNetworkFailureError:
        e.summary = tr("The network is not available.");
        e.advice = tr("Check your connection; the console retries live data on its own.");
        break;
    default:
        e.summary = tr("Could not talk to the server at %1: %2.").arg(host, detail);
        e.advice = tr("Check the server URL and that the server is running.");
        break;
    }
    return e;
}

AdminError AdminError::untrustedCertificate(const QUrl &url, const QString &detail)
{
    AdminError e;
    e.kind = Kind::Certificate;
    e.code = QStringLiteral("untrusted_certificate");
    e.summary = tr("The certificate of %1 is not trusted: %2.").arg(url.host(), detail);
    e.advice = tr("Connect again and compare the certificate's SHA-256 fingerprint with the server's before you trust it.");
    return e;
}

AdminError AdminError::protocol(const QString &summary, const QString &advice)
{
    AdminError e;
    e.kind = Kind::Protocol;
    e.summary = summary;
    e.advice = advice;
    return e;
}

} // namespace dynaseal::console
