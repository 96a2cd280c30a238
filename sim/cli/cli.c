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
