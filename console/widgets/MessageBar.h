#pragma once
// An inline banner at the top of a page or dialog: what went wrong (or right) in plain words,
// with an optional action ("Retry", "Log in again"). Replaces modal error boxes.
#include <QFrame>

#include <functional>

class QLabel;
class QPushButton;

namespace dynaseal::console {

class AdminError;

class MessageBar : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Info, Success, Warning, Error };

    explicit MessageBar(QWidget *parent = nullptr);

    void showMessage(Kind kind, const QString &text, const QString &actionText = {}, std::function<void()> action = {});
    void showError(const AdminError &error, const QString &actionText = {}, std::function<void()> action = {});
    void clear();
    QString text() const;
    Kind kind() const { return m_kind; }

private:
    QLabel *m_icon;
    QLabel *m_text;
    QPushButton *m_action;
    std::function<void()> m_callback;
    Kind m_kind = Kind::Info;
};

} // namespace dynaseal::console
