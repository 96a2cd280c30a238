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
 * the new one, so it took the packed descriptor for a split one with INDIRECT set) */
Test(fuzz_replay, dev_cosim_seeds_and_findings, .timeout = 600)
{
    cr_assert_geq(replay("fuzz/corpus/dev", fuzz_dev_cosim_one), 6);
    cr_assert_geq(replay("fuzz/regress/dev_cosim", fuzz_dev_cosim_one), 1);
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
