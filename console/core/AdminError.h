#pragma once
// What went wrong with a call to the server, in plain words for the operator: the transport
// failure or the server's OpenAI-shaped error, plus the field (and rule line) it names, so the
// UI can show the message next to the field it is about.
#include <QCoreApplication>
#include <QNetworkReply>
#include <QString>
#include <QUrl>

namespace dynaseal::console {

class AdminError
{
    Q_DECLARE_TR_FUNCTIONS(dynaseal::console::AdminError)
public:
    enum class Kind { Network, Certificate, Http, Protocol };

    Kind kind = Kind::Http;
    int status = 0; // HTTP status; 0 when the server never answered
    QString code; // the server's stable error code ("unknown_field", "invalid_token", …)
    QString serverMessage; // the server's own message, untranslated
    QString field; // the body field the error is about, when the server names one
    int line = 0; // the rule line (1-based) for rule lists, else 0
    QString summary; // what happened, in plain words
    QString advice; // what to do about it

    // Summary and advice in one paragraph.
    QString text() const;
    // The message to show next to a form field: the server's message when it has one.
    QString fieldText() const;

    bool isAuthentication() const { return status == 401; }
    bool isUnknownField() const { return code == QLatin1String("unknown_field"); }
    // The endpoint itself does not exist on this server (an older version).
    bool isMissingEndpoint() const;

    // `operation` says what was being done ("save the tenant") and appears in the summary.
    static AdminError fromHttp(int status, const QByteArray &body, const QString &operation = {});
    static AdminError fromNetwork(QNetworkReply::NetworkError error, const QString &detail, const QUrl &url);
    static AdminError untrustedCertificate(const QUrl &url, const QString &detail);
    static AdminError protocol(const QString &summary, const QString &advice = {});

    // The field and line a server message names: "\"allow\" line 2 (…): …", "unknown field \"x\"; …".
    static QString fieldOf(const QString &serverMessage, int *line = nullptr);
};

} // namespace dynaseal::console
