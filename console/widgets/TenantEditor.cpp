#include "console/widgets/TenantEditor.h"

#include "console/core/AdminClient.h"
#include "console/core/Display.h"
#include "console/widgets/FormField.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/TenantKeysPanel.h"
#include "console/widgets/Theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextBlock>
#include <QVBoxLayout>

namespace dynaseal::console {
namespace {

enum Tab { GeneralTab, AccessTab, LimitsTab, RewriteTab, KeysTab };

QPlainTextEdit *ruleEdit(const QString &name, QWidget *parent, int lines = 4)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(name);
    edit->setFont(Theme::monospace());
    edit->setTabChangesFocus(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFixedHeight(edit->fontMetrics().lineSpacing() * lines + 14);
    return edit;
}

// Non-empty lines, trimmed: what the server stores as a rule list.
QJsonArray lines(const QPlainTextEdit *edit)
{
    QJsonArray out;
    for (const QString &line : edit->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            out.append(line.trimmed());
    }
    return out;
}

QString joinLines(const QJsonValue &list)
{
    QStringList out;
    for (const QJsonValue &v : list.toArray())
        out.append(v.toString());
    return out.join(QLatin1Char('\n'));
}

// Marks the editor line holding rule number `rule` (1-based, blank lines not counted).
void markRuleLine(QPlainTextEdit *edit, int rule)
{
    QList<QTextEdit::ExtraSelection> marks;
    int seen = 0;
    for (QTextBlock b = edit->document()->begin(); rule > 0 && b.isValid(); b = b.next()) {
        if (b.text().trimmed().isEmpty() || ++seen != rule)
            continue;
        QTextEdit::ExtraSelection mark;
        mark.format.setBackground(QColor(0xfe, 0xe2, 0xe2));
        mark.format.setProperty(QTextFormat::FullWidthSelection, true);
        mark.cursor = QTextCursor(b);
        marks.append(mark);
        QTextCursor c(b);
        edit->setTextCursor(c);
        break;
    }
    edit->setExtraSelections(marks);
}

QWidget *scrolling(QWidget *inner)
{
    auto *area = new QScrollArea;
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setWidget(inner);
    return area;
}

} // namespace

TenantEditor::TenantEditor(AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_heading(new QLabel(this))
    , m_messages(new MessageBar(this))
    , m_tabs(new QTabWidget(this))
    , m_save(new QPushButton(tr("&Save"), this))
    , m_revert(new QPushButton(tr("Re&vert"), this))
{
    setObjectName(QStringLiteral("tenantEditor"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    auto *top = new QHBoxLayout;
    m_heading->setObjectName(QStringLiteral("sectionTitle"));
    m_heading->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(m_heading, 1);
    m_revert->setObjectName(QStringLiteral("revertTenantButton"));
    m_save->setObjectName(QStringLiteral("saveTenantButton"));
    m_save->setShortcut(QKeySequence::Save);
    m_save->setToolTip(tr("Save the changes (%1)").arg(QKeySequence(QKeySequence::Save).toString(QKeySequence::NativeText)));
    Theme::setPrimary(m_save);
    top->addWidget(m_revert);
    top->addWidget(m_save);
    layout->addLayout(top);
    layout->addWidget(m_messages);

    m_tabs->setObjectName(QStringLiteral("tenantTabs"));
    m_tabs->addTab(scrolling(buildGeneral()), tr("General"));
    m_tabs->addTab(scrolling(buildAccess()), tr("Access"));
    m_tabs->addTab(scrolling(buildLimits()), tr("Limits"));
    m_tabs->addTab(scrolling(buildRewrite()), tr("Rewriting"));
    m_keys = new TenantKeysPanel(client, this);
    m_tabs->addTab(m_keys, tr("Keys"));
    layout->addWidget(m_tabs, 1);

    connect(m_save, &QPushButton::clicked, this, &TenantEditor::save);
    connect(m_revert, &QPushButton::clicked, this, &TenantEditor::revert);
    clear();
}

FormField *TenantEditor::addField(
    QFormLayout *form, const QString &key, const QString &label, QWidget *editor, const QString &hint)
{
    auto *f = new FormField(key, editor, hint, form->parentWidget());
    auto *l = new QLabel(label, form->parentWidget());
    l->setBuddy(editor);
    form->addRow(l, f);
    m_fields.insert(key, f);
    m_fieldTab.insert(key, m_tabs->count());
    // Any edit clears the field's old error and re-evaluates what changed.
    auto edited = [this, f] {
        if (m_populating)
            return;
        f->setError({});
        if (auto *text = qobject_cast<QPlainTextEdit *>(f->editor()))
            text->setExtraSelections({});
        updateState();
    };
    if (auto *e = qobject_cast<QLineEdit *>(editor))
        connect(e, &QLineEdit::textChanged, this, edited);
    else if (auto *e = qobject_cast<QPlainTextEdit *>(editor))
        connect(e, &QPlainTextEdit::textChanged, this, edited);
    else if (auto *e = qobject_cast<QComboBox *>(editor))
        connect(e, &QComboBox::currentTextChanged, this, edited);
    else if (auto *e = qobject_cast<QCheckBox *>(editor))
        connect(e, &QCheckBox::toggled, this, edited);
    else if (auto *e = qobject_cast<QSpinBox *>(editor))
        connect(e, &QSpinBox::valueChanged, this, edited);
    return f;
}

static QFormLayout *newForm(QWidget *page)
{
    auto *form = new QFormLayout(page);
    form->setContentsMargins(14, 14, 14, 14);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->setVerticalSpacing(10);
    return form;
}

QWidget *TenantEditor::buildGeneral()
{
    auto *page = new QWidget;
    QFormLayout *form = newForm(page);
    m_name = new QLineEdit(page);
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_name->setPlaceholderText(tr("e.g. Acme app"));
    addField(form, QStringLiteral("name"), tr("&Name:"), m_name);
    m_callbackUrl = new QLineEdit(page);
    m_callbackUrl->setObjectName(QStringLiteral("callbackUrlEdit"));
    m_callbackUrl->setPlaceholderText(QStringLiteral("https://backend.example.com/dynaseal/usage"));
    addField(form, QStringLiteral("callback_url"), tr("&Callback URL:"), m_callbackUrl,
        tr("Receives a signed usage callback after every request."));
    m_callbackBatch = new QSpinBox(page);
    m_callbackBatch->setObjectName(QStringLiteral("callbackBatchSpin"));
    m_callbackBatch->setRange(1, 1000);
    m_callbackBatch->setMaximumWidth(90);
    addField(form, QStringLiteral("callback_batch"), tr("Callbacks per P&OST:"), m_callbackBatch,
        tr("1: each callback in its own POST. More: up to this many in one POST, as a {\"callbacks\": [...]} batch; "
           "for backends that receive thousands a second."));
    m_quota = new QLineEdit(page);
    m_quota->setObjectName(QStringLiteral("quotaEdit"));
    m_quota->setPlaceholderText(tr("no limit"));
    m_quota->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{0,15}")), m_quota));
    addField(form, QStringLiteral("token_quota"), tr("Token &quota:"), m_quota,
        tr("The most tokens ever billed to this tenant over all its keys; it does not reset. Empty: no limit."));
    m_usage = new QProgressBar(page);
    m_usage->setObjectName(QStringLiteral("usageBar"));
    m_usage->setTextVisible(true);
    m_usage->setMaximumHeight(16);
    form->addRow(tr("Used:"), m_usage);
    m_lifetime = new QLineEdit(page);
    m_lifetime->setObjectName(QStringLiteral("lifetimeEdit"));
    m_lifetime->setPlaceholderText(tr("server default (--max-key-lifetime)"));
    m_lifetime->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{0,9}")), m_lifetime));
    addField(form, QStringLiteral("max_key_lifetime_secs"), tr("Key &lifetime (s):"), m_lifetime,
        tr("The longest lifetime of this tenant's dynamic keys, in seconds."));
    m_idLabel = new QLabel(page);
    m_idLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_idLabel->setProperty("role", QStringLiteral("muted"));
    m_idLabel->setTextFormat(Qt::PlainText);
    form->addRow(tr("Id:"), m_idLabel);
    return page;
}

QWidget *TenantEditor::buildAccess()
{
    auto *page = new QWidget;
    auto *outer = new QVBoxLayout(page);
    outer->setContentsMargins(0, 0, 0, 0);
    m_policyNotice = new MessageBar(page);
    m_policyNotice->setObjectName(QStringLiteral("policyNotice"));
    outer->addWidget(m_policyNotice);
    auto *inner = new QWidget(page);
    QFormLayout *form = newForm(inner);
    outer->addWidget(inner);
    outer->addStretch();

    m_active = new QCheckBox(tr("Active: accept this tenant's requests"), inner);
    m_active->setObjectName(QStringLiteral("activeCheck"));
    addField(form, QStringLiteral("active"), tr("State:"), m_active);

    auto *expiresRow = new QWidget(inner);
    auto *er = new QHBoxLayout(expiresRow);
    er->setContentsMargins(0, 0, 0, 0);
    m_expires = new QCheckBox(tr("Expires on"), expiresRow);
    m_expires->setObjectName(QStringLiteral("expiresCheck"));
    m_expiresAt = new QDateTimeEdit(QDateTime::currentDateTime().addMonths(1), expiresRow);
    m_expiresAt->setObjectName(QStringLiteral("expiresEdit"));
    m_expiresAt->setCalendarPopup(true);
    m_expiresAt->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    er->addWidget(m_expires);
    er->addWidget(m_expiresAt, 1);
    FormField *expires = addField(form, QStringLiteral("expires_at"), tr("Expiry:"), expiresRow,
        tr("After this time (your local time) every request of the tenant is refused."));
    connect(m_expires, &QCheckBox::toggled, this, [this, expires] {
        m_expiresAt->setEnabled(m_expires->isChecked());
        if (!m_populating) {
            expires->setError({});
            updateState();
        }
    });
    connect(m_expiresAt, &QDateTimeEdit::dateTimeChanged, this, [this] {
        if (!m_populating)
            updateState();
    });

    m_auth = new QComboBox(inner);
    m_auth->setObjectName(QStringLiteral("authCombo"));
    m_auth->addItem(tr("Dynamic keys (JWT signed with a tenant key)"), QStringLiteral("jwt"));
    m_auth->addItem(tr("Tenant keys used directly"), QStringLiteral("db"));
    m_auth->addItem(tr("Any credential matching a regular expression"), QStringLiteral("regex"));
    addField(form, QStringLiteral("auth"), tr("&Authentication:"), m_auth);
    m_regex = new QLineEdit(inner);
    m_regex->setObjectName(QStringLiteral("regexEdit"));
    m_regex->setFont(Theme::monospace());
    m_regex->setPlaceholderText(QStringLiteral("^sk-app-[A-Za-z0-9]{32}$"));
    addField(form, QStringLiteral("regex"), tr("Re&gex:"), m_regex, tr("Required with regular-expression authentication."));
    connect(m_auth, &QComboBox::currentIndexChanged, this,
        [this] { m_regex->setEnabled(m_auth->currentData().toString() == QLatin1String("regex")); });

    m_keyPosition = new QComboBox(inner);
    m_keyPosition->setObjectName(QStringLiteral("keyPositionCombo"));
    m_keyPosition->setEditable(true);
    m_keyPosition->setMinimumWidth(260);
    m_keyPosition->addItems({ QStringLiteral("header:Authorization"), QStringLiteral("header:X-Api-Key"),
        QStringLiteral("body:api_key"), QStringLiteral("arg:key") });
    addField(form, QStringLiteral("key_position"), tr("&Key position:"), m_keyPosition,
        tr("Where clients put their key: header:<Name> (a leading \"Bearer \" is removed), body:<JSON field> or "
           "arg:<query parameter>."));

    m_models = ruleEdit(QStringLiteral("modelsEdit"), inner, 3);
    addField(form, QStringLiteral("allowed_models"), tr("Allowed &models:"), m_models,
        tr("One model per line. Empty: every model an upstream serves."));
    m_allow = ruleEdit(QStringLiteral("allowEdit"), inner);
    addField(form, QStringLiteral("allow"), tr("A&llow rules:"), m_allow,
        tr("One rule per line: ip:10.0.0.0/8, secret:<regular expression>, time:09:00-18:00 [Europe/Berlin]. With allow "
           "rules, only matching requests pass; a matching allow rule wins over deny rules."));
    m_deny = ruleEdit(QStringLiteral("denyEdit"), inner);
    addField(
        form, QStringLiteral("deny"), tr("&Deny rules:"), m_deny, tr("Same syntax; matching requests are refused with 403."));
    return page;
}

QWidget *TenantEditor::buildLimits()
{
    auto *page = new QWidget;
    QFormLayout *form = newForm(page);
    m_rateLimits = ruleEdit(QStringLiteral("rateLimitsEdit"), page);
    addField(form, QStringLiteral("rate_limits"), tr("&Rate limits:"), m_rateLimits,
        tr("One per line: ingress:N/minute (all requests of the tenant), secret:N/hour (per key), tokens:N/day "
           "(tokens billed), or no-limit."));
    m_retries = new QSpinBox(page);
    m_retries->setObjectName(QStringLiteral("retriesSpin"));
    m_retries->setRange(0, 10);
    m_retries->setMaximumWidth(90);
    addField(form, QStringLiteral("retries"), tr("Upstream re&tries:"), m_retries,
        tr("How often a failed upstream call is tried again before the error goes to the device (0–10)."));
    return page;
}

QWidget *TenantEditor::buildRewrite()
{
    auto *page = new QWidget;
    QFormLayout *form = newForm(page);
    m_template = ruleEdit(QStringLiteral("templateEdit"), page, 4);
    m_template->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_template->setPlaceholderText(tr("e.g. Answer briefly and politely: {{query}}"));
    addField(form, QStringLiteral("prompt_template"), tr("&Prompt template:"), m_template,
        tr("{{query}} is replaced by the user's last message. Empty: messages are sent as they are."));
    m_paramMap = ruleEdit(QStringLiteral("paramMapEdit"), page, 4);
    m_paramMap->setPlaceholderText(QStringLiteral("{\"model\": [[\"deepseek\", \"deepseek-chat\"]]}"));
    addField(form, QStringLiteral("param_map"), tr("Parameter &mapping:"), m_paramMap,
        tr("JSON: for each field, [from, to] value pairs replaced before forwarding."));
    m_paramFixed = ruleEdit(QStringLiteral("paramFixedEdit"), page, 4);
    m_paramFixed->setPlaceholderText(QStringLiteral("{\"temperature\": 0.2}"));
    addField(form, QStringLiteral("param_fixed"), tr("&Fixed parameters:"), m_paramFixed,
        tr("JSON: fields forced to these values on every request."));
    return page;
}

void TenantEditor::clear()
{
    m_creating = false;
    m_tenant = {};
    m_populating = true;
    populate({});
    m_populating = false;
    m_baseline = collect();
    m_heading->setText(tr("Select a tenant, or create one with New tenant."));
    setEnabled(false);
    m_messages->clear();
    clearErrors();
    updateState();
}

void TenantEditor::startNew()
{
    m_creating = true;
    m_tenant = {};
    m_populating = true;
    populate({});
    m_populating = false;
    m_baseline = collect();
    setEnabled(true);
    m_heading->setText(tr("New tenant"));
    m_messages->showMessage(MessageBar::Kind::Info,
        tr("Enter a name and the callback URL, then Save. Access rules, limits and keys can be set once it exists."));
    clearErrors();
    for (int i = AccessTab; i <= KeysTab; ++i)
        m_tabs->setTabEnabled(i, false);
    m_tabs->setCurrentIndex(GeneralTab);
    m_keys->setTenant({});
    updateState();
    m_name->setFocus();
}

void TenantEditor::load(const QJsonObject &tenant)
{
    const bool sameTenant = tenant.value(QLatin1String("id")).toString() == tenantId();
    m_creating = false;
    m_tenant = tenant;
    m_policyReported = tenant.contains(QLatin1String("auth"));
    m_populating = true;
    populate(tenant);
    m_populating = false;
    m_baseline = collect();
    setEnabled(true);
    for (int i = AccessTab; i <= KeysTab; ++i)
        m_tabs->setTabEnabled(i, true);
    m_heading->setText(tenant.value(QLatin1String("name")).toString());
    if (!sameTenant) {
        m_messages->clear();
        m_keys->setTenant(tenantId());
    }
    if (m_policyReported)
        m_policyNotice->clear();
    else
        m_policyNotice->showMessage(MessageBar::Kind::Info,
            tr("This server does not report access policies yet. You can still enter them; if the server "
               "does not support them, saving explains which setting it refused."));
    clearErrors();
    updateUsage();
    updateState();
}

void TenantEditor::populate(const QJsonObject &t)
{
    m_name->setText(t.value(QLatin1String("name")).toString());
    m_callbackUrl->setText(t.value(QLatin1String("callback_url")).toString());
    m_callbackBatch->setValue(t.value(QLatin1String("callback_batch")).toInt(1));
    const QJsonValue quota = t.value(QLatin1String("token_quota"));
    m_quota->setText(quota.isDouble() ? QString::number(quota.toInteger()) : QString());
    const QJsonValue lifetime = t.value(QLatin1String("max_key_lifetime_secs"));
    m_lifetime->setText(lifetime.isDouble() ? QString::number(lifetime.toInteger()) : QString());
    m_idLabel->setText(t.isEmpty()
            ? Display::dash()
            : tr("%1\ncreated %2, updated %3")
                  .arg(t.value(QLatin1String("id")).toString(), Display::time(t.value(QLatin1String("created_at"))),
                      Display::time(t.value(QLatin1String("updated_at")))));
    m_active->setChecked(t.value(QLatin1String("active")).toBool(true));
    const QDateTime expires = Display::parseTime(t.value(QLatin1String("expires_at")));
    m_expires->setChecked(expires.isValid());
    m_expiresAt->setEnabled(expires.isValid());
    m_expiresAt->setDateTime(
        expires.isValid() ? expires.toLocalTime() : QDateTime(QDate::currentDate().addMonths(1), QTime(0, 0)));
    const int auth = m_auth->findData(t.value(QLatin1String("auth")).toString(QStringLiteral("jwt")));
    m_auth->setCurrentIndex(std::max(0, auth));
    m_regex->setEnabled(m_auth->currentData().toString() == QLatin1String("regex"));
    m_regex->setText(t.value(QLatin1String("regex")).toString());
    m_keyPosition->setCurrentText(t.value(QLatin1String("key_position")).toString(QStringLiteral("header:Authorization")));
    m_models->setPlainText(joinLines(t.value(QLatin1String("allowed_models"))));
    m_allow->setPlainText(joinLines(t.value(QLatin1String("allow"))));
    m_deny->setPlainText(joinLines(t.value(QLatin1String("deny"))));
    m_rateLimits->setPlainText(joinLines(t.value(QLatin1String("rate_limits"))));
    m_retries->setValue(t.value(QLatin1String("retries")).toInt(0));
    m_template->setPlainText(t.value(QLatin1String("prompt_template")).toString());
    const QJsonObject map = t.value(QLatin1String("param_map")).toObject();
    m_paramMap->setPlainText(
        map.isEmpty() ? QString() : QString::fromUtf8(QJsonDocument(map).toJson(QJsonDocument::Indented)).trimmed());
    const QJsonObject fixed = t.value(QLatin1String("param_fixed")).toObject();
    m_paramFixed->setPlainText(
        fixed.isEmpty() ? QString() : QString::fromUtf8(QJsonDocument(fixed).toJson(QJsonDocument::Indented)).trimmed());
}

QJsonObject TenantEditor::collect(QString *clientError, QString *errorField) const
{
    auto nullable
        = [](const QString &digits) { return digits.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(digits.toLongLong()); };
    QJsonObject o;
    o.insert(QStringLiteral("name"), m_name->text().trimmed());
    o.insert(QStringLiteral("callback_url"), m_callbackUrl->text().trimmed());
    o.insert(QStringLiteral("callback_batch"), m_callbackBatch->value());
    o.insert(QStringLiteral("token_quota"), nullable(m_quota->text()));
    o.insert(QStringLiteral("max_key_lifetime_secs"), nullable(m_lifetime->text()));
    o.insert(QStringLiteral("active"), m_active->isChecked());
    o.insert(QStringLiteral("expires_at"),
        m_expires->isChecked() ? QJsonValue(m_expiresAt->dateTime().toUTC().toString(Qt::ISODateWithMs))
                               : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("auth"), m_auth->currentData().toString());
    o.insert(QStringLiteral("regex"), m_regex->text().isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m_regex->text()));
    o.insert(QStringLiteral("key_position"), m_keyPosition->currentText().trimmed());
    o.insert(QStringLiteral("allowed_models"), lines(m_models));
    o.insert(QStringLiteral("allow"), lines(m_allow));
    o.insert(QStringLiteral("deny"), lines(m_deny));
    o.insert(QStringLiteral("rate_limits"), lines(m_rateLimits));
    o.insert(QStringLiteral("retries"), m_retries->value());
    o.insert(QStringLiteral("prompt_template"),
        m_template->toPlainText().trimmed().isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m_template->toPlainText()));
    // The two JSON fields are checked here: their syntax errors need no round trip.
    for (auto [key, edit] : { std::pair { "param_map", m_paramMap }, std::pair { "param_fixed", m_paramFixed } }) {
        const QString text = edit->toPlainText().trimmed();
        QJsonParseError error;
        const QJsonDocument doc = text.isEmpty() ? QJsonDocument(QJsonObject()) : QJsonDocument::fromJson(text.toUtf8(), &error);
        if (!text.isEmpty() && (error.error != QJsonParseError::NoError || !doc.isObject())) {
            if (clientError && clientError->isEmpty()) {
                *clientError = error.error != QJsonParseError::NoError
                    ? tr("This is not valid JSON: %1 at character %2.").arg(error.errorString()).arg(error.offset)
                    : tr("Write a JSON object, like {\"temperature\": 0.2}.");
                *errorField = QLatin1String(key);
            }
            // Kept as text so the field counts as changed (Save stays on and then explains).
            o.insert(QLatin1String(key), text);
            continue;
        }
        o.insert(QLatin1String(key), doc.object());
    }
    return o;
}

QJsonObject TenantEditor::changes() const
{
    const QJsonObject now = collect();
    QJsonObject diff;
    for (auto it = now.begin(); it != now.end(); ++it) {
        if (m_baseline.value(it.key()) != it.value())
            diff.insert(it.key(), it.value());
    }
    return diff;
}

bool TenantEditor::isDirty() const
{
    return m_creating ? !m_name->text().trimmed().isEmpty() || !m_callbackUrl->text().trimmed().isEmpty() : !changes().isEmpty();
}

void TenantEditor::updateState()
{
    const bool dirty = isDirty();
    m_save->setEnabled(!m_saving && isEnabled() && (m_creating ? !m_name->text().trimmed().isEmpty() : dirty));
    m_revert->setEnabled(!m_saving && dirty && !m_creating);
    m_revert->setVisible(!m_creating);
    m_save->setText(m_creating ? tr("&Create") : tr("&Save"));
    emit dirtyChanged(dirty);
}

void TenantEditor::updateUsage()
{
    const qint64 used = m_tenant.value(QLatin1String("tokens_used")).toInteger();
    const QJsonValue quota = m_tenant.value(QLatin1String("token_quota"));
    if (quota.isDouble() && quota.toInteger() > 0) {
        m_usage->setRange(0, 1000);
        m_usage->setValue(int(std::min<qint64>(1000, used * 1000 / quota.toInteger())));
        m_usage->setFormat(tr("%1 of %2 tokens").arg(Display::number(double(used)), Display::number(quota.toDouble())));
    } else {
        m_usage->setRange(0, 1);
        m_usage->setValue(0);
        m_usage->setFormat(tr("%1 tokens (no limit)").arg(Display::number(double(used))));
    }
}

void TenantEditor::clearErrors()
{
    for (FormField *f : std::as_const(m_fields)) {
        f->setError({});
        if (auto *text = qobject_cast<QPlainTextEdit *>(f->editor()))
            text->setExtraSelections({});
    }
}

void TenantEditor::revert()
{
    if (m_creating)
        return clear();
    load(m_tenant);
    m_messages->clear();
}

void TenantEditor::save()
{
    if (m_saving)
        return;
    clearErrors();
    QString clientError, errorField;
    collect(&clientError, &errorField);
    if (!clientError.isEmpty()) {
        m_fields.value(errorField)->setError(clientError);
        m_tabs->setCurrentIndex(m_fieldTab.value(errorField));
        m_fields.value(errorField)->editor()->setFocus();
        m_messages->showMessage(MessageBar::Kind::Error, tr("Fix the marked field; nothing was saved."));
        return;
    }
    m_saving = true;
    updateState();
    if (m_creating) {
        const QJsonObject all = collect();
        QJsonObject body { { QStringLiteral("name"), all.value(QLatin1String("name")) },
            { QStringLiteral("callback_url"), all.value(QLatin1String("callback_url")) } };
        for (const char *optional : { "token_quota", "max_key_lifetime_secs" }) {
            if (!all.value(QLatin1String(optional)).isNull())
                body.insert(QLatin1String(optional), all.value(QLatin1String(optional)));
        }
        m_client->createTenant(body, this, [this](const AdminReply &r) {
            m_saving = false;
            if (!r.ok()) {
                updateState();
                return showServerError(*r.error);
            }
            m_creating = false;
            QJsonObject tenant = r.object;
            tenant.remove(QStringLiteral("callback_secret"));
            load(tenant);
            m_messages->showMessage(MessageBar::Kind::Success, tr("Tenant created."));
            emit created(r.object);
        });
        return;
    }
    const QJsonObject diff = changes();
    if (diff.isEmpty()) {
        m_saving = false;
        return updateState();
    }
    m_client->updateTenant(tenantId(), diff, this, [this](const AdminReply &r) {
        m_saving = false;
        if (!r.ok()) {
            updateState();
            return showServerError(*r.error);
        }
        load(r.object);
        m_messages->showMessage(MessageBar::Kind::Success, tr("Saved. The change applies to the next request."));
        emit saved(r.object);
    });
}

void TenantEditor::showServerError(const AdminError &error)
{
    FormField *f = m_fields.value(error.field);
    if (!f) {
        m_messages->showError(error);
        return;
    }
    f->setError(error.fieldText());
    if (auto *text = qobject_cast<QPlainTextEdit *>(f->editor()))
        markRuleLine(text, error.line);
    m_tabs->setCurrentIndex(m_fieldTab.value(error.field));
    f->editor()->setFocus();
    m_messages->showMessage(MessageBar::Kind::Error,
        error.isUnknownField() ? error.text() : tr("The server refused the change; see the marked field. Nothing was saved."));
}

} // namespace dynaseal::console
