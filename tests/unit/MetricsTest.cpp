// Metrics::render against a strict reader of the Prometheus text format (0.0.4): HELP and TYPE
// once per family and before its samples, families contiguous, valid names, labels and values,
// and histograms with cumulative buckets ending at +Inf equal to the count.
#include "server/core/Metrics.h"

#include <QRegularExpression>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

using namespace dynaseal;

namespace {

struct Sample
{
    QString name;
    QMap<QString, QString> labels;
    double value = 0;
};

struct Family
{
    QString type;
    QString help;
    QList<Sample> samples;
};

struct Exposition
{
    QMap<QString, Family> families;
    QStringList errors;

    double value(const QString &name, const QMap<QString, QString> &labels = {}) const
    {
        for (const Family &f : families) {
            for (const Sample &s : f.samples) {
                if (s.name == name && s.labels == labels)
                    return s.value;
            }
        }
        return std::nan("");
    }
};

const QRegularExpression kMetricName(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
const QRegularExpression kLabelName(QStringLiteral("^[a-zA-Z_][a-zA-Z0-9_]*$"));
const QStringList kTypes{QStringLiteral("counter"), QStringLiteral("gauge"), QStringLiteral("histogram"),
                         QStringLiteral("summary"), QStringLiteral("untyped")};

bool parseValue(const QString &text, double *out)
{
    if (text == QLatin1String("+Inf")) {
        *out = INFINITY;
        return true;
    }
    if (text == QLatin1String("-Inf")) {
        *out = -INFINITY;
        return true;
    }
    if (text == QLatin1String("NaN")) {
        *out = NAN;
        return true;
    }
    bool ok = false;
    *out = text.toDouble(&ok);
    return ok;
}

// `{a="x",b="y"}` -> labels; false on any syntax error.
bool parseLabels(const QString &text, QMap<QString, QString> *out)
{
    int i = 1; // past '{'
    while (i < text.size() && text.at(i) != QLatin1Char('}')) {
        const int eq = text.indexOf(QLatin1Char('='), i);
        if (eq < 0)
            return false;
        const QString name = text.mid(i, eq - i);
        if (!kLabelName.match(name).hasMatch() || out->contains(name) || eq + 1 >= text.size() || text.at(eq + 1) != QLatin1Char('"'))
            return false;
        QString value;
        int j = eq + 2;
        for (; j < text.size() && text.at(j) != QLatin1Char('"'); ++j) {
            if (text.at(j) == QLatin1Char('\\')) {
                if (++j >= text.size())
                    return false;
                const QChar c = text.at(j);
                if (c == QLatin1Char('n'))
                    value += QLatin1Char('\n');
                else if (c == QLatin1Char('\\') || c == QLatin1Char('"'))
                    value += c;
                else
                    return false;
            } else {
                value += text.at(j);
            }
        }
        if (j >= text.size())
            return false;
        out->insert(name, value);
        i = j + 1;
        if (i < text.size() && text.at(i) == QLatin1Char(','))
            ++i;
    }
    return i == text.size() - 1;
}

// The family a sample belongs to: histogram samples carry a suffix.
QString familyOf(const QString &sampleName, const QMap<QString, Family> &families)
{
    for (const char *suffix : {"_bucket", "_sum", "_count"}) {
        const QLatin1String s(suffix);
        if (sampleName.endsWith(s)) {
            const QString base = sampleName.chopped(s.size());
            if (families.value(base).type == QLatin1String("histogram"))
                return base;
        }
    }
    return sampleName;
}

Exposition parse(const QByteArray &text)
{
    Exposition e;
    if (!text.isEmpty() && !text.endsWith('\n'))
        e.errors << QStringLiteral("does not end with a newline");
    QString current;      // the family whose lines are being read
    QSet<QString> closed; // families already left: seeing them again is an error
    auto enter = [&](const QString &family, int line) {
        if (family == current)
            return;
        if (closed.contains(family))
            e.errors << QStringLiteral("line %1: family %2 appears in two places").arg(line).arg(family);
        if (!current.isEmpty())
            closed.insert(current);
        current = family;
    };

    const QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'));
    for (int n = 0; n < lines.size(); ++n) {
        const QString &line = lines.at(n);
        const int lineNo = n + 1;
        if (line.isEmpty()) {
            if (n != lines.size() - 1)
                e.errors << QStringLiteral("line %1: empty line").arg(lineNo);
            continue;
        }
        if (line.startsWith(QLatin1String("# HELP ")) || line.startsWith(QLatin1String("# TYPE "))) {
            const bool help = line.startsWith(QLatin1String("# HELP "));
            const QString rest = line.mid(7);
            const int space = rest.indexOf(QLatin1Char(' '));
            const QString name = space < 0 ? rest : rest.left(space);
            const QString arg = space < 0 ? QString() : rest.mid(space + 1);
            if (!kMetricName.match(name).hasMatch())
                e.errors << QStringLiteral("line %1: bad metric name %2").arg(lineNo).arg(name);
            enter(name, lineNo);
            Family &f = e.families[name];
            if (help) {
                if (!f.help.isNull())
                    e.errors << QStringLiteral("line %1: second HELP for %2").arg(lineNo).arg(name);
                f.help = arg.isNull() ? QStringLiteral("") : arg;
            } else {
                if (!f.type.isEmpty())
                    e.errors << QStringLiteral("line %1: second TYPE for %2").arg(lineNo).arg(name);
                if (!kTypes.contains(arg))
                    e.errors << QStringLiteral("line %1: unknown type %2").arg(lineNo).arg(arg);
                if (!f.samples.isEmpty())
                    e.errors << QStringLiteral("line %1: TYPE after samples of %2").arg(lineNo).arg(name);
                f.type = arg;
            }
            continue;
        }
        if (line.startsWith(QLatin1Char('#')))
            continue; // other comments are allowed

        Sample s;
        const int brace = line.indexOf(QLatin1Char('{'));
        const int space = line.indexOf(QLatin1Char(' '));
        QString valueText;
        if (brace >= 0 && (space < 0 || brace < space)) {
            const int close = line.indexOf(QLatin1Char('}'), brace);
            // Label values may hold '}' only escaped-free here; the label parser checks the rest.
            if (close < 0 || !parseLabels(line.mid(brace, close - brace + 1), &s.labels)) {
                e.errors << QStringLiteral("line %1: bad labels in %2").arg(lineNo).arg(line);
                continue;
            }
            s.name = line.left(brace);
            if (close + 1 >= line.size() || line.at(close + 1) != QLatin1Char(' ')) {
                e.errors << QStringLiteral("line %1: no value").arg(lineNo);
                continue;
            }
            valueText = line.mid(close + 2);
        } else {
            if (space < 0) {
                e.errors << QStringLiteral("line %1: no value").arg(lineNo);
                continue;
            }
            s.name = line.left(space);
            valueText = line.mid(space + 1);
        }
        const QStringList parts = valueText.split(QLatin1Char(' '));
        if (!kMetricName.match(s.name).hasMatch())
            e.errors << QStringLiteral("line %1: bad metric name %2").arg(lineNo).arg(s.name);
        if (parts.size() > 2 || !parseValue(parts.at(0), &s.value))
            e.errors << QStringLiteral("line %1: bad value %2").arg(lineNo).arg(valueText);
        const QString family = familyOf(s.name, e.families);
        enter(family, lineNo);
        Family &f = e.families[family];
        if (f.type.isEmpty())
            e.errors << QStringLiteral("line %1: sample of %2 before its TYPE").arg(lineNo).arg(family);
        f.samples.append(s);
    }

    for (auto it = e.families.begin(); it != e.families.end(); ++it) {
        if (it->help.isNull())
            e.errors << QStringLiteral("family %1 has no HELP").arg(it.key());
        if (it->samples.isEmpty())
            e.errors << QStringLiteral("family %1 has no samples").arg(it.key());
    }
    return e;
}

// Checks a histogram family; returns its bucket counts by upper bound.
QList<QPair<double, double>> checkHistogram(const Exposition &e, const QString &name, QStringList *errors)
{
    const Family f = e.families.value(name);
    QList<QPair<double, double>> buckets;
    double count = -1;
    bool haveSum = false;
    for (const Sample &s : f.samples) {
        if (s.name == name + QLatin1String("_bucket")) {
            double le = 0;
            if (!s.labels.contains(QStringLiteral("le")) || !parseValue(s.labels.value(QStringLiteral("le")), &le))
                *errors << QStringLiteral("bucket without a valid le");
            if (!buckets.isEmpty() && le <= buckets.last().first)
                *errors << QStringLiteral("le %1 not ascending").arg(le);
            if (!buckets.isEmpty() && s.value < buckets.last().second)
                *errors << QStringLiteral("bucket le=%1 not cumulative").arg(le);
            buckets.append({le, s.value});
        } else if (s.name == name + QLatin1String("_count")) {
            count = s.value;
        } else if (s.name == name + QLatin1String("_sum")) {
            haveSum = true;
        } else {
            *errors << QStringLiteral("unexpected sample %1").arg(s.name);
        }
    }
    if (buckets.isEmpty() || !std::isinf(buckets.last().first))
        *errors << QStringLiteral("%1 does not end with le=\"+Inf\"").arg(name);
    else if (buckets.last().second != count)
        *errors << QStringLiteral("%1: +Inf bucket %2 != count %3").arg(name).arg(buckets.last().second).arg(count);
    if (!haveSum)
        *errors << QStringLiteral("%1 has no _sum").arg(name);
    return buckets;
}

} // namespace

class MetricsTest : public QObject
{
    Q_OBJECT

private slots:
    void emptyRenderIsEmpty();
    void counters_data();
    void counters();
    void histogram_data();
    void histogram();
    void gauges();
    void serverLikeMix();
    void seriesByIdAndByName();
    void countsFromManyThreadsAddUp_data();
    void countsFromManyThreadsAddUp();
};

void MetricsTest::emptyRenderIsEmpty()
{
    Metrics m;
    QVERIFY(m.render().isEmpty());
}

void MetricsTest::counters_data()
{
    QTest::addColumn<QStringList>("series");
    QTest::addColumn<QList<double>>("amounts");

    QTest::newRow("one plain counter") << QStringList{QStringLiteral("dynaseal_x_total")} << QList<double>{1};
    QTest::newRow("repeated adds") << QStringList{QStringLiteral("dynaseal_x_total"), QStringLiteral("dynaseal_x_total")} << QList<double>{2, 40};
    QTest::newRow("labelled series of one family")
        << QStringList{QStringLiteral("dynaseal_req_total{endpoint=\"chat.completions\",status=\"ok\"}"),
                       QStringLiteral("dynaseal_req_total{endpoint=\"embeddings\",status=\"error\"}"),
                       QStringLiteral("dynaseal_req_total{endpoint=\"chat.completions\",status=\"ok\"}")}
        << QList<double>{1, 1, 1};
    QTest::newRow("several families")
        << QStringList{QStringLiteral("dynaseal_b_total"), QStringLiteral("dynaseal_a_total{code=\"x\"}"), QStringLiteral("dynaseal_c_total")}
        << QList<double>{3, 4, 5};
    // Sorting by series text puts "x_total_more" between "x_total" and "x_total{...}": the
    // family must still come out in one piece.
    QTest::newRow("plain and labelled series around a longer name")
        << QStringList{QStringLiteral("dynaseal_x_total"), QStringLiteral("dynaseal_x_total{code=\"a\"}"), QStringLiteral("dynaseal_x_total_more")}
        << QList<double>{1, 2, 3};
    QTest::newRow("large and fractional values")
        << QStringList{QStringLiteral("dynaseal_tokens_total"), QStringLiteral("dynaseal_seconds_total")} << QList<double>{9.0e15, 0.125};
}

void MetricsTest::counters()
{
    QFETCH(QStringList, series);
    QFETCH(QList<double>, amounts);

    Metrics m;
    m.describe(QStringLiteral("dynaseal_req_total"), QStringLiteral("counter"), QStringLiteral("Requests by endpoint and status"));
    QMap<QString, double> expected;
    for (int i = 0; i < series.size(); ++i) {
        m.add(series.at(i), amounts.at(i));
        expected[series.at(i)] += amounts.at(i);
    }
    const QByteArray text = m.render();
    const Exposition e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n')) + QStringLiteral("\n---\n") + QString::fromUtf8(text)));

    int samples = 0;
    for (const Family &f : e.families) {
        QCOMPARE(f.type, QStringLiteral("counter"));
        samples += int(f.samples.size());
    }
    QCOMPARE(samples, int(expected.size()));
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        QCOMPARE(m.value(it.key()), it.value());
        bool found = false;
        for (const Family &f : e.families) {
            for (const Sample &s : f.samples) {
                QString rendered = s.name;
                if (!s.labels.isEmpty()) {
                    QStringList pairs;
                    for (auto l = s.labels.begin(); l != s.labels.end(); ++l)
                        pairs << QStringLiteral("%1=\"%2\"").arg(l.key(), l.value());
                    rendered += QLatin1Char('{') + pairs.join(QLatin1Char(',')) + QLatin1Char('}');
                }
                if (rendered == it.key()) {
                    found = true;
                    QCOMPARE(s.value, it.value());
                }
            }
        }
        QVERIFY2(found, qPrintable(it.key()));
    }
    if (e.families.contains(QStringLiteral("dynaseal_req_total")))
        QCOMPARE(e.families.value(QStringLiteral("dynaseal_req_total")).help, QStringLiteral("Requests by endpoint and status"));
}

void MetricsTest::histogram_data()
{
    QTest::addColumn<QList<double>>("observations");
    QTest::newRow("one fast") << QList<double>{0.0005};
    QTest::newRow("on a bucket bound") << QList<double>{0.001, 0.25, 1.0};
    QTest::newRow("beyond every bucket") << QList<double>{100.0, 3600.0};
    QTest::newRow("zero") << QList<double>{0.0};
    QTest::newRow("mixed") << QList<double>{0.002, 0.002, 0.07, 0.3, 0.3, 4.0, 12.0, 59.9, 61.0, 0.0001};
}

void MetricsTest::histogram()
{
    QFETCH(QList<double>, observations);
    const QString name = QStringLiteral("dynaseal_proxy_duration_seconds");

    Metrics m;
    m.describe(name, QStringLiteral("histogram"), QStringLiteral("Time from accepting a proxied request to its end"));
    double sum = 0;
    for (double o : observations) {
        m.observeSeconds(name, o);
        sum += o;
    }
    const QByteArray text = m.render();
    const Exposition e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n')) + QStringLiteral("\n---\n") + QString::fromUtf8(text)));
    QCOMPARE(e.families.value(name).type, QStringLiteral("histogram"));
    QCOMPARE(e.families.value(name).help, QStringLiteral("Time from accepting a proxied request to its end"));

    QStringList errors;
    const auto buckets = checkHistogram(e, name, &errors);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(e.value(name + QLatin1String("_count")), double(observations.size()));
    QVERIFY(qAbs(e.value(name + QLatin1String("_sum")) - sum) < 1e-9);
    QVERIFY(buckets.size() >= 2);
    // Each bucket counts exactly the observations at or below its bound.
    for (const auto &[le, count] : buckets) {
        const auto expected = std::count_if(observations.begin(), observations.end(), [le](double o) { return o <= le; });
        QCOMPARE(count, double(expected));
    }
}

void MetricsTest::gauges()
{
    Metrics m;
    double level = 3;
    m.gauge(QStringLiteral("dynaseal_proxy_in_flight"), QStringLiteral("Proxied requests in progress"), [&level] { return level; });
    m.gauge(QStringLiteral("dynaseal_db_queue_length"), QStringLiteral("Database jobs waiting"), [] { return 0.0; });

    Exposition e = parse(m.render());
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n'))));
    QCOMPARE(e.families.value(QStringLiteral("dynaseal_proxy_in_flight")).type, QStringLiteral("gauge"));
    QCOMPARE(e.families.value(QStringLiteral("dynaseal_proxy_in_flight")).help, QStringLiteral("Proxied requests in progress"));
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_in_flight")), 3.0);
    QCOMPARE(e.value(QStringLiteral("dynaseal_db_queue_length")), 0.0);

    // Read at each render, not when registered.
    level = 17;
    e = parse(m.render());
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_in_flight")), 17.0);
}

void MetricsTest::serverLikeMix()
{
    // The families the server registers, fed the way the request path feeds them.
    Metrics m;
    m.describe(QStringLiteral("dynaseal_proxy_requests_total"), QStringLiteral("counter"), QStringLiteral("Proxied requests by endpoint and outcome"));
    m.describe(QStringLiteral("dynaseal_proxy_refused_total"), QStringLiteral("counter"), QStringLiteral("Requests refused before forwarding, by error code"));
    m.describe(QStringLiteral("dynaseal_tokens_billed_total"), QStringLiteral("counter"), QStringLiteral("Tokens billed to tenants"));
    m.describe(QStringLiteral("dynaseal_proxy_duration_seconds"), QStringLiteral("histogram"), QStringLiteral("Time from accepting a proxied request to its end"));
    m.describe(QStringLiteral("dynaseal_callbacks_delivered_total"), QStringLiteral("counter"), QStringLiteral("Callbacks the tenant acknowledged with 2xx"));
    m.gauge(QStringLiteral("dynaseal_connections_open"), QStringLiteral("Open client connections"), [] { return 2.0; });
    for (int i = 0; i < 20; ++i) {
        const QString status = i % 3 ? QStringLiteral("ok") : QStringLiteral("error");
        const QString endpoint = i % 2 ? QStringLiteral("chat.completions") : QStringLiteral("embeddings");
        m.add(QStringLiteral("dynaseal_proxy_requests_total{endpoint=\"%1\",status=\"%2\"}").arg(endpoint, status));
        m.add(QStringLiteral("dynaseal_tokens_billed_total"), 42);
        m.observeSeconds(QStringLiteral("dynaseal_proxy_duration_seconds"), 0.01 * i);
    }
    m.add(QStringLiteral("dynaseal_proxy_refused_total{code=\"budget_exhausted\"}"));
    m.add(QStringLiteral("dynaseal_proxy_refused_total{code=\"key_expired\"}"), 2);
    m.add(QStringLiteral("dynaseal_callbacks_delivered_total"));

    const QByteArray text = m.render();
    const Exposition e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n')) + QStringLiteral("\n---\n") + QString::fromUtf8(text)));
    QCOMPARE(e.families.size(), 6);
    QCOMPARE(e.families.value(QStringLiteral("dynaseal_connections_open")).type, QStringLiteral("gauge"));
    QCOMPARE(e.value(QStringLiteral("dynaseal_tokens_billed_total")), 840.0);
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_refused_total"), {{QStringLiteral("code"), QStringLiteral("key_expired")}}), 2.0);
    double requests = 0;
    for (const Sample &s : e.families.value(QStringLiteral("dynaseal_proxy_requests_total")).samples)
        requests += s.value;
    QCOMPARE(requests, 20.0);
    QStringList errors;
    checkHistogram(e, QStringLiteral("dynaseal_proxy_duration_seconds"), &errors);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_duration_seconds_count")), 20.0);
}

void MetricsTest::seriesByIdAndByName()
{
    Metrics m;
    const QString requests = QStringLiteral("dynaseal_proxy_requests_total{endpoint=\"chat.completions\",status=\"ok\"}");
    const QString duration = QStringLiteral("dynaseal_proxy_duration_seconds");
    const Metrics::CounterId requestsId = m.counter(requests);
    const Metrics::HistogramId durationId = m.histogram(duration);
    const Metrics::CounterId idle = m.counter(QStringLiteral("dynaseal_callbacks_delivered_total"));

    // Given an id, a series is shown at once, at 0.
    Exposition e = parse(m.render());
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n'))));
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_requests_total"), {{QStringLiteral("endpoint"), QStringLiteral("chat.completions")}, {QStringLiteral("status"), QStringLiteral("ok")}}),
             0.0);
    QCOMPARE(e.value(QStringLiteral("dynaseal_callbacks_delivered_total")), 0.0);
    QCOMPARE(e.value(duration + QLatin1String("_count")), 0.0);

    // The same series by id and by name is one series, counted both ways.
    QVERIFY(m.counter(requests) == requestsId);
    QVERIFY(!(idle == requestsId));
    m.add(requestsId);
    m.add(requestsId, 2);
    m.add(requests, 4);
    m.observeSeconds(durationId, 0.002);
    m.observeSeconds(duration, 20.0);
    QCOMPARE(m.value(requests), 7.0);
    const QByteArray text = m.render();
    e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n')) + QStringLiteral("\n---\n") + QString::fromUtf8(text)));
    QCOMPARE(e.families.value(QStringLiteral("dynaseal_proxy_requests_total")).samples.size(), 1);
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_requests_total"), {{QStringLiteral("endpoint"), QStringLiteral("chat.completions")}, {QStringLiteral("status"), QStringLiteral("ok")}}),
             7.0);
    QCOMPARE(e.value(duration + QLatin1String("_count")), 2.0);
    QCOMPARE(e.value(duration + QLatin1String("_sum")), 20.002);
    QStringList errors;
    const auto buckets = checkHistogram(e, duration, &errors);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    for (const auto &[le, count] : buckets)
        QCOMPARE(count, le < 0.002 ? 0.0 : le < 20.0 ? 1.0 : 2.0);
}

void MetricsTest::countsFromManyThreadsAddUp_data()
{
    QTest::addColumn<bool>("evenThreadsById");
    QTest::addColumn<bool>("oddThreadsById");
    QTest::newRow("by name") << false << false;
    QTest::newRow("by id") << true << true;
    QTest::newRow("half by id, half by name") << true << false;
}

void MetricsTest::countsFromManyThreadsAddUp()
{
    // More threads than shards, each counting and observing at once: every count arrives, in
    // one series per name, whichever shard it went to. Threads that count by id look their ids
    // up themselves, at the same moment as the others.
    QFETCH(bool, evenThreadsById);
    QFETCH(bool, oddThreadsById);
    Metrics m;
    constexpr int kThreads = 12;
    constexpr int kEach = 5000;
    const QString requests = QStringLiteral("dynaseal_proxy_requests_total{endpoint=\"chat.completions\",status=\"ok\"}");
    const QString billed = QStringLiteral("dynaseal_tokens_billed_total");
    const QString duration = QStringLiteral("dynaseal_proxy_duration_seconds");
    // Scraped while they count and take their ids: every render reads well, and no total ever
    // goes back.
    std::atomic<bool> counting{true};
    QStringList readErrors;
    std::atomic<int> renders{0};
    std::thread reader([&] {
        double lastBilled = 0;
        double lastCount = 0;
        do {
            const Exposition seen = parse(m.render());
            ++renders;
            readErrors += seen.errors;
            const double billedNow = std::isnan(seen.value(billed)) ? 0 : seen.value(billed);
            const double countNow = std::isnan(seen.value(duration + QLatin1String("_count"))) ? 0 : seen.value(duration + QLatin1String("_count"));
            if (billedNow < lastBilled || countNow < lastCount || m.value(billed) < billedNow)
                readErrors << QStringLiteral("a total went back: %1 after %2, %3 after %4").arg(billedNow).arg(lastBilled).arg(countNow).arg(lastCount);
            lastBilled = billedNow;
            lastCount = countNow;
        } while (counting.load());
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            while (renders.load() == 0) // the first scrape is made before anything is counted
                std::this_thread::yield();
            const double seconds = t % 2 ? 0.002 : 20.0;
            if (t % 2 ? oddThreadsById : evenThreadsById) {
                const auto requestsId = m.counter(requests);
                const auto billedId = m.counter(billed);
                const auto durationId = m.histogram(duration);
                for (int i = 0; i < kEach; ++i) {
                    m.add(requestsId);
                    m.add(billedId, 2);
                    m.observeSeconds(durationId, seconds);
                }
                return;
            }
            for (int i = 0; i < kEach; ++i) {
                m.add(requests);
                m.add(billed, 2);
                m.observeSeconds(duration, seconds);
            }
        });
    }
    for (std::thread &t : threads)
        t.join();
    counting = false;
    reader.join();
    QVERIFY2(readErrors.isEmpty(), qPrintable(readErrors.mid(0, 5).join(QLatin1Char('\n'))));
    const QByteArray text = m.render();
    const Exposition e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(QLatin1Char('\n'))));
    QCOMPARE(e.families.value(QStringLiteral("dynaseal_proxy_requests_total")).samples.size(), 1);
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_requests_total"), {{QStringLiteral("endpoint"), QStringLiteral("chat.completions")}, {QStringLiteral("status"), QStringLiteral("ok")}}),
             double(kThreads * kEach));
    QCOMPARE(e.value(QStringLiteral("dynaseal_tokens_billed_total")), double(2 * kThreads * kEach));
    QCOMPARE(e.value(QStringLiteral("dynaseal_proxy_duration_seconds_count")), double(kThreads * kEach));
    QCOMPARE(m.value(QStringLiteral("dynaseal_tokens_billed_total")), double(2 * kThreads * kEach));
    QStringList errors;
    const auto buckets = checkHistogram(e, QStringLiteral("dynaseal_proxy_duration_seconds"), &errors);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    for (const auto &[le, count] : buckets)
        QCOMPARE(count, le < 0.002 ? 0.0 : le < 20.0 ? double(kThreads / 2 * kEach) : double(kThreads * kEach));
}

QTEST_GUILESS_MAIN(MetricsTest)
#include "MetricsTest.moc"
