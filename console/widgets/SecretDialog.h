#pragma once
// Shows a secret the server returns only once (a tenant key, a callback secret) with a Copy
// button and a plain warning that it cannot be shown again.
#include <QDialog>

class QLineEdit;
class QPushButton;

namespace dynaseal::console {

class SecretDialog : public QDialog
{
    Q_OBJECT
public:
    SecretDialog(
        const QString &title, const QString &explanation, const QString &label, const QString &secret, QWidget *parent = nullptr);
    QString secret() const;

private:
    QLineEdit *m_value;
    QPushButton *m_copy;
};

} // namespace dynaseal::console
