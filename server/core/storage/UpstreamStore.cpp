#include "server/core/storage/UpstreamStore.h"

#include "server/core/storage/RowIds.h"

#include <QJsonDocument>

namespace dynaseal {
namespace {

const QString kSelect = QStringLiteral("SELECT id, name, base_url, api_key_tail, models, created_at, updated_at, weight FROM upstreams");

QJsonObject upstreamJson(const QSqlQuery &q)
{
    return QJsonObject{{QStringLiteral("id"), q.value(0).toString()},
                       {QStringLiteral("name"), q.value(1).toString()},
                       {QStringLiteral("base_url"), q.value(2).toString()},
                       {QStringLiteral("api_key"), QString(QStringLiteral("…") + q.value(3).toString())},
                       {QStringLiteral("models"), QJsonDocument::fromJson(q.value(4).toByteArray()).array()},
                       {QStringLiteral("weight"), q.value(7).toInt()},
                       {QStringLiteral("created_at"), rows::isoTime(q.value(5).toLongLong())},
                       {QStringLiteral("updated_at"), rows::isoTime(q.value(6).toLongLong())}};
}

QString modelsJson(const QStringList &models)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(models)).toJson(QJsonDocument::Compact));
}

QString sealKey(const SecretBox &box, const QString &id, const QString &apiKey)
{
    return QString::fromLatin1(box.seal(apiKey.toUtf8(), QByteArray("upstream_key:").append(id.toUtf8())));
}

} // namespace

QJsonObject UpstreamStore::create(SqlSession &s, const SecretBox &box, const UpstreamInput &in, qint64 nowMs)
{
    const QString id = rows::newId("up");
    s.exec(QStringLiteral("INSERT INTO upstreams (id, name, base_url, api_key_enc, api_key_tail, models, weight, created_at, updated_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
           {id, *in.name, in.baseUrl->toString(), sealKey(box, id, *in.apiKey), in.apiKey->right(4), modelsJson(*in.models),
            in.weight.value_or(1), nowMs, nowMs});
    return *get(s, id);
}

QJsonArray UpstreamStore::list(SqlSession &s)
{
    QSqlQuery &q = s.exec(kSelect + QStringLiteral(" ORDER BY created_at, id"));
    QJsonArray out;
    while (q.next())
        out.append(upstreamJson(q));
    return out;
}

std::optional<QJsonObject> UpstreamStore::get(SqlSession &s, const QString &id)
{
    QSqlQuery &q = s.exec(kSelect + QStringLiteral(" WHERE id = ?"), {id});
    if (!q.next())
        return std::nullopt;
    return upstreamJson(q);
}

bool UpstreamStore::nameTaken(SqlSession &s, const QString &name, const QString &exceptId)
{
    // Compared here, not in SQL: a null exceptId binds as NULL, and "id <> NULL" matches nothing.
    QSqlQuery &q = s.exec(QStringLiteral("SELECT id FROM upstreams WHERE name = ?"), {name});
    return q.next() && q.value(0).toString() != exceptId;
}

std::optional<QJsonObject> UpstreamStore::update(SqlSession &s, const SecretBox &box, const QString &id, const UpstreamInput &in, qint64 nowMs)
{
    if (!get(s, id))
        return std::nullopt;
    if (in.name)
        s.exec(QStringLiteral("UPDATE upstreams SET name = ? WHERE id = ?"), {*in.name, id});
    if (in.baseUrl)
        s.exec(QStringLiteral("UPDATE upstreams SET base_url = ? WHERE id = ?"), {in.baseUrl->toString(), id});
    if (in.apiKey)
        s.exec(QStringLiteral("UPDATE upstreams SET api_key_enc = ?, api_key_tail = ? WHERE id = ?"),
               {sealKey(box, id, *in.apiKey), in.apiKey->right(4), id});
    if (in.models)
        s.exec(QStringLiteral("UPDATE upstreams SET models = ? WHERE id = ?"), {modelsJson(*in.models), id});
    if (in.weight)
        s.exec(QStringLiteral("UPDATE upstreams SET weight = ? WHERE id = ?"), {*in.weight, id});
    s.exec(QStringLiteral("UPDATE upstreams SET updated_at = ? WHERE id = ?"), {nowMs, id});
    return get(s, id);
}

bool UpstreamStore::remove(SqlSession &s, const QString &id)
{
    return s.exec(QStringLiteral("DELETE FROM upstreams WHERE id = ?"), {id}).numRowsAffected() > 0;
}

} // namespace dynaseal
