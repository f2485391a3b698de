#pragma once
// Counters, gauges and latency histograms, rendered in the Prometheus text format.
#include "shared/AdaptiveMutex.h"

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>
#include <array>
#include <functional>
#include <mutex>
#include <vector>

namespace dynaseal {

class Metrics
{
public:
    // `series` is the metric name with its labels, e.g. R"(dynaseal_requests_total{status="ok"})".
    // By name, the series is looked up on every call, under a lock all threads share: for a
    // series counted on every request, keep its id (below) instead.
    void add(const QString &series, double amount = 1) { add(counter(series), amount); }
    void observeSeconds(const QString &name, double seconds) { observeSeconds(histogram(name), seconds); } // histogram

    // A series looked up once, for code that counts it on every request: adding through its id
    // hashes and compares nothing. Ids belong to the Metrics that gave them.
    template <typename Kind>
    class SeriesId
    {
    public:
        bool operator==(const SeriesId &) const = default;

    private:
        friend class Metrics;
        explicit SeriesId(int i) : index(i) {}
        int index;
    };
    using CounterId = SeriesId<struct CounterKind>;
    using HistogramId = SeriesId<struct HistogramKind>;
    CounterId counter(const QString &series);
    HistogramId histogram(const QString &name);
    void add(CounterId id, double amount = 1);
    void observeSeconds(HistogramId id, double seconds);
    // A gauge read when /metrics is scraped.
    void gauge(const QString &name, const QString &help, std::function<double()> read);
    void describe(const QString &name, const QString &type, const QString &help);

    double value(const QString &series) const;
    QByteArray render() const;

private:
    struct Histogram
    {
        QList<quint64> counts; // one per bucket, cumulative when rendered
        double sum = 0;
        quint64 count = 0;
    };
    struct Gauge
    {
        QString help;
        std::function<double()> read;
    };
    // Counters and histograms are counted in shards, each thread in its own (as far as there
    // are enough), and summed when read: with one lock for all, the serving threads took turns
    // on it for every request (bench/micro/admission_bench.cpp). A shard keeps its values by id;
    // render() sorts them by name.
    static constexpr int kShards = 8;
    struct alignas(64) Shard
    {
        mutable AdaptiveMutex mutex;
        std::vector<double> counterValues;       // by CounterId
        std::vector<Histogram> histogramValues; // by HistogramId
    };
    Shard &threadShard();
    QMap<QString, double> counters() const;
    QMap<QString, Histogram> histograms() const;

    std::array<Shard, kShards> m_shards;
    // The series given ids, by index.
    mutable AdaptiveMutex m_idsMutex;
    QHash<QString, int> m_counterIds;
    QStringList m_counterNames;
    QHash<QString, int> m_histogramIds;
    QStringList m_histogramNames;
    mutable AdaptiveMutex m_mutex; // gauges and descriptions
    QMap<QString, Gauge> m_gauges;
    QHash<QString, QPair<QString, QString>> m_descriptions; // name -> (type, help)
};

} // namespace dynaseal
