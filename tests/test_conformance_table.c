/* test_conformance_table.c - docs/spec-conformance.md cannot rot: every test it names exists, every applicable row says
 * how it is met, and the summary counts are the rows' counts. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TABLE "docs/spec-conformance.md"
#define MAX_NAMES 8192

/* The registered tests of a Criterion binary ("suite/name"), from its --list output. */
static unsigned list_tests(const char *bin, char (*names)[128], unsigned n, unsigned max)
{
    char cmd[256], line[512], suite[512] = "";
    /* BXFI_MAP names this run's worker map: a nested Criterion binary that inherits it takes itself
     * for a worker and aborts. */
    snprintf(cmd, sizeof cmd, "env -u BXFI_MAP %s --list 2>&1", bin);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "cannot run %s --list", bin);
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        char *colon = strstr(line, ": ");
        if (colon && strstr(colon, " test") && !strstr(line, "──")) {
            *colon = 0;
            snprintf(suite, sizeof suite, "%s", line);
            continue;
        }
        char *name = strstr(line, "── ");
        if (name && suite[0] && n < max && strlen(suite) + strlen(name) < 120)
            snprintf(names[n++], 128, "%.60s/%.60s", suite, name + strlen("── "));
    }
    pclose(p);
    return n;
}

static bool known(char (*names)[128], unsigned n, const char *t)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(names[i], t)) return true;
    return false;
}

/* Cell k (0-based) of a markdown table row "| a | b | ... |", trimmed, into out. */
static bool cell(const char *row, unsigned k, char *out, size_t len)
{
    if (row[0] != '|') return false;
    const char *p = row + 1;
    for (unsigned i = 0; i < k; i++) {
        p = strchr(p, '|');
        if (!p) return false;
        p++;
    }
    const char *e = strchr(p, '|');
    if (!e) return false;
    while (p < e && isspace((unsigned char)*p)) p++;
    while (e > p && isspace((unsigned char)e[-1])) e--;
    size_t l = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
    memcpy(out, p, l);
    out[l] = 0;
    return true;
}

/* The per-section counts of the traceability rows, as the summary table states them. */
enum { C_ROWS, C_APPLICABLE, C_TESTED, C_CONSTRUCTION, C_DECLINED, C_NA, C_N };
static const char *const count_names[C_N] = {"rows", "applicable", "tested", "by construction", "declined", "not applicable"};
#define MAX_SECTIONS 16

struct section {
    char name[160];
    unsigned c[C_N];
};

static bool parse_counts(const char *row, unsigned *c)
{
    char v[32];
    for (unsigned k = 0; k < C_N; k++) {
        if (!cell(row, k + 1, v, sizeof v)) return false;
        const char *p = v;
        if (!strncmp(p, "**", 2)) p += 2; /* the bold total */
        char *end;
        unsigned long x = strtoul(p, &end, 10);
        if (end == p) return false;
        c[k] = (unsigned)x;
    }
    return true;
}

Test(conformance, table_names_only_existing_tests_and_every_row_is_decided, .timeout = 120)
{
    static char names[MAX_NAMES][128];
    unsigned n = list_tests("./build/tests/vdpu_tests", names, 0, MAX_NAMES);
    n = list_tests("./build/tests/vdpu_driver_tests", names, n, MAX_NAMES);
    cr_assert_gt(n, 900, "only %u registered tests found", n);

    FILE *f = fopen(TABLE, "r");
    cr_assert(f, "%s missing", TABLE);
    static char line[16384];
    unsigned rows = 0, applicable = 0, refs = 0, missing = 0, undecided = 0;
    static char ids[2048][64];
    unsigned nid = 0;
    static struct section sec[MAX_SECTIONS], sum[MAX_SECTIONS + 1];
    unsigned nsec = 0, nsum = 0;
    enum { OTHER, TRACE, SUMMARY } part = OTHER;
    struct section *cur = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "## ", 3)) {
            part = strstr(line, "Traceability") ? TRACE : strstr(line, "Summary") ? SUMMARY : OTHER;
            cur = NULL;
            continue;
        }
        if (part == TRACE && !strncmp(line, "### ", 4)) {
            cr_assert_lt(nsec, MAX_SECTIONS, "too many sections");
            cur = &sec[nsec++];
            snprintf(cur->name, sizeof cur->name, "%.150s", line + 4);
            continue;
        }
        if (line[0] != '|' || !strncmp(line, "| ID", 4) || !strncmp(line, "| Section", 9) || !strncmp(line, "|---", 4))
            continue;
        if (part == SUMMARY) {
            cr_assert_lt(nsum, MAX_SECTIONS + 1, "too many summary rows");
            struct section *s = &sum[nsum++];
            cr_assert(cell(line, 0, s->name, sizeof s->name) && parse_counts(line, s->c), "malformed summary row: %.120s", line);
            continue;
        }
        if (part != TRACE) continue;
        cr_assert(cur, "a table row before the first ### section: %.80s", line);
        char id[64], applies[256], status[128], tests[8192];
        cr_assert(cell(line, 0, id, sizeof id) && cell(line, 4, applies, sizeof applies) &&
                      cell(line, 5, tests, sizeof tests) && cell(line, 7, status, sizeof status),
                  "malformed row: %.120s", line);
        rows++;
        cur->c[C_ROWS]++;
        for (unsigned i = 0; i < nid; i++) cr_assert_neq(strcmp(ids[i], id), 0, "id %s appears twice", id);
        if (nid < 2048) memcpy(ids[nid++], id, sizeof ids[0]);
        /* every backticked suite/name must be a registered test */
        for (const char *p = strchr(tests, '`'); p; p = strchr(p, '`')) {
            const char *e = strchr(p + 1, '`');
            if (!e) break;
            char t[160];
            size_t l = (size_t)(e - p - 1) < sizeof t - 1 ? (size_t)(e - p - 1) : sizeof t - 1;
            memcpy(t, p + 1, l);
            t[l] = 0;
            refs++;
            if (!known(names, n, t)) {
                missing++;
                cr_log_error("%s names `%s`, which is not a registered test", id, t);
            }
            p = e + 1;
        }
        if (strncmp(applies, "yes", 3)) {
            cur->c[C_NA]++;
            continue;
        }
        applicable++;
        cur->c[C_APPLICABLE]++;
        /* an applicable statement is tested, or says why not (declined SHOULD, by construction) */
        if (!strncmp(status, "tested", 6)) {
            cur->c[C_TESTED]++;
            cr_expect(strchr(tests, '`'), "%s says tested but names no test", id);
        } else if (!strncmp(status, "by construction", 15)) {
            cur->c[C_CONSTRUCTION]++;
        } else if (!strncmp(status, "declined", 8)) {
            cur->c[C_DECLINED]++;
        } else {
            undecided++;
            cr_log_error("%s is applicable but '%s'", id, status);
        }
    }
    fclose(f);
    cr_log_info("%s: %u rows, %u applicable, %u test references", TABLE, rows, applicable, refs);
    cr_assert_gt(rows, 200, "the table lost its rows (%u)", rows);
    cr_assert_eq(missing, 0, "%u test names in %s do not exist", missing, TABLE);
    cr_assert_eq(undecided, 0, "%u applicable statements are neither tested nor declined with a reason", undecided);

    /* the summary: one row per section, in order, then the total; every number is the rows' */
    cr_assert_eq(nsum, nsec + 1, "the summary has %u rows for %u sections and a total", nsum, nsec);
    unsigned total[C_N] = {0};
    for (unsigned i = 0; i < nsec; i++) {
        cr_expect_str_eq(sum[i].name, sec[i].name, "summary row %u", i + 1);
        for (unsigned k = 0; k < C_N; k++) {
            cr_expect_eq(sum[i].c[k], sec[i].c[k], "%s: the summary says %u %s, the rows %u", sec[i].name, sum[i].c[k],
                         count_names[k], sec[i].c[k]);
            total[k] += sec[i].c[k];
        }
        cr_expect_eq(sec[i].c[C_TESTED] + sec[i].c[C_CONSTRUCTION] + sec[i].c[C_DECLINED], sec[i].c[C_APPLICABLE]);
    }
    cr_expect(strstr(sum[nsec].name, "Total"), "the last summary row is the total");
    for (unsigned k = 0; k < C_N; k++)
        cr_expect_eq(sum[nsec].c[k], total[k], "total %s: the summary says %u, the rows %u", count_names[k], sum[nsec].c[k],
                     total[k]);
}
