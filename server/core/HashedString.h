#pragma once
// A string and its hash, computed once with the seed every QHash uses: a table keyed by it hashes
// nothing on lookup, and the same value can pick a shard (by its top bits, as the table's bucket
// goes by its low ones). For state every request looks a 64-character key up in more than once.
#include <QHash>
#include <QString>

namespace dynaseal {

// The top `bits` of a hash: a shard's number, independent of the bucket QHash takes from the
// low bits of the same hash.
constexpr size_t hashTopBits(size_t hash, int bits)
{
    return hash >> (sizeof(size_t) * 8 - size_t(bits));
}

struct HashedString
{
    explicit HashedString(const QString &s) : text(s), hash(qHash(s, QHashSeed::globalSeed())) {}

    QString text;
    size_t hash = 0;

    bool operator==(const HashedString &o) const { return hash == o.hash && text == o.text; }
    friend size_t qHash(const HashedString &s, size_t seed)
    {
        return seed == size_t(QHashSeed::globalSeed()) ? s.hash : qHash(s.text, seed);
    }
};

} // namespace dynaseal
