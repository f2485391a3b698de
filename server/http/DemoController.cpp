#include "server/http/DemoController.h"

#include "server/core/CallbackBody.h"
#include "server/core/Registry.h"
#include "server/core/TokenEstimator.h"
#include "server/http/HttpReply.h"
#include "shared/Crypto.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QTimer>

namespace dynaseal {
namespace {

QString lastUserText(const QJsonObject &body)
{
    const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    for (auto it = messages.end(); it != messages.begin();) {
        const QJsonObject m = (--it)->toObject();
        if (m.value(QLatin1String("role")).toString() == QLatin1String("user")) {
            const QJsonValue c = m.value(QLatin1String("content"));
            return c.isString() ? c.toString() : QString::fromUtf8(QJsonDocument(c.toArray()).toJson(QJsonDocument::Compact));
        }
    }
    return body.value(QLatin1String("prompt")).toString();
}

// What the demo upstream bills for a prompt: the estimate the gateway itself would make.
qint64 promptEstimate(const QByteArray &body)
{
    rapidjson::Document json;
    json.Parse(body.constData(), size_t(body.size())); // null when it is not JSON: only the overheads count
    return tokens::promptSize(json).estimate;
}

} // namespace

DemoController::DemoController(ServerContext &context, QObject *parent) : QObject(parent), m_ctx(context) {}

void DemoController::registerRoutes(Router &router)
{
    router.add("POST", mockPath() + QStringLiteral("/chat/completions"), [this](const HttpExchangePtr &ex, const PathParams &) { chat(ex, false); });
    router.add("POST", mockPath() + QStringLiteral("/completions"), [this](const HttpExchangePtr &ex, const PathParams &) { chat(ex, true); });
    router.add("POST", mockPath() + QStringLiteral("/embeddings"), [this](const HttpExchangePtr &ex, const PathParams &) { embeddings(ex); });
    router.add("POST", callbackPath(), [this](const HttpExchangePtr &ex, const PathParams &) { callback(ex); });
}

void DemoController::chat(const HttpExchangePtr &ex, bool legacyCompletion)
{
    const QJsonObject body = QJsonDocument::fromJson(ex->body).object();
    const QString said = lastUserText(body).left(200);
    const QString answer = QStringLiteral("Hello from Dynaseal's demo upstream! You said: \"") + said
        + QStringLiteral("\". A real upstream would answer here.");
    QStringList words = answer.split(QLatin1Char(' '));
    const qint64 cap = body.value(QLatin1String("max_tokens")).toInteger(body.value(QLatin1String("max_completion_tokens")).toInteger(1000));
    while (words.size() > cap)
        words.removeLast();
    const QString model = body.value(QLatin1String("model")).toString();
    const qint64 prompt = promptEstimate(ex->body);
    const qint64 completion = words.size();
    const QJsonObject usage{{QStringLiteral("prompt_tokens"), prompt}, {QStringLiteral("completion_tokens"), completion},
                            {QStringLiteral("total_tokens"), prompt + completion}};

    if (!body.value(QLatin1String("stream")).toBool()) {
        const QString text = words.join(QLatin1Char(' '));
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), QStringLiteral("stop")}};
        if (legacyCompletion)
            choice.insert(QStringLiteral("text"), text);
        else
            choice.insert(QStringLiteral("message"), QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), text}});
        HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("id"), QStringLiteral("chatcmpl-demo")},
                                              {QStringLiteral("object"), legacyCompletion ? QStringLiteral("text_completion") : QStringLiteral("chat.completion")},
                                              {QStringLiteral("created"), 0}, {QStringLiteral("model"), model},
                                              {QStringLiteral("choices"), QJsonArray{choice}}, {QStringLiteral("usage"), usage}});
        return;
    }
    // Streamed: one word every 30 ms, then usage, then [DONE].
    HttpReply::beginChunked(*ex, 200, "text/event-stream", {{"Cache-Control", "no-cache"}});
    const bool includeUsage = body.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool();
    auto *timer = new QTimer(this);
    auto index = std::make_shared<int>(0);
    connect(timer, &QTimer::timeout, this, [ex, timer, index, words, model, usage, includeUsage, legacyCompletion] {
        auto chunk = [&](const QJsonObject &o) {
            return HttpReply::chunk(*ex, "data: " + QJsonDocument(o).toJson(QJsonDocument::Compact) + "\n\n");
        };
        bool alive = true;
        if (*index < words.size()) {
            const QString piece = (*index ? QStringLiteral(" ") : QString()) + words.at(*index);
            QJsonObject choice{{QStringLiteral("index"), 0}};
            if (legacyCompletion)
                choice.insert(QStringLiteral("text"), piece);
            else
                choice.insert(QStringLiteral("delta"), QJsonObject{{QStringLiteral("content"), piece}});
            alive = chunk(QJsonObject{{QStringLiteral("id"), QStringLiteral("chatcmpl-demo")}, {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                                      {QStringLiteral("model"), model}, {QStringLiteral("choices"), QJsonArray{choice}}});
            ++*index;
        } else {
            if (includeUsage)
                chunk(QJsonObject{{QStringLiteral("id"), QStringLiteral("chatcmpl-demo")}, {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                                  {QStringLiteral("model"), model}, {QStringLiteral("choices"), QJsonArray{}}, {QStringLiteral("usage"), usage}});
            HttpReply::chunk(*ex, "data: [DONE]\n\n");
            HttpReply::endChunked(*ex);
            alive = false;
        }
        if (!alive) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start(30);
}

void DemoController::embeddings(const HttpExchangePtr &ex)
{
    const QJsonObject body = QJsonDocument::fromJson(ex->body).object();
    const qint64 prompt = promptEstimate(ex->body);
    HttpReply::json(*ex, 200, QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                          {QStringLiteral("data"), QJsonArray{QJsonObject{{QStringLiteral("object"), QStringLiteral("embedding")}, {QStringLiteral("index"), 0},
                                                                                          {QStringLiteral("embedding"), QJsonArray{0.1, 0.2, 0.3}}}}},
                                          {QStringLiteral("model"), body.value(QLatin1String("model"))},
                                          {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), prompt}, {QStringLiteral("total_tokens"), prompt}}}});
}

void DemoController::callback(const HttpExchangePtr &ex)
{
    // Check the signature as a tenant's backend would.
    const QJsonObject body = QJsonDocument::fromJson(ex->body).object();
    const auto registry = m_ctx.registry.current();
    const Tenant *tenant = registry->tenant(body.value(QLatin1String("tenant_id")).toString());
    const QByteArray header = ex->header("x-dynaseal-signature");
    bool valid = false;
    if (tenant && header.startsWith("t=")) {
        const qint64 t = header.mid(2, header.indexOf(',') - 2).toLongLong();
        valid = crypto::constantTimeEquals(CallbackBody::signature(tenant->callbackSecret, t, ex->body), header);
    }
    QTextStream(stdout) << "demo callback received: event_id=" << body.value(QLatin1String("event_id")).toString()
                        << " status=" << body.value(QLatin1String("status")).toString()
                        << " tokens=" << body.value(QLatin1String("tokens")).toInteger()
                        << " signature=" << (valid ? "valid" : "INVALID") << Qt::endl;
    HttpReply::json(*ex, valid ? 200 : 401, QJsonObject{{QStringLiteral("received"), valid}});
}

} // namespace dynaseal
