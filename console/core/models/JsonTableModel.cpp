#include "console/core/models/JsonTableModel.h"

#include "console/core/Display.h"

namespace dynaseal::console {

JsonTableModel::JsonTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void JsonTableModel::addColumn(Column column)
{
    if (!column.sortKey)
        column.sortKey = column.text;
    m_columns.append(std::move(column));
}

void JsonTableModel::setRows(const QJsonArray &rows)
{
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(rows.size());
    for (const QJsonValue &v : rows)
        m_rows.append(v.toObject());
    endResetModel();
}

int JsonTableModel::rowOf(const QString &id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).value(QLatin1String("id")).toString() == id)
            return i;
    }
    return -1;
}

void JsonTableModel::upsert(const QJsonObject &object)
{
    const int at = rowOf(object.value(QLatin1String("id")).toString());
    if (at >= 0) {
        m_rows[at] = object;
        emit dataChanged(index(at, 0), index(at, columnCount() - 1));
        return;
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_rows.append(object);
    endInsertRows();
}

void JsonTableModel::setTenantNames(const QHash<QString, QString> &names)
{
    m_tenantNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

QString JsonTableModel::tenantLabel(const QString &id) const
{
    const QString name = m_tenantNames.value(id);
    return name.isEmpty() ? id : name;
}

QVariant JsonTableModel::number(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isNull() || v.isUndefined() ? QVariant() : QVariant(v.toDouble());
}

int JsonTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JsonTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant JsonTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= m_columns.size())
        return {};
    const QJsonObject &o = m_rows.at(index.row());
    const Column &c = m_columns.at(index.column());
    switch (role) {
    case Qt::DisplayRole: {
        const QVariant v = c.text(o);
        return v.isValid() ? v : QVariant(Display::dash());
    }
    case SortRole:
        return c.sortKey(o);
    case IdRole:
        return o.value(QLatin1String("id")).toString();
    case ObjectRole:
        return o;
    case Qt::ForegroundRole:
        return c.foreground ? c.foreground(o) : QVariant();
    case Qt::ToolTipRole:
        return c.toolTip ? c.toolTip(o) : QVariant();
    case Qt::TextAlignmentRole:
        return int(c.alignment);
    default:
        return {};
    }
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_columns.size())
        return {};
    if (role == Qt::DisplayRole)
        return m_columns.at(section).header;
    if (role == Qt::TextAlignmentRole)
        return int(m_columns.at(section).alignment);
    return {};
}

} // namespace dynaseal::console
