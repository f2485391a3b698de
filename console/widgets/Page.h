#pragma once
// A page of the main window: a header (title, subtitle, actions), an inline message bar and
// the page's content. Pages load their data asynchronously when shown and on F5.
#include <QIcon>
#include <QWidget>

class QHBoxLayout;
class QLabel;
class QSplitter;
class QVBoxLayout;

namespace dynaseal::console {

class AdminClient;
class AdminError;
class MessageBar;
class ServerCatalog;

class Page : public QWidget
{
    Q_OBJECT
public:
    Page(const QString &id, AdminClient *client, ServerCatalog *catalog, QWidget *parent = nullptr);

    QString id() const { return objectName(); }
    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;
    // Reloads from the server.
    virtual void refresh() = 0;
    // The session changed (connected, or disconnected when `connected` is false).
    virtual void sessionChanged(bool connected);
    // Saves what the user arranged (the splitter's sizes); pages that keep more add to it.
    virtual void saveState() const;
    MessageBar *messages() const { return m_messages; }

signals:
    void statusMessage(const QString &text);

protected:
    // Call at the end of the subclass constructor, when title() works.
    void setHeader(const QString &subtitle);
    void addHeaderWidget(QWidget *widget);
    QVBoxLayout *content() const { return m_content; }
    void showError(const AdminError &error);
    // Adds `first` and `second` to the content, side by side (Qt::Horizontal) or one above the
    // other, stretched `firstStretch`:`secondStretch`, at the sizes the user left them at (saved
    // by saveState() under the page's id), else at `defaultSizes`.
    void addSplitter(Qt::Orientation orientation, QWidget *first, QWidget *second, int firstStretch, int secondStretch,
                     const QList<int> &defaultSizes = {});
    bool connected() const;
    // Whether the page is the one on screen (pages refresh lazily when they are not).
    bool isCurrent() const { return isVisible(); }

    AdminClient *m_client;
    ServerCatalog *m_catalog;
    bool m_stale = true;

    void showEvent(QShowEvent *event) override;

private:
    QHBoxLayout *m_headerActions;
    QVBoxLayout *m_content;
    MessageBar *m_messages;
    QLabel *m_title;
    QLabel *m_subtitle;
    QSplitter *m_splitter = nullptr;
};

} // namespace dynaseal::console
