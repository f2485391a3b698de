#pragma once
// Admin lists that show what only memory knows (the in-flight journal's entries) before the
// stored rows, paged over both with one limit and offset.
#include <QJsonArray>
#include <QVariantList>
#include <algorithm>

namespace dynaseal::rows {

// Appends to `items` (empty) this page's share of `shownFirst`, each made by `toJson`, and returns
// the LIMIT and OFFSET values of the stored rows' query, which fills the rest of the page.
template <typename List, typename ToJson>
QVariantList pageShownFirst(const List &shownFirst, int limit, int offset, QJsonArray &items, ToJson toJson)
{
    for (qsizetype i = offset; i < shownFirst.size() && items.size() < limit; ++i)
        items.append(toJson(shownFirst.at(i)));
    return {limit - int(items.size()), std::max<qint64>(0, offset - shownFirst.size())};
}

} // namespace dynaseal::rows
