#pragma once
// Try the whole path as a tenant and a device would: get a tenant key (issue a temporary one,
// revoked afterwards, or paste one), mint a dynamic key with POST /v1/dynamic-keys, stream a
// chat with it, then show the usage callback it produced. Shows the matching curl line and
// OpenAI Python SDK snippet.
#include "console/widgets/Page.h"

#include <QJsonObject>
#include <QTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace dynaseal::console {

class ChatStream;
class JsonView;

class PlaygroundPage : public Page
{
    Q_OBJECT
public:
    PlaygroundPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);
    ~PlaygroundPage() override;

    QString title() const override { return tr("Playground"); }
    QIcon icon() const override;
    void refresh() override;
    void sessionChanged(bool connected) override;

    void send();
    void stop();
    // A callback event arrived on the live stream: look for ours now.
    void noteCallbackEvent(const QJsonObject &event);

    QString answer() const;
    QString curlSnippet() const;
    QString pythonSnippet() const;

private:
    void obtainTenantKey(int run);
    void mint(int run, const QByteArray &tenantKey);
    void chat(int run, const QByteArray &dynamicKey);
    void finished(int run, const QJsonObject &usage, qint64 elapsedMs);
    void fail(int run, const QString &message);
    void revokeTemporaryKey();
    void pollCallback(int run);
    void showCallback(const QJsonObject &delivery);
    void updateSnippets(const QString &dynamicKey);
    void setStep(int step, const QString &text);
    void fillPickers();
    void setRunning(bool running);
    QJsonObject chatBody() const;

    ChatStream *m_stream;
    QComboBox *m_tenant;
    QRadioButton *m_temporary;
    QRadioButton *m_paste;
    QLineEdit *m_tenantKey;
    QComboBox *m_model;
    QSpinBox *m_maxTokens;
    QSpinBox *m_budget;
    QSpinBox *m_ttl;
    QPlainTextEdit *m_prompt;
    QPushButton *m_send;
    QPushButton *m_stop;
    QLabel *m_steps;
    QPlainTextEdit *m_answer;
    QLabel *m_stats;
    QLabel *m_callbackState;
    JsonView *m_callbackBody;
    QPlainTextEdit *m_curl;
    QPlainTextEdit *m_python;

    int m_run = 0;
    QStringList m_stepTexts;
    QString m_tenantId;
    QString m_tempKeyId;
    QString m_eventId;
    QString m_dynamicKey; // the last minted, for the snippets
    int m_polls = 0;
    QTimer m_poll;
};

} // namespace dynaseal::console
