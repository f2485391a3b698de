#pragma once
// A time chart of a few lines over the dashboard's rolling window: x is wall-clock time, the
// y axis grows to fit what is shown. Points older than the window are dropped.
#include <QChartView>
#include <QList>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace dynaseal::console {

class LiveChart : public QChartView
{
    Q_OBJECT
public:
    LiveChart(const QString &title, const QString &unit, QWidget *parent = nullptr);

    // `markers`: draw each point too (sparse series, where a lone point would not show as a line).
    int addLine(const QString &name, const QColor &color, bool markers = false);
    void setPoints(int line, const QList<QPointF> &points);
    void append(int line, const QPointF &point);
    // Shows [fromMs, toMs] and drops points before fromMs.
    void setWindow(qint64 fromMs, qint64 toMs);
    QLineSeries *line(int index) const { return m_lines.value(index); }
    // The top of a 0-based axis with four round intervals above `top`.
    static double niceBound(double top);

private:
    void rescale();

    QList<QLineSeries *> m_lines;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
};

} // namespace dynaseal::console
