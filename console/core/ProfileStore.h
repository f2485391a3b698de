#pragma once
// The servers the operator used, most recent first, kept in QSettings (no secrets).
#include "console/core/ServerProfile.h"

#include <QList>

#include <optional>

namespace dynaseal::console {

class ProfileStore
{
public:
    static constexpr int kMaxProfiles = 20;

    QList<ServerProfile> load() const;
    std::optional<ServerProfile> mostRecent() const;
    // Adds or updates (same URL and user) and marks it used now.
    void remember(ServerProfile profile);
    void remove(const ServerProfile &profile);

private:
    void save(const QList<ServerProfile> &profiles);
};

} // namespace dynaseal::console
