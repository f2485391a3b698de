#include "console/widgets/CertificateDialog.h"

#include "console/core/CertificateTrust.h"
#include "console/core/Display.h"
#include "console/widgets/MessageBar.h"
#include "console/widgets/Theme.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace dynaseal::console {

CertificateDialog::CertificateDialog(const QUrl &url, const QSslCertificate &cert, const QList<QSslError> &errors,
    const QString &previousFingerprint, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("certificateDialog"));
    setWindowTitle(tr("Untrusted certificate"));
    setMinimumWidth(620);
    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);

    auto *heading
        = new QLabel(tr("The certificate of %1 is not trusted by this system").arg(CertificateTrust::hostKey(url)), this);
    heading->setObjectName(QStringLiteral("sectionTitle"));
    heading->setWordWrap(true);
    layout->addWidget(heading);

    auto *bar = new MessageBar(this);
    if (!previousFingerprint.isEmpty()) {
        bar->showMessage(MessageBar::Kind::Error,
            tr("This server used to present a different certificate (%1). If nobody replaced it on purpose, someone "
               "may be intercepting the connection: do not trust it.")
                .arg(previousFingerprint));
    } else {
        bar->showMessage(MessageBar::Kind::Warning,
            tr("This is normal for a server with a self-signed certificate. Trust it only if the fingerprint below "
               "matches the one of the server's certificate, for example from\n"
               "openssl x509 -in cert.pem -noout -fingerprint -sha256"));
    }
    layout->addWidget(bar);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    auto addRow = [&](const QString &label, const QString &value, bool mono = false) {
        auto *v = new QLineEdit(value, this);
        v->setReadOnly(true);
        v->setCursorPosition(0);
        if (mono)
            v->setFont(Theme::monospace());
        form->addRow(label, v);
        return v;
    };
    addRow(tr("Issued to:"), cert.subjectDisplayName());
    addRow(tr("Issued by:"), cert.issuerDisplayName());
    addRow(tr("Valid:"), tr("%1 to %2").arg(Display::time(cert.effectiveDate()), Display::time(cert.expiryDate())));
    addRow(tr("SHA-256 fingerprint:"), CertificateTrust::fingerprint(cert), true)->setObjectName(QStringLiteral("fingerprint"));
    QStringList problems;
    for (const QSslError &e : errors)
        problems.append(e.errorString());
    problems.removeDuplicates();
    auto *why = new QLabel(problems.join(QLatin1Char('\n')), this);
    why->setWordWrap(true);
    why->setProperty("role", QStringLiteral("muted"));
    form->addRow(tr("Problems:"), why);
    layout->addLayout(form);

    auto *buttons = new QDialogButtonBox(this);
    QPushButton *trust = buttons->addButton(tr("&Trust this certificate"), QDialogButtonBox::AcceptRole);
    trust->setObjectName(QStringLiteral("trustButton"));
    Theme::setDanger(trust);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setDefault(true);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

} // namespace dynaseal::console
