#include "server/core/StreamAccounting.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace dynaseal {
namespace {
// The content kept for the callback is capped: a runaway stream must not grow memory unbounded.
constexpr qint64 kMaxContentChars = 1 << 20;
} // namespace

void StreamAccounting::feedSse(const QByteArray &bytes)
{
    m_pending.append(bytes);
    qsizetype start = 0;
    for (;;) {
        const qsizetype newline = m_pending.indexOf('\n', start);
        if (newline < 0)
            break;
        QByteArray line = m_pending.mid(start, newline - start);
        start = newline + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.startsWith("data:")) {
            QByteArray data = line.mid(5);
            if (data.startsWith(' '))
                data.remove(0, 1);
            takeEvent(data);
        }
    }
    m_pending.remove(0, start);
}

void StreamAccounting::takeJson(const QByteArray &body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isObject())
        takeObject(doc.object(), false);
}

void StreamAccounting::takeEvent(const QByteArray &data)
{
    if (data == "[DONE]") {
        m_done = true;
        return;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(data);
    if (doc.isObject())
        takeObject(doc.object(), true);
}

void StreamAccounting::takeObject(const QJsonObject &object, bool streamed)
{
    const QJsonValue usage = object.value(QLatin1String("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        ReportedUsage r;
        r.promptTokens = u.value(QLatin1String("prompt_tokens")).toInteger();
        r.completionTokens = u.value(QLatin1String("completion_tokens")).toInteger();
        if (!u.contains(QLatin1String("completion_tokens")) && u.contains(QLatin1String("total_tokens")))
            r.completionTokens = u.value(QLatin1String("total_tokens")).toInteger() - r.promptTokens; // embeddings
        if (r.promptTokens >= 0 && r.completionTokens >= 0)
            m_usage = r;
    }
    for (const QJsonValue &choice : object.value(QLatin1String("choices")).toArray()) {
        const QJsonObject c = choice.toObject();
        // Only the first choice is kept as "the" answer; all choices count in usage.
        if (c.value(QLatin1String("index")).toInt() != 0)
            continue;
        QString piece;
        if (streamed)
            piece = c.value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
        else
            piece = c.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString();
        if (piece.isEmpty())
            piece = c.value(QLatin1String("text")).toString(); // legacy completions
        m_contentBytes += piece.toUtf8().size();
        if (m_content.size() < kMaxContentChars)
            m_content += piece.left(int(kMaxContentChars - m_content.size()));
    }
}

} // namespace dynaseal
