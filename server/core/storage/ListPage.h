#pragma once
// Admin lists that show what only memory knows (the in-flight journal's entries) before the
// stored rows, paged over both with one limit and an offset or a cursor, and that count their
// stored rows only so far.
#include "server/core/storage/SqlSession.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QSqlQuery>
#include <QStringList>
#include <QVariantList>
#include <algorithm>
#include <optional>

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

// Where a page ended, handed out as "next_cursor" and taken back as "cursor": the list's section
// (the rows from memory shown first, or the stored ones) and the page's last row, by what the
// list is ordered by (`key`: a time in ms, or a request id) and its id. The next page then starts
// right after that row through the list's index, where an offset reads every row it skips (0.3 s
// at 250,000 rows). Opaque to clients: base64url of "<section>\n<key>\n<id>".
struct ListCursor
{
    char section = 0; // 0: none, the list from its start
    QString key;
    QString id;

    qint64 ms() const { return key.toLongLong(); }

    // Whether a row of the cursor's section, listed by its key descending and then by id, comes
    // after the cursor's row.
    bool listsAfter(qint64 rowMs, const QString &rowId) const { return rowMs < ms() || (rowMs == ms() && rowId > id); }

    // Narrows `where` and its `values` to the stored rows after this cursor's row, when it is in
    // their `section`: rows ordered by `keyColumn` descending, then `idColumn`, the key's value
    // `keyValue`. In two parts, so that the key alone bounds the index range on both databases.
    void restrictAfter(QString &where, QVariantList &values, char section, const char *keyColumn, const char *idColumn,
                       const QVariant &keyValue) const
    {
        if (this->section != section)
            return;
        where += QStringLiteral(" AND %1 <= ? AND (%1 < ? OR %2 > ?)").arg(QLatin1String(keyColumn), QLatin1String(idColumn));
        values << keyValue << keyValue << id;
    }

    QJsonValue json() const
    {
        if (!section)
            return QJsonValue::Null;
        const QByteArray text = QByteArray(1, section) + '\n' + key.toUtf8() + '\n' + id.toUtf8();
        return QString::fromLatin1(text.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }

    // A cursor one of this server's lists gave, with a section of `sections` and, in the sections
    // of `timeSections`, a time for key; nothing if `text` is not one.
    static std::optional<ListCursor> parse(const QString &text, QLatin1StringView sections, QLatin1StringView timeSections)
    {
        if (text.size() > 512)
            return std::nullopt;
        const auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return std::nullopt;
        const QList<QByteArray> parts = decoded.decoded.split('\n');
        if (parts.size() != 3 || parts.at(0).size() != 1 || !sections.contains(QLatin1Char(parts.at(0).at(0)))
            || parts.at(1).isEmpty() || parts.at(2).isEmpty())
            return std::nullopt;
        ListCursor c{parts.at(0).at(0), QString::fromUtf8(parts.at(1)), QString::fromUtf8(parts.at(2))};
        if (timeSections.contains(QLatin1Char(c.section))) {
            bool ok = false;
            if (c.key.toLongLong(&ok) < 0 || !ok)
                return std::nullopt;
        }
        return c;
    }
};

// What the rows shown first put on a page.
struct ShownFirst
{
    qint64 storedLimit = 0;  // LIMIT and OFFSET of the stored rows' query, which fills the rest
    qint64 storedOffset = 0;
    ListCursor last;         // the last one on the page (no section: none was)
    bool more = false;       // more of them after it
};

// Appends to `items` (empty) this page's share of `shownFirst`, each made by `toJson`: after
// `offset` of them, or after the cursor's row when it is in their `section`, or none when the
// cursor is among the stored rows. `shownFirst` is ordered by time descending, then id;
// `timeAndId` gives a row's.
template <typename List, typename TimeAndId, typename ToJson>
ShownFirst pageShownFirst(const List &shownFirst, char section, int limit, int offset, const ListCursor &cursor, QJsonArray &items,
                          TimeAndId timeAndId, ToJson toJson)
{
    qsizetype from = offset;
    if (cursor.section == section) {
        from = std::find_if(shownFirst.cbegin(), shownFirst.cend(), [&](const auto &row) {
                   const auto [ms, id] = timeAndId(row);
                   return cursor.listsAfter(ms, id);
               }) - shownFirst.cbegin();
    } else if (cursor.section) {
        from = shownFirst.size();
    }
    ShownFirst page;
    for (qsizetype i = from; i < shownFirst.size() && items.size() < limit; ++i) {
        items.append(toJson(shownFirst.at(i)));
        const auto [ms, id] = timeAndId(shownFirst.at(i));
        page.last = {section, QString::number(ms), id};
        page.more = i + 1 < shownFirst.size();
    }
    page.storedLimit = limit - items.size();
    page.storedOffset = std::max<qint64>(0, from - shownFirst.size());
    return page;
}

// A list's answer: `items`, the `stored` rows counted plus the `shownFirst` ones matching, and
// the cursor of the next page (none: this was the last).
inline QJsonObject listPage(const RowCount &stored, qsizetype shownFirst, const QJsonArray &items, const ListCursor &next)
{
    return QJsonObject{{QStringLiteral("total"), stored.rows + shownFirst},
                       {QStringLiteral("total_exact"), stored.exact},
                       {QStringLiteral("items"), items},
                       {QStringLiteral("next_cursor"), next.json()}};
}

} // namespace dynaseal::rows
