#pragma once
// A statement on a server's SQLite file through a connection of the test's own, beside the
// running server (it waits up to 5 s for the server's write lock): to change what the server
// finds there, or to see what it left.
#include <QString>
#include <QVariant>
#include <QVariantList>

namespace dynaseal::test {

// Whether `sql` ran.
bool execOnSqliteFile(const QString &path, const QString &sql, const QVariantList &values = {});
// The first column of the first row `sql` gives; an invalid QVariant when there is none.
QVariant scalarOfSqliteFile(const QString &path, const QString &sql, const QVariantList &values = {});

} // namespace dynaseal::test
