#pragma once
// Previous / next through a paged list ("101–200 of 345"), for lists that answer total or not.
#include <QWidget>

class QLabel;
class QPushButton;

namespace dynaseal::console {

class Pager : public QWidget
{
    Q_OBJECT
public:
    explicit Pager(int pageSize, QWidget *parent = nullptr);

    int offset() const { return m_offset; }
    int pageSize() const { return m_pageSize; }
    void reset() { m_offset = 0; }
    // After a page arrived: `total` < 0 when the list does not say, and not `totalExact` when it
    // only counted so far (then "next" is offered while pages are full).
    void showPage(int rows, qint64 total, bool totalExact = true);

signals:
    void pageRequested(int offset);

private:
    int m_pageSize;
    int m_offset = 0;
    QLabel *m_label;
    QPushButton *m_previous;
    QPushButton *m_next;
};

} // namespace dynaseal::console
