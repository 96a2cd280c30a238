/* cmd_state.c - `vdpu state FILE`: check a saved device state ('VDPS' v1) and print it part by part. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "vdps_file.h"
#include "vdpu_regmap.h"

static void state_usage(FILE *f)
{
    fprintf(f, "usage: vdpu state FILE\n"
               "\n"
               "Checks a device state that `vdpu run --migrate-at ... --state-out FILE` saved (the 'VDPS' v1\n"
               "format of docs/migration.md: header, length, CRC-32, every part inside it) and prints it part\n"
               "by part. Exit status 0: a valid state; 1: not one (the reason on one line); 2: bad arguments.\n"
               "\n"
               "options:\n"
               "  -h, --help         this text\n");
}

int cmd_state(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            state_usage(stdout);
            return VDPU_EXIT_OK;
        }
        return cli_usage_error("state", "unknown option '%s'", argv[optind - 1]);
    }
    if (optind != argc - 1) return cli_usage_error("state", "expected one state file");
    static uint32_t buf[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len;
    char err[400];
    if (vdps_read_file(argv[optind], buf, sizeof buf, &len, err, sizeof err)) {
        fprintf(stderr, "vdpu state: %s\n", err);
        return VDPU_EXIT_FAIL;
    }
    vdps_print(buf, len, stdout);
    return fflush(stdout) || ferror(stdout) ? VDPU_EXIT_FAIL : VDPU_EXIT_OK;
}
