#pragma once
// Certificates for tests of TLS: the fakes serve with the test certificate; the server trusts
// it only when told to (--tls-ca-file). Self-signed, for localhost and 127.0.0.1, valid until
// 2126. Test use only.

namespace dynaseal::test {

inline constexpr char kTestCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUGXqHHlL5vVBOB/4ULGYVYGhqJlIwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzA5MDYzOVoYDzIxMjYxMDMw
MDkwNjM5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARMrpGyGMQ5eblJgCcuoGPS8OCU1J7oPwyfluaAh1mAfUX1AOzFIYCO
RYwsDwI+qFqqaRpra3BCjj2YSJNZ5u5Co28wbTAdBgNVHQ4EFgQU7xsdxnPe+1U9
3xP/l5zNZTz7E9owHwYDVR0jBBgwFoAU7xsdxnPe+1U93xP/l5zNZTz7E9owDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIhAN7N9umuavrP00GAmPxLfKIoQE6yy7x4nbxshOTwiughAiBA
3liaXTKA6rp7NuXWtGkv9GxttajyrYBN3++NStIABw==
-----END CERTIFICATE-----
)";
inline constexpr char kTestKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgG+t4P+UP3s2LlWcm
DSiX7RU4OtXjQI3+XW34fvfmR+mhRANCAARMrpGyGMQ5eblJgCcuoGPS8OCU1J7o
PwyfluaAh1mAfUX1AOzFIYCORYwsDwI+qFqqaRpra3BCjj2YSJNZ5u5C
-----END PRIVATE KEY-----
)";
// Another self-signed certificate for the same names, whose key nobody here has: trusting it
// must not make the test certificate trusted.
inline constexpr char kOtherCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUQqUOzZlCHPa+z1OIldL4TkcGeP4wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjE2MDYyNFoYDzIxMjYxMTEy
MTYwNjI0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQQKIAvbcqT2dpXlZw0iJnXY6gDoFPmFEbmhPGabSOH6H6czHgO4AqC
2ikZOm8O21sKGN8k7ednWKFMXhAd+kQ6o28wbTAdBgNVHQ4EFgQURYSVZkJr73IV
QUS01i4FZDLzSDkwHwYDVR0jBBgwFoAURYSVZkJr73IVQUS01i4FZDLzSDkwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgHFCqq/K4L9qd4rLlpVc5Unj0QD9R2rhNrf6PjA2kjOoCIQCZ
mxqvASR0ldbEHUTOYusci/PDOhSPQIl12IYTMDmiBA==
-----END CERTIFICATE-----
)";
// Self-signed for "wrong.example" only: trusted, it still must not pass for 127.0.0.1.
inline constexpr char kWrongNameCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIUF/3h/T1ILmLuw8FuWUDNqdoeP2QwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNd3JvbmcuZXhhbXBsZTAgFw0yNjEyMDYxNjQ0MzhaGA8yMTI2
MTExMjE2NDQzOFowGDEWMBQGA1UEAwwNd3JvbmcuZXhhbXBsZTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABJ6pwdJ+RVDVuNUZR6DXaJJT91MUiLdQoVBMH8JMeEZ+
0iQiH/bqPnow9wqBhgvTpRQjOacUy5kGgKGzuTiSQoejbTBrMB0GA1UdDgQWBBTb
A4D9xYkCjUQVYnY7QzVyFAHeMTAfBgNVHSMEGDAWgBTbA4D9xYkCjUQVYnY7QzVy
FAHeMTAPBgNVHRMBAf8EBTADAQH/MBgGA1UdEQQRMA+CDXdyb25nLmV4YW1wbGUw
CgYIKoZIzj0EAwIDRwAwRAIgYWH3c56RW3fBPOXpvmpVOwv5GP8dLNoeXhMQuOFs
t2MCICbGNLCw3H3Zudund44MHTAPhd0tH4S0abF/zTXzNgqO
-----END CERTIFICATE-----
)";
inline constexpr char kWrongNameKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGfYeQJhTotxYk17P
xcwJH697Y5UNHhRTF23QGOTP8z6hRANCAASeqcHSfkVQ1bjVGUeg12iSU/dTFIi3
UKFQTB/CTHhGftIkIh/26j56MPcKgYYL06UUIzmnFMuZBoChs7k4kkKH
-----END PRIVATE KEY-----
)";

} // namespace dynaseal::test
