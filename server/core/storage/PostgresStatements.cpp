#include "server/core/storage/PostgresStatements.h"

#include "server/core/storage/SqlSession.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QStringEncoder>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <libpq-fe.h>

namespace dynaseal {

QByteArray PostgresStatements::numbered(const QString &sql)
{
    const QByteArray in = sql.toUtf8();
    QByteArray out;
    out.reserve(in.size() + in.size() / 4);
    int next = 1;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in.at(i);
        if (c == '\'' || c == '"') { // a literal or a quoted name, to its closing quote ('' and "" stay inside)
            const qsizetype end = in.indexOf(c, i + 1);
            const qsizetype stop = end < 0 ? in.size() : end + 1;
            out.append(in.constData() + i, stop - i);
            i = stop - 1;
        } else if (c == '-' && in.mid(i, 2) == "--") {
            const qsizetype end = in.indexOf('\n', i);
            const qsizetype stop = end < 0 ? in.size() : end;
            out.append(in.constData() + i, stop - i);
            i = stop - 1;
        } else if (c == '/' && in.mid(i, 2) == "/*") {
            const qsizetype end = in.indexOf("*/", i + 2);
            const qsizetype stop = end < 0 ? in.size() : end + 2;
            out.append(in.constData() + i, stop - i);
            i = stop - 1;
        } else if (c == '?') {
            out.append('$').append(QByteArray::number(next++));
        } else {
            out.append(c);
        }
    }
    return out;
}

bool PostgresStatements::takes(const QVariantList &values)
{
    for (const QVariant &v : values) {
        switch (v.typeId()) {
        case QMetaType::UnknownType:
        case QMetaType::Nullptr:
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Bool:
        case QMetaType::Double:
            break;
        case QMetaType::QString:
            // A zero would end the parameter's text early: such text goes to Qt's driver, as before.
            if (static_cast<const QString *>(v.constData())->contains(QChar(0)))
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

std::unique_ptr<PostgresStatements> PostgresStatements::of(const QSqlDatabase &db)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    // Qt's driver hands out its PGconn as "pg_conn*", libpq's name for the struct.
    if (!handle.isValid() || qstrcmp(handle.typeName(), "pg_conn*") != 0)
        return nullptr;
    pg_conn *connection = *static_cast<pg_conn *const *>(handle.constData());
    if (!connection)
        return nullptr;
    return std::unique_ptr<PostgresStatements>(new PostgresStatements(connection));
}

PostgresStatements::~PostgresStatements() = default; // the statements end with the connection

bool PostgresStatements::connectionLost(QString *why) const
{
    if (PQstatus(m_connection) != CONNECTION_BAD)
        return false;
    if (why)
        *why = QString::fromUtf8(PQerrorMessage(m_connection)).simplified();
    return true;
}

PostgresTransactionId PostgresStatements::begin()
{
    // Two statements in one simple query: PQexec answers with the last one's result.
    PGresult *result = PQexec(m_connection, "BEGIN; SELECT txid_current(), pg_postmaster_start_time()::text");
    const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
    const QString error = ok ? QString() : errorOf(result);
    PostgresTransactionId transaction;
    if (ok) {
        transaction.id = std::atoll(PQgetvalue(result, 0, 0));
        transaction.serverStart = QByteArray(PQgetvalue(result, 0, 1));
    }
    PQclear(result);
    if (!ok)
        throw DbError(QStringLiteral("%1 (in: BEGIN)").arg(error));
    return transaction;
}

QString PostgresStatements::transactionStatus(const PostgresTransactionId &transaction)
{
    const QByteArray text = QByteArray::number(transaction.id);
    const char *const values[] = {text.constData()};
    PGresult *result = PQexecParams(m_connection, "SELECT txid_status($1::bigint), pg_postmaster_start_time()::text", 1, nullptr,
                                    values, nullptr, nullptr, 0);
    const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
    const QString error = ok ? QString() : errorOf(result);
    QString status = ok && !PQgetisnull(result, 0, 0) ? QString::fromLatin1(PQgetvalue(result, 0, 0)) : QString();
    // A server that restarted (a crash, a failover) may have given the id again after losing the
    // transaction. "aborted" still means that transaction's changes are not stored.
    if (ok && status == QLatin1String("committed") && transaction.serverStart != PQgetvalue(result, 0, 1))
        status.clear();
    PQclear(result);
    if (!ok)
        throw DbError(QStringLiteral("%1 (in: SELECT txid_status)").arg(error));
    return status;
}

QString PostgresStatements::errorOf(const pg_result *result) const
{
    // No result at all (a lost connection, no memory): the connection says why.
    return QString::fromUtf8(result ? PQresultErrorMessage(result) : PQerrorMessage(m_connection)).trimmed();
}

const QByteArray &PostgresStatements::prepared(const QString &sql, int parameters)
{
    const auto it = m_names.constFind(sql);
    if (it != m_names.constEnd())
        return it.value();
    // Unique in the process, so that a new session on a connection never meets an old name.
    static std::atomic<quint64> counter{0};
    const QByteArray name = "dynaseal_" + QByteArray::number(++counter);
    PGresult *result = PQprepare(m_connection, name.constData(), numbered(sql).constData(), parameters, nullptr);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const QString error = ok ? QString() : errorOf(result);
    PQclear(result);
    if (!ok)
        throw DbError(QStringLiteral("prepare failed: %1 (in: %2)").arg(error, sql.left(80)));
    return m_names.insert(sql, name).value();
}

int PostgresStatements::run(const QString &sql, const QVariantList &values, QStringList *returned)
{
    const QByteArray &name = prepared(sql, int(values.size()));
    // Every value's text, each ended by a zero, in one buffer sized first (so it never moves and a
    // parameter points straight at its text): as UTF-8 for text, as Qt's driver writes them for the
    // rest. A null value is a null pointer.
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    qsizetype bytes = 0;
    for (const QVariant &v : values)
        bytes += (v.typeId() == QMetaType::QString ? utf8.requiredSpace(static_cast<const QString *>(v.constData())->size()) : 32) + 1;
    if (m_text.size() < bytes)
        m_text.resize(bytes);
    char *next = m_text.data();
    std::vector<const char *> parameters(size_t(values.size()), nullptr);
    for (qsizetype i = 0; i < values.size(); ++i) {
        const QVariant &v = values.at(i);
        // NULL where Qt's driver writes NULL: an empty variant, or a null string.
        if (v.isNull() || (v.typeId() == QMetaType::QString && static_cast<const QString *>(v.constData())->isNull()))
            continue;
        parameters[size_t(i)] = next;
        switch (v.typeId()) {
        case QMetaType::ULongLong:
            next = std::to_chars(next, next + 31, v.toULongLong()).ptr;
            break;
        case QMetaType::Bool:
            next = std::copy_n(v.toBool() ? "true" : "false", v.toBool() ? 4 : 5, next);
            break;
        case QMetaType::Double: {
            const double d = v.toDouble();
            if (std::isnan(d))
                next = std::copy_n("NaN", 3, next);
            else if (std::isinf(d))
                next = d < 0 ? std::copy_n("-Infinity", 9, next) : std::copy_n("Infinity", 8, next);
            else
                next = std::to_chars(next, next + 31, d).ptr; // the shortest text that reads back the same
            break;
        }
        case QMetaType::QString:
            next = utf8.appendToBuffer(next, *static_cast<const QString *>(v.constData()));
            break;
        default: // Int, UInt, LongLong (takes() lets nothing else in)
            next = std::to_chars(next, next + 31, v.toLongLong()).ptr;
            break;
        }
        *next++ = '\0';
    }

    PGresult *result = PQexecPrepared(m_connection, name.constData(), int(parameters.size()), parameters.data(), nullptr,
                                      nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const QString error = errorOf(result);
        PQclear(result);
        throw DbError(QStringLiteral("%1 (in: %2)").arg(error, sql.left(80)));
    }
    if (returned) {
        const int rows = PQntuples(result);
        for (int row = 0; row < rows; ++row)
            returned->append(QString::fromUtf8(PQgetvalue(result, row, 0), PQgetlength(result, row, 0)));
    }
    const int changed = std::atoi(PQcmdTuples(result));
    PQclear(result);
    if (m_text.size() > 256 * 1024)
        m_text = QByteArray(); // a rare big batch's buffer is not kept
    return changed;
}

} // namespace dynaseal
