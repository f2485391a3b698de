#pragma once
// Every time-dependent decision reads the time through a Clock, so tests can move it.
#include <QtGlobal>
#include <atomic>

namespace dynaseal {

class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0;
    qint64 nowSecs() const { return nowMs() / 1000; }
    // The process-wide wall clock.
    static const Clock &system();
};

class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override;
};

// A clock that only moves when told to; thread-safe.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs = 1'700'000'000'000) : m_ms(startMs) {}
    qint64 nowMs() const override { return m_ms.load(); }
    void setMs(qint64 ms) { m_ms.store(ms); }
    void advanceMs(qint64 ms) { m_ms.fetch_add(ms); }

private:
    std::atomic<qint64> m_ms;
};

} // namespace dynaseal
