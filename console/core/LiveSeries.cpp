#include "console/core/LiveSeries.h"

#include <algorithm>

namespace dynaseal::console {

LiveSample LiveSample::fromJson(const QJsonObject &p)
{
    LiveSample s;
    s.t = p.value(QLatin1String("t")).toInteger();
    s.requests = p.value(QLatin1String("requests")).toDouble();
    s.errors = p.value(QLatin1String("errors")).toDouble();
    s.tokens = p.value(QLatin1String("tokens")).toDouble();
    s.p50Ms = p.value(QLatin1String("p50_ms")).toDouble();
    s.p95Ms = p.value(QLatin1String("p95_ms")).toDouble();
    return s;
}

LiveSeries::LiveSeries(QObject *parent)
    : QObject(parent)
{
}

void LiveSeries::setHistory(const QList<LiveSample> &points)
{
    m_samples.clear();
    for (const LiveSample &p : points) {
        if (m_samples.isEmpty() || p.t > m_samples.constLast().t)
            m_samples.append(p);
    }
    trim();
    emit reset();
}

bool LiveSeries::append(const LiveSample &point)
{
    if (!m_samples.isEmpty() && point.t <= m_samples.constLast().t)
        return false;
    m_samples.append(point);
    const int dropped = trim();
    emit appended(point, dropped);
    return true;
}

void LiveSeries::clear()
{
    m_samples.clear();
    emit reset();
}

int LiveSeries::trim()
{
    if (m_samples.isEmpty())
        return 0;
    const qint64 oldest = m_samples.constLast().t - kWindowMs;
    const auto firstKept
        = std::find_if(m_samples.cbegin(), m_samples.cend(), [oldest](const LiveSample &s) { return s.t > oldest; });
    const int dropped = int(firstKept - m_samples.cbegin());
    m_samples.remove(0, dropped);
    return dropped;
}

LiveTotals LiveSeries::totals() const
{
    LiveTotals t;
    for (const LiveSample &s : m_samples) {
        t.requests += s.requests;
        t.errors += s.errors;
        t.tokens += s.tokens;
        t.p95Ms = std::max(t.p95Ms, s.p95Ms);
    }
    return t;
}

bool LiveSeries::hasTraffic() const
{
    return std::any_of(m_samples.cbegin(), m_samples.cend(), [](const LiveSample &s) { return !s.isEmpty(); });
}

} // namespace dynaseal::console
