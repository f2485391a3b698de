#pragma once
// A RapidJSON output stream that writes into a QByteArray. The upstream's body is written where
// it is sent from, instead of into a StringBuffer that is then copied into a QByteArray: one
// allocation and one copy of the body less per call (see ProxyRequest::upstreamBody).
//
// Use it where the writer writes few strings itself: Writer<StringBuffer> has an SSE2 scan for
// strings that this stream does not get.
#include <QByteArray>
#include <algorithm>
#include <cstddef>

namespace dynaseal::json {

class JsonByteArrayStream
{
public:
    using Ch = char;

    explicit JsonByteArrayStream(qsizetype capacity)
        : m_out(std::max<qsizetype>(capacity, 16), Qt::Uninitialized)
        , m_begin(m_out.data())
        , m_next(m_begin)
        , m_end(m_begin + m_out.size())
    {
    }

    void Put(char c)
    {
        if (m_next == m_end)
            grow(1);
        *m_next++ = c;
    }
    void PutUnsafe(char c) { *m_next++ = c; } // after Reserve
    void Flush() {}
    void Reserve(size_t count)
    {
        if (size_t(m_end - m_next) < count)
            grow(count);
    }
    // Room for `count` characters, which the caller writes.
    char *Push(size_t count)
    {
        Reserve(count);
        char *const at = m_next;
        m_next += count;
        return at;
    }
    qsizetype size() const { return m_next - m_begin; }
    // What was written. The stream is empty afterwards.
    QByteArray take()
    {
        m_out.truncate(size());
        QByteArray out = std::move(m_out);
        m_out = QByteArray();
        m_begin = m_next = m_end = nullptr;
        return out;
    }

private:
    void grow(size_t count)
    {
        const qsizetype used = size();
        m_out.resize(std::max(m_out.size() * 2, used + qsizetype(count)));
        m_begin = m_out.data();
        m_next = m_begin + used;
        m_end = m_begin + m_out.size();
    }

    QByteArray m_out; // sized to its capacity; size() is what was written
    char *m_begin; // m_out's data, or null once taken
    char *m_next;
    char *m_end;
};

// RapidJSON's writer reserves room before runs of characters and then puts them unchecked; found
// by argument-dependent lookup in place of its defaults (no reserve, a checked Put each).
inline void PutReserve(JsonByteArrayStream &stream, size_t count)
{
    stream.Reserve(count);
}
inline void PutUnsafe(JsonByteArrayStream &stream, char c)
{
    stream.PutUnsafe(c);
}

} // namespace dynaseal::json
