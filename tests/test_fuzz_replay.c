/* test_fuzz_replay.c - the fuzz targets (fuzz/) in the normal suite: every seed of their corpus and
 * every finding pinned in fuzz/regress/TARGET/ (renamed after what it found, fixed since) runs
 * through the same entry point libFuzzer calls. An input that trips an oracle aborts with a
 * "FINDING" line, which Criterion reports as a crash of the test. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sweep.h"
#include "sweep_merge.h"

/* Replay every regular file of dir (a missing dir counts 0); returns how many ran. */
static unsigned replay(const char *dir, int (*one)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        cr_log_info("replay %s (%zu bytes)", path, len);
        cr_assert_eq(one(buf, len), 0, "%s", path);
        n++;
    }
    closedir(d);
    return n;
}

Test(fuzz_replay, dev_seeds_and_findings, .timeout = 300)
{
    unsigned n = replay("fuzz/corpus/dev", fuzz_dev_one);
    cr_assert_geq(n, 6, "the seed corpus of fuzz_dev is fuzz/corpus/dev (tools/fuzz_seeds.py)");
    replay("fuzz/regress/dev", fuzz_dev_one);
}

/* RTL and model side by side: the seeds, and what fuzz_dev_cosim found (fuzz/regress/dev_cosim:
 * eng_ctrl_packed_changed_mid_service - firmware rewriting ENG_CTRL's ring layout while a
 * descriptor read was in flight: the RTL kept the layout it picked the queue with, the model read
 * the new one, so it took the packed descriptor for a split one with INDIRECT set;
 * live_queue_resize_splits_desc_read - a queue_size committed for an enabled queue between the edge
 * that decided a packed descriptor read and the one that issued it: the two sides sized it apart;
 * packed_position_past_the_ring_end_wraps - a queue served split (its last_avail a free-running count,
 * left at 1), then packed with size 1: the model wrapped the next slot with `>=`, the RTL with `==` and
 * read slot 2; nd_retires_by_the_latched_layout - firmware rewrote ENG_CTRL from packed to split while a
 * packed transmit service ran: the RTL retired the queue's notification data by the new layout, the
 * model by the service's, and the next descriptor read was 64 bytes vs 16; rx_run_ahead_read_index_unset -
 * the model's ra_issue formed &rb[i] with i unset when the run-ahead ramp refused the reads after the
 * first (UBSan in the fuzz build only: the pointer was never used; 2026-12-07)) */
Test(fuzz_replay, dev_cosim_seeds_and_findings, .timeout = 600)
{
    cr_assert_geq(replay("fuzz/corpus/dev", fuzz_dev_cosim_one), 6);
    cr_assert_geq(replay("fuzz/regress/dev_cosim", fuzz_dev_cosim_one), 5);
}

Test(fuzz_replay, file_inputs_seeds_and_findings, .timeout = 300)
{
    cr_assert_geq(replay("fuzz/corpus/elf", fuzz_elf_one), 1);
    cr_assert_geq(replay("fuzz/corpus/pcap", fuzz_pcap_one), 1);
    cr_assert_geq(replay("fuzz/corpus/sweep", fuzz_sweep_one), 1);
    replay("fuzz/regress/elf", fuzz_elf_one);
    replay("fuzz/regress/pcap", fuzz_pcap_one);
    replay("fuzz/regress/sweep", fuzz_sweep_one);
}

/* What fuzz_sweep found (fuzz/regress/sweep/manifest_id_not_an_integer, an UndefinedBehaviorSanitizer
 * report): numbers of the sweep files were cast from double unchecked - a point without "id" became
 * (unsigned)NaN. Each such field is now refused with its reason; the unsanitized build cannot see
 * the cast, so the refusal is what this test checks. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert(fputs(text, f) >= 0 && fclose(f) == 0);
}

Test(fuzz_replay, sweep_numbers_out_of_range_are_refused)
{
    char err[512];
    struct sweep_spec spec;
    struct sweep_point *pts = NULL;
    unsigned n = 0;
    sweep_spec_default(&spec);
    n = sweep_points(&spec, &pts, err, sizeof err);
    cr_assert_gt(n, 0, "%s", err);
    /* the manifest the fuzzer found: every point but one has its id */
    FILE *f = fopen("fuzz/regress/sweep/manifest_id_not_an_integer", "rb");
    cr_assert_not_null(f);
    static char man[1 << 16];
    size_t len = fread(man, 1, sizeof man - 1, f);
    fclose(f);
    man[len] = 0;
    write_file("build/t-sweep.json", man + 1); /* byte 0 selects the manifest mode */
    struct sweep_spec s2;
    struct sweep_point *p2 = NULL;
    unsigned n2 = 0;
    cr_assert_eq(sweep_manifest_read("build/t-sweep.json", &s2, &p2, &n2, err, sizeof err), -1);
    cr_assert(strstr(err, "point 14 has no 'id' in 1..100000"), "%s", err);
    static const char *const bad[] = {"\"packets\": 1e300", "\"packets\": -1", "\"packets\": 2.5", "\"seed\": \"x\""};
    for (unsigned i = 0; i < 4; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, "{\"design\":\"star\",\"engine\":\"model\",\"axes\":{},\"points\":[],%s}", bad[i]);
        write_file("build/t-sweep.json", doc);
        cr_assert_eq(sweep_manifest_read("build/t-sweep.json", &s2, &p2, &n2, err, sizeof err), -1, "%s", bad[i]);
        cr_assert(strstr(err, "is not an integer in range"), "%s: %s", bad[i], err);
    }
    /* a point's JSON with a figure out of range: the point fails with the reason, nothing is cast */
    cr_assert_eq(system("mkdir -p build/t-merge/points"), 0);
    char path[128];
    snprintf(path, sizeof path, "build/t-merge/points/p%u.log", pts[0].id);
    write_file(path, "result: PASS\n");
    snprintf(path, sizeof path, "build/t-merge/points/p%u.json", pts[0].id);
    /* the point's own ring and features, so that only the figure is wrong */
    char feats[256] = "", doc[512];
    unsigned m = sweep_features_mask(sweep_val(&spec, &pts[0], SWEEP_AX_FEATURES));
    for (unsigned i = 0; i < SWEEP_NFEAT; i++)
        if (m >> i & 1)
            snprintf(feats + strlen(feats), sizeof feats - strlen(feats), "%s\"%s\"", feats[0] ? "," : "",
                     sweep_feature_names[i]);
    snprintf(doc, sizeof doc, "{\"ring\":\"%s\",\"features\":[%s],\"dma\":{},\"link\":{},\"read_latency\":{},"
             "\"packets\":1e300}", sweep_val(&spec, &pts[0], SWEEP_AX_RING), feats);
    write_file(path, doc);
    struct sweep_result *res = NULL;
    cr_assert_geq(sweep_merge("build/t-merge", &spec, pts, 1, &res, err, sizeof err), 1);
    cr_assert(!res[0].ok);
    cr_assert(strstr(res[0].why, "a figure is missing, not a number or out of range"), "%s", res[0].why);
    free(res);
    free(pts);
}
