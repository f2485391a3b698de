#include "server/core/LiveStats.h"

namespace dynaseal {
namespace {

QString cellKey(const QString &tenantId, const QString &model)
{
    return tenantId + QLatin1Char('\n') + model;
}

// The latency under which `fraction` of the samples fall, interpolated inside its bucket.
double percentile(const std::array<quint32, 16> &histogram, qint64 count, double fraction)
{
    if (count == 0)
        return 0;
    const auto &bounds = LiveStats::bucketBoundsMs();
    const double rank = fraction * double(count);
    double seen = 0;
    for (size_t i = 0; i < histogram.size(); ++i) {
        if (histogram[i] == 0)
            continue;
        if (seen + histogram[i] >= rank) {
            const double low = i == 0 ? 0 : bounds[i - 1];
            const double within = (rank - seen) / histogram[i];
            return low + (bounds[i] - low) * within;
        }
        seen += histogram[i];
    }
    return bounds.back();
}

} // namespace

QJsonObject LivePoint::toJson() const
{
    return QJsonObject{{QStringLiteral("t"), secondMs}, {QStringLiteral("requests"), requests}, {QStringLiteral("errors"), errors},
                       {QStringLiteral("tokens"), tokens}, {QStringLiteral("p50_ms"), p50Ms}, {QStringLiteral("p95_ms"), p95Ms}};
}

const std::array<double, 16> &LiveStats::bucketBoundsMs()
{
    static const std::array<double, 16> bounds = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 600000};
    return bounds;
}

void LiveStats::record(const QString &tenantId, const QString &model, bool ok, qint64 tokens, qint64 latencyMs, qint64 nowMs)
{
    const qint64 second = nowMs / 1000 * 1000;
    const auto &bounds = bucketBoundsMs();
    size_t bucket = 0;
    while (bucket + 1 < bounds.size() && double(latencyMs) > bounds[bucket])
        ++bucket;
    std::lock_guard lock(m_mutex);
    Second &slot = m_ring[size_t((second / 1000) % kSeconds)];
    if (slot.secondMs != second) {
        slot.secondMs = second;
        slot.cells.clear();
    }
    Cell &cell = slot.cells[cellKey(tenantId, model)];
    ++cell.requests;
    cell.errors += ok ? 0 : 1;
    cell.tokens += tokens;
    ++cell.latency[bucket];
}

QList<LivePoint> LiveStats::points(qint64 fromMs, qint64 toMs, const QString &tenantId, const QString &model) const
{
    QList<LivePoint> out;
    const qint64 first = std::max(fromMs / 1000 * 1000, toMs - qint64(kSeconds) * 1000);
    std::lock_guard lock(m_mutex);
    for (qint64 second = first; second < toMs; second += 1000) {
        LivePoint point;
        point.secondMs = second;
        const Second &slot = m_ring[size_t((second / 1000) % kSeconds)];
        if (slot.secondMs == second) {
            std::array<quint32, 16> latency{};
            for (auto it = slot.cells.begin(); it != slot.cells.end(); ++it) {
                const qsizetype split = it.key().indexOf(QLatin1Char('\n'));
                if (!tenantId.isEmpty() && QStringView(it.key()).left(split) != tenantId)
                    continue;
                if (!model.isEmpty() && QStringView(it.key()).mid(split + 1) != model)
                    continue;
                point.requests += it->requests;
                point.errors += it->errors;
                point.tokens += it->tokens;
                for (size_t b = 0; b < latency.size(); ++b)
                    latency[b] += it->latency[b];
            }
            point.p50Ms = percentile(latency, point.requests, 0.50);
            point.p95Ms = percentile(latency, point.requests, 0.95);
        }
        out.append(point);
    }
    return out;
}

} // namespace dynaseal
