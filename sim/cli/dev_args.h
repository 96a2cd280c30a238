/* dev_args.h - the device, engine and firmware options that `vdpu run` and `vdpu vhost-user` share. */
#ifndef VDPU_DEV_ARGS_H
#define VDPU_DEV_ARGS_H

#include <getopt.h>
#include <stdio.h>

#include "session.h"

/* getopt_long values of the shared options (commands number their own from DEV_OPT_END) */
enum {
    DEV_OPT_WAVE = 256, DEV_OPT_WAVE_FROM, DEV_OPT_WAVE_TO, DEV_OPT_TRACE, DEV_OPT_FW, DEV_OPT_FEATURES, DEV_OPT_MAC,
    DEV_OPT_MTU, DEV_OPT_MAXQP, DEV_OPT_LINK, DEV_OPT_FWVERB, DEV_OPT_FWTRACE, DEV_OPT_PREFETCH, DEV_OPT_BATCH,
    DEV_OPT_MAXRD, DEV_OPT_COAL, DEV_OPT_RTT, DEV_OPT_FAULT, DEV_OPT_NOSKIP, DEV_OPT_PCIE_FAULT, DEV_OPT_WIRE,
    DEV_OPT_TAGS, DEV_OPT_TXFETCH, DEV_OPT_END
};

/* The shared entries of a getopt_long table ('e' engine and 's' seed are short options too). */
#define DEV_ARGS_LONGOPTS                                                                                          \
    {"engine", required_argument, 0, 'e'}, {"seed", required_argument, 0, 's'},                                 \
        {"wave", required_argument, 0, DEV_OPT_WAVE}, {"wave-from", required_argument, 0, DEV_OPT_WAVE_FROM},   \
        {"wave-to", required_argument, 0, DEV_OPT_WAVE_TO}, {"trace", no_argument, 0, DEV_OPT_TRACE},          \
        {"fw", required_argument, 0, DEV_OPT_FW}, {"features", required_argument, 0, DEV_OPT_FEATURES},         \
        {"mac", required_argument, 0, DEV_OPT_MAC}, {"mtu", required_argument, 0, DEV_OPT_MTU},                 \
        {"max-qp", required_argument, 0, DEV_OPT_MAXQP}, {"link", required_argument, 0, DEV_OPT_LINK},          \
        {"fw-verbose", no_argument, 0, DEV_OPT_FWVERB}, {"fw-trace", no_argument, 0, DEV_OPT_FWTRACE},         \
        {"prefetch", required_argument, 0, DEV_OPT_PREFETCH}, {"used-batch", required_argument, 0, DEV_OPT_BATCH}, \
        {"max-reads", required_argument, 0, DEV_OPT_MAXRD}, {"coalesce", required_argument, 0, DEV_OPT_COAL},   \
        {"rtt", required_argument, 0, DEV_OPT_RTT}, {"inject-fault", required_argument, 0, DEV_OPT_FAULT}, \
        {"no-skip", no_argument, 0, DEV_OPT_NOSKIP}, {"pcie-fault", required_argument, 0, DEV_OPT_PCIE_FAULT}, \
        {"wire-gbps", required_argument, 0, DEV_OPT_WIRE}, {"tags", required_argument, 0, DEV_OPT_TAGS},   \
        {"tx-fetch", required_argument, 0, DEV_OPT_TXFETCH}

struct dev_args {
    struct vdpu_opts o;
    const char *fw;       /* --fw as given (NULL: the default ELF) */
    const char *features; /* --features as given */
    bool fw_builtin;      /* --fw builtin */
    bool wave_from_set, wave_to_set;
    unsigned rtt;         /* --rtt (0: the link default) */
    bool eng_opts;        /* a queue-engine option was given (--prefetch, --used-batch, --tags, --coalesce) */
};

void dev_args_default(struct dev_args *a);
/* Handle option ch if it is a shared one: 1 handled, 0 not a shared option, -1 bad value
 * (a one-line error was printed; exit VDPU_EXIT_USAGE). */
int dev_args_option(const char *cmd, int ch, const char *arg, struct dev_args *a);
/* Cross-checks once every option is read, and the firmware ELF probe (unless fw_builtin):
 * 0, or VDPU_EXIT_USAGE after a one-line error. */
int dev_args_finish(const char *cmd, struct dev_args *a);
/* The usage lines of the shared options. */
void dev_args_usage(FILE *f);
/* exactly XX:XX:XX:XX:XX:XX, hex digits only */
bool dev_args_parse_mac(const char *s, uint8_t mac[6]);

#endif
