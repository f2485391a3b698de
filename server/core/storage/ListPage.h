#pragma once
// Admin lists that show what only memory knows (the in-flight journal's entries) before the
// stored rows, paged over both with one limit and offset, and that count their stored rows only
// so far.
#include "server/core/storage/SqlSession.h"

#include <QJsonArray>
#include <QSqlQuery>
#include <QVariantList>
#include <algorithm>

namespace dynaseal::rows {

// How far a list counts its matching rows. Counting reads every one of them (0.3–0.45 s for a
// tenant's callbacks or a model's requests among 444,671), for a number nobody pages through to
// the end of; past it a list answers "total_exact": false, and the console shows "10,000+".
constexpr qint64 kCountLimit = 10'000;

struct RowCount
{
    qint64 rows = 0;    // at most kCountLimit
    bool exact = true;  // false: there are more than `rows`

    RowCount operator+(const RowCount &other) const { return {rows + other.rows, exact && other.exact}; }
};

// The rows of `fromWhere` ("FROM t WHERE …", taking `values`), counted up to kCountLimit.
inline RowCount countUpToLimit(SqlSession &s, const QString &fromWhere, QVariantList values)
{
    values.append(kCountLimit + 1);
    QSqlQuery &q = s.exec(QStringLiteral("SELECT COUNT(*) FROM (SELECT 1 ") + fromWhere + QStringLiteral(" LIMIT ?) AS counted"), values);
    const qint64 counted = q.next() ? q.value(0).toLongLong() : 0;
    return {std::min(counted, kCountLimit), counted <= kCountLimit};
}

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
