/* cli.c - strict option value parsing and usage errors. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

bool cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || !isdigit((unsigned char)*s)) goto bad; /* no sign, no blank */
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex && !isxdigit((unsigned char)s[2])) goto bad;
    unsigned long long v = strtoull(s, &end, hex ? 16 : 10); /* "010" is ten, not eight */
    if (errno || *end) goto bad;
    *out = v;
    return true;
bad:
    fprintf(stderr, "vdpu %s: bad value for %s: '%s' (expected a non-negative integer)\n", cmd, opt, s ? s : "");
    return false;
}

bool cli_u64_range(const char *cmd, const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;
    if (!cli_u64(cmd, opt, s, &v)) return false;
    if (v < lo || v > hi) {
        cli_usage_error(cmd, "%s must be %llu..%llu, not %llu", opt, (unsigned long long)lo, (unsigned long long)hi,
                        (unsigned long long)v);
        return false;
    }
    *out = v;
    return true;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vdpu %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'vdpu %s --help')\n", cmd);
    return VDPU_EXIT_USAGE;
}

bool cli_wire_gbps(const char *cmd, const char *opt, const char *s, uint32_t *mbps)
{
    /* decimal Gbit/s, read exactly into Mbit/s: digits, then optionally '.' and digits, of which only
     * the first three may be non-zero; no sign, exponent or blank */
    const char *p = s ? s : "";
    uint64_t v = 0;
    unsigned frac = 0;
    if (!isdigit((unsigned char)*p)) goto bad;
    for (; isdigit((unsigned char)*p); p++)
        if ((v = v * 10 + (uint64_t)(*p - '0')) > 1000000) v = 1000000; /* far out of range already */
    v *= 1000;
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p)) goto bad;
        for (uint64_t scale = 100; isdigit((unsigned char)*p); p++, frac++) {
            if (frac < 3) v += scale * (uint64_t)(*p - '0'), scale /= 10;
            else if (*p != '0') {
                cli_usage_error(cmd, "%s '%s' is finer than the wire rate's unit, 1 Mbit/s (at most 3 decimals)", opt, s);
                return false;
            }
        }
    }
    if (*p) goto bad;
    if (v < CLI_WIRE_MIN_MBPS || v > CLI_WIRE_MAX_MBPS) {
        cli_usage_error(cmd, "%s must be 0.1..64 (Gbit/s), not %s", opt, s);
        return false;
    }
    *mbps = (uint32_t)v;
    return true;
bad:
    cli_usage_error(cmd, "bad value for %s: '%s' (a rate in Gbit/s, 0.1..64, e.g. 10 or 25.5)", opt, s ? s : "");
    return false;
}
