#include "server/core/Metrics.h"

#include <atomic>

namespace dynaseal {
namespace {
const QList<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

void observe(QList<quint64> &counts, double &sum, quint64 &count, double seconds)
{
    if (counts.isEmpty())
        counts.fill(0, kBuckets.size());
    for (int i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets.at(i)) {
            ++counts[i];
            break;
        }
    }
    sum += seconds;
    ++count;
}

// A shard's value for an id, its list grown to it first (ids are given out in order).
template <typename T>
T &valueAt(std::vector<T> &values, int index)
{
    if (size_t(index) >= values.size())
        values.resize(size_t(index) + 1);
    return values[size_t(index)];
}

int idOf(QHash<QString, int> &ids, QStringList &names, const QString &name)
{
    const auto it = ids.constFind(name);
    if (it != ids.constEnd())
        return it.value();
    names.append(name);
    return ids.insert(name, int(names.size() - 1)).value();
}

QString baseName(const QString &series)
{
    const int brace = series.indexOf(QLatin1Char('{'));
    return brace < 0 ? series : series.left(brace);
}
} // namespace

Metrics::Shard &Metrics::threadShard()
{
    static std::atomic<unsigned> nextThread{0};
    thread_local const unsigned index = nextThread.fetch_add(1, std::memory_order_relaxed) % kShards;
    return m_shards[index];
}

Metrics::CounterId Metrics::counter(const QString &series)
{
    std::lock_guard lock(m_idsMutex);
    return CounterId{idOf(m_counterIds, m_counterNames, series)};
}

Metrics::HistogramId Metrics::histogram(const QString &name)
{
    std::lock_guard lock(m_idsMutex);
    return HistogramId{idOf(m_histogramIds, m_histogramNames, name)};
}

void Metrics::add(CounterId id, double amount)
{
    Shard &shard = threadShard();
    std::lock_guard lock(shard.mutex);
    valueAt(shard.counterValues, id.index) += amount;
}

void Metrics::observeSeconds(HistogramId id, double seconds)
{
    Shard &shard = threadShard();
    std::lock_guard lock(shard.mutex);
    Histogram &h = valueAt(shard.histogramValues, id.index);
    observe(h.counts, h.sum, h.count, seconds);
}

QMap<QString, double> Metrics::counters() const
{
    QStringList names;
    {
        std::lock_guard lock(m_idsMutex);
        names = m_counterNames;
    }
    QMap<QString, double> sum;
    for (const QString &name : std::as_const(names))
        sum.insert(name, 0); // a series given an id is shown from then on, at 0 until counted
    for (const Shard &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        // An id given after `names` was read shows at the next read.
        for (size_t i = 0; i < shard.counterValues.size() && i < size_t(names.size()); ++i)
            sum[names.at(qsizetype(i))] += shard.counterValues[i];
    }
    return sum;
}

QMap<QString, Metrics::Histogram> Metrics::histograms() const
{
    QStringList names;
    {
        std::lock_guard lock(m_idsMutex);
        names = m_histogramNames;
    }
    QMap<QString, Histogram> sum;
    const auto addTo = [&sum](const QString &name, const Histogram &from) {
        Histogram &h = sum[name];
        if (h.counts.isEmpty())
            h.counts.fill(0, kBuckets.size());
        for (int i = 0; i < kBuckets.size(); ++i)
            h.counts[i] += from.counts.value(i);
        h.sum += from.sum;
        h.count += from.count;
    };
    for (const QString &name : std::as_const(names))
        addTo(name, Histogram{}); // shown from when it is given an id, with every bucket at 0
    for (const Shard &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        for (size_t i = 0; i < shard.histogramValues.size() && i < size_t(names.size()); ++i)
            addTo(names.at(qsizetype(i)), shard.histogramValues[i]);
    }
    return sum;
}

void Metrics::gauge(const QString &name, const QString &help, std::function<double()> read)
{
    std::lock_guard lock(m_mutex);
    m_gauges[name] = Gauge{help, std::move(read)};
}

void Metrics::describe(const QString &name, const QString &type, const QString &help)
{
    std::lock_guard lock(m_mutex);
    m_descriptions[name] = {type, help};
}

double Metrics::value(const QString &series) const
{
    int id = -1;
    {
        std::lock_guard lock(m_idsMutex);
        id = m_counterIds.value(series, -1);
    }
    double sum = 0;
    if (id < 0)
        return sum; // never counted
    for (const Shard &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        if (size_t(id) < shard.counterValues.size())
            sum += shard.counterValues[size_t(id)];
    }
    return sum;
}

QByteArray Metrics::render() const
{
    const QMap<QString, double> counterValues = counters();
    const QMap<QString, Histogram> histogramValues = histograms();
    std::lock_guard lock(m_mutex);
    QString out;
    // Grouped by family first: in series order "a_total_x" sorts between "a_total" and
    // "a_total{...}", which would split a family in two.
    QMap<QString, QStringList> families;
    for (auto it = counterValues.begin(); it != counterValues.end(); ++it)
        families[baseName(it.key())].append(it.key());
    for (auto f = families.begin(); f != families.end(); ++f) {
        const auto d = m_descriptions.value(f.key(), {QStringLiteral("counter"), f.key()});
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 %3\n").arg(f.key(), d.second, d.first);
        for (const QString &series : f.value())
            out += series + QLatin1Char(' ') + QString::number(counterValues.value(series), 'g', 15) + QLatin1Char('\n');
    }
    for (auto it = histogramValues.begin(); it != histogramValues.end(); ++it) {
        const auto d = m_descriptions.value(it.key(), {QStringLiteral("histogram"), it.key()});
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 histogram\n").arg(it.key(), d.second);
        quint64 cumulative = 0;
        for (int i = 0; i < kBuckets.size(); ++i) {
            cumulative += it->counts.value(i);
            out += QStringLiteral("%1_bucket{le=\"%2\"} %3\n").arg(it.key(), QString::number(kBuckets.at(i))).arg(cumulative);
        }
        out += QStringLiteral("%1_bucket{le=\"+Inf\"} %2\n%1_sum %3\n%1_count %2\n").arg(it.key()).arg(it->count).arg(it->sum, 0, 'g', 15);
    }
    for (auto it = m_gauges.begin(); it != m_gauges.end(); ++it) {
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 gauge\n%1 %3\n").arg(it.key(), it->help, QString::number(it->read(), 'g', 15));
    }
    return out.toUtf8();
}

} // namespace dynaseal
