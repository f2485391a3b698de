#pragma once
// Where a tenant's clients put their secret: "header:Authorization" (the default; a leading
// "Bearer " is removed), "header:<Name>", "body:<json field>" or "arg:<query parameter>".
#include <QByteArray>
#include <QString>
#include <QUrlQuery>
#include <functional>
#include <optional>
#include <rapidjson/document.h>
#include <variant>

namespace dynaseal {

class KeyPosition
{
public:
    static std::variant<KeyPosition, QString> parse(const QString &text);
    static KeyPosition defaultPosition() { return std::get<KeyPosition>(parse(QStringLiteral("header:Authorization"))); }

    // `headerValue` looks up a lower-cased header name; `body` is the request's JSON (null when
    // it has none).
    QByteArray extract(const std::function<QByteArray(const QByteArray &)> &headerValue, const rapidjson::Value &body,
                       const QUrlQuery &query) const;
    QString text() const { return m_text; }
    bool isBody() const { return m_kind == Kind::Body; }
    const QString &name() const { return m_name; }

private:
    enum class Kind { Header, Body, Arg };
    Kind m_kind = Kind::Header;
    QString m_name;
    QString m_text;
};

} // namespace dynaseal
