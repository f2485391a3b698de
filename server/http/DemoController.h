#pragma once
// --demo only: a built-in mock upstream (OpenAI-compatible, streaming included) and a callback
// receiver that prints what it gets and whether the signature holds, so the whole flow can be
// tried with one curl line and no provider account.
#include "server/core/ServerContext.h"
#include "server/http/Router.h"

#include <QObject>

namespace dynaseal {

class DemoController : public QObject
{
    Q_OBJECT
public:
    explicit DemoController(ServerContext &context, QObject *parent = nullptr);
    void registerRoutes(Router &router);

    static QString mockPath() { return QStringLiteral("/demo/mock/v1"); }
    static QString callbackPath() { return QStringLiteral("/demo/callbacks"); }

private:
    void chat(const HttpExchangePtr &ex, bool legacyCompletion);
    void embeddings(const HttpExchangePtr &ex);
    void callback(const HttpExchangePtr &ex);
    ServerContext &m_ctx;
};

} // namespace dynaseal
