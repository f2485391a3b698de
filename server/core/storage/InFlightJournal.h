#pragma once
// The requests this process has forwarded and not yet recorded, in a memory-mapped file in the
// data directory: a crash leaves them there to be billed and called back at the next start,
// without a database write (and its round trip) before each request is forwarded.
#include "server/core/UsageRecord.h"
#include "shared/AdaptiveMutex.h"

#include <QList>
#include <QString>

#include <mutex>
#include <vector>

namespace dynaseal {

class InFlightJournal
{
public:
    static constexpr int kSlotBytes = 1024;

    InFlightJournal() = default;
    ~InFlightJournal();
    InFlightJournal(const InFlightJournal &) = delete;
    InFlightJournal &operator=(const InFlightJournal &) = delete;

    // Opens (creating) the journal with `slotCount` records and locks it for this process: a second
    // server on the same data directory is refused. Reads what an earlier run left. 0 slots:
    // the journal is off and every request start goes to the database.
    bool open(const QString &path, int slotCount, QString *error);

    // Requests an earlier run left in flight, read by open(); records that do not check out
    // (torn by a power cut) are skipped and counted.
    const QList<RequestStart> &leftOver() const { return m_leftOver; }
    int unreadable() const { return m_unreadable; }
    // Once the left-over requests are recorded as interrupted: empties their slots.
    void clearLeftOver();

    // Records a request's start; returns its slot, or -1 when the journal is full, off, or the
    // record is too large for a slot (the caller then writes the start to the database).
    // Thread-safe.
    int add(const RequestStart &start);
    // The request's outcome is committed: its slot is free again. Thread-safe.
    void remove(int slot);

    // The starts recorded now (not those an earlier run left), for the request log. Thread-safe.
    QList<RequestStart> current() const;

    int capacity() const { return m_slots; }
    int inUse() const;

private:
    char *slotAt(int slot) const { return m_map + qsizetype(slot) * kSlotBytes; }

    int m_fd = -1;
    int m_slots = 0;       // usable
    int m_mappedSlots = 0; // also those of a larger file an earlier run left
    char *m_map = nullptr;
    QList<RequestStart> m_leftOver;
    QList<int> m_leftOverSlots;
    int m_unreadable = 0;
    mutable AdaptiveMutex m_mutex;
    std::vector<int> m_free; // a stack: the lowest slots are reused first, so few pages are touched
};

} // namespace dynaseal
