#include "server/core/storage/SqlSession.h"

#include <QSqlError>

namespace dynaseal {

SqlSession::~SqlSession()
{
    m_statements.clear();
}

QSqlQuery &SqlSession::exec(const QString &sql, const QVariantList &values)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        QSqlQuery query(m_db);
        if (!query.prepare(sql))
            throw DbError(QStringLiteral("prepare failed: %1").arg(query.lastError().text()));
        it = m_statements.insert(sql, query);
    }
    QSqlQuery &query = it.value();
    query.finish();
    for (int i = 0; i < values.size(); ++i)
        query.bindValue(i, values.at(i));
    if (!query.exec())
        throw DbError(query.lastError().text());
    return query;
}

void SqlSession::execRaw(const QString &sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        throw DbError(QStringLiteral("%1 (in: %2)").arg(query.lastError().text(), sql.left(80)));
}

} // namespace dynaseal
