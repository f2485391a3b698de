#pragma once
// The console's look in one place: Fusion with a light palette, the stylesheet from the
// resources, the sidebar icons, chart colours and a monospace font for keys and JSON.
#include <QColor>
#include <QFont>
#include <QIcon>

class QApplication;
class QWidget;

namespace dynaseal::console {

class Theme
{
public:
    static void apply(QApplication &app);
    // An icon from :/console/icons (e.g. "tenants").
    static QIcon icon(const QString &name);
    static QFont monospace();
    // Marks a button as the page's main action or as destructive (styled by the stylesheet).
    static void setPrimary(QWidget *button);
    static void setDanger(QWidget *button);
    // Re-applies the stylesheet after a dynamic property changed.
    static void repolish(QWidget *widget);

    static QColor accent() { return QColor(0x25, 0x63, 0xeb); }
    static QColor requestsColor() { return QColor(0x25, 0x63, 0xeb); }
    static QColor errorsColor() { return QColor(0xdc, 0x26, 0x26); }
    static QColor tokensColor() { return QColor(0x7c, 0x3a, 0xed); }
    static QColor p50Color() { return QColor(0x05, 0x96, 0x69); }
    static QColor p95Color() { return QColor(0xd9, 0x77, 0x06); }
};

} // namespace dynaseal::console
