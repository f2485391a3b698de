#pragma once
// Validation of admin API bodies, before anything is written: a bad field gets a 400 naming it,
// and unknown fields are refused so a typo never passes silently.
#include "server/core/ApiError.h"

#include <QJsonObject>
#include <QStringList>
#include <QUrl>
#include <optional>
#include <variant>

namespace dynaseal {

struct TenantInput
{
    std::optional<QString> name;
    std::optional<QString> callbackUrl;
    std::optional<std::optional<qint64>> tokenQuota;         // outer: given; inner: null = no limit
    std::optional<std::optional<qint64>> maxKeyLifetimeSecs; // outer: given; inner: null = server default
    QJsonObject policyFields; // TenantPolicy fields as sent; checked against the stored policy when merged

    // `creating`: name and callback_url are required.
    static std::variant<TenantInput, ApiError> parse(const QJsonObject &body, bool creating);
};

struct UpstreamInput
{
    std::optional<QString> name;
    std::optional<QUrl> baseUrl;
    std::optional<QString> apiKey;
    std::optional<QStringList> models;
    std::optional<int> weight;

    static std::variant<UpstreamInput, ApiError> parse(const QJsonObject &body, bool creating);
};

// A tenant key to add: {} or {"alg":"HS256"} issues a secret; {"alg":"EdDSA"|"ES256",
// "public_key":"<PEM>"} registers the tenant's public key.
struct TenantKeyInput
{
    QString alg = QStringLiteral("HS256");
    QByteArray publicKeyPem;

    static std::variant<TenantKeyInput, ApiError> parse(const QJsonObject &body);
};

// Dynamic keys minted by the server for a tenant: POST /v1/dynamic-keys.
struct MintInput
{
    QStringList models;
    qint64 maxTokens = 0;
    qint64 ttlSeconds = 0;
    QString eventId; // generated when absent

    static std::variant<MintInput, ApiError> parse(const QJsonObject &body);
};

// An http(s) URL with a host, or an error message.
std::optional<QString> checkHttpUrl(const QString &text, QUrl *out);

} // namespace dynaseal
