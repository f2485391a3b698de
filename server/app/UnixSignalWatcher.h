#pragma once
// Turns SIGTERM and SIGINT into a Qt signal through a self-pipe, so shutdown runs in the event
// loop instead of inside a signal handler.
#include <QObject>
#include <QSocketNotifier>

namespace dynaseal {

class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);

signals:
    void terminateRequested(int signalNumber);

private:
    static void handle(int signalNumber);
    static int s_pipe[2];
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace dynaseal
