#pragma once
// Where the values of a JSON object's members stand in its text, found without parsing them
// again: the body sent upstream copies the values the gateway does not change from the device's
// text instead of writing them out anew (see ProxyRequest::upstreamBody).
#include <QByteArrayView>
#include <vector>

namespace dynaseal::json {

struct ValueSpan
{
    qsizetype offset = 0;
    qsizetype length = 0;
};

// The spans of the top-level object's member values in `text`, in the members' order; empty if
// `text` is not one JSON object. It follows only the structure (strings, brackets, commas), so
// it is meant for text a parser has accepted.
std::vector<ValueSpan> memberValueSpans(QByteArrayView text);

} // namespace dynaseal::json
