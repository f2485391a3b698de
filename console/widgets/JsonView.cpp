#include "console/widgets/JsonView.h"

#include "console/core/Display.h"
#include "console/widgets/Theme.h"

namespace dynaseal::console {

JsonView::JsonView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("jsonView"));
    setReadOnly(true);
    setFont(Theme::monospace());
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setTabChangesFocus(true);
}

void JsonView::setJson(const QJsonValue &value)
{
    setPlainText(value.isUndefined() ? QString() : Display::json(value));
}

} // namespace dynaseal::console
