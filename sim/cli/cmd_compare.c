/* cmd_compare.c - `vdpu compare`: sweep ring layouts, features and engine parameters, merge, tabulate and plot. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "out_file.h"
#include "session.h"
#include "sweep_merge.h"
#include "sweep_out.h"
#include "sweep_plot.h"
#include "sweep_run.h"

#define DEFAULT_DIR "vdpu-compare"

static void compare_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu compare [options]\n"
            "\n"
            "Run a sweep of `vdpu run --workload net-*` points, one process each, in parallel (make -j), then\n"
            "merge their JSON: DMA requests and link bytes per packet by purpose beside the spec minimum, Mpps,\n"
            "Gbit/s, link utilization, read latency p50/p99. Tables on stdout; CSV, JSON and plots on request.\n"
            "\n"
            "axes (comma-separated lists; the first value of each is the base point):\n");
    for (unsigned a = 0; a < sweep_naxes; a++) {
        const struct sweep_axis *ax = &sweep_axes[a];
        char opt[64];
        snprintf(opt, sizeof opt, "--%s LIST", ax->name);
        fprintf(f, "  %-22s ", opt);
        for (const char *h = ax->help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n') fprintf(f, "  %-22s ", "");
        }
        fprintf(f, "\n  %-22s (default %s%s)\n", "", ax->defaults, ax->crossed ? "; crossed in the star design" : "");
    }
    fprintf(f,
            "\n"
            "design:\n"
            "  --design star|cross    star (default): ring, features and workload are crossed; every other axis\n"
            "                         is varied alone around the base point. cross: the full cross product\n"
            "run:\n"
            "  -e, --engine E         model (default) | rtl | cosim (every point's RTL checked against the model)\n"
            "  -j, --jobs N           points run at once (default: the number of CPUs)\n"
            "      --packets N        frames per point (default 1000)\n"
            "  -s, --seed N           seed of every point (default 1): same seed, same frames, same figures\n"
            "      --wire-gbps G      the network port's wire rate of every point, 0.1..64 Gbit/s (vdpu run\n"
            "                         --wire-gbps; default unlimited); the tables then show beside Mpps the\n"
            "                         frame rate the wire allows (frame bytes + 24 of Ethernet overhead)\n"
            "      --dir DIR          working directory: sweep.json, points.txt, sweep.mk, points/ (default\n"
            "                         ./" DEFAULT_DIR "); results of an earlier sweep in DIR are dropped\n"
            "      --points-only      write DIR/points.txt (one shell command per line) and stop: hand the lines\n"
            "                         to a cluster scheduler, then merge with --merge-only DIR\n"
            "      --merge-only DIR   do not run anything: merge the points already run in DIR\n"
            "output:\n"
            "      --csv FILE         one row per point: configuration, measured, spec minimum, ratios\n"
            "      --json FILE        the same as JSON\n"
            "      --plot DIR         PNG and SVG charts (gnuplot) plus DIR/compare.csv and DIR/compare.json:\n"
            "                         dma_per_packet, throughput_vs_pkt_size, throughput_vs_rtt, prefetch_batch,\n"
            "                         throughput_vs_tags (--design cross over --rtt and --max-reads)\n"
            "      --markdown FILE    markdown tables (headline, feature sets, DMA by purpose)\n"
            "  -q, --quiet            no progress bar and no tables: only the summary line and errors\n"
            "  -h, --help             this text\n"
            "\n"
            "The progress bar (points done / total, ETA) is drawn on stderr when it is a terminal.\n"
            "exit status: 0 every point passed, 1 a point failed (listed) or an output failed, 2 bad arguments\n");
}

enum { OPT_PACKETS = 256, OPT_DIR, OPT_POINTS_ONLY, OPT_MERGE_ONLY, OPT_CSV, OPT_JSON, OPT_PLOT, OPT_MD, OPT_DESIGN,
       OPT_WIRE, OPT_AXIS = 512 };

/* the binary the points run: this very executable, wherever it was started from */
static int self_path(char *buf, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0) return -1;
    buf[k] = 0;
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Every output file can be written (opened and removed again), else a one-line error. */
static bool outputs_writable(const char *csv, const char *json, const char *md)
{
    const char *outs[][2] = {{csv, "CSV"}, {json, "JSON"}, {md, "Markdown"}};
    char err[512];
    for (unsigned i = 0; i < 3; i++)
        if (outs[i][0] && out_probe(outs[i][0], outs[i][1], err, sizeof err)) {
            fprintf(stderr, "vdpu compare: %s\n", err);
            return false;
        }
    return true;
}

int cmd_compare(int argc, char **argv)
{
    static struct sweep_spec spec;
    sweep_spec_default(&spec);
    struct option opts[64];
    unsigned no = 0;
    for (unsigned a = 0; a < sweep_naxes; a++) opts[no++] = (struct option){sweep_axes[a].name, required_argument, 0, OPT_AXIS + (int)a};
    static const struct option fixed[] = {
        {"engine", required_argument, 0, 'e'},          {"jobs", required_argument, 0, 'j'},
        {"packets", required_argument, 0, OPT_PACKETS}, {"seed", required_argument, 0, 's'},
        {"dir", required_argument, 0, OPT_DIR},         {"points-only", no_argument, 0, OPT_POINTS_ONLY},
        {"merge-only", required_argument, 0, OPT_MERGE_ONLY}, {"csv", required_argument, 0, OPT_CSV},
        {"json", required_argument, 0, OPT_JSON},       {"plot", required_argument, 0, OPT_PLOT},
        {"markdown", required_argument, 0, OPT_MD},     {"design", required_argument, 0, OPT_DESIGN},
        {"quiet", no_argument, 0, 'q'},                 {"help", no_argument, 0, 'h'},
        {"wire-gbps", required_argument, 0, OPT_WIRE},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) opts[no++] = fixed[i];
    opts[no] = (struct option){0, 0, 0, 0};

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t jobs = ncpu > 0 ? (uint64_t)ncpu : 1, v;
    const char *dir = DEFAULT_DIR, *merge_dir = NULL, *csv = NULL, *json = NULL, *plot = NULL, *md = NULL;
    bool quiet = false, points_only = false, run_opts = false;
    char err[512];
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":e:j:s:qh", opts, NULL)) != -1) {
        if (ch >= OPT_AXIS && ch < OPT_AXIS + (int)sweep_naxes) {
            if (sweep_set_axis(&spec, (unsigned)(ch - OPT_AXIS), optarg, err, sizeof err))
                return cli_usage_error("compare", "%s", err);
            run_opts = true;
            continue;
        }
        switch (ch) {
        case 'e': {
            enum vdpu_engine e;
            if (!vdpu_engine_parse(optarg, &e))
                return cli_usage_error("compare", "unknown engine '%s' (model, rtl or cosim)", optarg);
            snprintf(spec.engine, sizeof spec.engine, "%s", vdpu_engine_name(e));
            run_opts = true;
            break;
        }
        case 'j':
            if (!cli_u64("compare", "--jobs", optarg, &jobs)) return VDPU_EXIT_USAGE;
            if (jobs < 1 || jobs > 1024) return cli_usage_error("compare", "--jobs must be 1..1024");
            break;
        case OPT_PACKETS:
            if (!cli_u64("compare", "--packets", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > SWEEP_MAX_PACKETS)
                return cli_usage_error("compare", "--packets must be 1..%llu", (unsigned long long)SWEEP_MAX_PACKETS);
            spec.packets = v;
            run_opts = true;
            break;
        case 's':
            if (!cli_u64("compare", "--seed", optarg, &spec.seed)) return VDPU_EXIT_USAGE;
            run_opts = true;
            break;
        case OPT_DESIGN:
            if (strcmp(optarg, "star") && strcmp(optarg, "cross"))
                return cli_usage_error("compare", "unknown design '%s' (star or cross)", optarg);
            spec.cross = !strcmp(optarg, "cross");
            run_opts = true;
            break;
        case OPT_WIRE:
            if (!cli_wire_gbps("compare", "--wire-gbps", optarg, &spec.wire_mbps)) return VDPU_EXIT_USAGE;
            run_opts = true;
            break;
        case OPT_DIR: dir = optarg; break;
        case OPT_POINTS_ONLY: points_only = true; break;
        case OPT_MERGE_ONLY: merge_dir = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_JSON: json = optarg; break;
        case OPT_PLOT: plot = optarg; break;
        case OPT_MD: md = optarg; break;
        case 'q': quiet = true; break;
        case 'h': compare_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("compare", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("compare", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("compare", "unexpected argument '%s'", argv[optind]);
    if (merge_dir && (run_opts || points_only))
        return cli_usage_error("compare", "--merge-only takes the sweep from DIR/sweep.json: no axis, --engine, "
                                          "--packets, --seed, --design, --wire-gbps or --points-only");
    if (points_only && (csv || json || plot || md))
        return cli_usage_error("compare", "--points-only runs nothing: no --csv/--json/--plot/--markdown");

    struct sweep_point *pts = NULL;
    unsigned n = 0;
    double wall = 0;
    if (merge_dir) {
        dir = merge_dir;
        char path[4096];
        snprintf(path, sizeof path, "%s/sweep.json", dir);
        if (sweep_manifest_read(path, &spec, &pts, &n, err, sizeof err)) {
            fprintf(stderr, "vdpu compare: %s\n", err);
            return VDPU_EXIT_USAGE;
        }
        if (!outputs_writable(csv, json, md)) {
            free(pts);
            return VDPU_EXIT_USAGE;
        }
    } else {
        char self[PATH_MAX], absdir[PATH_MAX];
        n = sweep_points(&spec, &pts, err, sizeof err);
        if (!n) return cli_usage_error("compare", "%s", err);
        if (self_path(self, sizeof self)) {
            fprintf(stderr, "vdpu compare: cannot find the vdpu executable (/proc/self/exe)\n");
            return VDPU_EXIT_FAIL;
        }
        if (sweep_write(dir, absdir, sizeof absdir, self, &spec, pts, n, err, sizeof err)) {
            fprintf(stderr, "vdpu compare: %s\n", err);
            free(pts);
            return VDPU_EXIT_FAIL;
        }
        /* output paths are checked before the sweep runs, not after (but once the working directory
         * exists: outputs often go inside it) */
        if (!outputs_writable(csv, json, md)) {
            free(pts);
            return VDPU_EXIT_USAGE;
        }
        if (points_only) {
            printf("compare: %u points in %s/points.txt (one shell command per line); after running them: "
                   "vdpu compare --merge-only %s\n", n, absdir, absdir);
            free(pts);
            return VDPU_EXIT_OK;
        }
        double t0 = now_s();
        if (sweep_run(absdir, n, (unsigned)jobs, !quiet && isatty(2), err, sizeof err)) {
            fprintf(stderr, "vdpu compare: %s\n", err);
            free(pts);
            return VDPU_EXIT_FAIL;
        }
        wall = now_s() - t0;
    }

    struct sweep_result *res = NULL;
    int failed = sweep_merge(dir, &spec, pts, n, &res, err, sizeof err);
    if (failed < 0) {
        fprintf(stderr, "vdpu compare: %s\n", err);
        free(pts);
        return VDPU_EXIT_FAIL;
    }
    if (!quiet) {
        sweep_table(stdout, &spec, res, n);
        printf("\nSplit vs packed, best feature set per ring (fewest link bytes per packet; other axes at their "
               "first value):\n");
        sweep_headline(stdout, &spec, res, n, false);
        printf("\n");
    }
    int rc = failed ? VDPU_EXIT_FAIL : VDPU_EXIT_OK;
    char path[4096], skipped[256] = "";
    if (csv && sweep_csv(csv, &spec, res, n, err, sizeof err)) rc = VDPU_EXIT_FAIL, fprintf(stderr, "vdpu compare: %s\n", err);
    if (json && sweep_json(json, &spec, res, n, err, sizeof err)) rc = VDPU_EXIT_FAIL, fprintf(stderr, "vdpu compare: %s\n", err);
    if (md) {
        FILE *f = fopen(md, "w");
        if (f) sweep_markdown(f, &spec, res, n);
        if (!f || out_close(f, md, "Markdown", err, sizeof err))
            rc = VDPU_EXIT_FAIL, fprintf(stderr, "vdpu compare: %s\n", f ? err : "cannot write the Markdown file");
    }
    if (plot) {
        if (sweep_plot(plot, &spec, res, n, skipped, sizeof skipped, err, sizeof err)) {
            rc = VDPU_EXIT_FAIL;
            fprintf(stderr, "vdpu compare: %s\n", err);
        }
        snprintf(path, sizeof path, "%s/compare.csv", plot);
        if (sweep_csv(path, &spec, res, n, err, sizeof err)) rc = VDPU_EXIT_FAIL, fprintf(stderr, "vdpu compare: %s\n", err);
        snprintf(path, sizeof path, "%s/compare.json", plot);
        if (sweep_json(path, &spec, res, n, err, sizeof err)) rc = VDPU_EXIT_FAIL, fprintf(stderr, "vdpu compare: %s\n", err);
    }
    unsigned mism = 0;
    for (unsigned k = 0; k < n; k++) mism += res[k].mismatch;
    printf("compare: %u points, engine %s, %u passed, %d failed", n, spec.engine, n - (unsigned)failed, failed);
    if (spec.wire_mbps) {
        char g[32];
        netport_wire_format(spec.wire_mbps, g, sizeof g);
        printf(", wire %s Gbit/s", g);
    }
    if (!strcmp(spec.engine, "cosim")) printf(", %u cosim mismatches", mism);
    if (!merge_dir) printf(", wall %.1f s with %llu job%s", wall, (unsigned long long)jobs, jobs == 1 ? "" : "s");
    printf(" (%s)\n", dir);
    if (skipped[0]) printf("compare: charts left out (their axis has one value): %s\n", skipped);
    free(res);
    free(pts);
    return rc;
}
