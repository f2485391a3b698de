#pragma once
// A small white card with a title, a big number and a caption (dashboard totals).
#include <QFrame>

class QLabel;

namespace dynaseal::console {

class StatCard : public QFrame
{
    Q_OBJECT
public:
    StatCard(const QString &title, const QColor &accent, QWidget *parent = nullptr);
    void setValue(const QString &value, const QString &caption = {});
    QString value() const;

private:
    QLabel *m_value;
    QLabel *m_caption;
};

} // namespace dynaseal::console
