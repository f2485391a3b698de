#include "tests/support/PrometheusText.h"

#include <QList>

namespace dynaseal::test {

double metricSample(const QByteArray &metrics, const QByteArray &series)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).trimmed().toDouble();
    }
    return -1;
}

double metricSum(const QByteArray &metrics, const QByteArray &name)
{
    double total = 0;
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(name + '{')) || line.startsWith(QByteArray(name + ' ')))
            total += line.mid(line.lastIndexOf(' ') + 1).toDouble();
    }
    return total;
}

} // namespace dynaseal::test
