/* run_args.h - `vdpu run`'s options: parsed and cross-checked into one struct before anything runs. */
#ifndef VDPU_RUN_ARGS_H
#define VDPU_RUN_ARGS_H

#include "dev_args.h"
#include "run_workloads.h"

struct run_args {
    struct dev_args dev;    /* engine, device, firmware, queue engine, waves */
    struct run_cfg c;       /* workload and driver */
    bool drv_opts, accesses_set, gdb_stdio, pkt_size_set, queues_set;
    uint64_t gdb_port, pairs_opt;
    enum vdpu_engine migrate_to[RUN_MAX_MIGRATIONS]; /* --migrate-to as given */
    unsigned migrate_to_n;
    char *rerun;            /* the command line to reproduce a mismatch, seed explicit (malloc) */
    char *ctrl_buf;         /* --ctrl with --pairs appended (malloc), or NULL */
    bool checkpoint_at_set;
    const char *restore;    /* --restore FILE (cmd_run parses the checkpoint's own arguments then) */
    const char *not_with_restore; /* the first option given that --restore does not take, or NULL */
    char **merged;          /* a restored run's arguments: the checkpoint's and the outputs given (malloc) */
    const char **kept;      /* the arguments a checkpoint of this run stores (malloc) */
};

/* Parse argv into a: -1 when the run should go on, else the exit status (--help: 0, bad
 * arguments: VDPU_EXIT_USAGE after a one-line error). */
int run_args_parse(int argc, char **argv, struct run_args *a);
void run_usage(FILE *f);
/* what run_args_parse allocated */
void run_args_free(struct run_args *a);

#endif
