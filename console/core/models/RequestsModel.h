#pragma once
// One page of the request log.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class RequestsModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit RequestsModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
