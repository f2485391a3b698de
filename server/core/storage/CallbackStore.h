#pragma once
// Stored callbacks: each is written before its first attempt and updated after every attempt.
// Database thread only.
#include "server/core/UsageRecord.h"
#include "server/core/storage/SqlSession.h"

#include <QJsonObject>
#include <QSet>

namespace dynaseal {

struct DueCallback
{
    PendingCallback callback;
    int attempts = 0;
};

class CallbackStore
{
public:
    // Pending callbacks whose next attempt is due, oldest first, skipping ids already in flight.
    static QList<DueCallback> due(SqlSession &s, qint64 nowMs, int limit, const QSet<QString> &inFlight);
    static void markDelivered(SqlSession &s, const QString &id, int httpStatus, qint64 nowMs);
    static void markFailed(SqlSession &s, const QString &id, int httpStatus, const QString &error, qint64 nextAttemptAtMs);
    // The tenant no longer exists: nothing can sign it; kept for the record.
    static void markAbandoned(SqlSession &s, const QString &id, const QString &why);
    // Makes a pending or abandoned callback due now; false if no such callback or delivered.
    static bool retryNow(SqlSession &s, const QString &id, qint64 nowMs);
    // Newest first; created in [sinceMs, untilMs) (untilMs 0: no upper bound).
    static QJsonObject list(SqlSession &s, const QString &tenantId, const QString &state, qint64 sinceMs, qint64 untilMs,
                            int limit, int offset);
    static qint64 countPending(SqlSession &s);
};

} // namespace dynaseal
