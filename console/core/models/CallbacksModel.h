#pragma once
// Usage callbacks and their delivery state.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class CallbacksModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit CallbacksModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
