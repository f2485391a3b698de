#pragma once
// Reading RapidJSON values where the gateway parses JSON on a serving thread (device bodies,
// upstream answers): members by name, strings as bytes.
#include <QByteArrayView>
#include <rapidjson/document.h>

namespace dynaseal::json {

// The object's member `name`, or null when it is absent or `object` is not an object.
inline const rapidjson::Value *member(const rapidjson::Value &object, const char *name)
{
    if (!object.IsObject())
        return nullptr;
    const auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

// Where an object's member is, by a name that may hold any bytes (a tenant's setting, not a
// literal); MemberEnd() when it has none. `object` must be an object.
inline rapidjson::Value::ConstMemberIterator findMember(const rapidjson::Value &object, QByteArrayView name)
{
    return object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), rapidjson::SizeType(name.size()))));
}

// The same as member() above, by such a name.
inline const rapidjson::Value *member(const rapidjson::Value &object, QByteArrayView name)
{
    if (!object.IsObject())
        return nullptr;
    const auto it = findMember(object, name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

// A string's UTF-8 bytes; empty for anything else.
inline QByteArrayView text(const rapidjson::Value *v)
{
    return v && v->IsString() ? QByteArrayView(v->GetString(), qsizetype(v->GetStringLength())) : QByteArrayView();
}

inline bool isText(const rapidjson::Value &v, QByteArrayView expected)
{
    return v.IsString() && text(&v) == expected;
}

} // namespace dynaseal::json
