#include "console/widgets/PlaygroundPage.h"

#include "console/core/AdminClient.h"
#include "console/core/ChatStream.h"
#include "console/core/Display.h"
#include "console/core/ServerCatalog.h"
#include "console/widgets/JsonView.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/Theme.h"

#include <QApplication>
#include <QButtonGroup>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace dynaseal::console {
namespace {

QString shellQuote(const QString &text)
{
    return QStringLiteral("'") + QString(text).replace(QLatin1String("'"), QLatin1String("'\\''")) + QStringLiteral("'");
}

QString jsonString(const QString &text)
{
    // A JSON string literal is also a valid Python string literal.
    const QByteArray array = QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

QPlainTextEdit *snippetView(QWidget *parent, const QString &name)
{
    auto *v = new QPlainTextEdit(parent);
    v->setObjectName(name);
    v->setReadOnly(true);
    v->setFont(Theme::monospace());
    v->setLineWrapMode(QPlainTextEdit::NoWrap);
    v->setTabChangesFocus(true);
    return v;
}

enum Step { KeyStep, MintStep, ChatStep, CallbackStep, StepCount };

} // namespace

PlaygroundPage::PlaygroundPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : Page(QStringLiteral("playground"), client, catalog, parent)
    , m_stream(new ChatStream(client, this))
    , m_tenant(new QComboBox(this))
    , m_temporary(new QRadioButton(tr("Issue a temporary tenant key (revoked when the chat is done)"), this))
    , m_paste(new QRadioButton(tr("Use this tenant key:"), this))
    , m_tenantKey(new QLineEdit(this))
    , m_model(new QComboBox(this))
    , m_maxTokens(new QSpinBox(this))
    , m_budget(new QSpinBox(this))
    , m_ttl(new QSpinBox(this))
    , m_prompt(new QPlainTextEdit(this))
    , m_send(new QPushButton(tr("&Send"), this))
    , m_stop(new QPushButton(tr("S&top"), this))
    , m_steps(new QLabel(this))
    , m_answer(new QPlainTextEdit(this))
    , m_stats(new QLabel(this))
    , m_callbackState(new QLabel(this))
    , m_callbackBody(new JsonView(this))
    , m_curl(snippetView(this, QStringLiteral("curlSnippet")))
    , m_python(snippetView(this, QStringLiteral("pythonSnippet")))
{
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);

    // Left: what to send.
    auto *left = new QWidget(splitter);
    auto *ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    auto *keyBox = new QGroupBox(tr("1. Tenant and key"), left);
    auto *kf = new QFormLayout(keyBox);
    m_tenant->setObjectName(QStringLiteral("playTenant"));
    auto *tenantLabel = new QLabel(tr("&Tenant:"), keyBox);
    tenantLabel->setBuddy(m_tenant);
    kf->addRow(tenantLabel, m_tenant);
    m_temporary->setObjectName(QStringLiteral("temporaryKeyRadio"));
    m_paste->setObjectName(QStringLiteral("pasteKeyRadio"));
    auto *group = new QButtonGroup(this);
    group->addButton(m_temporary);
    group->addButton(m_paste);
    m_temporary->setChecked(true);
    kf->addRow(m_temporary);
    auto *pasteRow = new QHBoxLayout;
    m_tenantKey->setObjectName(QStringLiteral("tenantKeyEdit"));
    m_tenantKey->setEchoMode(QLineEdit::Password);
    m_tenantKey->setPlaceholderText(QStringLiteral("dsk_…"));
    m_tenantKey->setEnabled(false);
    pasteRow->addWidget(m_paste);
    pasteRow->addWidget(m_tenantKey, 1);
    kf->addRow(pasteRow);
    connect(m_paste, &QRadioButton::toggled, m_tenantKey, &QWidget::setEnabled);
    auto *keyHint
        = new QLabel(tr("The console cannot read existing tenant keys: the server shows a key only when it is issued."), keyBox);
    keyHint->setProperty("role", QStringLiteral("hint"));
    keyHint->setWordWrap(true);
    kf->addRow(keyHint);
    ll->addWidget(keyBox);

    auto *requestBox = new QGroupBox(tr("2. Dynamic key and chat"), left);
    auto *rf = new QFormLayout(requestBox);
    m_model->setObjectName(QStringLiteral("playModel"));
    m_model->setEditable(true);
    auto *modelLabel = new QLabel(tr("&Model:"), requestBox);
    modelLabel->setBuddy(m_model);
    rf->addRow(modelLabel, m_model);
    m_budget->setObjectName(QStringLiteral("budgetSpin"));
    m_budget->setRange(1, 10'000'000);
    m_budget->setValue(2000);
    m_budget->setSuffix(tr(" tokens"));
    rf->addRow(tr("Key &budget:"), m_budget);
    m_ttl->setObjectName(QStringLiteral("ttlSpin"));
    m_ttl->setRange(10, 3600);
    m_ttl->setValue(600);
    m_ttl->setSuffix(tr(" s"));
    rf->addRow(tr("Key &lifetime:"), m_ttl);
    m_maxTokens->setObjectName(QStringLiteral("maxTokensSpin"));
    m_maxTokens->setRange(1, 100'000);
    m_maxTokens->setValue(200);
    rf->addRow(tr("Ma&x answer tokens:"), m_maxTokens);
    m_prompt->setObjectName(QStringLiteral("promptEdit"));
    m_prompt->setPlainText(tr("Say hello in one short sentence."));
    m_prompt->setTabChangesFocus(true);
    m_prompt->setFixedHeight(m_prompt->fontMetrics().lineSpacing() * 4 + 14);
    auto *promptLabel = new QLabel(tr("&Prompt:"), requestBox);
    promptLabel->setBuddy(m_prompt);
    rf->addRow(promptLabel, m_prompt);
    auto *buttons = new QHBoxLayout;
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_send->setToolTip(tr("Send (Ctrl+Enter)"));
    Theme::setPrimary(m_send);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setEnabled(false);
    buttons->addStretch();
    buttons->addWidget(m_stop);
    buttons->addWidget(m_send);
    rf->addRow(buttons);
    ll->addWidget(requestBox);
    ll->addStretch();

    // Right: what happened.
    auto *right = new QWidget(splitter);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    m_steps->setObjectName(QStringLiteral("playSteps"));
    m_steps->setTextFormat(Qt::RichText);
    m_steps->setWordWrap(true);
    rl->addWidget(m_steps);
    auto *answerTitle = new QLabel(tr("Answer (streamed)"), right);
    answerTitle->setObjectName(QStringLiteral("sectionTitle"));
    rl->addWidget(answerTitle);
    m_answer->setObjectName(QStringLiteral("answerView"));
    m_answer->setReadOnly(true);
    m_answer->setPlaceholderText(tr("The model's answer appears here as it streams."));
    rl->addWidget(m_answer, 2);
    m_stats->setObjectName(QStringLiteral("playStats"));
    m_stats->setProperty("role", QStringLiteral("muted"));
    rl->addWidget(m_stats);
    auto *callbackTitle = new QLabel(tr("Usage callback"), right);
    callbackTitle->setObjectName(QStringLiteral("sectionTitle"));
    rl->addWidget(callbackTitle);
    m_callbackState->setObjectName(QStringLiteral("callbackState"));
    m_callbackState->setWordWrap(true);
    rl->addWidget(m_callbackState);
    m_callbackBody->setObjectName(QStringLiteral("callbackBody"));
    rl->addWidget(m_callbackBody, 2);
    auto *snippets = new QTabWidget(right);
    snippets->addTab(m_curl, QStringLiteral("curl"));
    snippets->addTab(m_python, tr("Python (OpenAI SDK)"));
    auto *copy = new QPushButton(tr("&Copy snippet"), right);
    copy->setObjectName(QStringLiteral("copySnippetButton"));
    snippets->setCornerWidget(copy, Qt::TopRightCorner);
    connect(copy, &QPushButton::clicked, this, [snippets] {
        if (auto *view = qobject_cast<QPlainTextEdit *>(snippets->currentWidget()))
            QApplication::clipboard()->setText(view->toPlainText());
    });
    rl->addWidget(snippets, 2);

    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    content()->addWidget(splitter, 1);

    connect(m_send, &QPushButton::clicked, this, &PlaygroundPage::send);
    connect(m_stop, &QPushButton::clicked, this, &PlaygroundPage::stop);
    connect(m_stream, &ChatStream::delta, this, [this](const QString &text) {
        m_answer->moveCursor(QTextCursor::End);
        m_answer->insertPlainText(text);
        m_answer->ensureCursorVisible();
    });
    connect(m_stream, &ChatStream::finished, this,
        [this](const QJsonObject &usage, qint64 elapsed) { finished(m_run, usage, elapsed); });
    connect(m_stream, &ChatStream::failed, this, [this](const QString &message) { fail(m_run, message); });
    connect(m_catalog, &ServerCatalog::tenantsChanged, this, &PlaygroundPage::fillPickers);
    connect(m_catalog, &ServerCatalog::upstreamsChanged, this, &PlaygroundPage::fillPickers);
    m_poll.setSingleShot(true);
    m_poll.setInterval(1000);
    connect(&m_poll, &QTimer::timeout, this, [this] { pollCallback(m_run); });
    // The snippets follow what would be sent.
    auto follow = [this] { updateSnippets(m_dynamicKey); };
    connect(m_prompt, &QPlainTextEdit::textChanged, this, follow);
    connect(m_model, &QComboBox::currentTextChanged, this, follow);
    connect(m_maxTokens, &QSpinBox::valueChanged, this, follow);
    fillPickers();
    for (int i = 0; i < StepCount; ++i)
        m_stepTexts.append(QString());
    setStep(KeyStep, QString());
    m_callbackState->setText(tr("Send a chat to see the callback the tenant receives."));
    updateSnippets(QString());
    setHeader(tr("Call the server the way a tenant and a device do, and see the callback."));
}

PlaygroundPage::~PlaygroundPage()
{
    // A temporary key must not outlive the playground; the request goes out even while closing.
    revokeTemporaryKey();
}

QIcon PlaygroundPage::icon() const
{
    return Theme::icon(QStringLiteral("playground"));
}

void PlaygroundPage::refresh()
{
    fillPickers();
    updateSnippets(m_dynamicKey);
}

void PlaygroundPage::sessionChanged(bool isConnected)
{
    if (!isConnected)
        stop();
    m_dynamicKey.clear();
    updateSnippets({});
    Page::sessionChanged(isConnected);
}

void PlaygroundPage::fillPickers()
{
    const QString tenant = m_tenant->currentData().toString();
    m_tenant->clear();
    for (const QJsonValue &t : m_catalog->tenants())
        m_tenant->addItem(t[QLatin1String("name")].toString(), t[QLatin1String("id")].toString());
    m_tenant->setCurrentIndex(std::max(0, m_tenant->findData(tenant)));
    const QString model = m_model->currentText();
    m_model->clear();
    m_model->addItems(m_catalog->models());
    if (!model.isEmpty())
        m_model->setCurrentText(model);
}

QString PlaygroundPage::answer() const
{
    return m_answer->toPlainText();
}

QString PlaygroundPage::curlSnippet() const
{
    return m_curl->toPlainText();
}

QString PlaygroundPage::pythonSnippet() const
{
    return m_python->toPlainText();
}

void PlaygroundPage::setStep(int step, const QString &text)
{
    static const char *names[]
        = { QT_TR_NOOP("Tenant key"), QT_TR_NOOP("Dynamic key"), QT_TR_NOOP("Chat"), QT_TR_NOOP("Callback") };
    if (step >= 0 && step < m_stepTexts.size())
        m_stepTexts[step] = text;
    QString html = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\">");
    for (int i = 0; i < StepCount; ++i) {
        const QString t = m_stepTexts.value(i);
        const QString mark = t.isEmpty() ? QStringLiteral("<span style=\"color:#9ca3af\">○</span>")
                                         : QStringLiteral("<span style=\"color:#2563eb\">●</span>");
        html += QStringLiteral(
            "<tr><td>%1</td><td style=\"padding-right:10px\"><b>%2</b></td><td style=\"color:#374151\">%3</td></tr>")
                    .arg(mark, tr(names[i]).toHtmlEscaped(), t.isEmpty() ? QStringLiteral("—") : t.toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
    m_steps->setText(html);
}

void PlaygroundPage::setRunning(bool running)
{
    m_send->setEnabled(!running);
    m_stop->setEnabled(running);
    for (QWidget *w :
        std::initializer_list<QWidget *> { m_tenant, m_temporary, m_paste, m_model, m_budget, m_ttl, m_maxTokens, m_prompt })
        w->setEnabled(!running);
    m_tenantKey->setEnabled(!running && m_paste->isChecked());
}

QJsonObject PlaygroundPage::chatBody() const
{
    return QJsonObject { { QStringLiteral("model"), m_model->currentText().trimmed() }, { QStringLiteral("stream"), true },
        { QStringLiteral("max_tokens"), m_maxTokens->value() },
        { QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                { QStringLiteral("content"), m_prompt->toPlainText() } } } } };
}

void PlaygroundPage::updateSnippets(const QString &dynamicKey)
{
    m_dynamicKey = dynamicKey;
    const QString key = dynamicKey.isEmpty() ? QStringLiteral("<dynamic key>") : dynamicKey;
    const QString base = m_client->server().isEmpty() ? QStringLiteral("http://127.0.0.1:8000") : m_client->server().toString();
    const QJsonObject body = chatBody();
    m_curl->setPlainText(QStringLiteral("curl -sN %1 \\\n  -H %2 \\\n  -H 'Content-Type: application/json' \\\n  -d %3\n")
                             .arg(shellQuote(base + QStringLiteral("/v1/chat/completions")),
                                 shellQuote(QStringLiteral("Authorization: Bearer ") + key),
                                 shellQuote(QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)))));
    m_python->setPlainText(
        QStringLiteral("from openai import OpenAI\n\n"
                       "# The dynamic key is the API key: worth at most its budget, for its model, until it expires.\n"
                       "client = OpenAI(base_url=%1, api_key=%2)\n\n"
                       "stream = client.chat.completions.create(\n"
                       "    model=%3,\n"
                       "    max_tokens=%4,\n"
                       "    messages=[{\"role\": \"user\", \"content\": %5}],\n"
                       "    stream=True,\n"
                       ")\n"
                       "for chunk in stream:\n"
                       "    if chunk.choices and chunk.choices[0].delta.content:\n"
                       "        print(chunk.choices[0].delta.content, end=\"\", flush=True)\n"
                       "print()\n")
            .arg(jsonString(base + QStringLiteral("/v1")), jsonString(key), jsonString(m_model->currentText().trimmed()))
            .arg(m_maxTokens->value())
            .arg(jsonString(m_prompt->toPlainText())));
}

void PlaygroundPage::send()
{
    if (!connected() || m_stream->isRunning())
        return;
    messages()->clear();
    if (m_tenant->currentData().toString().isEmpty())
        return messages()->showMessage(MessageBar::Kind::Error, tr("Pick a tenant first (create one on the Tenants page)."));
    if (m_model->currentText().trimmed().isEmpty())
        return messages()->showMessage(MessageBar::Kind::Error, tr("Pick a model: one that an upstream serves."));
    if (m_paste->isChecked() && m_tenantKey->text().trimmed().isEmpty()) {
        m_tenantKey->setFocus();
        return messages()->showMessage(
            MessageBar::Kind::Error, tr("Paste the tenant key, or let the console issue a temporary one."));
    }
    const int run = ++m_run;
    m_tenantId = m_tenant->currentData().toString();
    m_eventId.clear();
    m_polls = 0;
    m_poll.stop();
    m_answer->clear();
    m_stats->clear();
    m_callbackBody->setJson(QJsonValue::Undefined);
    m_callbackState->setPalette(QPalette());
    m_callbackState->setText(tr("Waiting for the chat to finish…"));
    for (int i = 0; i < StepCount; ++i)
        m_stepTexts[i].clear();
    setStep(KeyStep, QString());
    setRunning(true);
    obtainTenantKey(run);
}

void PlaygroundPage::obtainTenantKey(int run)
{
    if (m_paste->isChecked()) {
        setStep(KeyStep, tr("pasted key"));
        return mint(run, m_tenantKey->text().trimmed().toLatin1());
    }
    setStep(KeyStep, tr("issuing a temporary key…"));
    m_client->issueKey(m_tenantId, this, [this, run](const AdminReply &r) {
        if (run != m_run)
            return;
        if (!r.ok())
            return fail(run, r.error->text());
        m_tempKeyId = r.object.value(QLatin1String("id")).toString();
        setStep(KeyStep, tr("temporary key %1").arg(m_tempKeyId));
        mint(run, r.object.value(QLatin1String("key")).toString().toLatin1());
    });
}

void PlaygroundPage::mint(int run, const QByteArray &tenantKey)
{
    setStep(MintStep, tr("minting…"));
    const QJsonObject body { { QStringLiteral("model"), m_model->currentText().trimmed() },
        { QStringLiteral("max_tokens"), m_budget->value() }, { QStringLiteral("ttl_seconds"), m_ttl->value() } };
    m_client->mintDynamicKey(tenantKey, body, this, [this, run](const AdminReply &r) {
        if (run != m_run)
            return;
        if (!r.ok())
            return fail(run, r.error->text());
        const QString token = r.object.value(QLatin1String("token")).toString();
        m_eventId = r.object.value(QLatin1String("event_id")).toString();
        const QDateTime expires = QDateTime::fromSecsSinceEpoch(r.object.value(QLatin1String("expires_at")).toInteger());
        setStep(MintStep,
            tr("event %1, %2 tokens, expires %3").arg(m_eventId, Display::number(m_budget->value()), Display::time(expires)));
        updateSnippets(token);
        chat(run, token.toLatin1());
    });
}

void PlaygroundPage::chat(int run, const QByteArray &dynamicKey)
{
    setStep(ChatStep, tr("streaming…"));
    m_stream->start(dynamicKey, chatBody());
}

void PlaygroundPage::finished(int run, const QJsonObject &usage, qint64 elapsedMs)
{
    if (run != m_run)
        return;
    setRunning(false);
    revokeTemporaryKey();
    const QString tokens = usage.isEmpty() ? tr("no usage reported")
                                           : tr("%1 prompt + %2 completion tokens")
                                                 .arg(usage.value(QLatin1String("prompt_tokens")).toInt())
                                                 .arg(usage.value(QLatin1String("completion_tokens")).toInt());
    setStep(ChatStep, tr("done in %1, %2").arg(Display::duration(double(elapsedMs)), tokens));
    m_stats->setText(tr("%1 characters received in %2; %3.")
                         .arg(m_answer->toPlainText().size())
                         .arg(Display::duration(double(elapsedMs)), tokens));
    setStep(CallbackStep, tr("waiting for the delivery…"));
    m_callbackState->setText(tr("Looking for the callback of event %1…").arg(m_eventId));
    pollCallback(run);
}

void PlaygroundPage::fail(int run, const QString &message)
{
    if (run != m_run)
        return;
    setRunning(false);
    revokeTemporaryKey();
    m_poll.stop();
    messages()->showMessage(MessageBar::Kind::Error, message);
    for (int i = StepCount - 1; i >= 0; --i) {
        if (!m_stepTexts.value(i).isEmpty()) {
            setStep(i, tr("failed"));
            break;
        }
    }
    m_callbackState->setText(tr("No callback: the chat did not finish."));
}

void PlaygroundPage::stop()
{
    if (m_stream->isRunning()) {
        m_stream->cancel();
        setStep(ChatStep, tr("stopped"));
    }
    ++m_run;
    m_poll.stop();
    setRunning(false);
    revokeTemporaryKey();
}

void PlaygroundPage::revokeTemporaryKey()
{
    if (m_tempKeyId.isEmpty() || m_tenantId.isEmpty())
        return;
    const QString key = m_tempKeyId;
    m_tempKeyId.clear();
    // No context: the revocation must finish even if the page goes away.
    m_client->revokeKey(m_tenantId, key, nullptr, {});
}

void PlaygroundPage::noteCallbackEvent(const QJsonObject &event)
{
    if (!m_eventId.isEmpty() && event.value(QLatin1String("tenant_id")).toString() == m_tenantId && !m_stream->isRunning())
        pollCallback(m_run);
}

void PlaygroundPage::pollCallback(int run)
{
    if (run != m_run || m_eventId.isEmpty())
        return;
    m_poll.stop();
    m_client->listCallbacks({}, m_tenantId, PageRequest{20, 0, {}}, this, [this, run](const AdminReply &r) {
        if (run != m_run)
            return;
        QJsonObject mine;
        if (r.ok()) {
            for (const QJsonValue &v : r.list()) {
                if (v[QLatin1String("body")][QLatin1String("event_id")].toString() == m_eventId) {
                    mine = v.toObject();
                    break;
                }
            }
        }
        if (!mine.isEmpty())
            showCallback(mine);
        const bool settled = !mine.isEmpty()
            && (mine.value(QLatin1String("state")).toString() != QLatin1String("pending")
                || mine.value(QLatin1String("attempts")).toInt() > 0);
        if (settled)
            return;
        if (++m_polls < 30) {
            m_poll.start();
        } else {
            setStep(CallbackStep, tr("not found"));
            m_callbackState->setText(
                tr("No callback for event %1 appeared within 30 seconds. Look on the Callbacks page later.").arg(m_eventId));
        }
    });
}

void PlaygroundPage::showCallback(const QJsonObject &c)
{
    const QString state = c.value(QLatin1String("state")).toString();
    const int attempts = c.value(QLatin1String("attempts")).toInt();
    QString text;
    if (state == QLatin1String("delivered")) {
        text = tr("Delivered to %1 (HTTP %2) after %n attempt(s).", nullptr, attempts)
                   .arg(c.value(QLatin1String("url")).toString())
                   .arg(c.value(QLatin1String("last_status")).toInt());
    } else if (attempts == 0) {
        text = tr("Stored, about to be sent to %1.").arg(c.value(QLatin1String("url")).toString());
    } else {
        const QString why = c.value(QLatin1String("last_error")).toString();
        text = tr("Not delivered yet (%1): %2. Next try %3.")
                   .arg(Display::callbackState(state), why.isEmpty() ? tr("no answer") : why,
                       Display::relative(Display::parseTime(c.value(QLatin1String("next_attempt_at")))));
    }
    m_callbackState->setText(text);
    QPalette p = m_callbackState->palette();
    p.setColor(QPalette::WindowText, state == QLatin1String("delivered") ? QColor(0x15, 0x80, 0x3d) : QColor(0xb4, 0x53, 0x09));
    m_callbackState->setPalette(p);
    setStep(CallbackStep, QStringLiteral("%1 · %2").arg(Display::callbackState(state), c.value(QLatin1String("id")).toString()));
    m_callbackBody->setJson(c.value(QLatin1String("body")));
}

} // namespace dynaseal::console
