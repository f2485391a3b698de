#pragma once
// The listening socket: accepts on the main thread, refuses connections beyond the cap and hands
// each accepted one to a serving thread (round robin). Portable, unlike SO_REUSEPORT, and the
// accept cost is small next to a request.
#include <QTcpServer>
#include <atomic>
#include <functional>
#include <memory>

namespace dynaseal {

class HttpListener : public QTcpServer
{
    Q_OBJECT
public:
    // `handOff(descriptor, closed)` must serve the descriptor and call `closed` once it is gone.
    using HandOff = std::function<void(qintptr descriptor, std::function<void()> closed)>;
    HttpListener(int maxConnections, HandOff handOff, QObject *parent = nullptr);

    int openConnections() const { return m_open->load(); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    int m_maxConnections;
    HandOff m_handOff;
    std::shared_ptr<std::atomic<int>> m_open = std::make_shared<std::atomic<int>>(0); // shared with serving threads
};

} // namespace dynaseal
