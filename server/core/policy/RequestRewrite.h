#pragma once
// What the model sees, per tenant. Applied to the request body in this order, after the model
// permission checks (which judge what the device asked for):
//   1. param_map   value mapping per top-level field: {"model": [["deepseek", "deepseek-qwen2-7b"]]}
//   2. param_fixed forced values: {"temperature": 0.2}
//   3. prompt_template: "{{query}}" in it is replaced by the last user message's text, and the
//      result becomes that message's text
#include "server/core/ApiError.h"

#include <QJsonObject>
#include <QJsonValue>
#include <optional>
#include <variant>

namespace dynaseal {

class RequestRewrite
{
public:
    // Each argument may be undefined/null (nothing to do).
    static std::variant<RequestRewrite, ApiError> parse(const QJsonValue &promptTemplate, const QJsonValue &paramMap,
                                                        const QJsonValue &paramFixed);
    bool isEmpty() const { return !m_template && m_paramMap.isEmpty() && m_paramFixed.isEmpty(); }
    void apply(QJsonObject &body) const;

    QJsonValue promptTemplateJson() const { return m_template ? QJsonValue(*m_template) : QJsonValue(QJsonValue::Null); }
    QJsonObject paramMapJson() const { return m_paramMap; }
    QJsonObject paramFixedJson() const { return m_paramFixed; }

private:
    std::optional<QString> m_template;
    QJsonObject m_paramMap;   // field -> [[from, to], ...]
    QJsonObject m_paramFixed; // field -> value
};

} // namespace dynaseal
