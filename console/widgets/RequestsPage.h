#pragma once
// The request log: every proxied request, newest first, paged, filtered by tenant, model,
// status and time, with the selected request's details below.
#include "console/widgets/PagedListPage.h"

#include <QJsonObject>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QTextBrowser;

namespace dynaseal::console {

class RequestsModel;
class TenantFilterBox;

class RequestsPage : public PagedListPage
{
    Q_OBJECT
public:
    RequestsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Requests"); }
    QIcon icon() const override;
    void refresh() override;
    RequestsModel *model() const { return m_model; }

private:
    void load();
    void applyFilters();
    void showDetails(const QJsonObject &request);
    void fillFilters();

    RequestsModel *m_model;
    QTextBrowser *m_details;
    TenantFilterBox *m_tenant;
    QComboBox *m_modelFilter;
    QComboBox *m_status;
    QCheckBox *m_useSince;
    QDateTimeEdit *m_since;
    QCheckBox *m_useUntil;
    QDateTimeEdit *m_until;
};

} // namespace dynaseal::console
