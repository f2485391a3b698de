#pragma once
// A read-only table over a list of JSON objects from the admin API. Subclasses declare their
// columns; each cell has a display text, a sort key (numbers sort as numbers, times as times),
// an optional colour and tooltip. Rows are found by their "id".
#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

#include <functional>

namespace dynaseal::console {

class JsonTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role { SortRole = Qt::UserRole + 1, IdRole, ObjectRole };

    using Cell = std::function<QVariant(const QJsonObject &)>;
    struct Column
    {
        QString header = {};
        Cell text = {};
        Cell sortKey = {}; // defaults to text
        Cell foreground = {}; // QColor or invalid
        Cell toolTip = {};
        Qt::Alignment alignment = Qt::AlignLeft | Qt::AlignVCenter;
    };

    explicit JsonTableModel(QObject *parent = nullptr);

    void setRows(const QJsonArray &rows);
    const QList<QJsonObject> &rows() const { return m_rows; }
    QJsonObject row(int index) const { return index >= 0 && index < m_rows.size() ? m_rows.at(index) : QJsonObject(); }
    int rowOf(const QString &id) const;
    // Replaces the row with the same id, or appends it.
    void upsert(const QJsonObject &object);
    void setTenantNames(const QHash<QString, QString> &names);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

protected:
    void addColumn(Column column);
    QString tenantLabel(const QString &id) const;
    static QVariant number(const QJsonObject &o, const char *key);
    static QVariant right() { return int(Qt::AlignRight | Qt::AlignVCenter); }

private:
    QList<Column> m_columns;
    QList<QJsonObject> m_rows;
    QHash<QString, QString> m_tenantNames;
};

} // namespace dynaseal::console
