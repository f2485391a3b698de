#pragma once
// Upstreams: the providers requests are forwarded to. Add, edit (the API key is write-only:
// shown masked, replaced only when typed), remove, and test one through the server.
#include "console/widgets/Page.h"

#include <QJsonObject>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace dynaseal::console {

class FormField;
class MessageBar;
class TableView;
class UpstreamsModel;

class UpstreamsPage : public Page
{
    Q_OBJECT
public:
    UpstreamsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString title() const override { return tr("Upstreams"); }
    QIcon icon() const override;
    void refresh() override;
    void sessionChanged(bool connected) override;
    void saveState() const override;

    void testSelected();
    MessageBar *testResult() const { return m_testResult; }

private:
    void select(const QJsonObject &upstream);
    void startNew();
    void save();
    void removeSelected();
    void updateButtons();
    QJsonObject changes() const;

    UpstreamsModel *m_model;
    TableView *m_table;
    QLabel *m_heading;
    MessageBar *m_editorMessages;
    MessageBar *m_testResult;
    QLineEdit *m_name;
    QLineEdit *m_baseUrl;
    QLineEdit *m_apiKey;
    QPlainTextEdit *m_models;
    QHash<QString, FormField *> m_fields;
    QPushButton *m_new;
    QPushButton *m_save;
    QPushButton *m_delete;
    QPushButton *m_test;
    QJsonObject m_current;
    bool m_creating = false;
};

} // namespace dynaseal::console
