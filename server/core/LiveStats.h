#pragma once
// Per-second traffic figures for the last 15 minutes, kept in memory for the console's live
// graphs: requests, errors, tokens and latency percentiles, filterable by tenant and model.
// Memory is bounded: one slot per second, one small latency histogram per (tenant, model).
// Thread-safe.
#include "shared/AdaptiveMutex.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <array>
#include <mutex>

namespace dynaseal {

struct LivePoint
{
    qint64 secondMs = 0; // start of the second
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 tokens = 0;
    double p50Ms = 0;
    double p95Ms = 0;
    QJsonObject toJson() const;
};

class LiveStats
{
public:
    static constexpr int kSeconds = 900;

    void record(const QString &tenantId, const QString &model, bool ok, qint64 tokens, qint64 latencyMs, qint64 nowMs);
    // One point per second in [fromMs, toMs), oldest first; empty tenant/model match all.
    QList<LivePoint> points(qint64 fromMs, qint64 toMs, const QString &tenantId = {}, const QString &model = {}) const;

    // Latency histogram bucket upper bounds in ms (the last is open-ended).
    static const std::array<double, 16> &bucketBoundsMs();

private:
    struct Cell
    {
        qint64 requests = 0;
        qint64 errors = 0;
        qint64 tokens = 0;
        std::array<quint32, 16> latency{};
    };
    struct Second
    {
        qint64 secondMs = -1;
        QHash<QString, Cell> cells; // "tenant\nmodel"
    };
    mutable AdaptiveMutex m_mutex;
    std::array<Second, kSeconds> m_ring;
};

} // namespace dynaseal
