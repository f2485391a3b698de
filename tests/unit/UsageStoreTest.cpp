// Usage storage on a real SQLite file: a request's outcome lands whole (log, rollups, key spend,
// tenant total, callback), interrupted requests are recovered, and retention purges old rows.
#include "server/core/storage/CallbackStore.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/UsageStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace dynaseal;

namespace {
constexpr qint64 kNow = 1'800'000'000'000; // a fixed "now": storage takes time as an argument
constexpr qint64 kDay = 86'400'000;

RequestStart start(const QString &id, qint64 at, qint64 reserved = 100)
{
    RequestStart r;
    r.id = id;
    r.tenantId = QStringLiteral("tn_1");
    r.keyHash = QStringLiteral("key-a");
    r.eventId = QStringLiteral("evt-") + id;
    r.model = QStringLiteral("m1");
    r.endpoint = QStringLiteral("chat.completions");
    r.reserved = reserved;
    r.keyExpiresAtSecs = at / 1000 + 3600;
    r.startedAtMs = at;
    return r;
}

RequestOutcome outcome(const RequestStart &s, qint64 prompt, qint64 completion, const QString &status, bool withCallback)
{
    RequestOutcome o;
    o.id = s.id;
    o.tenantId = s.tenantId;
    o.keyHash = s.keyHash;
    o.model = s.model;
    o.status = status;
    o.promptTokens = prompt;
    o.completionTokens = completion;
    o.billed = prompt + completion;
    o.usageSource = QStringLiteral("upstream");
    o.startedAtMs = s.startedAtMs;
    o.finishedAtMs = s.startedAtMs + 250;
    if (withCallback)
        o.callback = PendingCallback{QStringLiteral("dlv_") + s.id, s.id, s.tenantId, QStringLiteral("http://127.0.0.1:9/cb"), "{}"};
    return o;
}

qint64 scalar(Database &db, const QString &sql)
{
    return *db.runBlocking<qint64>([sql](SqlSession &s) {
        QSqlQuery &q = s.exec(sql);
        return q.next() ? q.value(0).toLongLong() : -1;
    }).value;
}
} // namespace

class UsageStoreTest : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup() { m_db.reset(); m_dir.reset(); }
    void outcomeLandsWhole();
    void rollupsSumPerMinuteAndHour();
    void interruptedRequestsAreBilledTheirReservation();
    void ledgerLoadsWhatWasBilled();
    void retentionPurgesOldRowsOnly_data();
    void retentionPurgesOldRowsOnly();
    void requestLogFiltersAndPages();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
};

void UsageStoreTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_db = std::make_unique<Database>();
    QString error;
    QVERIFY2(m_db->open(QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("u.db")), &error), qPrintable(error));
    QVERIFY(m_db->runBlocking<bool>([](SqlSession &s) {
        s.exec(QStringLiteral("INSERT INTO tenants (id, name, callback_url, callback_secret_enc, tokens_used, created_at, updated_at)"
                              " VALUES ('tn_1', 'T', 'http://127.0.0.1:9/cb', 'x', 0, 0, 0)"));
        return true;
    }).ok());
}

void UsageStoreTest::outcomeLandsWhole()
{
    const RequestStart s = start(QStringLiteral("r1"), kNow);
    QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE status = 'in_flight'")), 1);

    const RequestOutcome o = outcome(s, 10, 32, RequestStatus::Ok, true);
    QVERIFY(m_db->runBlocking<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT total_tokens FROM requests WHERE id = 'r1'")), 42);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT spent FROM key_spend WHERE key_hash = 'key-a'")), 42);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 42);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE state = 'pending'")), 1);

    // A failing finish (its request row is fine, but the callback id collides) changes nothing.
    const RequestStart s2 = start(QStringLiteral("r2"), kNow);
    QVERIFY(m_db->runBlocking<bool>([s2](SqlSession &db) { UsageStore::begin(db, s2); return true; }).ok());
    RequestOutcome clash = outcome(s2, 5, 5, RequestStatus::Ok, true);
    clash.callback->id = QStringLiteral("dlv_r1");
    QVERIFY(!m_db->runBlocking<bool>([clash](SqlSession &db) { UsageStore::finish(db, clash); return true; }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 42);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = 'r2' AND status = 'in_flight'")), 1);
}

void UsageStoreTest::rollupsSumPerMinuteAndHour()
{
    // Three requests in one minute, one in the next minute of the same hour.
    const QList<qint64> times{kNow, kNow + 1000, kNow + 2000, kNow + 61'000};
    int i = 0;
    for (qint64 t : times) {
        const RequestStart s = start(QStringLiteral("r%1").arg(i++), t - t % 60'000 + 100);
        const RequestOutcome o = outcome(s, 1, 2, i == 2 ? RequestStatus::Error : RequestStatus::Ok, false);
        QVERIFY(m_db->runBlocking<bool>([s, o](SqlSession &db) { UsageStore::begin(db, s); UsageStore::finish(db, o); return true; }).ok());
    }
    auto minutes = m_db->runBlocking<QJsonArray>([](SqlSession &db) {
        return UsageStore::series(db, QStringLiteral("minute"), QStringLiteral("tn_1"), QString(), 0, kNow + 10 * 60'000);
    });
    QCOMPARE(minutes.value->size(), 2);
    QCOMPARE(minutes.value->at(0).toObject().value("requests").toInt(), 3);
    QCOMPARE(minutes.value->at(0).toObject().value("errors").toInt(), 1);
    QCOMPARE(minutes.value->at(0).toObject().value("total_tokens").toInt(), 9);
    auto hours = m_db->runBlocking<QJsonArray>([](SqlSession &db) {
        return UsageStore::series(db, QStringLiteral("hour"), QString(), QStringLiteral("m1"), 0, kNow + 2 * 3'600'000);
    });
    qint64 hourly = 0;
    for (const QJsonValue &b : *hours.value)
        hourly += b.toObject().value("requests").toInt();
    QCOMPARE(hourly, 4);
}

void UsageStoreTest::interruptedRequestsAreBilledTheirReservation()
{
    const RequestStart s = start(QStringLiteral("r1"), kNow, 700);
    QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
    auto recovered = m_db->runBlocking<QList<PendingCallback>>([](SqlSession &db) { return UsageStore::recoverInterrupted(db, kNow + 5000); });
    QCOMPARE(recovered.value->size(), 1);
    const QJsonObject body = QJsonDocument::fromJson(recovered.value->first().body).object();
    QCOMPARE(body.value("status").toString(), RequestStatus::Interrupted);
    QCOMPARE(body.value("event_id").toString(), QStringLiteral("evt-r1"));
    QCOMPARE(body.value("tokens").toInt(), 700);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 700);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT spent FROM key_spend WHERE key_hash = 'key-a'")), 700);
    // Recovering again finds nothing: each interrupted request is billed once.
    auto again = m_db->runBlocking<QList<PendingCallback>>([](SqlSession &db) { return UsageStore::recoverInterrupted(db, kNow + 9000); });
    QVERIFY(again.value->isEmpty());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 700);
}

void UsageStoreTest::ledgerLoadsWhatWasBilled()
{
    const RequestStart s = start(QStringLiteral("r1"), kNow);
    const RequestOutcome o = outcome(s, 3, 4, RequestStatus::Ok, false);
    QVERIFY(m_db->runBlocking<bool>([s, o](SqlSession &db) { UsageStore::begin(db, s); UsageStore::finish(db, o); return true; }).ok());
    TokenLedger ledger;
    QVERIFY(m_db->runBlocking<bool>([&ledger](SqlSession &db) { UsageStore::loadLedger(db, ledger, kNow / 1000); return true; }).ok());
    QCOMPARE(ledger.keySpent(QStringLiteral("key-a")), 7);
    QCOMPARE(ledger.tenantUsed(QStringLiteral("tn_1")), 7);
}

void UsageStoreTest::retentionPurgesOldRowsOnly_data()
{
    QTest::addColumn<qint64>("ageDays");
    QTest::addColumn<bool>("requestKept");
    QTest::addColumn<bool>("minuteRollupKept");
    QTest::newRow("today") << qint64(0) << true << true;
    QTest::newRow("8 days: minute rollup gone") << qint64(8) << true << false;
    QTest::newRow("31 days: request gone too") << qint64(31) << false << false;
}

void UsageStoreTest::retentionPurgesOldRowsOnly()
{
    QFETCH(qint64, ageDays);
    QFETCH(bool, requestKept);
    QFETCH(bool, minuteRollupKept);
    const RequestStart s = start(QStringLiteral("old"), kNow - ageDays * kDay - 1000);
    const RequestOutcome o = outcome(s, 1, 1, RequestStatus::Ok, false);
    QVERIFY(m_db->runBlocking<bool>([s, o](SqlSession &db) { UsageStore::begin(db, s); UsageStore::finish(db, o); return true; }).ok());
    QVERIFY(m_db->runBlocking<bool>([](SqlSession &db) { UsageStore::purge(db, kNow, 30, 7); return true; }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests")) == 1, requestKept);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_minute")) == 1, minuteRollupKept);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_hour")), 1); // hourly rollups are kept
}

void UsageStoreTest::requestLogFiltersAndPages()
{
    for (int i = 0; i < 7; ++i) {
        const RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i);
        const RequestOutcome o = outcome(s, 1, 1, i % 2 ? RequestStatus::Error : RequestStatus::Ok, false);
        QVERIFY(m_db->runBlocking<bool>([s, o](SqlSession &db) { UsageStore::begin(db, s); UsageStore::finish(db, o); return true; }).ok());
    }
    RequestLogFilter f;
    f.status = RequestStatus::Ok;
    f.limit = 2;
    f.offset = 2;
    auto page = m_db->runBlocking<QJsonObject>([f](SqlSession &db) { return UsageStore::requestLog(db, f); });
    QCOMPARE(page.value->value("total").toInt(), 4);
    const QJsonArray items = page.value->value("items").toArray();
    QCOMPARE(items.size(), 2);
    QCOMPARE(items.at(0).toObject().value("id").toString(), QStringLiteral("r2")); // newest first: r6, r4, r2, r0
    QCOMPARE(items.at(1).toObject().value("id").toString(), QStringLiteral("r0"));
}

QTEST_GUILESS_MAIN(UsageStoreTest)
#include "UsageStoreTest.moc"
