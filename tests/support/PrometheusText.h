#pragma once
// Reading values out of the server's /metrics page (Prometheus' text format) in tests.
#include <QByteArray>

namespace dynaseal::test {

// The value of one sample line (`series`: a name with its labels, or a bare name), or -1.
double metricSample(const QByteArray &metrics, const QByteArray &series);
// The sum of every sample of `name`, whatever its labels.
double metricSum(const QByteArray &metrics, const QByteArray &name);

} // namespace dynaseal::test
