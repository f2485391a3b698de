#include "server/core/JsonValueSpans.h"

#include <cstring>

namespace dynaseal::json {
namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Past the string whose opening quote is at `p`; `end` if it is not closed. The text of a
// conversation is nearly all strings, so the closing quote is looked for with memchr, many bytes
// at a time: a quote after an odd number of backslashes is part of the string.
const char *afterString(const char *p, const char *end)
{
    ++p;
    for (;;) {
        const char *quote = static_cast<const char *>(std::memchr(p, '"', size_t(end - p)));
        if (!quote)
            return end;
        const char *backslashes = quote;
        while (backslashes > p && backslashes[-1] == '\\')
            --backslashes;
        if ((quote - backslashes) % 2 == 0)
            return quote + 1;
        p = quote + 1;
    }
}

// Past the value that starts at `p`; `end` if it does not end.
const char *afterValue(const char *p, const char *end)
{
    if (*p == '"')
        return afterString(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            const char c = *p;
            if (c == '"') {
                p = afterString(p, end);
                continue;
            }
            if (c == '{' || c == '[')
                ++depth;
            else if ((c == '}' || c == ']') && --depth == 0)
                return p + 1;
            ++p;
        }
        return end;
    }
    // A number, true, false or null: up to what follows it.
    while (p < end && !isSpace(*p) && *p != ',' && *p != '}' && *p != ']')
        ++p;
    return p;
}

} // namespace

std::vector<ValueSpan> memberValueSpans(QByteArrayView text)
{
    const char *const begin = text.data();
    const char *const end = begin + text.size();
    const char *p = begin;
    auto skipSpace = [&p, end] {
        while (p < end && isSpace(*p))
            ++p;
    };
    std::vector<ValueSpan> spans;
    skipSpace();
    if (p == end || *p != '{')
        return {};
    ++p;
    skipSpace();
    if (p < end && *p == '}')
        return spans;
    while (p < end && *p == '"') {
        p = afterString(p, end);
        skipSpace();
        if (p == end || *p != ':')
            return {};
        ++p;
        skipSpace();
        if (p == end)
            return {};
        const char *valueEnd = afterValue(p, end);
        if (valueEnd == p || valueEnd == end)
            return {};
        spans.push_back({qsizetype(p - begin), qsizetype(valueEnd - p)});
        p = valueEnd;
        skipSpace();
        if (p < end && *p == '}')
            return spans;
        if (p == end || *p != ',')
            return {};
        ++p;
        skipSpace();
    }
    return {};
}

} // namespace dynaseal::json
