/* cli.h - command-line helpers shared by the vdpu subcommands: strict number parsing, one-line errors. */
#ifndef VDPU_CLI_H
#define VDPU_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define VDPU_EXIT_OK 0
#define VDPU_EXIT_FAIL 1  /* the simulation ran and found a problem */
#define VDPU_EXIT_USAGE 2 /* bad arguments */

/* Parse a decimal or 0x-hex unsigned integer; on error print "vdpu <cmd>: bad value for --opt: 'x'" and return false. */
bool cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* The largest cycle number an option takes (2^48: 13 days of device time at 250 MHz), so that the
 * cycle arithmetic of a run (an event's end, the run's end after it) cannot overflow. */
#define CLI_MAX_CYCLE (1ull << 48)
/* cli_u64 within [lo, hi]; out of range: "vdpu <cmd>: --opt must be lo..hi". */
bool cli_u64_range(const char *cmd, const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
/* A wire rate in Gbit/s ("10", "25.5", "0.1"), parsed exactly into whole Mbit/s, 0.1..64 Gbit/s; a
 * one-line usage error otherwise (more than 3 decimals that are not zeros too). */
#define CLI_WIRE_MIN_MBPS 100u
#define CLI_WIRE_MAX_MBPS 64000u
bool cli_wire_gbps(const char *cmd, const char *opt, const char *s, uint32_t *mbps);
/* Print "vdpu <cmd>: <msg>" plus a hint to use --help. Returns VDPU_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_iss(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_fcov(int argc, char **argv);
int cmd_state(int argc, char **argv);

#endif
