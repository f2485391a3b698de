#pragma once
// One input of a form with its hint and its error: the server's 400 message for this field is
// shown right under it, and the input is outlined in red until it changes.
#include <QWidget>

class QLabel;

namespace dynaseal::console {

class FormField : public QWidget
{
    Q_OBJECT
public:
    // `key` is the API field name ("allow"); the error label is named "error_<key>".
    FormField(const QString &key, QWidget *editor, const QString &hint = {}, QWidget *parent = nullptr);

    QString key() const { return m_key; }
    QWidget *editor() const { return m_editor; }
    void setError(const QString &text);
    QString error() const;
    bool hasError() const { return !error().isEmpty(); }

private:
    QString m_key;
    QWidget *m_editor;
    QLabel *m_error;
};

} // namespace dynaseal::console
