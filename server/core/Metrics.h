#pragma once
// Counters, gauges and latency histograms, rendered in the Prometheus text format.
#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>
#include <functional>
#include <mutex>

namespace dynaseal {

class Metrics
{
public:
    // `series` is the metric name with its labels, e.g. R"(dynaseal_requests_total{status="ok"})".
    void add(const QString &series, double amount = 1);
    void observeSeconds(const QString &name, double seconds); // histogram
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
    mutable std::mutex m_mutex;
    QMap<QString, double> m_counters;
    QMap<QString, Histogram> m_histograms;
    QMap<QString, Gauge> m_gauges;
    QHash<QString, QPair<QString, QString>> m_descriptions; // name -> (type, help)
};

} // namespace dynaseal
