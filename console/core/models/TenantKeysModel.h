#pragma once
// A tenant's keys: when issued, when last used, whether revoked.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class TenantKeysModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit TenantKeysModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
