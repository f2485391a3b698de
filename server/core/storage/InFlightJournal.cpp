#include "server/core/storage/InFlightJournal.h"

#include <QFile>
#include <QLoggingCategory>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcJournal, "dynaseal.journal")

namespace dynaseal {
namespace {

// A slot: state (0 free, kTaken in use), payload size, payload checksum, then the payload: three
// int64 (reserved, key expiry, start), a uint16 stream flag, and seven strings, each a uint16
// length and that many UTF-16 code units. Host byte order: the file never leaves the machine.
constexpr quint32 kTaken = 0x314A5344; // "DSJ1"
constexpr int kHeaderBytes = 12;
constexpr int kPayloadMax = InFlightJournal::kSlotBytes - kHeaderBytes;

// Catches a record torn by a power cut (the state word written, the rest not): cheap, 8 bytes a step.
quint32 checksum(const char *data, int size)
{
    quint64 h = 0xcbf29ce484222325ULL;
    int i = 0;
    for (; i + 8 <= size; i += 8) {
        quint64 word;
        std::memcpy(&word, data + i, 8);
        h = (h ^ word) * 0x100000001b3ULL;
    }
    for (; i < size; ++i)
        h = (h ^ quint8(data[i])) * 0x100000001b3ULL;
    return quint32(h ^ (h >> 32));
}

std::atomic_ref<quint32> stateOf(char *slot)
{
    return std::atomic_ref<quint32>(*reinterpret_cast<quint32 *>(slot));
}

class Writer
{
public:
    explicit Writer(char *out) : m_out(out) {}
    void number(qint64 v) { put(&v, 8); }
    void flag(bool v)
    {
        const quint16 f = v ? 1 : 0;
        put(&f, 2);
    }
    void text(const QString &s)
    {
        if (s.size() > 0xffff) {
            m_overflow = true;
            return;
        }
        const quint16 n = quint16(s.size());
        put(&n, 2);
        put(s.constData(), int(n) * 2);
    }
    bool ok() const { return !m_overflow; }
    int size() const { return m_size; }

private:
    void put(const void *p, int n)
    {
        if (m_overflow || m_size + n > kPayloadMax) {
            m_overflow = true;
            return;
        }
        std::memcpy(m_out + m_size, p, size_t(n));
        m_size += n;
    }
    char *m_out;
    int m_size = 0;
    bool m_overflow = false;
};

class Reader
{
public:
    Reader(const char *in, int size) : m_in(in), m_size(size) {}
    qint64 number()
    {
        qint64 v = 0;
        get(&v, 8);
        return v;
    }
    bool flag()
    {
        quint16 f = 0;
        get(&f, 2);
        return f != 0;
    }
    QString text()
    {
        quint16 n = 0;
        get(&n, 2);
        if (!m_ok || m_pos + int(n) * 2 > m_size) {
            m_ok = false;
            return {};
        }
        QString s(int(n), Qt::Uninitialized);
        std::memcpy(s.data(), m_in + m_pos, size_t(n) * 2);
        m_pos += int(n) * 2;
        return s;
    }
    bool done() const { return m_ok && m_pos == m_size; }

private:
    void get(void *p, int n)
    {
        if (!m_ok || m_pos + n > m_size) {
            m_ok = false;
            return;
        }
        std::memcpy(p, m_in + m_pos, size_t(n));
        m_pos += n;
    }
    const char *m_in;
    int m_size;
    int m_pos = 0;
    bool m_ok = true;
};

bool decode(const char *slot, RequestStart *out)
{
    quint32 size = 0;
    quint32 sum = 0;
    std::memcpy(&size, slot + 4, 4);
    std::memcpy(&sum, slot + 8, 4);
    if (size > quint32(kPayloadMax) || checksum(slot + kHeaderBytes, int(size)) != sum)
        return false;
    Reader r(slot + kHeaderBytes, int(size));
    RequestStart &s = *out;
    s.reserved = r.number();
    s.keyExpiresAtSecs = r.number();
    s.startedAtMs = r.number();
    s.stream = r.flag();
    s.id = r.text();
    s.tenantId = r.text();
    s.keyHash = r.text();
    s.eventId = r.text();
    s.model = r.text();
    s.endpoint = r.text();
    s.upstreamId = r.text();
    s.keyRowStored = false; // not known: recovery writes the row if it is missing
    return r.done() && !s.id.isEmpty();
}

QString systemError(const QString &what, const QString &path)
{
    return QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

InFlightJournal::~InFlightJournal()
{
    if (m_map)
        ::munmap(m_map, size_t(m_mappedSlots) * kSlotBytes);
    if (m_fd >= 0)
        ::close(m_fd); // also releases the lock
}

bool InFlightJournal::open(const QString &path, int slotCount, QString *error)
{
    const QByteArray file = QFile::encodeName(path);
    m_fd = ::open(file.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) {
        *error = systemError(QStringLiteral("cannot open the in-flight journal"), path);
        return false;
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        *error = errno == EWOULDBLOCK
                     ? QStringLiteral("another dynaseal-server is using this data directory (%1 is locked)").arg(path)
                     : systemError(QStringLiteral("cannot lock the in-flight journal"), path);
        return false;
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
        *error = systemError(QStringLiteral("cannot read the in-flight journal"), path);
        return false;
    }
    const int stored = int(std::min<qint64>(st.st_size / kSlotBytes, 1 << 24));
    m_slots = slotCount;
    m_mappedSlots = std::max(stored, slotCount);
    if (m_mappedSlots == 0)
        return true;
    if (qint64(st.st_size) < qint64(m_mappedSlots) * kSlotBytes && ::ftruncate(m_fd, off_t(m_mappedSlots) * kSlotBytes) != 0) {
        *error = systemError(QStringLiteral("cannot size the in-flight journal"), path);
        return false;
    }
    void *map = ::mmap(nullptr, size_t(m_mappedSlots) * kSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED, m_fd, 0);
    if (map == MAP_FAILED) {
        *error = systemError(QStringLiteral("cannot map the in-flight journal"), path);
        return false;
    }
    m_map = static_cast<char *>(map);

    // Only the parts of the file ever written hold records: skip the holes instead of reading
    // (and mapping) megabytes of zeros.
    off_t pos = 0;
    const off_t end = off_t(stored) * kSlotBytes;
    while (pos < end) {
        off_t data = ::lseek(m_fd, pos, SEEK_DATA);
        off_t hole = end;
        if (data < 0) {
            if (errno == ENXIO)
                break; // no data after pos
            data = pos; // a file system without SEEK_DATA: read the rest
        } else {
            hole = ::lseek(m_fd, data, SEEK_HOLE);
            if (hole < 0)
                hole = end;
        }
        for (int slot = int(data / kSlotBytes); slot < m_mappedSlots && qint64(slot) * kSlotBytes < std::min(hole, end); ++slot) {
            const quint32 state = stateOf(slotAt(slot)).load(std::memory_order_acquire);
            if (state == 0)
                continue;
            RequestStart start;
            if (state == kTaken && decode(slotAt(slot), &start))
                m_leftOver.append(start);
            else
                ++m_unreadable;
            m_leftOverSlots.append(slot);
        }
        pos = hole;
    }
    if (m_unreadable)
        qCWarning(lcJournal) << m_unreadable << "unreadable records in" << path << "(a power cut mid-write?): skipped";

    std::vector<bool> taken(size_t(m_mappedSlots), false);
    for (int slot : std::as_const(m_leftOverSlots))
        taken[size_t(slot)] = true;
    m_free.reserve(size_t(m_slots));
    for (int slot = m_slots - 1; slot >= 0; --slot) {
        if (!taken[size_t(slot)])
            m_free.push_back(slot);
    }
    return true;
}

void InFlightJournal::clearLeftOver()
{
    std::lock_guard lock(m_mutex);
    for (int slot : std::as_const(m_leftOverSlots)) {
        stateOf(slotAt(slot)).store(0, std::memory_order_release);
        if (slot < m_slots)
            m_free.push_back(slot);
    }
    m_leftOver.clear();
    m_leftOverSlots.clear();
    m_unreadable = 0;
    std::sort(m_free.begin(), m_free.end(), std::greater<int>());
}

int InFlightJournal::add(const RequestStart &start)
{
    int slot;
    {
        std::lock_guard lock(m_mutex);
        if (m_free.empty())
            return -1;
        slot = m_free.back();
        m_free.pop_back();
    }
    char *p = slotAt(slot);
    Writer w(p + kHeaderBytes);
    w.number(start.reserved);
    w.number(start.keyExpiresAtSecs);
    w.number(start.startedAtMs);
    w.flag(start.stream);
    w.text(start.id);
    w.text(start.tenantId);
    w.text(start.keyHash);
    w.text(start.eventId);
    w.text(start.model);
    w.text(start.endpoint);
    w.text(start.upstreamId);
    if (!w.ok()) {
        std::lock_guard lock(m_mutex);
        m_free.push_back(slot);
        return -1;
    }
    const quint32 size = quint32(w.size());
    const quint32 sum = checksum(p + kHeaderBytes, w.size());
    std::memcpy(p + 4, &size, 4);
    std::memcpy(p + 8, &sum, 4);
    // Last: a crash before this store leaves a free slot, and nothing was forwarded yet.
    stateOf(p).store(kTaken, std::memory_order_release);
    return slot;
}

void InFlightJournal::remove(int slot)
{
    if (slot < 0 || slot >= m_slots)
        return;
    stateOf(slotAt(slot)).store(0, std::memory_order_release);
    std::lock_guard lock(m_mutex);
    m_free.push_back(slot);
}

QList<RequestStart> InFlightJournal::current() const
{
    std::lock_guard lock(m_mutex);
    std::vector<bool> skip(size_t(m_slots), false);
    for (int slot : m_free)
        skip[size_t(slot)] = true;
    for (int slot : m_leftOverSlots) {
        if (slot < m_slots)
            skip[size_t(slot)] = true;
    }
    QList<RequestStart> out;
    for (int slot = 0; slot < m_slots; ++slot) {
        RequestStart start;
        // A slot just taken may not be written yet: its state word says so.
        if (!skip[size_t(slot)] && stateOf(slotAt(slot)).load(std::memory_order_acquire) == kTaken && decode(slotAt(slot), &start))
            out.append(start);
    }
    return out;
}

int InFlightJournal::inUse() const
{
    std::lock_guard lock(m_mutex);
    return m_slots - int(m_free.size());
}

} // namespace dynaseal
