#pragma once
// The console's table: rows selected whole, sortable by the model's sort keys, filterable by a
// search text over every column, with a friendly line when there is nothing to show, and its
// column layout remembered.
#include <QJsonObject>
#include <QTableView>

class QSortFilterProxyModel;

namespace dynaseal::console {

class JsonTableModel;

class TableView : public QTableView
{
    Q_OBJECT
public:
    explicit TableView(QWidget *parent = nullptr);

    void setSourceModel(JsonTableModel *model);
    JsonTableModel *sourceModel() const { return m_source; }
    void setFilterText(const QString &text);
    void setEmptyText(const QString &text);
    // The row object under the current selection; empty when none.
    QJsonObject selectedObject() const;
    QString selectedId() const;
    bool selectId(const QString &id);
    // Remembers column widths and sort order under this settings key.
    void setStateKey(const QString &key);
    void saveState() const;

signals:
    void selectionChangedTo(const QJsonObject &object);
    void activatedRow(const QJsonObject &object);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void restoreState();
    void fitColumns();

    JsonTableModel *m_source = nullptr;
    QSortFilterProxyModel *m_proxy;
    QString m_emptyText;
    QString m_stateKey;
    bool m_restored = false;
};

} // namespace dynaseal::console
