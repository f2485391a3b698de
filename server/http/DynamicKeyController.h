#pragma once
// POST /v1/dynamic-keys: a tenant's backend, holding a tenant key, asks the server to mint a
// dynamic key for a device instead of signing one itself.
#include "server/core/ServerContext.h"
#include "server/http/Router.h"

#include <QObject>

namespace dynaseal {

class DynamicKeyController : public QObject
{
    Q_OBJECT
public:
    explicit DynamicKeyController(ServerContext &context, QObject *parent = nullptr);
    void registerRoutes(Router &router);

private:
    void mint(const HttpExchangePtr &ex);
    ServerContext &m_ctx;
};

} // namespace dynaseal
