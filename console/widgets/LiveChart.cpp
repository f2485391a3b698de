#include "console/widgets/LiveChart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

namespace dynaseal::console {

LiveChart::LiveChart(const QString &title, const QString &unit, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_x(new QDateTimeAxis)
    , m_y(new QValueAxis)
{
    // Configured in place: a chart given later with setChart() loses its x-axis labels (Qt 6.4).
    QChart *chart = this->chart();
    chart->setTitle(title);
    QFont titleFont = font();
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->setTitleBrush(QColor(0x11, 0x18, 0x27));
    chart->setBackgroundBrush(Qt::white);
    chart->setBackgroundPen(QPen(QColor(0xe5, 0xe7, 0xeb)));
    chart->setBackgroundRoundness(8);
    chart->setMargins(QMargins(6, 4, 6, 4));
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->legend()->setMarkerShape(QLegend::MarkerShapeCircle);
    chart->legend()->setLabelColor(QColor(0x37, 0x41, 0x51));

    QFont small = font();
    small.setPointSizeF(std::max(7.5, small.pointSizeF() - 1.5));
    const QColor grid(0xf1, 0xf5, 0xf9);
    const QColor labels(0x6b, 0x72, 0x80);
    m_x->setFormat(QStringLiteral("HH:mm"));
    m_x->setTickCount(6);
    m_x->setLabelsFont(small);
    m_x->setLabelsColor(labels);
    m_x->setGridLineColor(grid);
    m_x->setLinePenColor(QColor(0xe5, 0xe7, 0xeb));
    m_y->setLabelFormat(QStringLiteral("%.4g"));
    m_y->setTitleText(unit);
    m_y->setTitleFont(small);
    m_y->setTitleBrush(labels);
    m_y->setLabelsFont(small);
    m_y->setLabelsColor(labels);
    m_y->setGridLineColor(grid);
    m_y->setLinePenColor(QColor(0xe5, 0xe7, 0xeb));
    m_y->setRange(0, 1);
    m_y->setTickCount(5);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(190);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    setWindow(now - 15 * 60 * 1000, now);
}

int LiveChart::addLine(const QString &name, const QColor &color, bool markers)
{
    auto *series = new QLineSeries(this);
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(1.6);
    series->setPen(pen);
    if (markers) {
        series->setPointsVisible(true);
        series->setMarkerSize(5);
    }
    chart()->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    m_lines.append(series);
    return int(m_lines.size() - 1);
}

void LiveChart::setPoints(int line, const QList<QPointF> &points)
{
    if (QLineSeries *s = m_lines.value(line))
        s->replace(points);
    rescale();
}

void LiveChart::append(int line, const QPointF &point)
{
    if (QLineSeries *s = m_lines.value(line))
        s->append(point);
}

void LiveChart::setWindow(qint64 fromMs, qint64 toMs)
{
    for (QLineSeries *s : std::as_const(m_lines)) {
        int drop = 0;
        while (drop < s->count() && s->at(drop).x() < double(fromMs))
            ++drop;
        if (drop > 0)
            s->removePoints(0, drop);
    }
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(toMs));
    rescale();
}

double LiveChart::niceBound(double top)
{
    // Four round intervals (1, 2, 2.5 or 5 times a power of ten) that leave a little headroom;
    // an idle chart still gets a scale.
    const double want = std::max(top * 1.1, 1.0) / 4.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(want)));
    for (double step : { 1.0, 2.0, 2.5, 5.0, 10.0 }) {
        if (step * magnitude >= want)
            return 4 * step * magnitude;
    }
    return 40 * magnitude;
}

void LiveChart::rescale()
{
    double top = 0;
    for (QLineSeries *s : std::as_const(m_lines)) {
        for (const QPointF &p : s->points())
            top = std::max(top, p.y());
    }
    const double bound = niceBound(top);
    if (!qFuzzyCompare(m_y->max(), bound))
        m_y->setRange(0, bound);
}

} // namespace dynaseal::console
