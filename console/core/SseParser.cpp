#include "console/core/SseParser.h"

namespace dynaseal::console {

QList<SseEvent> SseParser::feed(const QByteArray &bytes)
{
    m_buffer += bytes;
    m_buffer.replace("\r\n", "\n");
    QList<SseEvent> events;
    qsizetype end;
    while ((end = m_buffer.indexOf("\n\n")) >= 0) {
        SseEvent event;
        QList<QByteArray> data;
        for (const QByteArray &line : m_buffer.left(end).split('\n')) {
            if (line.startsWith(':'))
                continue; // a comment, often a keep-alive
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = colon < 0 ? line : line.left(colon);
            QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (name == "event")
                event.type = QString::fromUtf8(value);
            else if (name == "data")
                data.append(value);
        }
        m_buffer.remove(0, end + 2);
        if (data.isEmpty() && event.type.isEmpty())
            continue;
        if (event.type.isEmpty())
            event.type = QStringLiteral("message");
        event.data = data.join('\n');
        events.append(event);
    }
    return events;
}

} // namespace dynaseal::console
