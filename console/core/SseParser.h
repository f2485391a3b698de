#pragma once
// Splits a Server-Sent Events byte stream into events as bytes arrive (in any chunking):
// "event:" names the event, "data:" lines are joined, a blank line ends it.
#include <QByteArray>
#include <QList>
#include <QString>

namespace dynaseal::console {

struct SseEvent
{
    QString type; // "message" when the stream names none
    QByteArray data;
};

class SseParser
{
public:
    // Returns the events completed by these bytes.
    QList<SseEvent> feed(const QByteArray &bytes);
    void reset() { m_buffer.clear(); }

private:
    QByteArray m_buffer;
};

} // namespace dynaseal::console
