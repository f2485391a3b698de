// Usage storage on a real SQLite file: a request's outcome lands whole (log, rollups, key spend,
// tenant total, callback), interrupted requests are recovered, and retention purges old rows.
#include "server/core/storage/CallbackStore.h"
#include "server/core/storage/Database.h"
#include "server/core/storage/ListPage.h"
#include "server/core/storage/RowIds.h"
#include "server/core/storage/UsageStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <future>
#include <optional>
#include <map>

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

// The outcome of `s`; `journaled`: its start is no row yet, the outcome writes the whole row.
RequestOutcome outcome(const RequestStart &s, qint64 prompt, qint64 completion, const QString &status, bool withCallback,
                       bool journaled = false)
{
    RequestOutcome o = journaled ? RequestOutcome::of(s, false) : RequestOutcome();
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

// Holds the database thread in a read job until it goes out of scope, so the writes queued
// meanwhile share one batch (one transaction, one rollup flush).
class WriterHold
{
public:
    explicit WriterHold(Database &db)
    {
        auto started = std::make_shared<std::promise<void>>();
        auto startedFuture = started->get_future();
        db.read<bool>([started, release = m_release.get_future().share()](SqlSession &) {
            started->set_value();
            release.wait();
            return true;
        }, nullptr, [](DbOutcome<bool>) {});
        startedFuture.wait();
    }
    ~WriterHold() { m_release.set_value(); }

private:
    std::promise<void> m_release;
};

// Sums of one rollup bucket, as /admin/v1/usage reports them.
struct Sums
{
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 prompt = 0;
    qint64 completion = 0;
    qint64 latency = 0;
    void add(const RequestOutcome &o)
    {
        ++requests;
        errors += o.status != RequestStatus::Ok;
        prompt += o.promptTokens;
        completion += o.completionTokens;
        latency += o.finishedAtMs - o.startedAtMs;
    }
    QJsonObject json(qint64 bucket) const
    {
        return QJsonObject{{QStringLiteral("bucket"), rows::isoTime(bucket)},
                           {QStringLiteral("requests"), requests},
                           {QStringLiteral("errors"), errors},
                           {QStringLiteral("prompt_tokens"), prompt},
                           {QStringLiteral("completion_tokens"), completion},
                           {QStringLiteral("total_tokens"), prompt + completion},
                           {QStringLiteral("avg_latency_ms"), requests ? latency / requests : 0}};
    }
};

QJsonArray expectedSeries(const std::map<qint64, Sums> &buckets)
{
    QJsonArray out;
    for (const auto &[bucket, sums] : buckets)
        out.append(sums.json(bucket));
    return out;
}

qint64 scalar(Database &db, const QString &sql)
{
    return *db.runBlocking<qint64>([sql](SqlSession &s) {
        QSqlQuery &q = s.exec(sql);
        return q.next() ? q.value(0).toLongLong() : -1;
    }).value;
}

// Finishes `s` with a callback kept in the request's row (a journaled start, in journal slot
// `slot`) or in the callbacks table (its start written to the database first). Nullopt if
// either write failed, or the callback did not land where asked.
std::optional<RequestOutcome> finishWithCallback(Database &db, const RequestStart &s, bool inRow, int slot)
{
    if (!inRow && !db.runBlocking<bool>([s](SqlSession &session) { UsageStore::begin(session, s); return true; }).ok())
        return std::nullopt;
    RequestOutcome o = outcome(s, 1, 1, RequestStatus::Ok, true, inRow);
    o.callback->journalSlot = inRow ? slot : -1;
    if (o.callbackInRow() != inRow)
        return std::nullopt;
    if (!db.runBlocking<SqlSession::RowInserted>([o](SqlSession &session) { return UsageStore::finish(session, o); }).ok())
        return std::nullopt;
    return o;
}

// The request ids of a callbacks list's page, in order, space-separated.
QString requestIdsOf(const QJsonObject &list)
{
    QStringList ids;
    for (const QJsonValue &item : list.value(QLatin1String("items")).toArray())
        ids.append(item.toObject().value(QLatin1String("request_id")).toString());
    return ids.join(QLatin1Char(' '));
}
// The ids of a list page's items, in order.
QStringList idsOf(const QJsonObject &list)
{
    QStringList ids;
    for (const QJsonValue &item : list.value(QLatin1String("items")).toArray())
        ids.append(item.toObject().value(QLatin1String("id")).toString());
    return ids;
}

// The ids of every item of a list read page by page through its "next_cursor", from the first
// page; fails the test if a page other than the last is not full, or the last names a cursor.
template <typename ReadPage>
QStringList idsByCursor(ReadPage readPage, int limit)
{
    QStringList ids;
    rows::ListCursor cursor;
    for (int pages = 0; pages < 100; ++pages) {
        const std::optional<QJsonObject> page = readPage(cursor);
        if (!page)
            return {QStringLiteral("(the page failed)")};
        const QStringList pageIds = idsOf(*page);
        ids += pageIds;
        const QJsonValue next = page->value("next_cursor");
        if (next.isNull())
            return ids;
        if (pageIds.size() != limit)
            return {QStringLiteral("(a page of %1 with a next_cursor)").arg(pageIds.size())};
        const std::optional<rows::ListCursor> parsed = rows::ListCursor::parse(next.toString(), QLatin1StringView("jfs"), QLatin1StringView());
        if (!parsed)
            return {QStringLiteral("(a next_cursor that does not parse)")};
        cursor = *parsed;
    }
    return {QStringLiteral("(no last page)")};
}

CallbackListFilter callbackFilter(const QString &tenant, const QString &state, qint64 since = 0, qint64 until = 0, int limit = 100,
                                  int offset = 0, const rows::ListCursor &cursor = {})
{
    CallbackListFilter f;
    f.tenantId = tenant;
    f.state = state;
    f.sinceMs = since;
    f.untilMs = until;
    f.limit = limit;
    f.offset = offset;
    f.cursor = cursor;
    return f;
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
    void onlyItsOwnServerRecoversAStart_data();
    void onlyItsOwnServerRecoversAStart();
    void outcomeOfAJournaledStartWritesTheWholeRow();
    void callbackInTheRowThroughItsFirstAttempt_data();
    void callbackInTheRowThroughItsFirstAttempt();
    void callbackListPagesOverFirstAttemptsAndStored_data();
    void callbackListPagesOverFirstAttemptsAndStored();
    void callbackListMergesTheTableAndTheRows_data();
    void callbackListMergesTheTableAndTheRows();
    void outcomeWrittenTwiceCountsOnce_data();
    void outcomeWrittenTwiceCountsOnce();
    void journaledStartsAreRecovered_data();
    void requestLogListsJournaledStartsFirst_data();
    void requestLogListsJournaledStartsFirst();
    void journaledStartsAreRecovered();
    void ledgerLoadsWhatWasBilled();
    void retentionPurgesOldRowsOnly_data();
    void retentionPurgesOldRowsOnly();
    void retentionPurgeGoesInChunks_data();
    void retentionPurgeGoesInChunks();
    void minuteRollupsPurgeInChunks_data();
    void minuteRollupsPurgeInChunks();
    void requestLogFiltersAndPages();
    void listsCountTheirRowsUpToTheLimit_data();
    void listsCountTheirRowsUpToTheLimit();
    void requestLogPagesByCursor_data();
    void requestLogPagesByCursor();
    void callbackListPagesByCursor_data();
    void callbackListPagesByCursor();
    void failedFinishInABatchAddsNothing_data();
    void failedFinishInABatchAddsNothing();
    void rollupsOfManyFinishesEqualTheSums_data();
    void rollupsOfManyFinishesEqualTheSums();
    void rollupWriteFailureKeepsEveryOtherJob_data();
    void rollupWriteFailureKeepsEveryOtherJob();
    void hotQueriesUseTheirIndexes_data();
    void hotQueriesUseTheirIndexes();
    void rowIdsStartWithTheTime_data();
    void rowIdsStartWithTheTime();
    void keySpendRowWrittenUnlessStored_data();
    void keySpendRowWrittenUnlessStored();

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

void UsageStoreTest::onlyItsOwnServerRecoversAStart_data()
{
    // Servers sharing one PostgreSQL database: a start one of them wrote to the database is its
    // own to recover. A start of no server (written before server ids) is anyone's.
    QTest::addColumn<QString>("beganBy");
    QTest::addColumn<QString>("recoveredBy");
    QTest::addColumn<bool>("recovered");
    QTest::newRow("the same server") << QStringLiteral("srv-a") << QStringLiteral("srv-a") << true;
    QTest::newRow("another server") << QStringLiteral("srv-a") << QStringLiteral("srv-b") << false;
    QTest::newRow("a start of no server") << QString() << QStringLiteral("srv-b") << true;
    QTest::newRow("a server's start, recovered without an id") << QStringLiteral("srv-a") << QString() << false;
}

void UsageStoreTest::onlyItsOwnServerRecoversAStart()
{
    QFETCH(QString, beganBy);
    QFETCH(QString, recoveredBy);
    QFETCH(bool, recovered);
    const RequestStart s = start(QStringLiteral("r1"), kNow, 700);
    QVERIFY(m_db->runBlocking<bool>([s, beganBy](SqlSession &db) { UsageStore::begin(db, s, beganBy); return true; }).ok());
    auto callbacks = m_db->runBlocking<QList<PendingCallback>>([recoveredBy](SqlSession &db) {
        return UsageStore::recoverInterrupted(db, kNow + 5000, {}, recoveredBy);
    });
    QCOMPARE(callbacks.value->size(), recovered ? 1 : 0);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), recovered ? 700 : 0);
    // Left alone, the row still takes its server's real outcome.
    RequestOutcome o = RequestOutcome::of(s, true);
    o.status = RequestStatus::Ok;
    o.promptTokens = 9;
    o.completionTokens = 5;
    o.billed = 14;
    o.finishedAtMs = kNow + 6000;
    auto finished = m_db->runBlocking<SqlSession::RowInserted>([o](SqlSession &db) { return UsageStore::finish(db, o); });
    QCOMPARE(**finished.value, !recovered);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), recovered ? 700 : 14);
}

void UsageStoreTest::outcomeOfAJournaledStartWritesTheWholeRow()
{
    RequestStart s = start(QStringLiteral("r1"), kNow, 900);
    s.stream = true;
    s.upstreamId = QStringLiteral("up_1");
    RequestOutcome o = outcome(s, 3, 4, RequestStatus::Ok, true, true);
    QVERIFY(!o.keyRowStored); // the key's first use
    o.httpStatus = 200;
    QVERIFY(m_db->runBlocking<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }).ok());

    RequestLogFilter all;
    auto log = m_db->runBlocking<QJsonObject>([all](SqlSession &db) { return UsageStore::requestLog(db, all); });
    QCOMPARE(log.value->value("total").toInt(), 1);
    const QJsonObject row = log.value->value("items").toArray().at(0).toObject();
    QCOMPARE(row.value("id").toString(), QStringLiteral("r1"));
    QCOMPARE(row.value("event_id").toString(), QStringLiteral("evt-r1"));
    QCOMPARE(row.value("endpoint").toString(), QStringLiteral("chat.completions"));
    QCOMPARE(row.value("stream").toBool(), true);
    QCOMPARE(row.value("status").toString(), RequestStatus::Ok);
    QCOMPARE(row.value("http_status").toInt(), 200);
    QCOMPARE(row.value("reserved_tokens").toInt(), 900);
    QCOMPARE(row.value("total_tokens").toInt(), 7);
    QCOMPARE(row.value("latency_ms").toInt(), 250);
    QCOMPARE(row.value("upstream_id").toString(), QStringLiteral("up_1"));
    QCOMPARE(row.value("started_at").toString(), rows::isoTime(kNow));
    // The key's spend row is written with it (first use), and counts the call.
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT spent FROM key_spend WHERE key_hash = 'key-a'")), 7);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT expires_at FROM key_spend WHERE key_hash = 'key-a'")), s.keyExpiresAtSecs);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 7);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE request_id = 'r1' AND state = 'pending'")), 1);
    // Its first attempt belongs to the process that stored it: the poll takes it only after a grace.
    const qint64 due = o.finishedAtMs + kCallbackPollGraceMs;
    auto early = m_db->runBlocking<QList<DueCallback>>([due](SqlSession &db) { return CallbackStore::due(db, due - 1, 64, {}); });
    QVERIFY(early.value->isEmpty());
    auto late = m_db->runBlocking<QList<DueCallback>>([due](SqlSession &db) { return CallbackStore::due(db, due, 64, {}); });
    QCOMPARE(late.value->size(), 1);
    QCOMPARE(late.value->at(0).callback.requestId, QStringLiteral("r1"));
}

void UsageStoreTest::callbackInTheRowThroughItsFirstAttempt_data()
{
    // What happens after a journaled request's outcome stored its callback in its own row.
    QTest::addColumn<QString>("then");
    QTest::addColumn<QString>("state");    // as the admin list shows it
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("lastStatus");   // 0: null
    QTest::addColumn<qint64>("dueAt");     // when the poll takes it from the table; 0: never
    QTest::newRow("not tried yet") << "nothing" << "pending" << 0 << 0 << qint64(0);
    QTest::newRow("delivered") << "delivered" << "delivered" << 1 << 200 << qint64(0);
    QTest::newRow("first attempt failed") << "failed" << "pending" << 1 << 503 << kNow + 1000;
    QTest::newRow("tenant deleted") << "abandoned" << "abandoned" << 0 << 0 << qint64(0);
    QTest::newRow("left by a crash") << "recovered" << "pending" << 0 << 0 << kNow + 5000;
}

void UsageStoreTest::callbackInTheRowThroughItsFirstAttempt()
{
    QFETCH(QString, then);
    QFETCH(QString, state);
    QFETCH(int, attempts);
    QFETCH(int, lastStatus);
    QFETCH(qint64, dueAt);
    const RequestStart s = start(QStringLiteral("r1"), kNow);
    RequestOutcome o = outcome(s, 3, 4, RequestStatus::Ok, true, true);
    o.callback->journalSlot = 7;
    o.callback->body = R"({"event_id":"evt-r1"})";
    QVERIFY(o.callbackInRow());
    QVERIFY(m_db->runBlocking<SqlSession::RowInserted>([o](SqlSession &db) { return UsageStore::finish(db, o); }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks")), 0);

    const QString id = s.id;
    auto done = m_db->runBlocking<int>([&](SqlSession &db) {
        if (then == QLatin1String("delivered"))
            CallbackStore::markDeliveredInRows(db, {{id, 200, kNow + 300}});
        else if (then == QLatin1String("failed"))
            return int(CallbackStore::moveFromRow(db, id, QStringLiteral("pending"), 1, 503, QStringLiteral("receiver answered HTTP 503"), kNow + 1000));
        else if (then == QLatin1String("abandoned"))
            return int(CallbackStore::moveFromRow(db, id, QStringLiteral("abandoned"), 0, 0, QStringLiteral("tenant was deleted"), kNow));
        else if (then == QLatin1String("recovered"))
            return CallbackStore::queueUnsentInRows(db, {id, QStringLiteral("r_unknown")}, kNow + 5000);
        return 1;
    });
    QVERIFY2(done.ok(), qPrintable(done.error));
    QCOMPARE(*done.value, 1);

    // Listed once, wherever it is, with the state filter agreeing.
    for (const QString &filter : {QString(), QStringLiteral("pending"), QStringLiteral("delivered"), QStringLiteral("abandoned")}) {
        // The request is still in the journal (its slot is freed once the first attempt is recorded).
        auto list = m_db->runBlocking<QJsonObject>([filter, s](SqlSession &db) { return CallbackStore::list(db, callbackFilter(QString(), filter), {s}); });
        QVERIFY2(list.ok(), qPrintable(list.error));
        const bool match = filter.isEmpty() || filter == state;
        QCOMPARE(list.value->value("total").toInt(), match ? 1 : 0);
        if (!match)
            continue;
        const QJsonObject item = list.value->value("items").toArray().at(0).toObject();
        QCOMPARE(item.value("id").toString(), QStringLiteral("dlv_r1"));
        QCOMPARE(item.value("request_id").toString(), id);
        QCOMPARE(item.value("tenant_id").toString(), QStringLiteral("tn_1"));
        QCOMPARE(item.value("url").toString(), QStringLiteral("http://127.0.0.1:9/cb"));
        QCOMPARE(item.value("body").toObject().value("event_id").toString(), QStringLiteral("evt-r1"));
        QCOMPARE(item.value("state").toString(), state);
        QCOMPARE(item.value("attempts").toInt(), attempts);
        QCOMPARE(item.value("last_status").isNull(), lastStatus == 0);
        QCOMPARE(item.value("last_status").toInt(), lastStatus);
        QCOMPARE(item.value("created_at").toString(), rows::isoTime(o.finishedAtMs));
        QCOMPARE(item.value("delivered_at").isNull(), state != QLatin1String("delivered"));
    }

    // Only the table is polled; a callback moved there keeps its id, URL and body.
    auto due = m_db->runBlocking<QList<DueCallback>>([](SqlSession &db) { return CallbackStore::due(db, kNow + 60'000, 64, {}); });
    QCOMPARE(due.value->size(), dueAt ? 1 : 0);
    if (dueAt) {
        const PendingCallback &c = due.value->at(0).callback;
        QCOMPARE(c.id, QStringLiteral("dlv_r1"));
        QCOMPARE(c.url, QStringLiteral("http://127.0.0.1:9/cb"));
        QCOMPARE(c.body, o.callback->body);
        QCOMPARE(due.value->at(0).attempts, attempts);
        QCOMPARE(scalar(*m_db, QStringLiteral("SELECT next_attempt_at FROM callbacks")), dueAt);
    }
    // A recovery after it (a crash before the slot was freed) moves only a callback whose first
    // attempt was never recorded; it is then listed once, from the table, without the journal.
    auto again = m_db->runBlocking<int>([id](SqlSession &db) { return CallbackStore::queueUnsentInRows(db, {id}, kNow + 9000); });
    QCOMPARE(*again.value, then == QLatin1String("nothing") ? 1 : 0);
    auto listed = m_db->runBlocking<QJsonObject>([](SqlSession &db) { return CallbackStore::list(db, {}); });
    QCOMPARE(listed.value->value("total").toInt(), 1);
    QCOMPARE(listed.value->value("items").toArray().at(0).toObject().value("state").toString(), state);
}

void UsageStoreTest::callbackListPagesOverFirstAttemptsAndStored_data()
{
    // r1: on its first attempt, in its row (journaled); r2: delivered at its first attempt, in its
    // row; r3: in the table (its start went to the database), pending. Finished in that order.
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("total");
    QTest::addColumn<QString>("ids"); // request ids of the page, in order
    QTest::newRow("all") << "" << "" << 10 << 0 << 3 << "r1 r3 r2";
    QTest::newRow("first page") << "" << "" << 2 << 0 << 3 << "r1 r3";
    QTest::newRow("across the seam") << "" << "" << 2 << 1 << 3 << "r3 r2";
    QTest::newRow("past the first attempts") << "" << "" << 5 << 2 << 3 << "r2";
    QTest::newRow("pending") << "pending" << "" << 10 << 0 << 2 << "r1 r3";
    QTest::newRow("delivered") << "delivered" << "" << 10 << 0 << 1 << "r2";
    QTest::newRow("abandoned") << "abandoned" << "" << 10 << 0 << 0 << "";
    QTest::newRow("the tenant") << "" << "tn_1" << 10 << 0 << 3 << "r1 r3 r2";
    QTest::newRow("another tenant") << "" << "tn_other" << 10 << 0 << 0 << "";
}

void UsageStoreTest::callbackListPagesOverFirstAttemptsAndStored()
{
    QFETCH(QString, state);
    QFETCH(QString, tenant);
    QFETCH(int, limit);
    QFETCH(int, offset);
    QFETCH(int, total);
    QFETCH(QString, ids);
    QList<RequestStart> journal;
    for (int i = 1; i <= 3; ++i) {
        const RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i * 1000);
        QVERIFY(finishWithCallback(*m_db, s, i < 3, i));
        if (i == 1)
            journal.append(s);
        if (i == 2)
            QVERIFY(m_db->runBlocking<bool>([id = s.id](SqlSession &db) { CallbackStore::markDeliveredInRows(db, {{id, 204, kNow + 9000}}); return true; }).ok());
    }
    auto list = m_db->runBlocking<QJsonObject>([=](SqlSession &db) { return CallbackStore::list(db, callbackFilter(tenant, state, 0, 0, limit, offset), journal); });
    QVERIFY2(list.ok(), qPrintable(list.error));
    QCOMPARE(list.value->value("total").toInt(), total);
    QCOMPARE(requestIdsOf(*list.value), ids);
}

void UsageStoreTest::callbackListMergesTheTableAndTheRows_data()
{
    // r1 … r6, one a second: the odd ones' callbacks in the table (their starts went to the
    // database), r3's then delivered there; the even ones' in their rows, delivered at the first
    // attempt. r4 … r6 are another tenant's. Stored callbacks are listed newest request first,
    // both kinds merged and paged together.
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<qint64>("since");
    QTest::addColumn<qint64>("until");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("total");
    QTest::addColumn<QString>("ids");
    QTest::newRow("all") << "" << "" << qint64(0) << qint64(0) << 10 << 0 << 6 << "r6 r5 r4 r3 r2 r1";
    QTest::newRow("a page inside") << "" << "" << qint64(0) << qint64(0) << 2 << 1 << 6 << "r5 r4";
    QTest::newRow("the last page") << "" << "" << qint64(0) << qint64(0) << 4 << 3 << 6 << "r3 r2 r1";
    QTest::newRow("past the end") << "" << "" << qint64(0) << qint64(0) << 4 << 6 << 6 << "";
    QTest::newRow("delivered") << "delivered" << "" << qint64(0) << qint64(0) << 10 << 0 << 4 << "r6 r4 r3 r2";
    QTest::newRow("delivered, second page") << "delivered" << "" << qint64(0) << qint64(0) << 2 << 2 << 4 << "r3 r2";
    QTest::newRow("pending") << "pending" << "" << qint64(0) << qint64(0) << 10 << 0 << 2 << "r5 r1";
    QTest::newRow("a tenant") << "" << "tn_2" << qint64(0) << qint64(0) << 10 << 0 << 3 << "r6 r5 r4";
    QTest::newRow("a tenant, a page") << "" << "tn_1" << qint64(0) << qint64(0) << 1 << 1 << 3 << "r2";
    QTest::newRow("since r4 finished") << "" << "" << kNow + 4250 << qint64(0) << 10 << 0 << 3 << "r6 r5 r4";
    QTest::newRow("until r3 finished") << "" << "" << qint64(0) << kNow + 3250 << 10 << 0 << 2 << "r2 r1";
    QTest::newRow("between") << "delivered" << "" << kNow + 2250 << kNow + 6250 << 10 << 0 << 3 << "r4 r3 r2";
}

void UsageStoreTest::callbackListMergesTheTableAndTheRows()
{
    QFETCH(QString, state);
    QFETCH(QString, tenant);
    QFETCH(qint64, since);
    QFETCH(qint64, until);
    QFETCH(int, limit);
    QFETCH(int, offset);
    QFETCH(int, total);
    QFETCH(QString, ids);
    for (int i = 1; i <= 6; ++i) {
        RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i * 1000);
        if (i > 3)
            s.tenantId = QStringLiteral("tn_2");
        const bool inRow = i % 2 == 0;
        const std::optional<RequestOutcome> o = finishWithCallback(*m_db, s, inRow, i);
        QVERIFY(o);
        const QString id = s.id, callbackId = o->callback->id;
        QVERIFY(m_db->runBlocking<bool>([=](SqlSession &db) {
                        if (inRow)
                            CallbackStore::markDeliveredInRows(db, {{id, 200, kNow + 9000}});
                        else if (i == 3)
                            CallbackStore::markDelivered(db, callbackId, 200, kNow + 9000);
                        return true;
                    }).ok());
    }
    auto list = m_db->runBlocking<QJsonObject>([=](SqlSession &db) { return CallbackStore::list(db, callbackFilter(tenant, state, since, until, limit, offset)); });
    QVERIFY2(list.ok(), qPrintable(list.error));
    QCOMPARE(list.value->value("total").toInt(), total);
    QCOMPARE(requestIdsOf(*list.value), ids);
}

void UsageStoreTest::outcomeWrittenTwiceCountsOnce_data()
{
    // A retry after a commit that did succeed (the error came after it) must add nothing.
    QTest::addColumn<bool>("journaled");
    QTest::newRow("journaled start") << true;
    QTest::newRow("start row in the database") << false;
}

void UsageStoreTest::outcomeWrittenTwiceCountsOnce()
{
    QFETCH(bool, journaled);
    const RequestStart s = start(QStringLiteral("r1"), kNow, 900);
    if (!journaled)
        QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
    const RequestOutcome o = outcome(s, 3, 4, RequestStatus::Ok, true, journaled);
    auto first = m_db->runBlocking<SqlSession::RowInserted>([o](SqlSession &db) { return UsageStore::finish(db, o); });
    QVERIFY(first.ok() && **first.value);
    RequestOutcome again = o;
    again.callback->id = QStringLiteral("dlv_other"); // even with another callback id
    auto second = m_db->runBlocking<SqlSession::RowInserted>([again](SqlSession &db) { return UsageStore::finish(db, again); });
    QVERIFY2(second.ok(), qPrintable(second.error));
    QVERIFY(!**second.value);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests")), 1);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT total_tokens FROM requests WHERE id = 'r1'")), 7);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), 7);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT spent FROM key_spend WHERE key_hash = 'key-a'")), 7);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT SUM(requests) FROM usage_minute")), 1);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT SUM(requests) FROM usage_hour")), 1);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks")), 1);
}

void UsageStoreTest::journaledStartsAreRecovered_data()
{
    // Each letter a request the last run left: J journaled only, D a database row "in_flight",
    // C journaled but its outcome committed just before the stop (the slot not yet freed).
    QTest::addColumn<QString>("left");
    QTest::addColumn<int>("billed"); // requests billed their reservation
    QTest::newRow("one journaled") << QStringLiteral("J") << 1;
    QTest::newRow("journaled and a row") << QStringLiteral("JD") << 2;
    QTest::newRow("journaled, outcome committed") << QStringLiteral("C") << 0;
    QTest::newRow("all kinds") << QStringLiteral("JCDJ") << 3;
    QTest::newRow("nothing") << QString() << 0;
}

void UsageStoreTest::journaledStartsAreRecovered()
{
    QFETCH(QString, left);
    QFETCH(int, billed);
    constexpr qint64 kReserved = 300;
    QList<RequestStart> journaled;
    qint64 committedTokens = 0;
    for (int i = 0; i < left.size(); ++i) {
        const RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i, kReserved);
        const QChar kind = left.at(i);
        if (kind == QLatin1Char('D')) {
            QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
            continue;
        }
        journaled.append(s);
        if (kind == QLatin1Char('C')) {
            const RequestOutcome o = outcome(s, 2, 3, RequestStatus::Ok, false, true);
            committedTokens += o.billed;
            QVERIFY(m_db->runBlocking<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }).ok());
        }
    }

    auto recovered = m_db->runBlocking<QList<PendingCallback>>([journaled](SqlSession &db) {
        return UsageStore::recoverInterrupted(db, kNow + 5000, journaled);
    });
    QVERIFY2(recovered.ok(), qPrintable(recovered.error));
    QCOMPARE(recovered.value->size(), billed);
    for (const PendingCallback &c : *recovered.value) {
        QCOMPARE(c.url, QStringLiteral("http://127.0.0.1:9/cb")); // the tenant's
        const QJsonObject body = QJsonDocument::fromJson(c.body).object();
        QCOMPARE(body.value("status").toString(), RequestStatus::Interrupted);
        QCOMPARE(body.value("event_id").toString(), QStringLiteral("evt-") + c.requestId);
        QCOMPARE(body.value("tokens").toInt(), int(kReserved));
    }
    const qint64 expected = billed * kReserved + committedTokens;
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE status = 'interrupted' AND total_tokens = 300"
                                          " AND usage_source = 'reserved' AND reserved = 300 AND endpoint = 'chat.completions'")), billed);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests")), qint64(left.size()));
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE status = 'in_flight'")), 0);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), expected);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COALESCE(SUM(spent), 0) FROM key_spend WHERE key_hash = 'key-a'")), expected);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE state = 'pending'")), billed);

    // The journal is cleared after this; recovering the same starts again bills nothing more.
    auto again = m_db->runBlocking<QList<PendingCallback>>([journaled](SqlSession &db) {
        return UsageStore::recoverInterrupted(db, kNow + 9000, journaled);
    });
    QVERIFY(again.value->isEmpty());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), expected);
}

void UsageStoreTest::requestLogListsJournaledStartsFirst_data()
{
    // In flight (journaled): j1 started at +10, j2 at +30, jc at +50 (its outcome is committed,
    // the slot not yet freed). Stored and finished: d1 at +20, d2 at +40. Expected ids in order.
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<int>("total");
    const QStringList all{QStringLiteral("j2"), QStringLiteral("j1"), QStringLiteral("jc"), QStringLiteral("d2"), QStringLiteral("d1")};
    QTest::newRow("everything") << 10 << 0 << QString() << QString() << all << 5;
    QTest::newRow("inside the journaled") << 1 << 1 << QString() << QString() << all.mid(1, 1) << 5;
    QTest::newRow("across both") << 2 << 1 << QString() << QString() << all.mid(1, 2) << 5;
    QTest::newRow("stored only, by offset") << 2 << 3 << QString() << QString() << all.mid(3, 2) << 5;
    QTest::newRow("past the end") << 5 << 9 << QString() << QString() << QStringList() << 5;
    QTest::newRow("in flight") << 10 << 0 << QStringLiteral("in_flight") << QString() << all.mid(0, 2) << 2;
    QTest::newRow("finished ok") << 10 << 0 << QStringLiteral("ok") << QString() << all.mid(2, 3) << 3;
    QTest::newRow("another tenant") << 10 << 0 << QString() << QStringLiteral("tn_2") << QStringList() << 0;
}

void UsageStoreTest::requestLogListsJournaledStartsFirst()
{
    QFETCH(int, limit);
    QFETCH(int, offset);
    QFETCH(QString, status);
    QFETCH(QString, tenant);
    QFETCH(QStringList, expected);
    QFETCH(int, total);
    QList<RequestStart> journaled;
    for (const auto &[id, at] : {std::pair{"j1", 10}, std::pair{"j2", 30}, std::pair{"jc", 50}})
        journaled.append(start(QString::fromLatin1(id), kNow + at));
    for (const auto &[id, at] : {std::pair{"d1", 20}, std::pair{"d2", 40}, std::pair{"jc", 50}}) {
        const RequestOutcome o = outcome(start(QString::fromLatin1(id), kNow + at), 1, 2, RequestStatus::Ok, false, true);
        QVERIFY(m_db->runBlocking<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }).ok());
    }
    RequestLogFilter f;
    f.sinceMs = kNow;
    f.limit = limit;
    f.offset = offset;
    f.status = status;
    f.tenantId = tenant;
    auto log = m_db->runBlocking<QJsonObject>([f, journaled](SqlSession &db) { return UsageStore::requestLog(db, f, journaled); });
    QVERIFY2(log.ok(), qPrintable(log.error));
    QStringList ids;
    for (const QJsonValue &item : log.value->value("items").toArray())
        ids.append(item.toObject().value("id").toString());
    QCOMPARE(ids, expected);
    QCOMPARE(log.value->value("total").toInt(), total);
    for (const QJsonValue &item : log.value->value("items").toArray()) {
        const QJsonObject row = item.toObject();
        const bool inFlight = row.value("id").toString() != QLatin1String("jc") && row.value("id").toString().startsWith(QLatin1Char('j'));
        QCOMPARE(row.value("status").toString(), inFlight ? RequestStatus::InFlight : RequestStatus::Ok);
        QCOMPARE(row.value("total_tokens").isNull(), inFlight);
        QCOMPARE(row.value("reserved_tokens").toInt(), 100);
    }
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
    const qint64 deliveredAt = o.finishedAtMs + 5;
    QVERIFY(m_db->runBlocking<bool>([s, o, deliveredAt](SqlSession &db) {
        UsageStore::begin(db, s);
        UsageStore::finish(db, o);
        CallbackStore::markDeliveredInRows(db, {{s.id, 200, deliveredAt}});
        // Callbacks that took a retry, in the table: a delivered one follows retention, a
        // pending or abandoned one is kept.
        for (const char *state : {"delivered", "pending", "abandoned"})
            db.exec(QStringLiteral("INSERT INTO callbacks (id, request_id, tenant_id, url, body, state, attempts, next_attempt_at,"
                                   " created_at) VALUES (?, ?, 'tn_1', 'http://127.0.0.1:9/cb', '{}', ?, 2, 0, ?)"),
                    {QStringLiteral("dlv_%1").arg(QLatin1String(state)), s.id, QLatin1String(state), o.finishedAtMs});
        return true;
    }).ok());
    const auto more = m_db->runBlocking<bool>([](SqlSession &db) { return UsageStore::purge(db, kNow, 30, 7, 100); });
    QVERIFY(more.ok());
    QVERIFY(!*more.value);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests")) == 1, requestKept);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callback_deliveries")) == 1, requestKept); // goes with its request
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE state = 'delivered'")) == 1, requestKept);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks WHERE state <> 'delivered'")), 2);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_minute")) == 1, minuteRollupKept);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_hour")), 1); // hourly rollups are kept
}

void UsageStoreTest::retentionPurgeGoesInChunks_data()
{
    QTest::addColumn<int>("oldRows");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QList<int>>("leftAfterEach"); // old requests left after each purge call, until one says no more
    QTest::newRow("none old") << 0 << 10 << QList<int>{0};
    QTest::newRow("fewer than a chunk") << 7 << 10 << QList<int>{0};
    QTest::newRow("two and a half chunks") << 25 << 10 << QList<int>{15, 5, 0};
    QTest::newRow("exactly two chunks: a third finds none") << 20 << 10 << QList<int>{10, 0, 0};
    QTest::newRow("chunks of one") << 3 << 1 << QList<int>{2, 1, 0, 0};
}

void UsageStoreTest::retentionPurgeGoesInChunks()
{
    // Each call deletes at most `limit` old requests (and their delivered callbacks), the oldest
    // first, and says whether there may be more; recent requests and requests in flight stay.
    QFETCH(int, oldRows);
    QFETCH(int, limit);
    QFETCH(QList<int>, leftAfterEach);
    QVERIFY(m_db->runBlocking<bool>([oldRows](SqlSession &db) {
        for (int i = 0; i < oldRows; ++i) {
            const RequestStart s = start(QStringLiteral("old%1").arg(i), kNow - 31 * kDay + i);
            UsageStore::begin(db, s);
            UsageStore::finish(db, outcome(s, 1, 1, RequestStatus::Ok, false));
            CallbackStore::markDeliveredInRows(db, {{s.id, 200, s.startedAtMs + 5}});
        }
        const RequestStart recent = start(QStringLiteral("recent"), kNow - kDay);
        UsageStore::begin(db, recent);
        UsageStore::finish(db, outcome(recent, 1, 1, RequestStatus::Ok, false));
        UsageStore::begin(db, start(QStringLiteral("stuck"), kNow - 40 * kDay)); // in flight: recovery's, not retention's
        return true;
    }).ok());
    for (int i = 0; i < leftAfterEach.size(); ++i) {
        const auto more = m_db->runBlocking<bool>([limit](SqlSession &db) { return UsageStore::purge(db, kNow, 30, 7, limit); });
        QVERIFY2(more.ok(), qPrintable(more.error));
        const int left = int(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id LIKE 'old%'")));
        QCOMPARE(left, leftAfterEach.at(i));
        QCOMPARE(int(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callback_deliveries"))), left);
        if (left > 0) // the oldest went first
            QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = 'old%1'").arg(oldRows - 1)), 1);
        QCOMPARE(*more.value, i + 1 < leftAfterEach.size());
    }
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id IN ('recent', 'stuck')")), 2);
}

void UsageStoreTest::minuteRollupsPurgeInChunks_data()
{
    QTest::addColumn<int>("oldMinutes");
    QTest::addColumn<int>("rowsPerMinute"); // tenants x models with calls in that minute
    QTest::addColumn<int>("limit");
    QTest::addColumn<QList<int>>("leftAfterEach"); // old rows left after each purge call, until one says no more
    QTest::newRow("none old") << 0 << 1 << 10 << QList<int>{0};
    QTest::newRow("fewer than a chunk") << 5 << 1 << 10 << QList<int>{0};
    QTest::newRow("two and a half chunks") << 25 << 1 << 10 << QList<int>{15, 5, 0};
    QTest::newRow("exactly two chunks: a third finds none") << 20 << 1 << 10 << QList<int>{10, 0, 0};
    QTest::newRow("a chunk ends with a whole minute") << 3 << 4 << 6 << QList<int>{4, 0};
    QTest::newRow("minutes larger than a chunk: a third finds none") << 2 << 5 << 3 << QList<int>{5, 0, 0};
}

void UsageStoreTest::minuteRollupsPurgeInChunks()
{
    // Each call deletes whole minutes past the 7-day retention, the oldest first, about `limit`
    // rows at most; the minutes within it stay.
    QFETCH(int, oldMinutes);
    QFETCH(int, rowsPerMinute);
    QFETCH(int, limit);
    QFETCH(QList<int>, leftAfterEach);
    const qint64 oldest = (kNow - 9 * kDay) / 60'000 * 60'000;
    QVERIFY(m_db->runBlocking<bool>([&](SqlSession &db) {
        auto add = [&db](qint64 bucket, int model) {
            db.exec(QStringLiteral("INSERT INTO usage_minute (bucket, tenant_id, model, requests, errors, prompt_tokens,"
                                   " completion_tokens, latency_ms_sum) VALUES (?, 'tn_1', ?, 1, 0, 1, 1, 1)"),
                    {bucket, QStringLiteral("m%1").arg(model)});
        };
        for (int m = 0; m < oldMinutes; ++m)
            for (int r = 0; r < rowsPerMinute; ++r)
                add(oldest + m * 60'000, r);
        add((kNow - kDay) / 60'000 * 60'000, 0); // within the retention
        return true;
    }).ok());
    const QString oldRows = QStringLiteral("SELECT COUNT(*) FROM usage_minute WHERE bucket < %1").arg(kNow - 7 * kDay);
    for (int i = 0; i < leftAfterEach.size(); ++i) {
        const auto more = m_db->runBlocking<bool>([limit](SqlSession &db) { return UsageStore::purge(db, kNow, 30, 7, limit); });
        QVERIFY2(more.ok(), qPrintable(more.error));
        const int left = int(scalar(*m_db, oldRows));
        QCOMPARE(left, leftAfterEach.at(i));
        if (left > 0) // the oldest went first: what is left is the newest of them, in whole minutes
            QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_minute WHERE bucket = %1").arg(oldest + (oldMinutes - 1) * 60'000)),
                     rowsPerMinute);
        QCOMPARE(*more.value, i + 1 < leftAfterEach.size());
    }
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM usage_minute")), 1);
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

void UsageStoreTest::listsCountTheirRowsUpToTheLimit_data()
{
    // The request log and the callbacks list count their stored rows up to rows::kCountLimit and
    // say whether the count is whole; a tenant's short list is counted whole among many rows.
    QTest::addColumn<QString>("list");
    QTest::addColumn<int>("rows");      // tn_1's stored requests, each with a delivered callback; tn_2 has 3 more
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<qint64>("since");  // 0: no time filter
    QTest::addColumn<int>("total");
    QTest::addColumn<bool>("exact");
    const int limit = int(rows::kCountLimit);
    for (const char *list : {"requests", "callbacks"}) {
        QTest::addRow("%s: at the limit", list) << QString::fromLatin1(list) << limit - 3 << QString() << qint64(0) << limit << true;
        QTest::addRow("%s: one past it", list) << QString::fromLatin1(list) << limit - 2 << QString() << qint64(0) << limit << false;
        QTest::addRow("%s: a tenant past it", list) << QString::fromLatin1(list) << limit + 1 << QStringLiteral("tn_1") << qint64(0) << limit << false;
        QTest::addRow("%s: a tenant below it", list) << QString::fromLatin1(list) << limit + 1 << QStringLiteral("tn_2") << qint64(0) << 3 << true;
        QTest::addRow("%s: the newest few", list) << QString::fromLatin1(list) << limit + 1 << QString() << kNow + limit << 5 << true;
    }
}

void UsageStoreTest::listsCountTheirRowsUpToTheLimit()
{
    QFETCH(QString, list);
    QFETCH(int, rows);
    QFETCH(QString, tenant);
    QFETCH(qint64, since);
    QFETCH(int, total);
    QFETCH(bool, exact);
    // Request i started and finished at kNow + i; the last 3 are tn_2's.
    QVERIFY(m_db->runBlocking<bool>([rows](SqlSession &db) {
        db.run(QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                              " INSERT INTO requests (id, tenant_id, model, endpoint, stream, status, reserved, started_at, finished_at,"
                              " callback_id, callback_url, callback_body, callback_state)"
                              " SELECT 'req_' || i, CASE WHEN i <= ? THEN 'tn_1' ELSE 'tn_2' END, 'm1', 'chat.completions', 0, 'ok', 0,"
                              " ? + i, ? + i, 'dlv_' || i, 'http://127.0.0.1:9/cb', '{}', 'sending' FROM n"),
               {rows + 3, rows, kNow, kNow});
        db.run(QStringLiteral("INSERT INTO callback_deliveries (request_id, http_status, delivered_at) SELECT id, 200, finished_at FROM requests"));
        return true;
    }).ok());
    auto page = m_db->runBlocking<QJsonObject>([=](SqlSession &db) {
        if (list == QLatin1String("callbacks"))
            return CallbackStore::list(db, callbackFilter(tenant, QString(), since, 0, 2));
        RequestLogFilter f;
        f.tenantId = tenant;
        f.sinceMs = since;
        f.limit = 2;
        return UsageStore::requestLog(db, f);
    });
    QVERIFY2(page.ok(), qPrintable(page.error));
    QCOMPARE(page.value->value("total").toInt(), total);
    QCOMPARE(page.value->value("total_exact").toBool(exact), exact);
    QCOMPARE(page.value->value("items").toArray().size(), 2);
}

void UsageStoreTest::requestLogPagesByCursor_data()
{
    // In flight (journaled): j1 at +10, j2 and j3 both at +30. Stored: s1 at +20, s2, s3 and s4
    // all at +40, s5 at +5, s6 and s7 at +60, s8 at +70, s9 at +80 (its start stored, still in
    // flight); every third a tn_2 request. Read by cursor, the pages hold the same rows, in the
    // same order, as one page by offset: ties in time are broken by id, on both sides of the seam
    // between the journaled and the stored rows.
    QTest::addColumn<int>("limit");
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<int>("rows");
    for (int limit : {1, 2, 3, 4, 5, 12, 50})
        QTest::addRow("all, %d a page", limit) << limit << QString() << QString() << 12;
    QTest::newRow("a tenant") << 2 << QString() << QStringLiteral("tn_2") << 4;
    QTest::newRow("ok") << 3 << QStringLiteral("ok") << QString() << 8;
    QTest::newRow("in flight") << 1 << QStringLiteral("in_flight") << QString() << 4;
    QTest::newRow("only journaled ones") << 1 << QStringLiteral("in_flight") << QStringLiteral("tn_1") << 2; // j2, j1
    QTest::newRow("nothing") << 2 << QStringLiteral("error") << QString() << 0;
}

void UsageStoreTest::requestLogPagesByCursor()
{
    QFETCH(int, limit);
    QFETCH(QString, status);
    QFETCH(QString, tenant);
    QFETCH(int, rows);
    int n = 0;
    auto made = [&n](const char *id, qint64 at) {
        RequestStart r = start(QString::fromLatin1(id), kNow + at);
        if (++n % 3 == 0)
            r.tenantId = QStringLiteral("tn_2");
        return r;
    };
    QList<RequestStart> journaled;
    for (const auto &[id, at] : {std::pair{"j1", 10}, std::pair{"j2", 30}, std::pair{"j3", 30}})
        journaled.append(made(id, at));
    for (const auto &[id, at] : {std::pair{"s1", 20}, std::pair{"s2", 40}, std::pair{"s3", 40}, std::pair{"s4", 40}, std::pair{"s5", 5},
                                 std::pair{"s6", 60}, std::pair{"s7", 60}, std::pair{"s8", 70}}) {
        const RequestOutcome o = outcome(made(id, at), 1, 2, RequestStatus::Ok, false, true);
        QVERIFY(m_db->runBlocking<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }).ok());
    }
    const RequestStart s9 = made("s9", 80);
    QVERIFY(m_db->runBlocking<bool>([s9](SqlSession &db) { UsageStore::begin(db, s9); return true; }).ok());
    RequestLogFilter f;
    f.status = status;
    f.tenantId = tenant;
    auto read = [&](RequestLogFilter filter) -> std::optional<QJsonObject> {
        auto page = m_db->runBlocking<QJsonObject>([filter, journaled](SqlSession &db) { return UsageStore::requestLog(db, filter, journaled); });
        return page.ok() ? page.value : std::nullopt;
    };
    f.limit = 1000;
    const std::optional<QJsonObject> whole = read(f);
    QVERIFY(whole);
    const QStringList expected = idsOf(*whole);
    QCOMPARE(expected.size(), rows);
    QVERIFY(whole->value("next_cursor").isNull());
    f.limit = limit;
    const QStringList paged = idsByCursor([&](const rows::ListCursor &cursor) {
        RequestLogFilter next = f;
        next.cursor = cursor;
        return read(next);
    }, limit);
    QCOMPARE(paged, expected);
}

void UsageStoreTest::callbackListPagesByCursor_data()
{
    // r1 … r9, a second apart: r3, r6 and r9 on their first attempt (journaled, pending in their
    // rows); r1, r4 and r7 in the table (pending, r4's then delivered); r2, r5 and r8 delivered at
    // their first attempt, in their rows. r6 … r9 are tn_2's. Read by cursor, the pages hold the
    // same callbacks, in the same order, as one page by offset, across the seams between the
    // first attempts, the table and the rows.
    QTest::addColumn<int>("limit");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<int>("rows");
    for (int limit : {1, 2, 3, 4, 9, 50})
        QTest::addRow("all, %d a page", limit) << limit << QString() << QString() << 9;
    QTest::newRow("pending") << 2 << QStringLiteral("pending") << QString() << 5;
    QTest::newRow("delivered") << 2 << QStringLiteral("delivered") << QString() << 4;
    QTest::newRow("a tenant") << 3 << QString() << QStringLiteral("tn_2") << 4;
    QTest::newRow("nothing") << 1 << QStringLiteral("abandoned") << QString() << 0;
}

void UsageStoreTest::callbackListPagesByCursor()
{
    QFETCH(int, limit);
    QFETCH(QString, state);
    QFETCH(QString, tenant);
    QFETCH(int, rows);
    QList<RequestStart> journal;
    for (int i = 1; i <= 9; ++i) {
        RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i * 1000);
        if (i >= 6)
            s.tenantId = QStringLiteral("tn_2");
        const bool inRow = i % 3 != 1;
        const std::optional<RequestOutcome> o = finishWithCallback(*m_db, s, inRow, i);
        QVERIFY(o);
        if (i % 3 == 0)
            journal.append(s);
        const QString id = s.id, callbackId = o->callback->id;
        QVERIFY(m_db->runBlocking<bool>([=](SqlSession &db) {
                        if (i % 3 == 2)
                            CallbackStore::markDeliveredInRows(db, {{id, 200, kNow + 20'000}});
                        else if (i == 4)
                            CallbackStore::markDelivered(db, callbackId, 200, kNow + 20'000);
                        return true;
                    }).ok());
    }
    auto read = [&](const CallbackListFilter &filter) -> std::optional<QJsonObject> {
        auto page = m_db->runBlocking<QJsonObject>([filter, journal](SqlSession &db) { return CallbackStore::list(db, filter, journal); });
        return page.ok() ? page.value : std::nullopt;
    };
    const std::optional<QJsonObject> whole = read(callbackFilter(tenant, state, 0, 0, 1000));
    QVERIFY(whole);
    const QStringList expected = idsOf(*whole);
    QCOMPARE(expected.size(), rows);
    QVERIFY(whole->value("next_cursor").isNull());
    const QStringList paged = idsByCursor([&](const rows::ListCursor &cursor) { return read(callbackFilter(tenant, state, 0, 0, limit, 0, cursor)); },
                                          limit);
    QCOMPARE(paged, expected);
}

void UsageStoreTest::failedFinishInABatchAddsNothing_data()
{
    // One letter per finish queued together, in order: O finishes, F fails at its last write (its
    // callback id is taken), after its rollup deltas were added.
    QTest::addColumn<QString>("finishes");
    QTest::newRow("alone") << QStringLiteral("F");
    QTest::newRow("first") << QStringLiteral("FOO");
    QTest::newRow("middle") << QStringLiteral("OFO");
    QTest::newRow("last") << QStringLiteral("OOF");
    QTest::newRow("all") << QStringLiteral("FF");
    QTest::newRow("every other") << QStringLiteral("OFOFOF");
}

void UsageStoreTest::failedFinishInABatchAddsNothing()
{
    QFETCH(QString, finishes);
    // A stored callback whose id the failing finishes reuse.
    const RequestStart taken = start(QStringLiteral("taken"), kNow - 3 * 3'600'000);
    QVERIFY(m_db->runBlocking<bool>([taken](SqlSession &db) {
        UsageStore::begin(db, taken);
        UsageStore::finish(db, outcome(taken, 0, 0, RequestStatus::Ok, true));
        return true;
    }).ok());
    QList<RequestOutcome> outcomes;
    for (int i = 0; i < finishes.size(); ++i) {
        const RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i);
        QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
        RequestOutcome o = outcome(s, 10 + i, 20 + i, i % 2 ? RequestStatus::Error : RequestStatus::Ok, true);
        if (finishes.at(i) == QLatin1Char('F'))
            o.callback->id = QStringLiteral("dlv_taken");
        outcomes.append(o);
    }
    QObject context;
    int ok = 0;
    int failed = 0;
    {
        WriterHold hold(*m_db);
        for (const RequestOutcome &o : outcomes)
            m_db->write<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }, &context,
                              [&](DbOutcome<bool> r) { r.ok() ? ++ok : ++failed; });
    }
    QTRY_COMPARE(ok + failed, finishes.size());
    QCOMPARE(failed, int(finishes.count(QLatin1Char('F'))));

    std::map<qint64, Sums> minutes;
    qint64 billed = 0;
    for (int i = 0; i < finishes.size(); ++i) {
        const RequestOutcome &o = outcomes.at(i);
        const bool kept = finishes.at(i) == QLatin1Char('O');
        QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = '%1' AND status = 'in_flight'").arg(o.id)), kept ? 0 : 1);
        if (kept) {
            minutes[o.finishedAtMs / 60'000 * 60'000].add(o);
            billed += o.billed;
        }
    }
    auto series = m_db->runBlocking<QJsonArray>([](SqlSession &db) {
        return UsageStore::series(db, QStringLiteral("minute"), QStringLiteral("tn_1"), QString(), kNow - 60'000, kNow + 10 * 60'000);
    });
    QCOMPARE(*series.value, expectedSeries(minutes));
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT tokens_used FROM tenants WHERE id = 'tn_1'")), billed);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks")), 1 + finishes.count(QLatin1Char('O')));
}

void UsageStoreTest::rollupsOfManyFinishesEqualTheSums_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("perBatch");
    QTest::newRow("one per batch") << 30 << 1;
    QTest::newRow("seven per batch") << 60 << 7;
    QTest::newRow("all in one batch") << 90 << 90;
}

void UsageStoreTest::rollupsOfManyFinishesEqualTheSums()
{
    QFETCH(int, requests);
    QFETCH(int, perBatch);
    QVERIFY(m_db->runBlocking<bool>([](SqlSession &s) {
        s.exec(QStringLiteral("INSERT INTO tenants (id, name, callback_url, callback_secret_enc, tokens_used, created_at, updated_at)"
                              " VALUES ('tn_2', 'U', 'http://127.0.0.1:9/cb', 'x', 0, 0, 0)"));
        return true;
    }).ok());
    // Spread over two tenants, two models, minutes of two hours, ok and error.
    QList<RequestOutcome> outcomes;
    for (int i = 0; i < requests; ++i) {
        RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + qint64(i) * 97'000);
        s.tenantId = i % 3 ? QStringLiteral("tn_1") : QStringLiteral("tn_2");
        s.model = i % 4 ? QStringLiteral("m1") : QStringLiteral("m2");
        RequestOutcome o = outcome(s, i % 7, 3 * i, i % 5 ? RequestStatus::Ok : RequestStatus::Error, i % 2 == 0);
        o.finishedAtMs = s.startedAtMs + 10 * i;
        QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
        outcomes.append(o);
    }
    QObject context;
    int done = 0;
    for (int from = 0; from < requests; from += perBatch) {
        WriterHold hold(*m_db);
        for (int i = from; i < std::min(requests, from + perBatch); ++i) {
            const RequestOutcome o = outcomes.at(i);
            m_db->write<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }, &context,
                              [&](DbOutcome<bool> r) { done += r.ok(); });
        }
    }
    QTRY_COMPARE(done, requests);

    const qint64 until = kNow + 3 * 3'600'000 * 2;
    struct Query
    {
        QString granularity;
        qint64 size;
        QString tenant;
        QString model;
    };
    const QList<Query> queries{{QStringLiteral("minute"), 60'000, QString(), QString()},
                               {QStringLiteral("minute"), 60'000, QStringLiteral("tn_2"), QString()},
                               {QStringLiteral("minute"), 60'000, QStringLiteral("tn_1"), QStringLiteral("m2")},
                               {QStringLiteral("hour"), 3'600'000, QString(), QString()},
                               {QStringLiteral("hour"), 3'600'000, QStringLiteral("tn_1"), QStringLiteral("m1")}};
    for (const Query &q : queries) {
        std::map<qint64, Sums> buckets;
        for (const RequestOutcome &o : outcomes) {
            if ((q.tenant.isEmpty() || q.tenant == o.tenantId) && (q.model.isEmpty() || q.model == o.model))
                buckets[o.finishedAtMs / q.size * q.size].add(o);
        }
        auto series = m_db->runBlocking<QJsonArray>([q, until](SqlSession &db) {
            return UsageStore::series(db, q.granularity, q.tenant, q.model, 0, until);
        });
        QCOMPARE(*series.value, expectedSeries(buckets));
    }
}

void UsageStoreTest::rollupWriteFailureKeepsEveryOtherJob_data()
{
    // Finishes queued together; B belongs to a tenant whose rollup row cannot be written, so the
    // batch's rollup write fails: every other job must still land once, B not at all.
    QTest::addColumn<QString>("finishes");
    QTest::newRow("alone") << QStringLiteral("B");
    QTest::newRow("first") << QStringLiteral("BOO");
    QTest::newRow("last") << QStringLiteral("OOB");
    QTest::newRow("two of five") << QStringLiteral("OBOBO");
}

void UsageStoreTest::rollupWriteFailureKeepsEveryOtherJob()
{
    QFETCH(QString, finishes);
    QVERIFY(m_db->runBlocking<bool>([](SqlSession &s) {
        s.exec(QStringLiteral("INSERT INTO tenants (id, name, callback_url, callback_secret_enc, tokens_used, created_at, updated_at)"
                              " VALUES ('tn_bad', 'B', 'http://127.0.0.1:9/cb', 'x', 0, 0, 0)"));
        s.execRaw(QStringLiteral("CREATE TRIGGER no_bad_rollups BEFORE INSERT ON usage_minute WHEN NEW.tenant_id = 'tn_bad'"
                                 " BEGIN SELECT RAISE(ABORT, 'rollup refused'); END"));
        return true;
    }).ok());
    QList<RequestOutcome> outcomes;
    for (int i = 0; i < finishes.size(); ++i) {
        RequestStart s = start(QStringLiteral("r%1").arg(i), kNow + i);
        if (finishes.at(i) == QLatin1Char('B'))
            s.tenantId = QStringLiteral("tn_bad");
        QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
        outcomes.append(outcome(s, 4, 5 + i, RequestStatus::Ok, true));
    }
    QObject context;
    QStringList ok;
    QStringList failed;
    {
        WriterHold hold(*m_db);
        for (const RequestOutcome &o : outcomes)
            m_db->write<bool>([o](SqlSession &db) { UsageStore::finish(db, o); return true; }, &context,
                              [&, id = o.id](DbOutcome<bool> r) { (r.ok() ? ok : failed).append(id); });
    }
    QTRY_COMPARE(ok.size() + failed.size(), finishes.size());

    std::map<qint64, Sums> minutes;
    QStringList expectOk;
    QStringList expectFailed;
    qint64 billed = 0;
    for (int i = 0; i < finishes.size(); ++i) {
        const RequestOutcome &o = outcomes.at(i);
        const bool kept = finishes.at(i) == QLatin1Char('O');
        (kept ? expectOk : expectFailed).append(o.id);
        QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = '%1' AND status = 'ok'").arg(o.id)), kept ? 1 : 0);
        if (kept) {
            minutes[o.finishedAtMs / 60'000 * 60'000].add(o);
            billed += o.billed;
        }
    }
    std::sort(ok.begin(), ok.end());
    std::sort(failed.begin(), failed.end());
    QCOMPARE(ok, expectOk);
    QCOMPARE(failed, expectFailed);
    auto series = m_db->runBlocking<QJsonArray>([](SqlSession &db) {
        return UsageStore::series(db, QStringLiteral("minute"), QString(), QString(), 0, kNow + 10 * 60'000);
    });
    QCOMPARE(*series.value, expectedSeries(minutes)); // counted once each, B not at all
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT SUM(requests) FROM usage_hour")), expectOk.size());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT SUM(tokens_used) FROM tenants")), billed);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM callbacks")), expectOk.size());
}

void UsageStoreTest::hotQueriesUseTheirIndexes_data()
{
    // Queries that run often or at start-up on a table that grows by a row per request: each must
    // search an index, never scan the table.
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("index");
    QTest::newRow("recovery of requests in flight") << "SELECT id FROM requests WHERE status = 'in_flight'" << "requests_in_flight";
    QTest::newRow("requests by event id") << "SELECT id FROM requests WHERE event_id = 'e'" << "requests_event";
    QTest::newRow("request log of a tenant") << "SELECT id FROM requests WHERE tenant_id = 't' ORDER BY started_at DESC LIMIT 50" << "requests_tenant_time";
    QTest::newRow("request log of the calls that failed")
        << "SELECT id FROM requests WHERE started_at >= 0 AND status = 'error' AND status <> 'ok' ORDER BY started_at DESC, id LIMIT 100"
        << "requests_not_ok";
    QTest::newRow("count of the calls that failed")
        << "SELECT COUNT(*) FROM requests WHERE started_at >= 0 AND status = 'client_closed' AND status <> 'ok'" << "requests_not_ok";
    QTest::newRow("retention of requests, a chunk")
        << "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE started_at < 5 AND status <> 'in_flight'"
           " ORDER BY started_at LIMIT 2000)"
        << "requests_time";
    QTest::newRow("retention of the deliveries recorded beside them")
        << "DELETE FROM callback_deliveries WHERE request_id IN (SELECT id FROM requests WHERE started_at < 5"
           " AND status <> 'in_flight' ORDER BY started_at LIMIT 2000)"
        << "requests_time";
    QTest::newRow("retention of the callbacks delivered at a retry")
        << "DELETE FROM callbacks WHERE id IN (SELECT id FROM callbacks WHERE state = 'delivered' AND created_at < 5"
           " ORDER BY created_at LIMIT 2000)"
        << "callbacks_delivered";
    QTest::newRow("retention of the minute rollups, a chunk")
        << "DELETE FROM usage_minute WHERE bucket < 5 AND bucket <= COALESCE((SELECT bucket FROM usage_minute"
           " WHERE bucket < 5 ORDER BY bucket LIMIT 1 OFFSET 1999), 5)"
        << "SEARCH usage_minute USING INDEX sqlite_autoindex_usage_minute_1 (bucket<?)";
    // A page after a cursor starts in the index, at the cursor's row (the range's upper bound).
    QTest::newRow("request log after a cursor")
        << "SELECT id FROM requests WHERE started_at >= 0 AND started_at <= 5 AND (started_at < 5 OR id > 'r')"
           " ORDER BY started_at DESC, id LIMIT 101"
        << "requests_time (started_at>? AND started_at<?)";
    QTest::newRow("request log of a tenant after a cursor")
        << "SELECT id FROM requests WHERE started_at >= 0 AND tenant_id = 't' AND started_at <= 5 AND (started_at < 5 OR id > 'r')"
           " ORDER BY started_at DESC, id LIMIT 101"
        << "requests_tenant_time (tenant_id=? AND started_at>? AND started_at<?)";
    QTest::newRow("callbacks in the table after a cursor")
        << "SELECT id FROM callbacks WHERE created_at >= 0 AND request_id <= 'r' AND (request_id < 'r' OR id > 'c')"
           " ORDER BY request_id DESC, id LIMIT 101"
        << "callbacks_request (request_id<?)";
    QTest::newRow("callbacks delivered at the first attempt after a cursor")
        << "SELECT r.callback_id FROM callback_deliveries d CROSS JOIN requests r WHERE r.callback_state = 'sending'"
           " AND r.finished_at >= 0 AND d.request_id <= 'r' AND (d.request_id < 'r' OR r.callback_id > 'c') AND r.id = d.request_id"
           " ORDER BY d.request_id DESC LIMIT 101"
        << "SEARCH d USING PRIMARY KEY (request_id<?)";
    QTest::newRow("due callbacks") << "SELECT id FROM callbacks WHERE state = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at, id LIMIT 64" << "callbacks_due";
    QTest::newRow("callback on its first attempt, in its request's row")
        << "SELECT callback_id FROM requests r WHERE id = 'r' AND callback_state = 'sending'"
           " AND NOT EXISTS (SELECT 1 FROM callback_deliveries d WHERE d.request_id = r.id)"
        << "SEARCH d USING PRIMARY KEY";
}

void UsageStoreTest::hotQueriesUseTheirIndexes()
{
    QFETCH(QString, sql);
    QFETCH(QString, index);
    auto plan = m_db->runBlocking<QString>([sql](SqlSession &s) {
        QSqlQuery &q = s.exec(QStringLiteral("EXPLAIN QUERY PLAN ") + sql);
        QString text;
        while (q.next())
            text += q.value(3).toString() + QLatin1Char('\n');
        return text;
    });
    QVERIFY2(plan.ok(), qPrintable(plan.error));
    QVERIFY2(plan.value->contains(index), qPrintable(*plan.value));
    for (const char *table : {"requests", "callbacks", "callback_deliveries", "usage_minute"})
        QVERIFY2(!plan.value->contains(QLatin1String("SCAN %1\n").arg(QLatin1String(table))), qPrintable(*plan.value));
}

void UsageStoreTest::keySpendRowWrittenUnlessStored_data()
{
    QTest::addColumn<bool>("stored");
    QTest::addColumn<int>("rows");
    QTest::newRow("first use writes the key's row") << false << 1;
    QTest::newRow("a key already stored is not written again") << true << 0;
}

void UsageStoreTest::keySpendRowWrittenUnlessStored()
{
    QFETCH(bool, stored);
    QFETCH(int, rows);
    RequestStart s = start(QStringLiteral("r1"), kNow);
    s.keyRowStored = stored;
    QVERIFY(m_db->runBlocking<bool>([s](SqlSession &db) { UsageStore::begin(db, s); return true; }).ok());
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM key_spend WHERE key_hash = 'key-a'")), rows);
    QCOMPARE(scalar(*m_db, QStringLiteral("SELECT COUNT(*) FROM requests WHERE id = 'r1' AND status = 'in_flight'")), 1);
}

void UsageStoreTest::rowIdsStartWithTheTime_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::newRow("request") << QByteArray("req");
    QTest::newRow("delivery") << QByteArray("dlv");
    QTest::newRow("long prefix") << QByteArray("audit");
}

void UsageStoreTest::rowIdsStartWithTheTime()
{
    QFETCH(QByteArray, prefix);
    const QRegularExpression shape(QStringLiteral("^%1_([0-9a-f]{12})([0-9a-f]{10})$").arg(QLatin1String(prefix)));
    QSet<QString> randomParts;
    QString previous;
    for (int i = 0; i < 2000; ++i) {
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        const QString id = rows::newId(prefix.constData());
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        const auto match = shape.match(id);
        QVERIFY2(match.hasMatch(), qPrintable(id));
        bool ok = false;
        const qint64 ms = match.captured(1).toLongLong(&ok, 16);
        QVERIFY(ok);
        QVERIFY2(ms >= before && ms <= after, qPrintable(id));
        // Made later, sorts later or equal: the millisecond comes first.
        const qsizetype timeEnd = prefix.size() + 1 + 12;
        QVERIFY2(previous.left(timeEnd) <= id.left(timeEnd), qPrintable(previous + QLatin1Char(' ') + id));
        previous = id;
        randomParts.insert(match.captured(2));
    }
    QCOMPARE(randomParts.size(), 2000);
}

QTEST_GUILESS_MAIN(UsageStoreTest)
#include "UsageStoreTest.moc"
