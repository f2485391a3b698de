#include "shared/Clock.h"

#include <QDateTime>

namespace dynaseal {

qint64 SystemClock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

const Clock &Clock::system()
{
    static const SystemClock clock;
    return clock;
}

} // namespace dynaseal
