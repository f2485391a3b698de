#include "server/core/storage/Migrations.h"

#include <QSqlQuery>
#include <QStringList>

namespace dynaseal {
namespace {

// Append only: a released migration is never edited.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> list = {
        // 1: the gateway's first schema.
        {
            QStringLiteral("CREATE TABLE admin_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE admin_sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE upstreams (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, base_url TEXT NOT NULL,"
                           " api_key_enc TEXT NOT NULL, api_key_tail TEXT NOT NULL, models TEXT NOT NULL,"
                           " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, callback_url TEXT NOT NULL,"
                           " callback_secret_enc TEXT NOT NULL, token_quota BIGINT, tokens_used BIGINT NOT NULL DEFAULT 0,"
                           " max_key_lifetime_secs BIGINT, settings TEXT NOT NULL DEFAULT '{}',"
                           " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE tenant_keys (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
                           " alg TEXT NOT NULL, secret_enc TEXT, secret_hash TEXT, public_key TEXT, tail TEXT,"
                           " created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)"),
            QStringLiteral("CREATE INDEX tenant_keys_tenant ON tenant_keys(tenant_id)"),
            QStringLiteral("CREATE INDEX tenant_keys_hash ON tenant_keys(secret_hash)"),
            QStringLiteral("CREATE TABLE key_spend (key_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
                           " spent BIGINT NOT NULL, expires_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE INDEX key_spend_expiry ON key_spend(expires_at)"),
            QStringLiteral("CREATE TABLE requests (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, key_hash TEXT, event_id TEXT,"
                           " model TEXT NOT NULL, endpoint TEXT NOT NULL, stream INTEGER NOT NULL, status TEXT NOT NULL,"
                           " http_status INTEGER, reserved BIGINT NOT NULL, prompt_tokens BIGINT, completion_tokens BIGINT,"
                           " total_tokens BIGINT, usage_source TEXT, latency_ms BIGINT, upstream_id TEXT, error TEXT,"
                           " started_at BIGINT NOT NULL, finished_at BIGINT)"),
            QStringLiteral("CREATE INDEX requests_time ON requests(started_at)"),
            QStringLiteral("CREATE INDEX requests_tenant_time ON requests(tenant_id, started_at)"),
            QStringLiteral("CREATE INDEX requests_status ON requests(status)"),
            QStringLiteral("CREATE TABLE usage_minute (bucket BIGINT NOT NULL, tenant_id TEXT NOT NULL, model TEXT NOT NULL,"
                           " requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,"
                           " completion_tokens BIGINT NOT NULL, latency_ms_sum BIGINT NOT NULL, PRIMARY KEY (bucket, tenant_id, model))"),
            QStringLiteral("CREATE TABLE usage_hour (bucket BIGINT NOT NULL, tenant_id TEXT NOT NULL, model TEXT NOT NULL,"
                           " requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,"
                           " completion_tokens BIGINT NOT NULL, latency_ms_sum BIGINT NOT NULL, PRIMARY KEY (bucket, tenant_id, model))"),
            QStringLiteral("CREATE INDEX usage_minute_tenant ON usage_minute(tenant_id, bucket)"),
            QStringLiteral("CREATE INDEX usage_hour_tenant ON usage_hour(tenant_id, bucket)"),
            QStringLiteral("CREATE TABLE callbacks (id TEXT PRIMARY KEY, request_id TEXT NOT NULL, tenant_id TEXT NOT NULL,"
                           " url TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
                           " next_attempt_at BIGINT NOT NULL, last_status INTEGER, last_error TEXT,"
                           " created_at BIGINT NOT NULL, delivered_at BIGINT)"),
            QStringLiteral("CREATE INDEX callbacks_due ON callbacks(state, next_attempt_at)"),
            QStringLiteral("CREATE INDEX callbacks_tenant ON callbacks(tenant_id, created_at)"),
            QStringLiteral("CREATE TABLE audit_log (id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,"
                           " action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX audit_log_time ON audit_log(at)"),
        },
        // 2: find a dynamic key's requests by its event id.
        {
            QStringLiteral("CREATE INDEX requests_event ON requests(event_id)"),
        },
        // 3: several upstreams may serve one model, picked by weight.
        {
            QStringLiteral("ALTER TABLE upstreams ADD COLUMN weight INTEGER NOT NULL DEFAULT 1"),
        },
        // 4: only requests still in flight need finding by status (recovery at start); an index of
        // every row's status was rewritten by every finished request.
        {
            QStringLiteral("DROP INDEX requests_status"),
            QStringLiteral("CREATE INDEX requests_in_flight ON requests(started_at) WHERE status = 'in_flight'"),
        },
        // 5: only pending callbacks need finding by when they are due; an index of every row's state
        // took an entry out and put one back for every delivered callback.
        {
            QStringLiteral("DROP INDEX callbacks_due"),
            QStringLiteral("CREATE INDEX callbacks_due ON callbacks(next_attempt_at) WHERE state = 'pending'"),
        },
        // 6: which server wrote a start to the database (its journal full or off): servers sharing
        // a PostgreSQL database each recover only their own calls at start-up.
        {
            QStringLiteral("ALTER TABLE requests ADD COLUMN server_id TEXT"),
        },
        // 7: a number every change to tenants, keys, upstreams or rules adds one to, so a server
        // sharing the database sees from one small read that its registry is stale.
        {
            QStringLiteral("CREATE TABLE registry_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)"),
            QStringLiteral("INSERT INTO registry_version (id, version) VALUES (1, 0)"),
        },
        // 8: a journaled request's callback is stored in the request's own row until its first
        // attempt is recorded (one row and its indexes less per call); a callbacks row only for
        // one that is retried or abandoned. callback_state: 'sending' (in the row), or 'queued'
        // (moved to the callbacks table). A first attempt that succeeded is one narrow row in
        // callback_deliveries, cheaper than rewriting the request's row (ids start with the time,
        // so it only appends).
        {
            QStringLiteral("ALTER TABLE requests ADD COLUMN callback_id TEXT"),
            QStringLiteral("ALTER TABLE requests ADD COLUMN callback_url TEXT"),
            QStringLiteral("ALTER TABLE requests ADD COLUMN callback_body TEXT"),
            QStringLiteral("ALTER TABLE requests ADD COLUMN callback_state TEXT"),
            QStringLiteral("CREATE TABLE callback_deliveries (request_id TEXT PRIMARY KEY, http_status INTEGER NOT NULL,"
                           " delivered_at BIGINT NOT NULL) $WITHOUT_ROWID"),
        },
        // 9: the request log filtered to the calls that did not end `ok` (what an operator looks
        // for) without scanning the whole log. A call that ends `ok` never enters this index, so
        // it costs the request path nothing.
        {
            QStringLiteral("CREATE INDEX requests_not_ok ON requests(started_at) WHERE status <> 'ok'"),
        },
        // 10: retention finds the delivered callbacks of the table (those that took a retry) by
        // time, instead of scanning a table that a receiver down for a day fills with a row per
        // call. Only a retry that succeeds enters it.
        {
            QStringLiteral("CREATE INDEX callbacks_delivered ON callbacks(created_at) WHERE state = 'delivered'"),
        },
        // 11: the callbacks list reads the table newest request first and only as far as its page
        // (CallbackStore::list). Only callbacks that needed a retry enter the table.
        {
            QStringLiteral("CREATE INDEX callbacks_request ON callbacks(request_id)"),
        },
        // 12: on PostgreSQL, room on each page of key_spend for its rows' next versions: a write
        // batch updates the spend of every key it billed, and with many devices' keys that is
        // most of the rows it touches. With room, an update stays on its page and adds no index
        // entry (HOT); full pages sent a third of them elsewhere. SQLite updates in place.
        {
            QStringLiteral("$POSTGRES ALTER TABLE key_spend SET (fillfactor = 50)"),
        },
    };
    return list;
}

int storedVersion(SqlSession &session)
{
    session.execRaw(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    QSqlQuery &q = session.exec(QStringLiteral("SELECT MAX(version) FROM schema_version"));
    const int version = q.next() ? q.value(0).toInt() : 0;
    q.finish(); // an open cursor would keep DROP INDEX from running ("table is locked")
    return version;
}

} // namespace

int Migrations::latestVersion()
{
    return int(migrations().size());
}

void Migrations::apply(SqlSession &session)
{
    const int current = storedVersion(session);
    if (current > latestVersion())
        throw DbError(QStringLiteral("database schema version %1 is newer than this server (%2): upgrade the server")
                          .arg(current).arg(latestVersion()));
    for (int version = current + 1; version <= latestVersion(); ++version) {
        session.execRaw(QStringLiteral("BEGIN"));
        try {
            // " $WITHOUT_ROWID": SQLite stores such a table in its primary key's b-tree alone
            // (one insert, not two); PostgreSQL has no such clause and needs none. "$POSTGRES ":
            // a statement for PostgreSQL only.
            static const QLatin1String kPostgresOnly("$POSTGRES ");
            for (QString sql : migrations().at(version - 1)) {
                if (sql.startsWith(kPostgresOnly)) {
                    if (!session.isPostgres())
                        continue;
                    sql.remove(0, kPostgresOnly.size());
                }
                session.execRaw(sql.replace(QLatin1String(" $WITHOUT_ROWID"), session.isPostgres() ? QString() : QStringLiteral(" WITHOUT ROWID")));
            }
            session.exec(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"), {version});
            session.execRaw(QStringLiteral("COMMIT"));
        } catch (const DbError &) {
            session.execRaw(QStringLiteral("ROLLBACK"));
            throw;
        }
    }
}

} // namespace dynaseal
