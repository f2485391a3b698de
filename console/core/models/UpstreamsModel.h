#pragma once
// The upstreams table: name, base URL, models, the masked key.
#include "console/core/models/JsonTableModel.h"

namespace dynaseal::console {

class UpstreamsModel : public JsonTableModel
{
    Q_OBJECT
public:
    explicit UpstreamsModel(QObject *parent = nullptr);
};

} // namespace dynaseal::console
