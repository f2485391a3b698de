#pragma once
// The tenants table: name, callback URL, tokens used against the quota, state.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class TenantsModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit TenantsModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
