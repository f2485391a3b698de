// Operator password hashing: scrypt format, interop with a reference implementation, and
// defensive parsing of stored values.
#include "shared/PasswordHash.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QtTest>

using namespace dynaseal;

namespace {

// Salt 00 01 .. 0f; hashes computed with Python hashlib.scrypt(n=2^logN, r=8, p=1, dklen=32).
const QString kCorrectHorse =
    QStringLiteral("scrypt$15$8$1$AAECAwQFBgcICQoLDA0ODw$XGYmKKxOsQaKKH4qoqICriSOmNsE1h0zJ-c0LbbscJc");

} // namespace

class PasswordHashTest : public QObject
{
    Q_OBJECT

private slots:
    void hashThenVerify_data();
    void hashThenVerify();
    void hashIsSalted();
    void verifiesReferenceHashes_data();
    void verifiesReferenceHashes();
    void rejectsMalformed_data();
    void rejectsMalformed();
};

void PasswordHashTest::hashThenVerify_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("wrong");
    QTest::newRow("ascii") << QStringLiteral("correct horse battery staple")
                           << QStringLiteral("correct horse battery stapl");
    QTest::newRow("case matters") << QStringLiteral("Password1") << QStringLiteral("password1");
    QTest::newRow("unicode") << QStringLiteral("pässwörd \u2603") << QStringLiteral("passwort \u2603");
    QTest::newRow("empty") << QString() << QStringLiteral(" ");
    QTest::newRow("long") << QString(1000, QLatin1Char('p')) << QString(999, QLatin1Char('p'));
}

void PasswordHashTest::hashThenVerify()
{
    QFETCH(QString, password);
    QFETCH(QString, wrong);
    const QString encoded = passwordhash::hash(password);
    static const QRegularExpression format(
        QStringLiteral("^scrypt\\$15\\$8\\$1\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$"));
    QVERIFY2(format.match(encoded).hasMatch(), qPrintable(encoded));
    QVERIFY(passwordhash::verify(password, encoded));
    QVERIFY(!passwordhash::verify(wrong, encoded));
}

void PasswordHashTest::hashIsSalted()
{
    const QString a = passwordhash::hash(QStringLiteral("same"));
    const QString b = passwordhash::hash(QStringLiteral("same"));
    QVERIFY(a != b);
    QVERIFY(a.section(QLatin1Char('$'), 4, 4) != b.section(QLatin1Char('$'), 4, 4));
}

void PasswordHashTest::verifiesReferenceHashes_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("encoded");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ascii") << QStringLiteral("correct horse") << kCorrectHorse << true;
    QTest::newRow("ascii wrong password") << QStringLiteral("correct horsE") << kCorrectHorse << false;
    QTest::newRow("utf-8")
        << QStringLiteral("pässwörd \u2603")
        << QStringLiteral("scrypt$15$8$1$AAECAwQFBgcICQoLDA0ODw$DJAYesiufdCXgvBRb0JSD7_tbpcYsXz8oQVm_FhbWvs")
        << true;
    QTest::newRow("empty password")
        << QString()
        << QStringLiteral("scrypt$15$8$1$AAECAwQFBgcICQoLDA0ODw$KMVaQPmr2AytIKpRaywHi7ulxaDOQaO9YoGQXWPu1q4")
        << true;
    // Older or newer cost settings still verify: parameters come from the stored value.
    QTest::newRow("logN 14")
        << QStringLiteral("low cost")
        << QStringLiteral("scrypt$14$8$1$AAECAwQFBgcICQoLDA0ODw$Pi1w0lWZZfDtfODB-UlgTRysuRIZwn9QL-jyaL39cJM")
        << true;
    QTest::newRow("logN 14 hash with logN 15 label")
        << QStringLiteral("low cost")
        << QStringLiteral("scrypt$15$8$1$AAECAwQFBgcICQoLDA0ODw$Pi1w0lWZZfDtfODB-UlgTRysuRIZwn9QL-jyaL39cJM")
        << false;
    QTest::newRow("logN 10, the lowest accepted")
        << QStringLiteral("correct horse")
        << QStringLiteral("scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea-fVr03sWV770kp5wLOLoEakziKhqE")
        << true;
    // Correctly computed, but below the minimums verify() insists on.
    QTest::newRow("logN 9 refused though it matches")
        << QStringLiteral("correct horse")
        << QStringLiteral("scrypt$9$8$1$AAECAwQFBgcICQoLDA0ODw$mCS2cwDS-bnUw2k41oqZgtlz7dzVkGgBVqsY5mFD41Q")
        << false;
    QTest::newRow("4-byte salt refused though it matches")
        << QStringLiteral("correct horse")
        << QStringLiteral("scrypt$10$8$1$AAECAw$o08h5XLWfm3t3jzdr-nSomFOAZZIFCDihUx5_F0XDr8") << false;
    QTest::newRow("8-byte hash prefix refused though it matches")
        << QStringLiteral("correct horse")
        << QStringLiteral("scrypt$10$8$1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTE") << false;
    QTest::newRow("hash last char changed")
        << QStringLiteral("correct horse") << QString(kCorrectHorse).replace(QLatin1String("cJc"), QLatin1String("cJY"))
        << false;
    QTest::newRow("salt changed")
        << QStringLiteral("correct horse") << QString(kCorrectHorse).replace(QLatin1String("AAEC"), QLatin1String("AAED"))
        << false;
}

void PasswordHashTest::verifiesReferenceHashes()
{
    QFETCH(QString, password);
    QFETCH(QString, encoded);
    QFETCH(bool, valid);
    QCOMPARE(passwordhash::verify(password, encoded), valid);
}

void PasswordHashTest::rejectsMalformed_data()
{
    QTest::addColumn<QString>("encoded");
    const QString salt = QStringLiteral("AAECAwQFBgcICQoLDA0ODw");
    const QString hash = QStringLiteral("XGYmKKxOsQaKKH4qoqICriSOmNsE1h0zJ-c0LbbscJc");
    auto make = [&](const QString &algo, const QString &n, const QString &r, const QString &p,
                    const QString &s, const QString &h) -> QString {
        return algo + u'$' + n + u'$' + r + u'$' + p + u'$' + s + u'$' + h;
    };
    const QString s = QStringLiteral("scrypt");
    QTest::newRow("empty") << QString();
    QTest::newRow("just the name") << s;
    QTest::newRow("plaintext password") << QStringLiteral("correct horse");
    QTest::newRow("other scheme") << make(QStringLiteral("bcrypt"), "15", "8", "1", salt, hash);
    QTest::newRow("upper-case scheme") << make(QStringLiteral("SCRYPT"), "15", "8", "1", salt, hash);
    QTest::newRow("missing hash") << s + QStringLiteral("$15$8$1$") + salt;
    QTest::newRow("empty hash") << make(s, "15", "8", "1", salt, QString());
    QTest::newRow("empty salt") << make(s, "15", "8", "1", QString(), hash);
    QTest::newRow("extra field") << make(s, "15", "8", "1", salt, hash) + QStringLiteral("$x");
    QTest::newRow("trailing dollar") << make(s, "15", "8", "1", salt, hash) + u'$';
    QTest::newRow("logN not a number") << make(s, "x", "8", "1", salt, hash);
    QTest::newRow("logN negative") << make(s, "-15", "8", "1", salt, hash);
    QTest::newRow("logN plus sign") << make(s, "+15", "8", "1", salt, hash);
    QTest::newRow("logN leading zero") << make(s, "015", "8", "1", salt, hash);
    QTest::newRow("logN with space") << make(s, " 15", "8", "1", salt, hash);
    QTest::newRow("logN huge") << make(s, "63", "8", "1", salt, hash);
    QTest::newRow("logN overflow") << make(s, "99999999999", "8", "1", salt, hash);
    QTest::newRow("logN zero") << make(s, "0", "8", "1", salt, hash);
    QTest::newRow("r zero") << make(s, "15", "0", "1", salt, hash);
    QTest::newRow("p zero") << make(s, "15", "8", "0", salt, hash);
    QTest::newRow("memory above cap") << make(s, "20", "32", "1", salt, hash);
    QTest::newRow("p huge") << make(s, "15", "8", "999", salt, hash);
    QTest::newRow("salt padded") << make(s, "15", "8", "1", salt + QStringLiteral("=="), hash);
    QTest::newRow("hash padded") << make(s, "15", "8", "1", salt, hash + u'=');
    QTest::newRow("salt standard base64") << make(s, "15", "8", "1", QStringLiteral("AAECAwQF+gcICQoLDA0ODw"), hash);
    QTest::newRow("salt too short") << make(s, "15", "8", "1", QStringLiteral("AAEC"), hash);
    QTest::newRow("hash truncated") << make(s, "15", "8", "1", salt, hash.left(20));
    QTest::newRow("non-latin1") << make(s, "15", "8", "1", salt, hash.left(42) + QChar(0x2603));
    QTest::newRow("very long") << make(s, "15", "8", "1", salt, hash) + QString(100000, u'A');
}

void PasswordHashTest::rejectsMalformed()
{
    QFETCH(QString, encoded);
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!passwordhash::verify(QStringLiteral("correct horse"), encoded));
    // Rejected while parsing, before any expensive derivation a hostile value could demand.
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
}

QTEST_APPLESS_MAIN(PasswordHashTest)
#include "PasswordHashTest.moc"
