#pragma once
// Reads what the device is sent, to know what was answered and what it cost: the assistant's text
// and the upstream's usage, from a JSON body or from a Server-Sent Events stream fed in pieces.
#include <QByteArray>
#include <QString>
#include <optional>

namespace dynaseal {

struct ReportedUsage
{
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
};

class StreamAccounting
{
public:
    // Feeds raw SSE bytes as they arrive (any split).
    void feedSse(const QByteArray &bytes);
    // A whole non-streamed JSON response.
    void takeJson(const QByteArray &body);

    // The first choice's text, for the callback: valid UTF-8 (what is not is replaced with U+FFFD,
    // as Qt's UTF-8 decoder does), at most 1,048,576 UTF-16 units (docs/callbacks.md).
    const QByteArray &content() const { return m_content; }
    const std::optional<ReportedUsage> &usage() const { return m_usage; }
    bool sawDone() const { return m_done; }
    qint64 contentBytes() const { return m_contentBytes; }

private:
    void takeEvent(const QByteArray &data);
    void take(const QByteArray &json, bool streamed);
    void appendContent(QByteArrayView piece);

    QByteArray m_pending; // an incomplete line
    QByteArray m_content;
    qint64 m_contentChars = 0; // m_content's length in UTF-16 units, the unit of its cap
    qint64 m_contentBytes = 0;
    std::optional<ReportedUsage> m_usage;
    bool m_done = false;
};

} // namespace dynaseal
