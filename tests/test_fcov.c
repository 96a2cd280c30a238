/* test_fcov.c - functional coverage of net-random: bins, the JSON db, steering toward unhit bins, the CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fcov.h"
#include "harness.h"

#define VDPU "./build/vdpu"

static unsigned all_bins(void)
{
    unsigned t = 0;
    for (unsigned i = 0; i < fcov_ncross(); i++) t += fcov_cross_bins(fcov_cross(i));
    return t;
}

Test(fcov, a_sample_hits_one_bin_per_cross)
{
    static struct fcov_db db;
    struct netrand_cfg c;
    struct netrand_result r = {0};
    struct fcov_sample s;
    netrand_pick(1, &c);
    fcov_sample_of(&c, &r, &s);
    cr_assert_eq(fcov_add(&db, &s), fcov_ncross(), "the first sample is new in every cross");
    cr_assert_eq(fcov_add(&db, &s), 0, "the same sample again hits nothing new");
    unsigned hit, total;
    fcov_totals(&db, &hit, &total);
    cr_assert_eq(hit, fcov_ncross());
    cr_assert_eq(total, all_bins());
    cr_assert_eq(db.runs, 2);
    /* the ring layout is an axis of every cross: the other layout is new everywhere */
    s.v[FCOV_RING] ^= 1;
    cr_assert_eq(fcov_new_bins(&db, &s), fcov_ncross());
    /* an outcome axis: a frame in several buffers is new only in the cross that has MRG_RXBUF */
    s.v[FCOV_RING] ^= 1;
    r.merged = 3;
    fcov_sample_of(&c, &r, &s);
    cr_assert_eq(s.v[FCOV_MRG], 1);
    cr_assert_eq(fcov_new_bins(&db, &s), 1);
}

Test(fcov, the_sample_follows_the_configuration)
{
    struct netrand_cfg c;
    struct fcov_sample s;
    netrand_pick(7, &c);
    c.ring = DRV_RING_PACKED;
    c.np.workload = NET_LOOPBACK;
    c.no_event_idx = true;
    c.no.tx_chain = NET_CHAIN_RANDOM;
    c.resets = 2;
    c.no.poll = 5;
    c.coal_cycles = 300;
    c.coal_frames = 0;
    c.max_reads = 4;
    c.link_reorder = true;
    c.pairs = 2;
    fcov_sample_of(&c, NULL, &s);
    cr_assert_eq(s.v[FCOV_RING], 1);
    cr_assert_eq(s.v[FCOV_WORKLOAD], 2);
    cr_assert_eq(s.v[FCOV_EVIDX], 0);
    cr_assert_eq(s.v[FCOV_TXCHAIN], 2);
    cr_assert_eq(s.v[FCOV_RESET], 2);
    cr_assert_eq(s.v[FCOV_IRQ], 1);
    cr_assert_eq(s.v[FCOV_COAL], 2, "a timer without a frame limit");
    cr_assert_eq(s.v[FCOV_READS], 2, "several reads, completed out of order");
    cr_assert_eq(s.v[FCOV_PAIRS], 1);
    cr_assert_eq(s.v[FCOV_FAULT], 0);
    struct netrand_cfg cf = c;
    cf.faults.n = 1;
    cf.faults.f[0].kind = LINK_FAULT_DROP;
    fcov_sample_of(&cf, NULL, &s);
    cr_assert_eq(s.v[FCOV_FAULT], LINK_FAULT_DROP, "the fault the configuration schedules");
    struct netrand_result fr = {.faults = 0};
    fcov_sample_of(&cf, &fr, &s);
    cr_assert_eq(s.v[FCOV_FAULT], 0, "a fault the run never met is not covered");
    fr.faults = 1;
    fcov_sample_of(&cf, &fr, &s);
    cr_assert_eq(s.v[FCOV_FAULT], LINK_FAULT_DROP);
    /* without a result the outcome axes are what the configuration is likely to reach, with one they are
     * what the run reached */
    c.qsize = 256;
    c.np.packets = 40;
    c.size = NETRAND_FIXED;
    c.np.pkt_size = 1000;
    c.no.rx_buf_size = 400; /* 1012 bytes in 3 buffers: 120 of the 256 entries */
    fcov_sample_of(&c, NULL, &s);
    cr_assert_eq(s.v[FCOV_MRG], 1, "the frames outgrow a receive buffer");
    cr_assert_eq(s.v[FCOV_WRAP], 0, "120 buffers in a 256-entry ring");
    c.np.packets = 90; /* 270 buffers */
    fcov_sample_of(&c, NULL, &s);
    cr_assert_eq(s.v[FCOV_WRAP], 1);
    c.no.rx_buf_size = 0;
    c.np.packets = 40;
    fcov_sample_of(&c, NULL, &s);
    cr_assert_eq(s.v[FCOV_MRG], 0);
    struct netrand_result r = {.ring_laps = 1, .merged = 0, .indirect = 3};
    c.no.indirect_pct = 0;
    fcov_sample_of(&c, &r, &s);
    cr_assert_eq(s.v[FCOV_WRAP], 1, "the run lapped its ring");
    cr_assert_eq(s.v[FCOV_MRG], 0);
    cr_assert_eq(s.v[FCOV_INDIRECT], 1, "buffers went through indirect tables");
    r.indirect = 0;
    c.no.indirect_pct = 50;
    fcov_sample_of(&c, &r, &s);
    cr_assert_eq(s.v[FCOV_INDIRECT], 0, "asked for, none posted");
    fcov_sample_of(&c, NULL, &s);
    cr_assert_eq(s.v[FCOV_INDIRECT], 1);
}

Test(fcov, db_round_trip_and_bad_files)
{
    char dir[] = "/tmp/vdpu-fcov-XXXXXX", path[256], err[300];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db.json", dir);
    static struct fcov_db a, b;
    cr_assert_eq(fcov_load(&a, path, err, sizeof err), 0, "a missing db is empty");
    cr_assert_eq(a.runs, 0);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct netrand_cfg c;
        struct fcov_sample s;
        netrand_pick(seed, &c);
        fcov_sample_of(&c, NULL, &s);
        fcov_add(&a, &s);
    }
    cr_assert_eq(fcov_save(&a, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(fcov_load(&b, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "the db reads back as written");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("{\"version\": 1, \"crosses\": []}\n", f);
    fclose(f);
    cr_assert_eq(fcov_load(&b, path, err, sizeof err), -1, "other crosses are refused");
    cr_assert(strstr(err, "not a coverage db"), "%s", err);
    f = fopen(path, "w");
    fputs("not json", f);
    fclose(f);
    cr_assert_eq(fcov_load(&b, path, err, sizeof err), -1);
    /* a write that fails is reported: files may not grow at all (no /dev/full needed; this test has
     * its own process) */
    struct rlimit lim = {0, 0};
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    cr_assert_eq(fcov_save(&a, path, err, sizeof err), -1, "a write that fails is reported");
    cr_assert(strstr(err, "cannot write"), "%s", err);
    unlink(path);
    rmdir(dir);
}

/* Steering picks, of FCOV_STEER_CANDS candidates derived from the seed, one with the most unhit bins: over the same
 * number of runs it reaches more bins than the plain seeds, and the seed it returns alone reproduces
 * the configuration it judged. */
Test(fcov, steering_reaches_more_bins_than_plain_seeds)
{
    static struct fcov_db plain, steered;
    for (uint64_t seed = 1001; seed <= 1040; seed++) {
        struct netrand_cfg c;
        struct fcov_sample s;
        netrand_pick(seed, &c);
        fcov_sample_of(&c, NULL, &s);
        fcov_add(&plain, &s);
        uint64_t t = fcov_steer(&steered, seed, FCOV_STEER_CANDS);
        cr_assert_eq(t, fcov_steer(&steered, seed, FCOV_STEER_CANDS), "steering is deterministic");
        netrand_pick(t, &c);
        fcov_sample_of(&c, NULL, &s);
        fcov_add(&steered, &s);
    }
    unsigned hp, hs, total;
    fcov_totals(&plain, &hp, &total);
    fcov_totals(&steered, &hs, &total);
    cr_log_info("40 runs: %u bins plain, %u steered, of %u", hp, hs, total);
    cr_assert_gt(hs, hp, "steered %u bins, plain %u", hs, hp);
    static struct fcov_db empty;
    cr_assert_eq(fcov_steer(&empty, 5, FCOV_STEER_CANDS), 5, "with nothing hit the seed itself is as good as any");
}

Test(fcov, cli_collects_prints_and_checks_closure, .timeout = 300)
{
    static char out[16384], cmd[512];
    char dir[] = "/tmp/vdpu-fcov-XXXXXX";
    cr_assert(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, VDPU " run -q --engine model --workload net-random --seed 3 --fcov %s/db.json", dir);
    cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    char first[40]; /* the first run of an empty db: one new bin per cross */
    snprintf(first, sizeof first, "fcov: %u new bins", fcov_ncross());
    cr_assert(strstr(out, first), "%s", out);
    cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "over 2 run(s)"), "%s", out);
    cr_assert(strstr(out, "steered to"), "the same seed again is steered elsewhere: %s", out);
    snprintf(cmd, sizeof cmd, VDPU " fcov %s/db.json --html %s/fcov.html", dir, dir);
    cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "functional coverage:") && strstr(out, "reset_irq_coal") && strstr(out, "unhit in chains"),
              "%s", out);
    snprintf(cmd, sizeof cmd, "grep -c '<tr' %s/fcov.html", dir);
    cr_assert_eq(sh(cmd, out, sizeof out), 0);
    cr_assert_eq(strtoul(out, NULL, 10), all_bins() + fcov_ncross(), "one row per bin and a header per cross");
    snprintf(cmd, sizeof cmd, VDPU " fcov %s/db.json --min-hit 1000", dir);
    cr_assert_eq(sh(cmd, out, sizeof out), 1, "closure not reached: exit 1");
    cr_assert_eq(sh(VDPU " run --workload net-tx --fcov /tmp/x.json", out, sizeof out), 2, "%s", out);
    cr_assert_eq(sh(VDPU " fcov /nonexistent/db.json", out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(sh(cmd, out, sizeof out), 0);
}
