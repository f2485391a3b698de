#include "console/widgets/Theme.h"

#include <QApplication>
#include <QFile>
#include <QFontDatabase>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QWidget>

namespace dynaseal::console {

void Theme::apply(QApplication &app)
{
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xf6, 0xf7, 0xf9));
    p.setColor(QPalette::WindowText, QColor(0x11, 0x18, 0x27));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf9, 0xfa, 0xfb));
    p.setColor(QPalette::Text, QColor(0x11, 0x18, 0x27));
    p.setColor(QPalette::Button, Qt::white);
    p.setColor(QPalette::ButtonText, QColor(0x11, 0x18, 0x27));
    p.setColor(QPalette::Highlight, accent());
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x11, 0x18, 0x27));
    p.setColor(QPalette::ToolTipText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x9c, 0xa3, 0xaf));
    p.setColor(QPalette::Link, accent());
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9c, 0xa3, 0xaf));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9c, 0xa3, 0xaf));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9c, 0xa3, 0xaf));
    app.setPalette(p);

    QFont font = app.font();
    if (font.pointSizeF() < 10)
        font.setPointSizeF(10);
    app.setFont(font);

    QFile qss(QStringLiteral(":/console/console.qss"));
    if (qss.open(QIODevice::ReadOnly))
        app.setStyleSheet(QString::fromUtf8(qss.readAll()));
    app.setWindowIcon(icon(QStringLiteral("app")));
}

QIcon Theme::icon(const QString &name)
{
    return QIcon(QStringLiteral(":/console/icons/%1.svg").arg(name));
}

QFont Theme::monospace()
{
    QFont f = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    f.setPointSizeF(std::max(9.5, f.pointSizeF()));
    return f;
}

void Theme::setPrimary(QWidget *button)
{
    button->setProperty("primary", true);
    repolish(button);
}

void Theme::setDanger(QWidget *button)
{
    button->setProperty("danger", true);
    repolish(button);
}

void Theme::repolish(QWidget *widget)
{
    widget->style()->unpolish(widget);
    widget->style()->polish(widget);
    widget->update();
}

} // namespace dynaseal::console
