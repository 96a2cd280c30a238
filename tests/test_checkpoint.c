/* test_checkpoint.c - vdpu run --checkpoint / --restore: a run saved at C and restored goes on bit-exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define VDPU "./build/vdpu"

static char out[3][65536];

/* the line of out that starts with prefix (up to its end), or "" */
static const char *line_of(const char *o, const char *prefix, char *buf, size_t len)
{
    const char *p = strstr(o, prefix);
    buf[0] = 0;
    if (p) {
        size_t n = strcspn(p, "\n");
        snprintf(buf, len, "%.*s", (int)n, p);
    }
    return buf;
}

/* A (args) to the end; A with a checkpoint at `at`; the restore of that checkpoint to the end. The three
 * end with the same digest, cycle count, transaction count and traffic summary; the checkpoint was taken
 * with traffic under way (frames done before it, frames after it). */
static void round_trip(const char *args, uint64_t at, const char *workload)
{
    char path[] = "/tmp/vdpu-ckpt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, VDPU " run -q %s", args);
    cr_assert_eq(sh(cmd, out[0], sizeof out[0]), 0, "%s\n%s", cmd, out[0]);
    snprintf(cmd, sizeof cmd, VDPU " run -q %s --checkpoint %s --checkpoint-at %llu", args, path, (unsigned long long)at);
    cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 0, "%s\n%s", cmd, out[1]);
    char want[64];
    snprintf(want, sizeof want, "[host] checkpoint at cycle %llu (", (unsigned long long)at);
    const char *ck = strstr(out[1], want);
    cr_assert_not_null(ck, "taken at its cycle: %s", out[1]);
    unsigned long long done = strtoull(ck + strlen(want), NULL, 10);
    snprintf(cmd, sizeof cmd, VDPU " run -q --restore %s", path);
    cr_assert_eq(sh(cmd, out[2], sizeof out[2]), 0, "%s\n%s", cmd, out[2]);
    cr_assert(strstr(out[2], "vdpu run: restored from "), "%s", out[2]);
    char summary[64];
    snprintf(summary, sizeof summary, "[host] %s: ", workload);
    const char *prefixes[] = {"digest ", "cycles ", summary, "firmware: "};
    for (unsigned i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char a[256], b[256], c[256];
        line_of(out[0], prefixes[i], a, sizeof a);
        cr_assert(a[0], "'%s' in %s", prefixes[i], out[0]);
        cr_assert_str_eq(line_of(out[1], prefixes[i], b, sizeof b), a, "with the checkpoint taken: %s", args);
        cr_assert_str_eq(line_of(out[2], prefixes[i], c, sizeof c), a, "restored: %s", args);
    }
    unsigned long long total = strtoull(strstr(out[0], summary) + strlen(summary), NULL, 10);
    cr_assert(done > 0 && done < total, "the checkpoint falls inside the traffic: %llu of %llu frames done (%s)", done,
              total, args);
    unlink(path);
}

Test(checkpoint, round_trip_model, .timeout = 120)
{
    round_trip("--engine model --workload net-loopback --packets 300 --seed 5", 250000, "net-loopback");
}

Test(checkpoint, round_trip_rtl, .timeout = 300)
{
    round_trip("--engine rtl --workload net-loopback --packets 300 --ring packed --seed 6", 250000, "net-loopback");
}

Test(checkpoint, round_trip_cosim, .timeout = 300)
{
    round_trip("--engine cosim --workload net-tx --packets 200 --seed 7", 60000, "net-tx");
}

/* the driver's and the device's less common states: a batching engine with IN_ORDER and MRG_RXBUF
 * frames spanning small buffers; receive with the wire's queue in flight; a wire slower than the device;
 * INTx; a PCIe fault recovered before the checkpoint; frames from a pcap */
Test(checkpoint, round_trip_variants_model, .timeout = 300)
{
    round_trip("--engine model --workload net-loopback --packets 300 --ring packed --prefetch 8 --used-batch 8 "
               "--features +in_order,+mrg_rxbuf --rx-buf-size 256 --seed 2",
               60000, "net-loopback");
    round_trip("--engine model --workload net-rx --packets 200 --ring packed --seed 3", 60000, "net-rx");
    round_trip("--engine model --workload net-tx --packets 200 --wire-gbps 1 --seed 9", 60000, "net-tx");
    round_trip("--engine model --workload net-loopback --packets 200 --intx --seed 4", 150000, "net-loopback");
    round_trip("--engine model --workload net-loopback --packets 400 --pcie-fault ca@3 --seed 9", 250000,
               "net-loopback");
    cr_assert(strstr(out[2], "re-initialized at cycle") == NULL && strstr(out[1], "re-initialized at cycle"),
              "the fault and its recovery came before the checkpoint: %s", out[1]);
    char pcap[] = "/tmp/vdpu-ckpt-pcap-XXXXXX";
    int fd = mkstemp(pcap);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, VDPU " run -q --engine model --workload net-tx --packets 7 --pkt-size random --pcap-out %s",
             pcap);
    cr_assert_eq(sh(cmd, out[0], sizeof out[0]), 0, "%s", out[0]);
    snprintf(cmd, sizeof cmd, "--engine model --workload net-tx --packets 100 --pcap-in %s", pcap);
    round_trip(cmd, 40000, "net-tx");
    unlink(pcap);
}

/* the multiqueue driver (two queue pairs, flows steered and checked per receiveq): its queues, every flow's
 * frames in flight and its loop move too; the device's steering table with the device */
Test(checkpoint, round_trip_two_queue_pairs, .timeout = 300)
{
    round_trip("--engine model --workload net-loopback --packets 400 --pairs 2 --seed 3", 250000,
               "net-loopback over 2 queue pairs");
    round_trip("--engine cosim --workload net-tx --packets 200 --pairs 2 --ring packed --seed 5", 60000,
               "net-tx over 2 queue pairs");
}

/* a restored run takes a checkpoint of its own, and that one restores too */
Test(checkpoint, restore_then_checkpoint_again, .timeout = 120)
{
    char a[] = "/tmp/vdpu-ckpt-a-XXXXXX", b[] = "/tmp/vdpu-ckpt-b-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    cr_assert(fa >= 0 && fb >= 0);
    close(fa);
    close(fb);
    char cmd[512], d0[128], d1[128], d2[128];
    snprintf(cmd, sizeof cmd,
             VDPU " run -q --engine model --workload net-loopback --packets 300 --ring packed --seed 12 "
                  "--checkpoint %s --checkpoint-at 150000",
             a);
    cr_assert_eq(sh(cmd, out[0], sizeof out[0]), 0, "%s", out[0]);
    snprintf(cmd, sizeof cmd, VDPU " run -q --restore %s --checkpoint %s --checkpoint-at 250000", a, b);
    cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 0, "%s", out[1]);
    cr_assert(strstr(out[1], "[host] checkpoint at cycle 250000 ("), "%s", out[1]);
    snprintf(cmd, sizeof cmd, VDPU " run -q --restore %s", b);
    cr_assert_eq(sh(cmd, out[2], sizeof out[2]), 0, "%s", out[2]);
    line_of(out[0], "digest ", d0, sizeof d0);
    cr_assert_str_eq(line_of(out[1], "digest ", d1, sizeof d1), d0);
    cr_assert_str_eq(line_of(out[2], "digest ", d2, sizeof d2), d0);
    unlink(a);
    unlink(b);
}

static void flip(const char *path, long at, int with)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    int ch = fgetc(f);
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    fputc(with >= 0 ? with : ch ^ 0x10, f);
    cr_assert_eq(fclose(f), 0);
}

/* every bad checkpoint or combination is a one-line named error with exit status 2, before anything runs */
Test(checkpoint, misuse_is_a_named_error, .timeout = 120)
{
    char path[] = "/tmp/vdpu-ckpt-m-XXXXXX", bad[] = "/tmp/vdpu-ckpt-bad-XXXXXX";
    int fd = mkstemp(path), fb = mkstemp(bad);
    cr_assert(fd >= 0 && fb >= 0);
    close(fd);
    close(fb);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             VDPU " run -q --engine model --workload net-tx --packets 200 --checkpoint %s --checkpoint-at 40000", path);
    cr_assert_eq(sh(cmd, out[0], sizeof out[0]), 0, "%s", out[0]);
    struct {
        long at;     /* byte to change (-1: none) */
        int with;    /* its new value (-1: a bit flipped) */
        long cut;    /* length to cut the file to (0: keep) */
        const char *what;
    } cases[] = {
        {4, 2, 0, "a checkpoint of another format version"},
        {8, -1, 0, "written by a vdpu built from other sources (state layout differs)"},
        {0, 'X', 0, "not a vdpu checkpoint (no VDCK header)"},
        {200, -1, 0, "corrupt"},
        {-1, 0, 1000, "truncated"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "cp %s %s", path, bad);
        cr_assert_eq(system(cmd), 0);
        if (cases[i].at >= 0) flip(bad, cases[i].at, cases[i].with);
        if (cases[i].cut) cr_assert_eq(truncate(bad, cases[i].cut), 0);
        snprintf(cmd, sizeof cmd, VDPU " run -q --restore %s", bad);
        cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 2, "case %u: %s", i, out[1]);
        cr_assert(strstr(out[1], cases[i].what), "case %u: %s", i, out[1]);
        cr_assert(!strstr(out[1], "result:"), "nothing ran: %s", out[1]);
    }
    snprintf(cmd, sizeof cmd, VDPU " run -q --restore %s --engine rtl", path);
    cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 2, "%s", out[1]);
    cr_assert(strstr(out[1], "--engine with --restore: the run's options come from the checkpoint"), "%s", out[1]);
    snprintf(cmd, sizeof cmd, VDPU " run -q --restore /nonexistent/ckpt");
    cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 2, "%s", out[1]);
    cr_assert(strstr(out[1], "cannot read the checkpoint '/nonexistent/ckpt'"), "%s", out[1]);
    const struct {
        const char *args, *what;
    } usage[] = {
        {"-w net-tx --checkpoint /tmp/x.ck", "--checkpoint and --checkpoint-at go together"},
        {"-w random --checkpoint /tmp/x.ck --checkpoint-at 5", "--checkpoint is for net-tx, net-rx and net-loopback"},
        {"-w net-tx --checkpoint /tmp/x.ck --checkpoint-at 5 --migrate-at 9", "not in one run"},
        {"-w net-tx --checkpoint /tmp/x.ck --checkpoint-at 5 --engine rtl --wave /tmp/x.fst", "cannot be saved"},
        {"-w net-tx --checkpoint /nonexistent/dir/x.ck --checkpoint-at 5", "cannot write the checkpoint"},
    };
    for (unsigned i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        snprintf(cmd, sizeof cmd, VDPU " run -q %s", usage[i].args);
        cr_assert_eq(sh(cmd, out[1], sizeof out[1]), 2, "%s: %s", usage[i].args, out[1]);
        cr_assert(strstr(out[1], usage[i].what), "%s: %s", usage[i].args, out[1]);
    }
    /* a write that fails, and a cycle the traffic never reaches: the run fails, saying so */
    cr_assert_eq(sh(VDPU " run -q --engine model -w net-tx --packets 20 --checkpoint /dev/full --checkpoint-at 500", out[1],
                    sizeof out[1]),
                 1, "%s", out[1]);
    cr_assert(strstr(out[1], "checkpoint failed: cannot write the checkpoint '/dev/full'"), "%s", out[1]);
    cr_assert_eq(sh(VDPU " run -q --engine model -w net-tx --packets 20 --checkpoint /tmp/vdpu-never.ck --checkpoint-at "
                         "90000000",
                    out[1], sizeof out[1]),
                 1, "%s", out[1]);
    cr_assert(strstr(out[1], "no checkpoint: the traffic ended at cycle"), "%s", out[1]);
    unlink("/tmp/vdpu-never.ck");
    unlink(path);
    unlink(bad);
}
