#pragma once
// What the request path hands to storage: the start of a proxied request (journaled or written
// before it is forwarded, so a crash leaves a trace to bill and call back), and its outcome.
#include <QByteArray>
#include <QString>
#include <optional>

namespace dynaseal {

// Values of "status" in the request log and in callbacks.
namespace RequestStatus {
inline const QString InFlight = QStringLiteral("in_flight");
inline const QString Ok = QStringLiteral("ok");
inline const QString Error = QStringLiteral("error");                 // upstream or gateway failure
inline const QString ClientClosed = QStringLiteral("client_closed"); // the device went away first
inline const QString Interrupted = QStringLiteral("interrupted");    // the server stopped mid-call
} // namespace RequestStatus

struct RequestStart
{
    QString id;
    QString tenantId;
    QString keyHash;
    QString eventId;
    QString model;
    QString endpoint; // "chat.completions", "completions", "embeddings"
    QString upstreamId;
    bool stream = false;
    qint64 reserved = 0;
    qint64 keyExpiresAtSecs = 0;
    qint64 startedAtMs = 0;
    bool keyRowStored = false; // the key's key_spend row is already committed: no need to write it
};

// A stored callback is first sent by the process that stored it, right after the commit; the
// database poll (retries, and callbacks a stopped process never sent) takes it only this long
// after, so it does not race that first attempt.
constexpr qint64 kCallbackPollGraceMs = 10'000;

struct PendingCallback
{
    QString id; // also the X-Dynaseal-Delivery header: stable across retries
    QString requestId;
    QString tenantId;
    QString url;
    QByteArray body;
    // >= 0: stored in its request's row (the request's start was journaled), and this journal
    // slot stays taken until the first attempt is recorded, so a crash before then sends it at
    // the next start. -1: stored in the callbacks table.
    int journalSlot = -1;
};

struct RequestOutcome
{
    QString id;
    QString tenantId;
    QString keyHash;
    QString model;
    QString status;
    QString error;
    int httpStatus = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0; // promptTokens + completionTokens == billed
    qint64 billed = 0;
    QString usageSource; // "upstream", "estimate" or "reserved"
    QString upstreamId;  // the upstream that answered last (after retries); empty: unchanged
    qint64 keyExpiresAtSecs = 0;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
    std::optional<PendingCallback> callback;

    // Whether the start is a row already (written by UsageStore::begin): then the outcome updates
    // it. Otherwise (the start was journaled) the outcome writes the whole row, from these too.
    bool startStored = true;
    bool keyRowStored = true; // as in RequestStart
    QString eventId;
    QString endpoint;
    bool stream = false;
    qint64 reserved = 0;

    // Whether the callback is stored in the request's own row (a journaled start, whose slot
    // keeps it safe) rather than in the callbacks table.
    bool callbackInRow() const { return callback && callback->journalSlot >= 0 && !startStored; }

    // An outcome that carries what its start said; the caller adds how the request ended.
    static RequestOutcome of(const RequestStart &start, bool startStored)
    {
        RequestOutcome o;
        o.id = start.id;
        o.tenantId = start.tenantId;
        o.keyHash = start.keyHash;
        o.model = start.model;
        o.upstreamId = start.upstreamId;
        o.keyExpiresAtSecs = start.keyExpiresAtSecs;
        o.startedAtMs = start.startedAtMs;
        o.startStored = startStored;
        o.keyRowStored = start.keyRowStored;
        o.eventId = start.eventId;
        o.endpoint = start.endpoint;
        o.stream = start.stream;
        o.reserved = start.reserved;
        return o;
    }
};

} // namespace dynaseal
