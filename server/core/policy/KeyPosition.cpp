#include "server/core/policy/KeyPosition.h"

#include "server/core/JsonMembers.h"

#include <QRegularExpression>

namespace dynaseal {

std::variant<KeyPosition, QString> KeyPosition::parse(const QString &text)
{
    static const QRegularExpression form(QStringLiteral("^(header|body|arg):([A-Za-z0-9_.\\-]{1,128})$"));
    const auto m = form.match(text.trimmed());
    if (!m.hasMatch())
        return QStringLiteral("must be header:<Name>, body:<json field> or arg:<query parameter>");
    KeyPosition p;
    const QString kind = m.captured(1);
    p.m_kind = kind == QLatin1String("header") ? Kind::Header : kind == QLatin1String("body") ? Kind::Body : Kind::Arg;
    p.m_name = m.captured(2);
    p.m_text = text.trimmed();
    return p;
}

QByteArray KeyPosition::extract(const std::function<QByteArray(const QByteArray &)> &headerValue, const rapidjson::Value &body,
                                const QUrlQuery &query) const
{
    switch (m_kind) {
    case Kind::Header: {
        QByteArray value = headerValue(m_name.toLatin1().toLower()).trimmed();
        if (value.size() > 7 && value.left(7).compare("bearer ", Qt::CaseInsensitive) == 0)
            value = value.mid(7).trimmed();
        return value;
    }
    case Kind::Body: {
        return json::text(json::member(body, QByteArrayView(m_name.toUtf8()))).toByteArray();
    }
    case Kind::Arg:
        return query.queryItemValue(m_name, QUrl::FullyDecoded).toUtf8();
    }
    return {};
}

} // namespace dynaseal
