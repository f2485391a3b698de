#pragma once
// Usage callbacks: each delivery's state, attempts, last answer and next try, its body, and
// "Retry now" for a pending or abandoned one.
#include "console/widgets/PagedListPage.h"

#include <QJsonObject>
#include <QTimer>

class QComboBox;
class QLabel;
class QPushButton;

namespace dynaseal::console {

class CallbacksModel;
class JsonView;
class TenantFilterBox;

class CallbacksPage : public PagedListPage
{
    Q_OBJECT
public:
    CallbacksPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Callbacks"); }
    QIcon icon() const override;
    void refresh() override;
    // A callback event arrived on the live stream.
    void noteCallbackEvent();

private:
    void load();
    void showDetails(const QJsonObject &callback);
    void retrySelected();
    void fillTenants();

    CallbacksModel *m_model;
    QComboBox *m_state;
    TenantFilterBox *m_tenant;
    QLabel *m_summary;
    JsonView *m_body;
    QPushButton *m_retry;
    QTimer m_reload;
};

} // namespace dynaseal::console
