// How a --database postgres:// URL becomes the connection's settings: the parts of the URL, the
// server's own libpq options, the URL's query items as libpq keywords after them (quoted as libpq
// reads them), and the URLs refused, each with a reason that never shows the password.
#include "server/core/storage/PostgresConnection.h"

#include <QtTest>

using dynaseal::PostgresConnection;

class PostgresConnectionTest : public QObject
{
    Q_OBJECT
private slots:
    void fromUrl_data();
    void fromUrl();
    void refused_data();
    void refused();
};

namespace {
const QString kServerOptions = QStringLiteral("connect_timeout=10;keepalives=1;keepalives_idle=10;keepalives_interval=5;keepalives_count=3;"
                                              "tcp_user_timeout=30000;application_name='dynaseal-database'");
}

void PostgresConnectionTest::fromUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("options");
    QTest::newRow("every part") << QStringLiteral("postgres://dyn:pw@db.internal:6432/dynaseal") << QStringLiteral("db.internal") << 6432
                                << QStringLiteral("dyn") << QStringLiteral("pw") << QStringLiteral("dynaseal") << kServerOptions;
    QTest::newRow("postgresql://, no host or port") << QStringLiteral("postgresql://dyn@/dynaseal") << QStringLiteral("localhost") << 5432
                                                    << QStringLiteral("dyn") << QString() << QStringLiteral("dynaseal") << kServerOptions;
    QTest::newRow("percent-encoded password") << QStringLiteral("postgres://dyn:p%40ss%2Fw%3Bord@h/d") << QStringLiteral("h") << 5432
                                              << QStringLiteral("dyn") << QStringLiteral("p@ss/w;ord") << QStringLiteral("d") << kServerOptions;
    QTest::newRow("TLS keywords") << QStringLiteral("postgres://dyn:pw@h/d?sslmode=verify-full&sslrootcert=/etc/ssl/pg%20ca.pem")
                                  << QStringLiteral("h") << 5432 << QStringLiteral("dyn") << QStringLiteral("pw") << QStringLiteral("d")
                                  << kServerOptions + QStringLiteral(";sslmode='verify-full';sslrootcert='/etc/ssl/pg ca.pem'");
    QTest::newRow("a Unix socket's directory as host") << QStringLiteral("postgres://dyn@/d?host=/var/run/postgresql") << QStringLiteral("localhost")
                                                       << 5432 << QStringLiteral("dyn") << QString() << QStringLiteral("d")
                                                       << kServerOptions + QStringLiteral(";host='/var/run/postgresql'");
    QTest::newRow("quotes and backslashes escaped") << QStringLiteral("postgres://dyn@h/d?application_name=it's%5Cme") << QStringLiteral("h") << 5432
                                                    << QStringLiteral("dyn") << QString() << QStringLiteral("d")
                                                    << kServerOptions + QStringLiteral(";application_name='it\\'s\\\\me'");
}

void PostgresConnectionTest::fromUrl()
{
    QFETCH(QString, url);
    QString error;
    const auto c = PostgresConnection::fromUrl(url, QStringLiteral("dynaseal-database"), &error);
    QVERIFY2(c, qPrintable(error));
    QTEST(c->host, "host");
    QTEST(c->port, "port");
    QTEST(c->user, "user");
    QTEST(c->password, "password");
    QTEST(c->database, "database");
    QTEST(c->options, "options");
}

void PostgresConnectionTest::refused_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not PostgreSQL") << QStringLiteral("mysql://dyn:secret-pw@h/d") << QStringLiteral("postgres://");
    QTest::newRow("a keyword libpq does not know") << QStringLiteral("postgres://dyn:secret-pw@h/d?sslmod=require") << QStringLiteral("\"sslmod\"");
    QTest::newRow("a value with ;") << QStringLiteral("postgres://dyn:secret-pw@h/d?options=-c%20a%3D1%3B-c%20b%3D2") << QStringLiteral("options");
    QTest::newRow("port 0") << QStringLiteral("postgres://dyn:secret-pw@h:0/d") << QStringLiteral("port 0");
    // QUrl reads "dyn:12" as host and port and the rest as the query: not named in the error.
    QTest::newRow("a '?' in the password, not encoded") << QStringLiteral("postgres://dyn:12?secret-pw@h/d") << QStringLiteral("%3F");
}

void PostgresConnectionTest::refused()
{
    QFETCH(QString, url);
    QFETCH(QString, mentions);
    QString error;
    QVERIFY(!PostgresConnection::fromUrl(url, QStringLiteral("dynaseal-database"), &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("secret-pw")), qPrintable(error));
}

QTEST_GUILESS_MAIN(PostgresConnectionTest)
#include "PostgresConnectionTest.moc"
