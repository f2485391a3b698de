#pragma once
// The dashboard's rolling 15 minutes of per-second traffic: seeded by the event stream's
// "history" event, extended by its "stats" events, older seconds dropped as time moves on.
#include <QJsonObject>
#include <QList>
#include <QObject>

namespace dynaseal::console {

struct LiveSample
{
    qint64 t = 0; // start of the second, ms since the epoch
    double requests = 0;
    double errors = 0;
    double tokens = 0;
    double p50Ms = 0;
    double p95Ms = 0;

    static LiveSample fromJson(const QJsonObject &point);
    bool isEmpty() const { return requests == 0 && errors == 0 && tokens == 0; }
};

struct LiveTotals
{
    double requests = 0;
    double errors = 0;
    double tokens = 0;
    double p95Ms = 0; // the highest per-second p95 in the window
};

class LiveSeries : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kWindowMs = 15 * 60 * 1000;

    explicit LiveSeries(QObject *parent = nullptr);

    // Replaces everything with these points (oldest first, as the server sends them).
    void setHistory(const QList<LiveSample> &points);
    // Adds the next second; ignored when not newer than the last one. Returns whether it was added.
    bool append(const LiveSample &point);
    void clear();

    const QList<LiveSample> &samples() const { return m_samples; }
    qint64 latest() const { return m_samples.isEmpty() ? 0 : m_samples.constLast().t; }
    LiveTotals totals() const;
    bool hasTraffic() const;

signals:
    void reset();
    void appended(const dynaseal::console::LiveSample &point, int dropped);

private:
    int trim();

    QList<LiveSample> m_samples;
};

} // namespace dynaseal::console
