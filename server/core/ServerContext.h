#pragma once
// The services a request handler may use, shared by every serving thread. Each is thread-safe or
// only touched from the thread noted.
#include "server/core/Settings.h"

namespace dynaseal {

class CallbackDispatcher;
class KeyUsageTracker;
class LiveEvents;
class Clock;
class Database;
class InFlightJournal;
class Metrics;
class Registry;
class SecretBox;
class SlidingWindowLimiter;
class TokenLedger;
class UpstreamHealth;

struct ServerContext
{
    const Settings &settings;
    const QString &serverId; // this server's, from <data-dir>/server.id
    const Clock &clock;
    Database &db;
    // A second connection, on a thread of its own, for the admin API's reads: a list over a large
    // table never holds back the writes queued on `db`.
    Database &reads;
    InFlightJournal &journal;
    const SecretBox &box;
    Registry &registry;
    TokenLedger &ledger;
    SlidingWindowLimiter &limiter;
    KeyUsageTracker &keyUsage;
    Metrics &metrics;
    UpstreamHealth &health;
    LiveEvents &live;
    CallbackDispatcher &callbacks; // main thread only: reach it through a queued call
};

} // namespace dynaseal
