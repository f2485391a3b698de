#include "server/core/policy/RequestRewrite.h"

#include <QJsonArray>

namespace dynaseal {
namespace {
const QString kQuery = QStringLiteral("{{query}}");

ApiError invalid(const QString &field, const QString &why)
{
    return ApiError::badRequest(QStringLiteral("\"%1\" %2").arg(field, why), QStringLiteral("invalid_field"));
}

// Replaces the text of the last user message (string content, or its text parts).
void applyTemplate(QJsonObject &body, const QString &tmpl)
{
    auto substitute = [&](const QString &query) {
        QString out = tmpl;
        return out.replace(kQuery, query);
    };
    if (body.value(QLatin1String("messages")).isArray()) {
        QJsonArray messages = body.value(QLatin1String("messages")).toArray();
        for (qsizetype i = messages.size() - 1; i >= 0; --i) {
            QJsonObject message = messages.at(i).toObject();
            if (message.value(QLatin1String("role")).toString() != QLatin1String("user"))
                continue;
            const QJsonValue content = message.value(QLatin1String("content"));
            if (content.isString()) {
                message.insert(QStringLiteral("content"), substitute(content.toString()));
            } else if (content.isArray()) {
                QJsonArray parts = content.toArray();
                QString text;
                qsizetype first = -1;
                for (qsizetype p = 0; p < parts.size(); ++p) {
                    const QJsonObject part = parts.at(p).toObject();
                    if (part.value(QLatin1String("type")).toString() == QLatin1String("text")) {
                        text += part.value(QLatin1String("text")).toString();
                        if (first < 0)
                            first = p;
                    }
                }
                if (first >= 0) {
                    QJsonObject part = parts.at(first).toObject();
                    part.insert(QStringLiteral("text"), substitute(text));
                    parts.replace(first, part);
                    for (qsizetype p = parts.size() - 1; p > first; --p) {
                        if (parts.at(p).toObject().value(QLatin1String("type")).toString() == QLatin1String("text"))
                            parts.removeAt(p);
                    }
                    message.insert(QStringLiteral("content"), parts);
                }
            }
            messages.replace(i, message);
            body.insert(QStringLiteral("messages"), messages);
            return;
        }
        return;
    }
    if (body.value(QLatin1String("prompt")).isString())
        body.insert(QStringLiteral("prompt"), substitute(body.value(QLatin1String("prompt")).toString()));
}
} // namespace

std::variant<RequestRewrite, ApiError> RequestRewrite::parse(const QJsonValue &promptTemplate, const QJsonValue &paramMap,
                                                             const QJsonValue &paramFixed)
{
    RequestRewrite r;
    if (!promptTemplate.isNull() && !promptTemplate.isUndefined()) {
        if (!promptTemplate.isString())
            return invalid(QStringLiteral("prompt_template"), QStringLiteral("must be a string or null"));
        if (!promptTemplate.toString().contains(kQuery))
            return invalid(QStringLiteral("prompt_template"), QStringLiteral("must contain {{query}}, where the user's message goes"));
        if (promptTemplate.toString().size() > 100'000)
            return invalid(QStringLiteral("prompt_template"), QStringLiteral("is longer than 100000 characters"));
        r.m_template = promptTemplate.toString();
    }
    if (!paramMap.isNull() && !paramMap.isUndefined()) {
        if (!paramMap.isObject())
            return invalid(QStringLiteral("param_map"), QStringLiteral("must be an object like {\"model\": [[\"from\", \"to\"]]}"));
        const QJsonObject map = paramMap.toObject();
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (!it.value().isArray())
                return invalid(QStringLiteral("param_map.") + it.key(), QStringLiteral("must be a list of [from, to] pairs"));
            for (const QJsonValue &pair : it.value().toArray()) {
                if (!pair.isArray() || pair.toArray().size() != 2)
                    return invalid(QStringLiteral("param_map.") + it.key(), QStringLiteral("must be a list of [from, to] pairs"));
            }
        }
        r.m_paramMap = map;
    }
    if (!paramFixed.isNull() && !paramFixed.isUndefined()) {
        if (!paramFixed.isObject())
            return invalid(QStringLiteral("param_fixed"), QStringLiteral("must be an object like {\"temperature\": 0.2}"));
        for (const QString &field : {QStringLiteral("messages"), QStringLiteral("stream"), QStringLiteral("stream_options"),
                                     QStringLiteral("max_tokens"), QStringLiteral("max_completion_tokens"), QStringLiteral("n")}) {
            if (paramFixed.toObject().contains(field))
                return invalid(QStringLiteral("param_fixed.") + field, QStringLiteral("cannot be fixed: the gateway manages it"));
        }
        r.m_paramFixed = paramFixed.toObject();
    }
    return r;
}

void RequestRewrite::apply(QJsonObject &body) const
{
    for (auto it = m_paramMap.begin(); it != m_paramMap.end(); ++it) {
        const QJsonValue current = body.value(it.key());
        for (const QJsonValue &pair : it.value().toArray()) {
            if (pair.toArray().at(0) == current) {
                body.insert(it.key(), pair.toArray().at(1));
                break;
            }
        }
    }
    for (auto it = m_paramFixed.begin(); it != m_paramFixed.end(); ++it)
        body.insert(it.key(), it.value());
    if (m_template)
        applyTemplate(body, *m_template);
}

} // namespace dynaseal
