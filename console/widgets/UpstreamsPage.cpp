#include "console/widgets/UpstreamsPage.h"

#include "console/core/AdminClient.h"
#include "console/core/Display.h"
#include "console/core/ServerCatalog.h"
#include "console/core/models/UpstreamsModel.h"
#include "console/widgets/FormField.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/TableView.h"
#include "console/widgets/Theme.h"

#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace dynaseal::console {

UpstreamsPage::UpstreamsPage(AdminClient *client, ServerCatalog *catalog, QWidget *parent)
    : Page(QStringLiteral("upstreams"), client, catalog, parent)
    , m_model(new UpstreamsModel(this))
    , m_table(new TableView(this))
    , m_heading(new QLabel(this))
    , m_editorMessages(new MessageBar(this))
    , m_testResult(new MessageBar(this))
    , m_new(new QPushButton(tr("&Add upstream"), this))
    , m_save(new QPushButton(tr("&Save"), this))
    , m_delete(new QPushButton(tr("&Remove…"), this))
    , m_test(new QPushButton(tr("&Test"), this))
{
    m_new->setObjectName(QStringLiteral("newUpstreamButton"));
    m_new->setShortcut(QKeySequence::New);
    Theme::setPrimary(m_new);
    addHeaderWidget(m_new);

    m_table->setObjectName(QStringLiteral("upstreamsTable"));
    m_table->setSourceModel(m_model);
    m_table->setStateKey(QStringLiteral("upstreams"));
    m_table->setEmptyText(tr("No upstreams yet. Add the OpenAI-compatible provider that serves your models."));
    m_table->setMinimumWidth(320);

    auto *editor = new QWidget(this);
    auto *el = new QVBoxLayout(editor);
    el->setContentsMargins(0, 0, 0, 0);
    auto *top = new QHBoxLayout;
    m_heading->setObjectName(QStringLiteral("sectionTitle"));
    top->addWidget(m_heading, 1);
    m_test->setObjectName(QStringLiteral("testUpstreamButton"));
    m_test->setToolTip(tr("Ask the server to call this upstream with its real key and list its models"));
    m_delete->setObjectName(QStringLiteral("deleteUpstreamButton"));
    Theme::setDanger(m_delete);
    m_save->setObjectName(QStringLiteral("saveUpstreamButton"));
    Theme::setPrimary(m_save);
    top->addWidget(m_test);
    top->addWidget(m_delete);
    top->addWidget(m_save);
    el->addLayout(top);
    el->addWidget(m_editorMessages);
    el->addWidget(m_testResult);
    m_testResult->setObjectName(QStringLiteral("testResult"));

    auto *card = new QFrame(editor);
    card->setObjectName(QStringLiteral("card"));
    card->setAttribute(Qt::WA_StyledBackground);
    auto *form = new QFormLayout(card);
    form->setContentsMargins(14, 14, 14, 14);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    form->setVerticalSpacing(10);
    auto add = [&](const QString &key, const QString &label, QWidget *w, const QString &hint) {
        auto *f = new FormField(key, w, hint, card);
        auto *l = new QLabel(label, card);
        l->setBuddy(w);
        form->addRow(l, f);
        m_fields.insert(key, f);
    };
    m_name = new QLineEdit(card);
    m_name->setObjectName(QStringLiteral("upstreamNameEdit"));
    m_name->setPlaceholderText(QStringLiteral("openai"));
    add(QStringLiteral("name"), tr("&Name:"), m_name, tr("Unique; for you only."));
    m_baseUrl = new QLineEdit(card);
    m_baseUrl->setObjectName(QStringLiteral("baseUrlEdit"));
    m_baseUrl->setPlaceholderText(QStringLiteral("https://api.openai.com/v1"));
    add(QStringLiteral("base_url"), tr("&Base URL:"), m_baseUrl,
        tr("The server calls <base URL>/chat/completions, so it usually ends in /v1."));
    m_apiKey = new QLineEdit(card);
    m_apiKey->setObjectName(QStringLiteral("apiKeyEdit"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    add(QStringLiteral("api_key"), tr("API &key:"), m_apiKey,
        tr("Write-only: stored encrypted and never shown again. Leave empty to keep the current key; type a new one to rotate "
           "it."));
    m_models = new QPlainTextEdit(card);
    m_models->setObjectName(QStringLiteral("upstreamModelsEdit"));
    m_models->setFont(Theme::monospace());
    m_models->setTabChangesFocus(true);
    m_models->setFixedHeight(m_models->fontMetrics().lineSpacing() * 5 + 14);
    add(QStringLiteral("models"), tr("&Models:"), m_models,
        tr("One model name per line. A request goes to the oldest upstream that lists its model."));
    el->addWidget(card);
    el->addStretch();

    addSplitter(Qt::Horizontal, m_table, editor, 3, 2, { 640, 560 });

    connect(m_table, &TableView::selectionChangedTo, this, &UpstreamsPage::select);
    connect(m_new, &QPushButton::clicked, this, &UpstreamsPage::startNew);
    connect(m_save, &QPushButton::clicked, this, &UpstreamsPage::save);
    connect(m_delete, &QPushButton::clicked, this, &UpstreamsPage::removeSelected);
    connect(m_test, &QPushButton::clicked, this, &UpstreamsPage::testSelected);
    for (QLineEdit *e : { m_name, m_baseUrl, m_apiKey })
        connect(e, &QLineEdit::textChanged, this, &UpstreamsPage::updateButtons);
    connect(m_models, &QPlainTextEdit::textChanged, this, &UpstreamsPage::updateButtons);
    setHeader(tr("OpenAI-compatible providers: the real keys stay on the server."));
    select({});
}

QIcon UpstreamsPage::icon() const
{
    return Theme::icon(QStringLiteral("upstreams"));
}

void UpstreamsPage::refresh()
{
    if (!connected())
        return;
    const QString selected = m_current.value(QLatin1String("id")).toString();
    m_client->listUpstreams(this, [this, selected](const AdminReply &r) {
        if (!r.ok())
            return showError(*r.error);
        m_model->setRows(r.list());
        if (!m_table->selectId(selected) && !m_creating && m_model->rowCount() > 0)
            m_table->selectRow(0);
    });
}

void UpstreamsPage::sessionChanged(bool isConnected)
{
    if (!isConnected) {
        m_model->setRows({});
        select({});
    }
    Page::sessionChanged(isConnected);
}

static QStringList modelLines(const QPlainTextEdit *edit)
{
    QStringList out;
    for (const QString &l : edit->toPlainText().split(QLatin1Char('\n'))) {
        if (!l.trimmed().isEmpty())
            out.append(l.trimmed());
    }
    return out;
}

void UpstreamsPage::select(const QJsonObject &upstream)
{
    if (upstream.isEmpty() && m_creating)
        return;
    m_creating = false;
    m_current = upstream;
    for (FormField *f : std::as_const(m_fields))
        f->setError({});
    m_editorMessages->clear();
    m_testResult->clear();
    m_name->setText(upstream.value(QLatin1String("name")).toString());
    m_baseUrl->setText(upstream.value(QLatin1String("base_url")).toString());
    m_apiKey->clear();
    m_apiKey->setPlaceholderText(
        upstream.isEmpty() ? QString() : tr("unchanged (%1)").arg(upstream.value(QLatin1String("api_key")).toString()));
    QStringList models;
    for (const QJsonValue &m : upstream.value(QLatin1String("models")).toArray())
        models.append(m.toString());
    m_models->setPlainText(models.join(QLatin1Char('\n')));
    m_heading->setText(
        upstream.isEmpty() ? tr("Select an upstream, or add one.") : upstream.value(QLatin1String("name")).toString());
    for (QWidget *w : std::initializer_list<QWidget *> { m_name, m_baseUrl, m_apiKey, m_models })
        w->setEnabled(!upstream.isEmpty());
    updateButtons();
}

void UpstreamsPage::startNew()
{
    m_table->clearSelection();
    m_creating = true;
    m_current = {};
    for (FormField *f : std::as_const(m_fields))
        f->setError({});
    m_testResult->clear();
    for (QLineEdit *e : { m_name, m_baseUrl, m_apiKey })
        e->clear();
    m_models->clear();
    m_apiKey->setPlaceholderText(QStringLiteral("sk-…"));
    for (QWidget *w : std::initializer_list<QWidget *> { m_name, m_baseUrl, m_apiKey, m_models })
        w->setEnabled(true);
    m_heading->setText(tr("New upstream"));
    m_editorMessages->showMessage(MessageBar::Kind::Info, tr("All four fields are required."));
    updateButtons();
    m_name->setFocus();
}

QJsonObject UpstreamsPage::changes() const
{
    QJsonObject diff;
    if (m_name->text().trimmed() != m_current.value(QLatin1String("name")).toString())
        diff.insert(QStringLiteral("name"), m_name->text().trimmed());
    if (m_baseUrl->text().trimmed() != m_current.value(QLatin1String("base_url")).toString())
        diff.insert(QStringLiteral("base_url"), m_baseUrl->text().trimmed());
    if (!m_apiKey->text().isEmpty())
        diff.insert(QStringLiteral("api_key"), m_apiKey->text());
    QStringList current;
    for (const QJsonValue &m : m_current.value(QLatin1String("models")).toArray())
        current.append(m.toString());
    if (modelLines(m_models) != current)
        diff.insert(QStringLiteral("models"), QJsonArray::fromStringList(modelLines(m_models)));
    return diff;
}

void UpstreamsPage::updateButtons()
{
    const bool has = !m_current.isEmpty();
    m_save->setText(m_creating ? tr("&Add") : tr("&Save"));
    m_save->setEnabled(m_creating || (has && !changes().isEmpty()));
    m_delete->setEnabled(has);
    m_test->setEnabled(has);
}

void UpstreamsPage::save()
{
    for (FormField *f : std::as_const(m_fields))
        f->setError({});
    const QJsonObject body = m_creating ? QJsonObject { { QStringLiteral("name"), m_name->text().trimmed() },
        { QStringLiteral("base_url"), m_baseUrl->text().trimmed() }, { QStringLiteral("api_key"), m_apiKey->text() },
        { QStringLiteral("models"), QJsonArray::fromStringList(modelLines(m_models)) } }
                                        : changes();
    auto done = [this](const AdminReply &r) {
        if (!r.ok()) {
            if (FormField *f = m_fields.value(r.error->field)) {
                f->setError(r.error->fieldText());
                f->editor()->setFocus();
                m_editorMessages->showMessage(
                    MessageBar::Kind::Error, tr("The server refused the change; see the marked field. Nothing was saved."));
            } else {
                m_editorMessages->showError(*r.error);
            }
            return;
        }
        m_creating = false;
        m_model->upsert(r.object);
        m_table->selectId(r.object.value(QLatin1String("id")).toString());
        select(r.object);
        m_editorMessages->showMessage(MessageBar::Kind::Success, tr("Saved. New requests use it at once."));
        m_catalog->refreshUpstreams();
        emit statusMessage(tr("Saved upstream %1.").arg(r.object.value(QLatin1String("name")).toString()));
    };
    if (m_creating)
        m_client->createUpstream(body, this, done);
    else
        m_client->updateUpstream(m_current.value(QLatin1String("id")).toString(), body, this, done);
}

void UpstreamsPage::removeSelected()
{
    const QString id = m_current.value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Remove upstream"),
        tr("Remove the upstream \"%1\"?").arg(m_current.value(QLatin1String("name")).toString()), QMessageBox::NoButton,
        window());
    box->setObjectName(QStringLiteral("confirmDelete"));
    box->setInformativeText(
        tr("Calls in progress finish. New calls for its models go to another upstream that serves them, or are "
           "refused with model_not_found."));
    QPushButton *remove = box->addButton(tr("Remove"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, remove, id](QAbstractButton *clicked) {
        if (clicked != remove)
            return;
        m_client->deleteUpstream(id, this, [this](const AdminReply &r) {
            if (!r.ok())
                return m_editorMessages->showError(*r.error);
            select({});
            refresh();
            m_catalog->refreshUpstreams();
        });
    });
    box->open();
}

void UpstreamsPage::testSelected()
{
    const QString id = m_current.value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return;
    m_test->setEnabled(false);
    m_testResult->showMessage(MessageBar::Kind::Info, tr("Testing %1…").arg(m_current.value(QLatin1String("name")).toString()));
    m_client->testUpstream(id, this, [this, id](const AdminReply &r) {
        m_test->setEnabled(!m_current.isEmpty());
        if (!r.ok()) {
            if (r.error->isMissingEndpoint()) {
                m_testResult->showMessage(MessageBar::Kind::Warning,
                    tr("This server cannot test upstreams yet: it has no POST /admin/v1/upstreams/{id}/test. "
                       "The console does not call the upstream itself, because the upstream's key never "
                       "leaves the server. Try a real call in the Playground instead, or upgrade the server."));
            } else {
                m_testResult->showError(*r.error);
            }
            return;
        }
        const QJsonObject o = r.object;
        QStringList models;
        for (const QJsonValue &m : o.value(QLatin1String("models")).toArray())
            models.append(m.toString());
        const QString latency = Display::duration(o.value(QLatin1String("latency_ms")).toDouble());
        if (o.value(QLatin1String("ok")).toBool()) {
            m_testResult->showMessage(MessageBar::Kind::Success,
                tr("The upstream answered HTTP %1 in %2.").arg(o.value(QLatin1String("status")).toInt()).arg(latency)
                    + (models.isEmpty()
                            ? QString()
                            : QString(QLatin1Char(' ') + tr("It serves: %1.").arg(models.join(QStringLiteral(", "))))));
        } else {
            const int status = o.value(QLatin1String("status")).toInt();
            QString advice;
            if (status == 401 || status == 403)
                advice = tr("The upstream refused the API key: rotate it here with the right key.");
            else if (status == 404)
                advice = tr("Check the base URL: it usually ends in /v1.");
            else if (status == 0)
                advice = tr("The server could not reach it: check the base URL and the server's network.");
            m_testResult->showMessage(MessageBar::Kind::Error,
                tr("The test failed (HTTP %1, %2): %3").arg(status).arg(latency, o.value(QLatin1String("error")).toString())
                    + (advice.isEmpty() ? QString() : QString(QLatin1Char(' ') + advice)));
        }
    });
}

void UpstreamsPage::saveState() const
{
    Page::saveState();
    m_table->saveState();
}

} // namespace dynaseal::console
