/* cmd_fcov.c - `vdpu fcov`: print a functional coverage db (hit / total per cross, unhit bins), or as HTML. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fcov.h"

static void fcov_usage(FILE *f)
{
    fprintf(f, "usage: vdpu fcov [options] DB\n"
               "\n"
               "Prints the functional coverage db that `vdpu run --workload net-random --fcov DB` (and\n"
               "make soak) fill: hit / total bins per cross, then the bins not hit yet.\n"
               "\n"
               "options:\n"
               "      --html FILE    also write the table as an HTML page\n"
               "      --unhit N      unhit bins listed per cross (default 12)\n"
               "      --min-hit N    exit 1 unless at least N bins are hit (a closure check)\n"
               "  -h, --help         this text\n");
}

int cmd_fcov(int argc, char **argv)
{
    static const struct option opts[] = {
        {"html", required_argument, 0, 'H'}, {"unhit", required_argument, 0, 'u'},
        {"min-hit", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *html = NULL;
    uint64_t unhit = 12, min_hit = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'H': html = optarg; break;
        case 'u': if (!cli_u64("fcov", "--unhit", optarg, &unhit) || unhit > 1000) return cli_usage_error("fcov", "--unhit takes 0..1000"); break;
        case 'm': if (!cli_u64("fcov", "--min-hit", optarg, &min_hit)) return VDPU_EXIT_USAGE; break;
        case 'h': fcov_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("fcov", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("fcov", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("fcov", "expected one coverage db file");
    const char *path = argv[optind];
    struct fcov_db *db = calloc(1, sizeof *db);
    char err[300];
    if (!db) return VDPU_EXIT_FAIL;
    FILE *probe = fopen(path, "r");
    if (!probe) {
        free(db);
        return cli_usage_error("fcov", "cannot read '%s'", path);
    }
    fclose(probe);
    if (fcov_load(db, path, err, sizeof err)) {
        fprintf(stderr, "vdpu fcov: %s\n", err);
        free(db);
        return VDPU_EXIT_USAGE;
    }
    fcov_print(db, stdout, (unsigned)unhit);
    int rc = VDPU_EXIT_OK;
    if (html && fcov_write_html(db, html, err, sizeof err)) {
        fprintf(stderr, "vdpu fcov: %s\n", err);
        rc = VDPU_EXIT_FAIL;
    }
    unsigned hit, total;
    fcov_totals(db, &hit, &total);
    if (hit < min_hit) {
        printf("fcov: %u bins hit, fewer than --min-hit %llu\n", hit, (unsigned long long)min_hit);
        rc = VDPU_EXIT_FAIL;
    }
    if (fflush(stdout) || ferror(stdout)) rc = VDPU_EXIT_FAIL;
    free(db);
    return rc;
}
