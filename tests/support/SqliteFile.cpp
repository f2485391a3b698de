#include "tests/support/SqliteFile.h"

#include <QSqlDatabase>
#include <QSqlQuery>

namespace dynaseal::test {
namespace {

// Runs `sql` and hands the query to `read` while the connection is open; false if it did not run.
template <typename Read>
bool withQuery(const QString &path, const QString &sql, const QVariantList &values, Read read)
{
    const QString connection = QStringLiteral("test-sqlite-file");
    bool ran = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (db.open()) {
            QSqlQuery q(db);
            ran = q.prepare(sql);
            for (const QVariant &v : values)
                q.addBindValue(v);
            ran = ran && q.exec();
            if (ran)
                read(q);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ran;
}

} // namespace

bool execOnSqliteFile(const QString &path, const QString &sql, const QVariantList &values)
{
    return withQuery(path, sql, values, [](QSqlQuery &) {});
}

QVariant scalarOfSqliteFile(const QString &path, const QString &sql, const QVariantList &values)
{
    QVariant value;
    withQuery(path, sql, values, [&value](QSqlQuery &q) {
        if (q.next())
            value = q.value(0);
    });
    return value;
}

} // namespace dynaseal::test
