#pragma once
// Upstream providers. The API key is sealed at rest and only ever read back as a masked tail.
#include "server/core/AdminInput.h"
#include "server/core/storage/SqlSession.h"
#include "shared/SecretBox.h"

#include <QJsonArray>
#include <QJsonObject>
#include <optional>

namespace dynaseal {

class UpstreamStore
{
public:
    // Fails with DbError on a duplicate name.
    static QJsonObject create(SqlSession &s, const SecretBox &box, const UpstreamInput &in, qint64 nowMs);
    static QJsonArray list(SqlSession &s);
    static std::optional<QJsonObject> get(SqlSession &s, const QString &id);
    static bool nameTaken(SqlSession &s, const QString &name, const QString &exceptId = {});
    static std::optional<QJsonObject> update(SqlSession &s, const SecretBox &box, const QString &id, const UpstreamInput &in, qint64 nowMs);
    static bool remove(SqlSession &s, const QString &id);
};

} // namespace dynaseal
