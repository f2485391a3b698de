// TcpStream over real loopback connections: reads, writes the kernel does not take at once,
// closing after the writes, peer close and reset, back-pressure, and taking over a Qt socket.
#include "server/net/TcpStream.h"
#include "tests/unit/EventLoopTestMain.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace dynaseal;

namespace {

// A connected pair: `peer` is a plain QTcpSocket, `stream` the TcpStream under test.
struct Pair
{
    std::unique_ptr<QTcpSocket> peer;
    std::unique_ptr<TcpStream> stream;
};

// The server's next connection as a TcpStream (null if none came).
std::unique_ptr<TcpStream> acceptStream(QTcpServer &server)
{
    if (!server.waitForNewConnection(5000))
        return nullptr;
    std::unique_ptr<QTcpSocket> accepted(server.nextPendingConnection());
    // The stream owns its descriptor: take a copy, Qt's socket closes its own.
    const int fd = ::dup(int(accepted->socketDescriptor()));
    accepted->abort();
    return std::make_unique<TcpStream>(fd);
}

Pair connectPair(QTcpServer &server)
{
    Pair pair;
    pair.peer = std::make_unique<QTcpSocket>();
    pair.peer->connectToHost(QHostAddress::LocalHost, server.serverPort());
    pair.stream = acceptStream(server);
    if (!pair.peer->waitForConnected(5000))
        pair.stream.reset();
    return pair;
}

QByteArray readAllFrom(TcpStream &stream, qint64 expected, int timeoutMs = 5000)
{
    QByteArray got;
    char buffer[4096];
    QDeadlineTimer deadline(timeoutMs);
    while (got.size() < expected && !deadline.hasExpired()) {
        const qint64 n = stream.read(buffer, sizeof buffer);
        if (n > 0)
            got.append(buffer, qsizetype(n));
        else if (n < 0)
            break;
        else
            QTest::qWait(5);
    }
    return got;
}

// What the peer reads until it has `expected` bytes, letting the stream send more meanwhile.
QByteArray readAllFromPeer(QTcpSocket &peer, qint64 expected, int timeoutMs = 20000)
{
    QByteArray got;
    QDeadlineTimer deadline(timeoutMs);
    while (got.size() < expected && !deadline.hasExpired()) {
        if (!peer.waitForReadyRead(50))
            QCoreApplication::processEvents();
        got += peer.readAll();
        QCoreApplication::processEvents(); // lets the stream send more
    }
    return got;
}

QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char('a' + (i * 7 + i / 251) % 26);
    return data;
}

} // namespace

class TcpStreamTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_server = std::make_unique<QTcpServer>();
        QVERIFY(m_server->listen(QHostAddress::LocalHost));
    }

    void readsWhatThePeerSends()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream && p.stream->isOpen());
        QSignalSpy ready(p.stream.get(), &TcpStream::readyRead);
        char buffer[64];
        QCOMPARE(p.stream->read(buffer, sizeof buffer), 0); // nothing yet: no error
        p.peer->write("hello");
        p.peer->flush();
        QVERIFY(ready.wait(5000));
        QCOMPARE(readAllFrom(*p.stream, 5), QByteArray("hello"));
        QVERIFY(p.stream->peerAddress().isLoopback());
    }

    void writesThatTheKernelCannotTakeAtOnceArriveWholeAndInOrder()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        const QByteArray big = pattern(8 * 1024 * 1024); // far more than the socket buffers
        p.stream->write(big.left(1000));
        p.stream->write(big.mid(1000));
        QVERIFY(p.stream->bytesToWrite() > 0); // the rest waits for the peer to read
        const QByteArray got = readAllFromPeer(*p.peer, big.size());
        QCOMPARE(got.size(), big.size());
        QVERIFY(got == big);
        QCOMPARE(p.stream->bytesToWrite(), 0);
    }

    // write() of pieces: what the peer gets is the pieces in order, as if they were one buffer,
    // wherever the kernel's buffer cuts them (one sendmsg() for up to 64 pieces, the rest kept).
    void piecesArriveWholeAndInOrder_data()
    {
        QTest::addColumn<QByteArray>("before"); // written first, as one buffer
        QTest::addColumn<QList<qsizetype>>("sizes");

        QTest::newRow("head and body") << QByteArray() << QList<qsizetype>{200, 30'000};
        QTest::newRow("empty pieces left out") << QByteArray() << QList<qsizetype>{0, 5, 0, 7, 0};
        QTest::newRow("nothing but empty pieces") << QByteArray() << QList<qsizetype>{0, 0};
        QTest::newRow("a body the kernel cannot take") << QByteArray() << QList<qsizetype>{300, 8 << 20};
        QTest::newRow("cut inside a later piece") << QByteArray() << QList<qsizetype>(64, 256 * 1024);
        QTest::newRow("cut inside the first piece") << QByteArray() << QList<qsizetype>{8 << 20, 100, 3};
        QTest::newRow("more pieces than one send takes") << QByteArray() << QList<qsizetype>(100, 100 * 1024);
        QTest::newRow("behind what is kept") << pattern(8 << 20) << QList<qsizetype>{300, 1000};
        QTest::newRow("behind a little") << QByteArray("x") << QList<qsizetype>{300, 1000};
    }

    void piecesArriveWholeAndInOrder()
    {
        QFETCH(QByteArray, before);
        QFETCH(QList<qsizetype>, sizes);
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QList<QByteArray> pieces;
        QByteArray expected = before;
        for (qsizetype i = 0; i < sizes.size(); ++i) {
            // Each piece its own bytes, so a piece sent twice, left out or cut wrongly shows.
            QByteArray piece = pattern(sizes[i] + i).mid(i);
            pieces.append(piece);
            expected += piece;
        }
        if (!before.isEmpty())
            p.stream->write(before);
        p.stream->write(pieces);
        const QByteArray got = readAllFromPeer(*p.peer, expected.size());
        QCOMPARE(got.size(), expected.size());
        QVERIFY(got == expected);
        QCOMPARE(p.stream->bytesToWrite(), 0);
        QCOMPARE(p.stream->bytesSent(), quint64(expected.size()));
    }

    void drainedAndBytesSentFollowTheKernel()
    {
        // drained() comes once what write() had to keep is all sent, from the event loop;
        // bytesSent() counts what the kernel took, also where nothing was kept.
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy drained(p.stream.get(), &TcpStream::drained);
        p.stream->write("small");
        QCOMPARE(p.stream->bytesSent(), quint64(5));
        const QByteArray big = pattern(8 * 1024 * 1024);
        p.stream->write(big);
        QVERIFY(p.stream->bytesToWrite() > 0);
        QVERIFY(p.stream->bytesSent() < quint64(5 + big.size()));
        QCoreApplication::processEvents();
        QCOMPARE(drained.count(), 0); // the peer reads nothing yet: still waiting
        qint64 got = 0;
        QDeadlineTimer deadline(20000);
        while (drained.isEmpty() && !deadline.hasExpired()) {
            p.peer->waitForReadyRead(20);
            got += p.peer->readAll().size();
            QCoreApplication::processEvents();
        }
        QCOMPARE(drained.count(), 1);
        QCOMPARE(p.stream->bytesToWrite(), 0);
        QCOMPARE(p.stream->bytesSent(), quint64(5 + big.size()));
    }

    void closeDropsWhatThePeerDidNotTake()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy closed(p.stream.get(), &TcpStream::closed);
        QSignalSpy drained(p.stream.get(), &TcpStream::drained);
        p.stream->write(pattern(8 * 1024 * 1024));
        QVERIFY(p.stream->bytesToWrite() > 0);
        p.stream->close();
        QVERIFY(!p.stream->isOpen());
        QCOMPARE(p.stream->bytesToWrite(), 0);
        QCOMPARE(closed.count(), 0); // not from inside the call
        QTRY_COMPARE(closed.count(), 1);
        QCOMPARE(drained.count(), 0);
    }

    void closeAfterWritesSendsEverythingThenCloses()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy closed(p.stream.get(), &TcpStream::closed);
        const QByteArray big = pattern(4 * 1024 * 1024);
        p.stream->write(big);
        p.stream->closeAfterWrites();
        QVERIFY(!p.stream->isOpen());
        p.stream->write("ignored after close"); // changes nothing
        QCOMPARE(closed.count(), 0);            // not from inside the call
        QByteArray got;
        QDeadlineTimer deadline(20000);
        while (p.peer->state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
            p.peer->waitForReadyRead(20);
            got += p.peer->readAll();
            QCoreApplication::processEvents();
        }
        got += p.peer->readAll();
        QVERIFY(got == big);
        QTRY_COMPARE(closed.count(), 1);
    }

    void closeAfterWritesWithNothingBufferedClosesCleanly()
    {
        // A raw peer, so that nothing reads it behind the test's back: it must see the bytes and
        // then a clean end (FIN), not a reset, although it sent bytes the stream never read.
        const int peer = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(peer >= 0);
        const auto closePeer = qScopeGuard([peer] { ::close(peer); });
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_server->serverPort());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(peer, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        const std::unique_ptr<TcpStream> accepted = acceptStream(*m_server);
        QVERIFY(accepted);
        TcpStream &stream = *accepted;
        QSignalSpy closed(&stream, &TcpStream::closed);

        QCOMPARE(::send(peer, "unread request bytes", 20, 0), ssize_t(20));
        QTest::qWait(20);
        stream.write("bye");
        stream.closeAfterWrites();
        QCOMPARE(closed.count(), 0);
        QTRY_COMPARE(closed.count(), 1);

        char buffer[16];
        QCOMPARE(::recv(peer, buffer, sizeof buffer, 0), ssize_t(3));
        QCOMPARE(QByteArray(buffer, 3), QByteArray("bye"));
        QCOMPARE(::recv(peer, buffer, sizeof buffer, 0), ssize_t(0)); // -1 (ECONNRESET) if reset
    }

    void peerCloseIsReportedOnceFromTheEventLoop()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy closed(p.stream.get(), &TcpStream::closed);
        QSignalSpy ready(p.stream.get(), &TcpStream::readyRead);
        p.peer->write("last words");
        p.peer->disconnectFromHost();
        QVERIFY(ready.wait(5000));
        QCOMPARE(readAllFrom(*p.stream, 10), QByteArray("last words"));
        char buffer[16];
        QTRY_COMPARE(p.stream->read(buffer, sizeof buffer), -1);
        QCOMPARE(closed.count(), 0);
        QVERIFY(!p.stream->isOpen());
        QCOMPARE(p.stream->read(buffer, sizeof buffer), -1);
        QTRY_COMPARE(closed.count(), 1);
        QTest::qWait(20);
        QCOMPARE(closed.count(), 1);
    }

    void writeToAResetConnectionCloses()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy closed(p.stream.get(), &TcpStream::closed);
        p.peer->abort();
        QTest::qWait(20);
        // The first send may still be accepted by the kernel; a later one meets the reset.
        for (int i = 0; i < 50 && p.stream->isOpen(); ++i) {
            p.stream->write(pattern(64 * 1024));
            QTest::qWait(5);
        }
        QVERIFY(!p.stream->isOpen());
        QTRY_COMPARE(closed.count(), 1);
    }

    void abortClosesWithoutSignal()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy closed(p.stream.get(), &TcpStream::closed);
        p.stream->abort();
        QVERIFY(!p.stream->isOpen());
        QTRY_COMPARE(p.peer->state(), QAbstractSocket::UnconnectedState);
        QTest::qWait(20);
        QCOMPARE(closed.count(), 0);
        char buffer[4];
        QCOMPARE(p.stream->read(buffer, sizeof buffer), -1);
    }

    void readingCanBePausedAndResumed()
    {
        Pair p = connectPair(*m_server);
        QVERIFY(p.stream);
        QSignalSpy ready(p.stream.get(), &TcpStream::readyRead);
        p.stream->setReading(false);
        p.peer->write("waiting");
        p.peer->flush();
        QTest::qWait(50);
        QCOMPARE(ready.count(), 0);
        p.stream->setReading(true);
        QVERIFY(ready.wait(5000));
        QCOMPARE(readAllFrom(*p.stream, 7), QByteArray("waiting"));
    }

    void takesOverAConnectedQtSocket()
    {
        QTcpSocket client;
        QSignalSpy clientGone(&client, &QAbstractSocket::disconnected);
        client.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QVERIFY(client.waitForConnected(5000));
        QVERIFY(m_server->waitForNewConnection(5000));
        std::unique_ptr<QTcpSocket> accepted(m_server->nextPendingConnection());

        std::unique_ptr<TcpStream> stream(TcpStream::takeOver(&client));
        QVERIFY(stream);
        QCOMPARE(client.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(clientGone.count(), 0); // the hand-over is not reported as a disconnect
        stream->write("over to you");
        QVERIFY(accepted->waitForReadyRead(5000));
        QCOMPARE(accepted->readAll(), QByteArray("over to you"));
        accepted->write("thanks");
        accepted->flush();
        QCOMPARE(readAllFrom(*stream, 6), QByteArray("thanks"));
    }

    void takeOverRefusesASocketThatIsNotConnected()
    {
        QTcpSocket idle;
        QVERIFY(!TcpStream::takeOver(&idle));
    }

    void aDescriptorThatIsNotOpenGivesAClosedStream()
    {
        TcpStream stream(qintptr(1'000'000));
        QVERIFY(!stream.isOpen());
        char buffer[4];
        QCOMPARE(stream.read(buffer, sizeof buffer), -1);
        stream.write("nothing"); // no crash, no effect
        QCOMPARE(stream.bytesToWrite(), 0);
    }

private:
    std::unique_ptr<QTcpServer> m_server;
};

DYNASEAL_EVENT_LOOP_TEST_MAIN(TcpStreamTest)
#include "TcpStreamTest.moc"
