// VerifiedKeyCache: exact-bytes lookup, one snapshot at a time, bounded with the oldest entry
// evicted first.
#include "server/core/VerifiedKeyCache.h"

#include <QtTest>

using namespace dynaseal;

namespace {

QByteArray token(int n)
{
    return QByteArray("eyJhbGciOiJIUzI1NiJ9.eyJuIjo") + QByteArray::number(n) + QByteArray(".c2lnbmF0dXJl");
}

VerifiedKey keyFor(int n)
{
    VerifiedKey k;
    k.tenantId = QStringLiteral("acme");
    k.tenantKeyId = QStringLiteral("k1");
    k.keyHash = QStringLiteral("hash-%1").arg(n);
    k.models = {QStringLiteral("m1")};
    k.maxTokens = 100 + n;
    k.expiresAtSecs = 1'700'000'600;
    k.eventId = QStringLiteral("ev-%1").arg(n);
    return k;
}

KeyTimeLimits limits()
{
    KeyTimeLimits l;
    l.expiry = 1'700'000'600.5;
    l.notBefore = 1'699'999'000.0;
    l.maxLifetimeSecs = 3600;
    return l;
}

} // namespace

class VerifiedKeyCacheTest : public QObject
{
    Q_OBJECT

private slots:
    void findsWhatWasStored();
    void onlyExactBytesHit_data();
    void onlyExactBytesHit();
    void evictsOldestWhenFull_data();
    void evictsOldestWhenFull();
    void otherSnapshotEmptiesIt();
    void snapshotCopiesAreOtherSnapshots();
};

void VerifiedKeyCacheTest::findsWhatWasStored()
{
    const RegistrySnapshot registry;
    VerifiedKeyCache cache(10);
    QVERIFY(!cache.find(token(1), registry));
    cache.insert(token(1), registry, keyFor(1), limits());
    cache.insert(token(2), registry, keyFor(2), limits());
    const VerifiedKeyCache::Entry *hit = cache.find(token(1), registry);
    QVERIFY(hit);
    QCOMPARE(hit->token, token(1));
    QCOMPARE(hit->key.keyHash, QStringLiteral("hash-1"));
    QCOMPARE(hit->key.maxTokens, 101);
    QCOMPARE(hit->limits.expiry, limits().expiry);
    QCOMPARE(hit->limits.notBefore, limits().notBefore);
    QVERIFY(!hit->limits.issuedAt);
    QCOMPARE(cache.find(token(2), registry)->key.eventId, QStringLiteral("ev-2"));
    QCOMPARE(cache.size(), 2);
}

void VerifiedKeyCacheTest::onlyExactBytesHit_data()
{
    QTest::addColumn<QByteArray>("asked");
    const QByteArray stored = token(7);
    QByteArray firstChanged = stored;
    firstChanged[0] = 'f';
    QByteArray lastChanged = stored;
    lastChanged[lastChanged.size() - 1] = 'f';
    QByteArray middleChanged = stored;
    middleChanged[middleChanged.size() / 2] = char(middleChanged.at(middleChanged.size() / 2) ^ 1);
    QTest::newRow("first byte changed") << firstChanged;
    QTest::newRow("last byte changed") << lastChanged;
    QTest::newRow("one bit in the middle") << middleChanged;
    QTest::newRow("prefix") << stored.chopped(1);
    QTest::newRow("one byte more") << QByteArray(stored + 'A');
    QTest::newRow("upper-cased") << stored.toUpper();
    QTest::newRow("empty") << QByteArray();
}

void VerifiedKeyCacheTest::onlyExactBytesHit()
{
    QFETCH(QByteArray, asked);
    const RegistrySnapshot registry;
    VerifiedKeyCache cache(10);
    cache.insert(token(7), registry, keyFor(7), limits());
    QVERIFY(!cache.find(asked, registry));
    QVERIFY(cache.find(token(7), registry));
}

void VerifiedKeyCacheTest::evictsOldestWhenFull_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("inserted");
    QTest::newRow("capacity 1, 3 keys") << 1 << 3;
    QTest::newRow("capacity 3, exactly full") << 3 << 3;
    QTest::newRow("capacity 3, 4 keys") << 3 << 4;
    QTest::newRow("capacity 3, 10 keys (ring wraps)") << 3 << 10;
    QTest::newRow("capacity 100, 250 keys") << 100 << 250;
}

void VerifiedKeyCacheTest::evictsOldestWhenFull()
{
    QFETCH(int, capacity);
    QFETCH(int, inserted);
    const RegistrySnapshot registry;
    VerifiedKeyCache cache(capacity);
    for (int n = 0; n < inserted; ++n) {
        cache.insert(token(n), registry, keyFor(n), limits());
        QVERIFY(cache.size() <= capacity);
    }
    QCOMPARE(cache.size(), qMin(capacity, inserted));
    // The newest `capacity` keys are there, every older one is gone.
    for (int n = 0; n < inserted; ++n) {
        const VerifiedKeyCache::Entry *hit = cache.find(token(n), registry);
        QCOMPARE(bool(hit), n >= inserted - capacity);
        if (hit)
            QCOMPARE(hit->key.maxTokens, 100 + n);
    }
}

void VerifiedKeyCacheTest::otherSnapshotEmptiesIt()
{
    const RegistrySnapshot first;
    const RegistrySnapshot second;
    VerifiedKeyCache cache(10);
    cache.insert(token(1), first, keyFor(1), limits());
    cache.insert(token(2), first, keyFor(2), limits());
    QVERIFY(!cache.find(token(1), second));
    QCOMPARE(cache.size(), 0);
    // Dropped for good: going back to the first snapshot does not bring them back.
    QVERIFY(!cache.find(token(2), first));

    cache.insert(token(3), second, keyFor(3), limits());
    QVERIFY(cache.find(token(3), second));
    // Storing under another snapshot also starts afresh.
    cache.insert(token(4), first, keyFor(4), limits());
    QCOMPARE(cache.size(), 1);
    QVERIFY(cache.find(token(4), first));
    QVERIFY(!cache.find(token(3), second));
}

void VerifiedKeyCacheTest::snapshotCopiesAreOtherSnapshots()
{
    RegistrySnapshot original;
    const RegistrySnapshot copy = original;
    RegistrySnapshot assigned;
    const quint64 before = assigned.identity.value();
    assigned = original;
    QVERIFY(copy.identity.value() != original.identity.value());
    QVERIFY(assigned.identity.value() != original.identity.value());
    QVERIFY(assigned.identity.value() != before);
    RegistrySnapshot moved = std::move(original);
    QVERIFY(moved.identity.value() != copy.identity.value() && moved.identity.value() != assigned.identity.value());

    VerifiedKeyCache cache(10);
    cache.insert(token(1), copy, keyFor(1), limits());
    QVERIFY(!cache.find(token(1), assigned));
}

QTEST_GUILESS_MAIN(VerifiedKeyCacheTest)
#include "VerifiedKeyCacheTest.moc"
