#pragma once
// The audit log of operator actions.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class AuditModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit AuditModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
