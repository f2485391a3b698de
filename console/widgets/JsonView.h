#pragma once
// Read-only, monospace, pretty-printed JSON (callback bodies, request details, audit details).
#include <QJsonValue>
#include <QPlainTextEdit>

namespace dynaseal::console {

class JsonView : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit JsonView(QWidget *parent = nullptr);
    void setJson(const QJsonValue &value);
};

} // namespace dynaseal::console
