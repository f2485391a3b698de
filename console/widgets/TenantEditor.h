#pragma once
// Edits one tenant: every field the admin API has, grouped in tabs (general, access, limits,
// request rewriting, keys). Saves only what changed with PATCH /admin/v1/tenants/{id}, and
// shows the server's 400 message under the field it names (with the rule line), so a bad rule
// is refused in place and nothing is saved. Also creates new tenants (POST).
#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace dynaseal::console {

class AdminClient;
class AdminError;
class FormField;
class MessageBar;
class TenantKeysPanel;

class TenantEditor : public QWidget
{
    Q_OBJECT
public:
    explicit TenantEditor(AdminClient *client, QWidget *parent = nullptr);

    void load(const QJsonObject &tenant);
    void startNew();
    void clear();
    QString tenantId() const { return m_tenant.value(QLatin1String("id")).toString(); }
    bool isNew() const { return m_creating; }
    bool isDirty() const;
    // The fields that differ from what the server last sent.
    QJsonObject changes() const;
    FormField *field(const QString &key) const { return m_fields.value(key); }
    MessageBar *messages() const { return m_messages; }
    TenantKeysPanel *keys() const { return m_keys; }
    void save();
    void revert();

signals:
    void saved(const QJsonObject &tenant);
    void created(const QJsonObject &tenant);
    void dirtyChanged(bool dirty);

private:
    QWidget *buildGeneral();
    QWidget *buildAccess();
    QWidget *buildLimits();
    QWidget *buildRewrite();
    FormField *addField(QFormLayout *form, const QString &key, const QString &label, QWidget *editor, const QString &hint = {});
    QJsonObject collect(QString *clientError = nullptr, QString *errorField = nullptr) const;
    void populate(const QJsonObject &tenant);
    void showServerError(const AdminError &error);
    void clearErrors();
    void updateState();
    void updateUsage();

    AdminClient *m_client;
    QJsonObject m_tenant; // as the server sent it
    QJsonObject m_baseline; // collect() right after loading
    bool m_creating = false;
    bool m_policyReported = false;
    bool m_populating = false;
    bool m_saving = false;

    QLabel *m_heading;
    MessageBar *m_messages;
    QTabWidget *m_tabs;
    QHash<QString, FormField *> m_fields;
    QHash<QString, int> m_fieldTab;
    QLineEdit *m_name;
    QLineEdit *m_callbackUrl;
    QSpinBox *m_callbackBatch;
    QLineEdit *m_quota;
    QLineEdit *m_lifetime;
    QProgressBar *m_usage;
    QLabel *m_idLabel;
    QComboBox *m_auth;
    QLineEdit *m_regex;
    QComboBox *m_keyPosition;
    QCheckBox *m_active;
    QCheckBox *m_expires;
    QDateTimeEdit *m_expiresAt;
    QPlainTextEdit *m_models;
    QPlainTextEdit *m_allow;
    QPlainTextEdit *m_deny;
    QPlainTextEdit *m_rateLimits;
    QSpinBox *m_retries;
    QPlainTextEdit *m_template;
    QPlainTextEdit *m_paramMap;
    QPlainTextEdit *m_paramFixed;
    MessageBar *m_policyNotice;
    TenantKeysPanel *m_keys;
    QPushButton *m_save;
    QPushButton *m_revert;
};

} // namespace dynaseal::console
