#pragma once
// Previous / next through a paged list ("101–200 of 345"), for lists that answer total or not,
// and that page by cursor or by offset.
#include "console/core/AdminClient.h"

#include <QStringList>
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
    // The page to load: after the cursor the page before it gave, where the list gave one (a page
    // then stays put as new rows arrive), else by offset.
    PageRequest page() const { return {m_pageSize, m_offset, m_cursors.value(m_offset / m_pageSize)}; }
    void reset()
    {
        m_offset = 0;
        m_cursors.clear();
    }
    // After a page arrived: `total` < 0 when the list does not say, and not `totalExact` when it
    // only counted so far (then "next" is offered while pages are full); `nextCursor`, where the
    // list pages by cursor, where the next page starts (empty: this is the last).
    void showPage(int rows, qint64 total, bool totalExact = true, const std::optional<QString> &nextCursor = std::nullopt);

signals:
    void pageRequested(int offset);

private:
    int m_pageSize;
    int m_offset = 0;
    QStringList m_cursors; // [n]: where page n starts, as page n - 1 said
    QLabel *m_label;
    QPushButton *m_previous;
    QPushButton *m_next;
};

} // namespace dynaseal::console
