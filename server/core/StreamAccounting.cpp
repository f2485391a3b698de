#include "server/core/StreamAccounting.h"

#include "server/core/JsonMembers.h"

#include <QStringDecoder>
#include <rapidjson/document.h>

#include <cmath>
#include <cstring>

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
    take(body, false);
}

void StreamAccounting::takeEvent(const QByteArray &data)
{
    if (data == "[DONE]") {
        m_done = true;
        return;
    }
    take(data, true);
}

namespace {

using JsonValue = rapidjson::Value;
using json::member;
using json::text;

// The length in UTF-16 units of valid UTF-8: a unit for each character's first byte, and a second
// for each four-byte one (a surrogate pair).
qint64 utf16Length(QByteArrayView utf8)
{
    qint64 units = 0;
    for (const char c : utf8) {
        const auto byte = uchar(c);
        units += (byte & 0xc0) != 0x80;
        units += byte >= 0xf0;
    }
    return units;
}

// As QJsonValue::toInteger: a whole number, else 0.
qint64 integer(const JsonValue *v)
{
    if (!v || !v->IsNumber())
        return 0;
    if (v->IsInt64())
        return v->GetInt64();
    const double d = v->GetDouble();
    return d == std::floor(d) && std::abs(d) < 9.0e18 ? qint64(d) : 0;
}

} // namespace

void StreamAccounting::take(const QByteArray &json, bool streamed)
{
    // RapidJSON, not QJsonDocument: every answer and every streamed chunk is parsed here, and
    // QJsonDocument was the larger part of a serving thread's JSON work. Only two members matter.
    // Parsed in place, in a terminated copy of its own: strings are then not copied out one byte
    // at a time, and with RAPIDJSON_SSE2 (see server/CMakeLists.txt) they are scanned 16 bytes at
    // a time. In-place parsing takes a NUL byte for the end of the text; a NUL is never valid
    // JSON, so such a text is skipped, as the parser would have rejected it.
    if (json.isEmpty() || std::memchr(json.constData(), 0, size_t(json.size())))
        return;
    QByteArray buffer(json.constData(), json.size());
    // Its memory from the stack: a default Document takes a 64 KiB block from the heap per parse.
    // A larger answer spills over into heap blocks as usual.
    char valueBuffer[8192];
    char parseBuffer[2048]; // the parser's stack starts at 1 KiB; the pool keeps a header too
    rapidjson::MemoryPoolAllocator<> valueAllocator(valueBuffer, sizeof valueBuffer);
    rapidjson::MemoryPoolAllocator<> parseAllocator(parseBuffer, sizeof parseBuffer);
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>, rapidjson::MemoryPoolAllocator<>>
        doc(&valueAllocator, 1024, &parseAllocator);
    doc.ParseInsitu(buffer.data());
    if (doc.HasParseError() || !doc.IsObject())
        return;
    if (const JsonValue *usage = member(doc, "usage"); usage && usage->IsObject()) {
        ReportedUsage r;
        r.promptTokens = integer(member(*usage, "prompt_tokens"));
        const JsonValue *completion = member(*usage, "completion_tokens");
        r.completionTokens = integer(completion);
        if (!completion && member(*usage, "total_tokens"))
            r.completionTokens = integer(member(*usage, "total_tokens")) - r.promptTokens; // embeddings
        if (r.promptTokens >= 0 && r.completionTokens >= 0)
            m_usage = r;
    }
    const JsonValue *choices = member(doc, "choices");
    if (!choices || !choices->IsArray())
        return;
    for (const JsonValue &choice : choices->GetArray()) {
        // Only the first choice is kept as "the" answer; all choices count in usage.
        if (!choice.IsObject() || integer(member(choice, "index")) != 0)
            continue;
        const JsonValue *message = member(choice, streamed ? "delta" : "message");
        QByteArrayView piece = message ? text(member(*message, "content")) : QByteArrayView();
        if (piece.isEmpty())
            piece = text(member(choice, "text")); // legacy completions
        if (piece.isEmpty())
            continue;
        m_contentBytes += piece.size();
        appendContent(piece);
    }
}

void StreamAccounting::appendContent(QByteArrayView piece)
{
    // Kept as the UTF-8 it came in: the callback's body is UTF-8 too, and a QString cost a
    // conversion each way.
    const qint64 room = kMaxContentChars - m_contentChars;
    if (room <= 0)
        return;
    if (piece.isValidUtf8()) {
        if (const qint64 units = utf16Length(piece); units <= room) {
            m_content.append(piece);
            m_contentChars += units;
            return;
        }
    }
    // Not valid UTF-8, or the piece that reaches the cap: through Qt's decoder, which replaces
    // what is not valid with U+FFFD, then cut at the cap (half a surrogate pair then becomes "?"
    // in UTF-8). A byte order mark stays, as on the valid path: it is part of the text
    // (QString::fromUtf8 would drop one at the start).
    QStringDecoder decode(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    const QString text = QString(decode(piece)).left(qsizetype(room));
    m_content += text.toUtf8();
    m_contentChars += text.size();
}

} // namespace dynaseal
