/* test_compare.c - vdpu compare: the spec-minimum calculator by hand-computed cases, point lists, the manifest,
 * option errors, and small sweeps end to end (model: outputs read back; cosim: no mismatch). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eng_storage.h"
#include "harness.h"
#include "specmin.h"
#include "sweep.h"

#define VDPU "./build/vdpu"
#define TDIR "build/test-compare"

static void near(double got, double want, const char *what)
{
    cr_assert(fabs(got - want) < 1e-9, "%s: got %.10f, expected %.10f", what, got, want);
}

static struct specmin min_of(bool packed, unsigned feat, unsigned P, unsigned B, unsigned size, enum specmin_dir d)
{
    struct specmin_cfg c;
    specmin_cfg_default(&c);
    c.packed = packed;
    c.event_idx = feat & 1;
    c.in_order = feat & 4;
    c.notif_data = feat & 8;
    c.prefetch = P;
    c.batch = B;
    c.pkt_size = size;
    c.dir = d;
    struct specmin m;
    specmin_compute(&c, &m);
    return m;
}

/* ---- spec minimum: each case worked out by hand from the rules in docs/split-vs-packed.md ------------ */

Test(compare_specmin, split_tx_no_features_64B)
{
    struct specmin m = min_of(false, 0, 1, 1, 64, SPECMIN_TX);
    /* avail flags+idx once per 256-entry window (4 B: request + one completion = 2 TLPs) */
    near(m.p[VDPU_PURP_AVAIL_IDX].requests, 1.0 / 256, "avail_idx requests");
    near(m.p[VDPU_PURP_AVAIL_IDX].link_bytes, (4 + 2 * 24) / 256.0, "avail_idx link bytes");
    near(m.p[VDPU_PURP_AVAIL_RING].link_bytes, 2 + 2 * 24, "avail_ring link bytes");
    near(m.p[VDPU_PURP_DESC].link_bytes, 16 + 2 * 24, "desc link bytes");
    /* 12 + 64 = 76 bytes from a 64-byte boundary: two completions */
    near(m.p[VDPU_PURP_PAYLOAD_RD].tlps, 3, "payload TLPs");
    near(m.p[VDPU_PURP_PAYLOAD_RD].link_bytes, 76 + 3 * 24, "payload link bytes");
    near(m.p[VDPU_PURP_USED].link_bytes, 8 + 24, "used link bytes");
    near(m.p[VDPU_PURP_USED_IDX].link_bytes, 2 + 24, "used_idx link bytes");
    near(m.p[VDPU_PURP_MSIX].link_bytes, 4 + 24, "msix link bytes");
    near(m.p[VDPU_PURP_EVENT].requests, 0, "no event without EVENT_IDX");
    near(m.requests, 6 + 1.0 / 256, "total requests");
    near(m.link_bytes, 348 + 52.0 / 256, "total link bytes");
}

Test(compare_specmin, packed_tx_all_features_P8_B8_1500B)
{
    struct specmin m = min_of(true, 15, 8, 8, 1500, SPECMIN_TX);
    near(m.p[VDPU_PURP_DESC].requests, 1.0 / 8, "desc: 8 per read");
    near(m.p[VDPU_PURP_DESC].link_bytes, (128 + 3 * 24) / 8.0, "desc link bytes");
    near(m.p[VDPU_PURP_EVENT].link_bytes, (4 + 2 * 24) / 8.0, "off_wrap read per batch");
    near(m.p[VDPU_PURP_USED].requests, 1.0 / 8, "IN_ORDER: one used descriptor per batch");
    /* 1512 bytes: reads of 512, 512, 488 -> 8 + 8 + 8 completions */
    near(m.p[VDPU_PURP_PAYLOAD_RD].requests, 3, "payload requests");
    near(m.p[VDPU_PURP_PAYLOAD_RD].link_bytes, 1512 + 27 * 24, "payload link bytes");
    near(m.p[VDPU_PURP_AVAIL_IDX].requests + m.p[VDPU_PURP_AVAIL_RING].requests + m.p[VDPU_PURP_USED_IDX].requests,
         0, "packed has no avail/used rings");
    near(m.requests, 3.5, "total requests");
    near(m.link_bytes, 25 + 6.5 + 4 + 2160 + 3.5, "total link bytes");
}

/* the directions: read requests and writes go up, completions come down; together the total */
/* The storage a setting costs, structure by structure; the engine's clamping of its fields (0 acts as 1,
 * above ENG_PARAM_MAX as ENG_PARAM_MAX) applies. */
Test(compare_specmin, engine_storage_by_setting)
{
    struct eng_storage a, b, c;
    eng_storage_of(1, 1, 1, 1, &a);
    cr_assert_eq(a.desc_cache, 16);
    cr_assert_eq(a.used_batch, 4);
    cr_assert_eq(a.read_slots, 8, "length, bytes got (16 bits), offset (18), busy, nine next-fetch bits: 60 bits");
    cr_assert_eq(a.mrg, 16 * 6);
    cr_assert_eq(a.frame_bufs, 3 * 9216, "one TX frame buffer, two RX");
    cr_assert_eq(a.in_order, 2 + 5 * VDPU_NUM_QUEUES);
    cr_assert_eq(a.beside, VDPU_EV_PENDING * 8 + 7, "the decisions (58 bits) and the avail refresh; P 1 reads nothing ahead");
    cr_assert_eq(a.tx_fetch, 0, "no TX fetch at K 1");
    cr_assert_eq(a.total, 16 + 4 + 8 + 96 + 27648 + 27 + a.beside);
    eng_storage_of(8, 8, 8, 1, &b);
    /* each step of P, B, M costs its entry; P > 1 the run-ahead reads' descriptors too (RX_AHEAD_READS of
     * P, the first two beside the TX fetch's pcx and pcy) */
    const unsigned ra = VDPU_RX_AHEAD_READS, caches = 1 + VDPU_RX_AHEAD_READS;
    cr_assert_eq(b.total - a.total, 7 * (16 + 4 + 8) + ra * 8 * 16 + ra * 3,
                 "each step of P, B, M costs its entry; P > 1 the run-ahead reads (3 bytes each)");
    eng_storage_of(0, 200, 8, 0, &c);
    cr_assert_eq(c.desc_cache, 16, "P 0 acts as 1");
    cr_assert_eq(c.used_batch, VDPU_ENG_PARAM_MAX * 4, "B above ENG_PARAM_MAX acts as it");
    cr_assert_eq(c.frame_bufs, 3 * 9216, "K 0 acts as 1: one frame's TX buffer");
    char buf[320], want[160];
    eng_storage_format(&b, 8, 8, 8, 1, buf, sizeof buf);
    snprintf(want, sizeof want, "reads and decisions beside the engine %u)", VDPU_EV_PENDING * 8 + ra * 3 + 7);
    cr_assert(strstr(buf, want), "the line ends with the reads and decisions beside the engine: %s", buf);
    snprintf(want, sizeof want, "%u bytes (descriptor caches (prefetch, %u read ahead) %u x 8 x 16, used batch 8 x 4, payload read slots 8 x 8",
             27867 + VDPU_EV_PENDING * 8 + ra * 3 + 7 + caches * 8 * 16, ra, caches);
    cr_assert(strstr(buf, want), "%s", buf);
    /* TX fetch: ten TX fetch buffers side by side (the fetch's and nine next fetches'), each
     * as much as a fetch of K frames may fill - K standard frames of 1,536 bytes, one longest frame (9,216) at
     * least; the run-ahead descriptors and those beyond the next fetch */
    _Static_assert(VDPU_TX_FETCH_BUFS == 10, "the fetch in PAY and nine next fetches");
    struct eng_storage k2, k8, k15;
    eng_storage_of(8, 8, 8, 2, &k2);
    eng_storage_of(8, 8, 8, 8, &k8);
    eng_storage_of(8, 8, 8, 15, &k15);
    cr_assert_eq(k2.frame_bufs, 10 * 9216 + 2 * 9216, "K 2: the longest frame");
    cr_assert_eq(k8.frame_bufs, 10 * 12288 + 2 * 9216, "K 8: eight standard frames");
    cr_assert_eq(k15.frame_bufs, 10 * 23040 + 2 * 9216, "K 15: fifteen, TX_BUF_BYTES");
    _Static_assert(VDPU_TX_BUF_BYTES == 23040, "fifteen frames of 1,536 bytes");
    /* the fetch's state (39 bits: 5 bytes), its read ahead's (21: 3), nine next fetches (67: 9 each), twelve
     * reads beyond (22: 3 each) */
    _Static_assert(VDPU_TX_BEYOND_READS == 12, "twelve reads beyond");
    cr_assert_eq(k8.tx_fetch, 5 + 3 + 9 * 9 + 12 * 3);
    cr_assert_eq(k8.total - b.total, 10 * 12288 - 9216 + k8.tx_fetch, "the TX fetch buffers and state");
    eng_storage_format(&k8, 8, 8, 8, 8, buf, sizeof buf);
    cr_assert(strstr(buf, "frame buffers TX 122880 + RX 2 x 9216, in-order hints 27, TX fetch state 125, reads"), "%s", buf);
    snprintf(want, sizeof want, "descriptor caches (prefetch, %u read ahead) %u x 8 x 16", ra, caches);
    cr_assert(strstr(buf, want), "%s", buf);
    eng_storage_of(8, 8, 1, 8, &k8);
    cr_assert_eq(k8.frame_bufs, 3 * 9216, "K acts only with M > 1");
    cr_assert_eq(k8.desc_cache, caches * 8 * 16, "P > 1: the run-ahead reads' descriptors");
}

Test(compare_specmin, link_bytes_by_direction_and_link_bound)
{
    struct specmin m = min_of(false, 0, 1, 1, 64, SPECMIN_TX);
    /* up: requests of avail idx (1/256), avail ring, desc, payload (24 B each), used (8 + 24),
     * used idx (2 + 24), MSI-X (4 + 24); down: 4 + 24 (1/256), 2 + 24, 16 + 24, 76 + 2 * 24 */
    near(m.up_link_bytes, 24.0 / 256 + 3 * 24 + 32 + 26 + 28, "up");
    near(m.down_link_bytes, 28.0 / 256 + 26 + 40 + 124, "down");
    near(m.up_link_bytes + m.down_link_bytes, m.link_bytes, "up + down = total");
    /* the link's cycles, each TLP whole 32-byte cycles: up - the four read requests 1 each (avail idx 1/256),
     * used (32 B), used idx (26), MSI-X (28) 1 each; down - a header cycle and the data's per completion:
     * avail idx 2 (1/256), avail ring 2, desc 2, payload 3 + 2 (64 + 12 bytes at the 64-byte RCB) */
    near(m.up_link_cycles, 1.0 / 256 + 3 + 3, "up cycles");
    near(m.down_link_cycles, 2.0 / 256 + 2 + 2 + 5, "down cycles");
    near(specmin_link_bound(&m), 1 / (2.0 / 256 + 9), "down is busier: a packet per 9 cycles of it");
    struct specmin p = min_of(true, 15, 8, 8, 1500, SPECMIN_LOOPBACK);
    near(p.up_link_bytes + p.down_link_bytes, p.link_bytes, "loopback: up + down = total");
    cr_assert(p.up_link_bytes > 1500 && p.down_link_bytes > 1500, "loopback moves each frame up and down");
    struct specmin z;
    memset(&z, 0, sizeof z);
    near(specmin_link_bound(&z), 0, "nothing moved: no bound");
}

Test(compare_specmin, split_rx_event_idx_in_order_P2_B4_256B)
{
    struct specmin m = min_of(false, 1 | 4, 2, 4, 256, SPECMIN_RX);
    near(m.p[VDPU_PURP_AVAIL_IDX].link_bytes, (2 + 48) / 256.0, "idx once per window");
    near(m.p[VDPU_PURP_EVENT].requests, 0.25, "used_event per batch, no avail_event on RX");
    near(m.p[VDPU_PURP_AVAIL_RING].requests, 0, "IN_ORDER: heads are known");
    near(m.p[VDPU_PURP_DESC].link_bytes, (32 + 48) / 2.0, "two consecutive descriptors per read");
    near(m.p[VDPU_PURP_USED].link_bytes, (8 + 24) / 4.0, "IN_ORDER: one element per batch");
    near(m.p[VDPU_PURP_PAYLOAD_WR].requests, 2, "268 bytes in writes of 256 + 12");
    near(m.p[VDPU_PURP_PAYLOAD_WR].link_bytes, 268 + 48, "payload link bytes");
    near(m.requests, 3.5 + 1.0 / 256, "total requests");
    near(m.link_bytes, 390 + 50.0 / 256, "total link bytes");
}

Test(compare_specmin, split_tx_notification_data_trades_idx_read_for_avail_event)
{
    struct specmin a = min_of(false, 1, 1, 1, 64, SPECMIN_TX), b = min_of(false, 1 | 8, 1, 1, 64, SPECMIN_TX);
    near(a.p[VDPU_PURP_AVAIL_IDX].requests, 1.0 / 256, "without: idx read");
    near(b.p[VDPU_PURP_AVAIL_IDX].requests, 0, "with: idx from the doorbell");
    near(b.p[VDPU_PURP_EVENT].link_bytes - a.p[VDPU_PURP_EVENT].link_bytes, 26.0 / 256, "avail_event write");
    near(a.requests, 7 + 1.0 / 256, "requests unchanged");
    near(b.link_bytes, 398 + 26.0 / 256, "link bytes");
    /* RX never needs doorbells: NOTIFICATION_DATA changes nothing there */
    struct specmin c = min_of(false, 1, 1, 1, 64, SPECMIN_RX), d = min_of(false, 1 | 8, 1, 1, 64, SPECMIN_RX);
    near(c.link_bytes, d.link_bytes, "RX unchanged");
}

Test(compare_specmin, imix_loopback_is_both_directions_over_the_mix)
{
    struct specmin m = min_of(false, 0, 1, 1, 0, SPECMIN_LOOPBACK);
    /* TX payload reads: 76 B (1 req, 3 TLPs), 588 B (2, 12), 1512 B (3, 27) in 7:4:1 */
    near(m.p[VDPU_PURP_PAYLOAD_RD].requests, 18.0 / 12, "payload reads");
    near(m.p[VDPU_PURP_PAYLOAD_RD].link_bytes, 4396.0 / 12 + 96.0 / 12 * 24, "payload read link bytes");
    /* RX payload writes: 1, 3 and 6 */
    near(m.p[VDPU_PURP_PAYLOAD_WR].requests, 25.0 / 12, "payload writes");
    near(m.requests, 2 * (5 + 1.0 / 256) + 18.0 / 12 + 25.0 / 12, "total requests");
    near(m.link_bytes, 2 * (200 + 52.0 / 256) + 4396.0 / 12 * 2 + 8 * 24 + 25.0 / 12 * 24, "total link bytes");
    /* the mix actually sent replaces the nominal one */
    struct specmin_cfg c;
    specmin_cfg_default(&c);
    c.pkt_size = 0;
    c.imix_share[2] = 1;
    struct specmin all1500, direct = min_of(false, 0, 1, 1, 1500, SPECMIN_TX);
    specmin_compute(&c, &all1500);
    near(all1500.link_bytes, direct.link_bytes, "a mix of only 1500 B frames");
}

Test(compare_specmin, packed_never_reads_more_than_split)
{
    static const unsigned sizes[] = {64, 256, 1500, 0};
    for (unsigned f = 0; f < 16; f++)
        for (unsigned P = 1; P <= 8; P *= 2)
            for (unsigned B = 1; B <= 8; B *= 2)
                for (unsigned z = 0; z < 4; z++)
                    for (unsigned d = 0; d < 3; d++) {
                        struct specmin s = min_of(false, f, P, B, sizes[z], d), p = min_of(true, f, P, B, sizes[z], d);
                        cr_assert(p.requests <= s.requests + 1e-9, "f=%u P=%u B=%u size=%u dir=%u: packed %.4f > split %.4f",
                                  f, P, B, sizes[z], d, p.requests, s.requests);
                        cr_assert(p.link_bytes <= s.link_bytes + 1e-9, "f=%u P=%u B=%u size=%u dir=%u: bytes", f, P, B,
                                  sizes[z], d);
                    }
}

/* ---- point lists, values, commands, manifest --------------------------------------------------------- */

static int ax(const char *name)
{
    int a = sweep_axis_find(name);
    cr_assert_geq(a, 0, "axis %s", name);
    return a;
}

Test(compare_sweep, default_star_design)
{
    struct sweep_spec s;
    sweep_spec_default(&s);
    char err[200];
    struct sweep_point *p;
    unsigned n = sweep_points(&s, &p, err, sizeof err);
    /* ring x features x workload = 2 x 3 x 3, each with the base and 3 more values of size, rtt, P, B */
    cr_assert_eq(n, 18 * (1 + 3 + 3 + 3 + 3));
    for (unsigned k = 0; k < n; k++) cr_assert_eq(p[k].id, k + 1);
    for (unsigned a = 0; a < sweep_naxes; a++) cr_assert_eq(p[0].vi[a], 0, "the first point is the base");
    cr_assert_str_eq(sweep_val(&s, &p[1], SWEEP_AX_PKT), "256");
    cr_assert_str_eq(sweep_val(&s, &p[1], SWEEP_AX_RTT), "200");
    cr_assert_str_eq(sweep_val(&s, &p[13], SWEEP_AX_WORKLOAD), "rx", "the next combination of crossed axes");
    /* a non-crossed axis moves alone: every point differs from its combination's base on one axis at most */
    for (unsigned k = 0; k < n; k++) {
        unsigned moved = 0;
        for (unsigned a = 0; a < sweep_naxes; a++) moved += !sweep_axes[a].crossed && p[k].vi[a] != 0;
        cr_assert_leq(moved, 1, "point %u", p[k].id);
    }
    free(p);
}

Test(compare_sweep, cross_design_is_the_full_product)
{
    struct sweep_spec s;
    sweep_spec_default(&s);
    char err[200];
    s.cross = true;
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("pkt-size"), "64,1500", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("rtt"), "200", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("prefetch"), "1,8", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("used-batch"), "4", err, sizeof err), 0);
    struct sweep_point *p;
    unsigned n = sweep_points(&s, &p, err, sizeof err);
    cr_assert_eq(n, 2 * 3 * 3 * 2 * 1 * 2 * 1);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++) cr_assert(memcmp(p[i].vi, p[j].vi, sizeof p[i].vi), "points %u and %u", i, j);
    free(p);
}

Test(compare_sweep, values_are_canonical_and_checked)
{
    struct sweep_spec s;
    sweep_spec_default(&s);
    char err[300];
    unsigned f = (unsigned)ax("features");
    cr_assert_eq(sweep_set_axis(&s, f, "in_order+evt,VIRTIO_F_NOTIFICATION_DATA,NONE,all", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s.v[f][0], "EVENT_IDX+IN_ORDER");
    cr_assert_str_eq(s.v[f][1], "NOTIFICATION_DATA");
    cr_assert_str_eq(s.v[f][2], "none");
    cr_assert_str_eq(s.v[f][3], "all");
    cr_assert_eq(sweep_features_mask("EVENT_IDX+IN_ORDER"), 1 | 4);
    cr_assert_eq(sweep_set_axis(&s, f, "every", err, sizeof err), 0);
    cr_assert_eq(s.n[f], 16);
    cr_assert_eq(sweep_set_axis(&s, f, "all,evt+ind+ord+ntf", err, sizeof err), -1, "the same set twice");
    cr_assert(strstr(err, "twice"), "%s", err);
    cr_assert_eq(sweep_set_axis(&s, f, "EVENT_IDX+MQ", err, sizeof err), -1);
    cr_assert(strstr(err, "'MQ'"), "%s", err);
    unsigned z = (unsigned)ax("pkt-size");
    cr_assert_eq(sweep_set_axis(&s, z, "IMIX,0064", err, sizeof err), 0);
    cr_assert_str_eq(s.v[z][0], "imix");
    cr_assert_str_eq(s.v[z][1], "64");
    static const char *const bad[] = {"9", "1515", "-64", "64b", "", "64,,256", ",64"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(sweep_set_axis(&s, z, bad[i], err, sizeof err), -1, "'%s' accepted", bad[i]);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("prefetch"), "0", err, sizeof err), -1);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("ring"), "split,ring", err, sizeof err), -1);
}

Test(compare_sweep, point_command_maps_every_axis_to_run_options)
{
    struct sweep_spec s;
    sweep_spec_default(&s);
    char err[200], cmd[4096];
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("features"), "EVENT_IDX+IN_ORDER", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("workload"), "loopback", err, sizeof err), 0);
    struct sweep_point *p;
    unsigned n = sweep_points(&s, &p, err, sizeof err);
    cr_assert_eq(n, 2 * 13);
    cr_assert_eq(sweep_point_cmd(&s, &p[4], "/opt/vdpu it's", "/w/d", cmd, sizeof cmd), 0);
    cr_assert(strstr(cmd, "'/opt/vdpu it'\\''s' run --engine model --quiet --seed 1 --packets 1000 "), "%s", cmd);
    cr_assert(strstr(cmd, " --ring split --features +EVENT_IDX,-INDIRECT_DESC,+IN_ORDER,-NOTIFICATION_DATA "
                          "--workload net-loopback --pkt-size 64 --rtt 100 --prefetch 1 --used-batch 1 "
                          "--max-reads 1 --tx-fetch 1 --qsize 256 --json '/w/d/points/p5.json' >'/w/d/points/p5.log' 2>&1"), "%s", cmd);
    free(p);
}

Test(compare_sweep, manifest_round_trip)
{
    struct sweep_spec s, t;
    sweep_spec_default(&s);
    char err[300];
    s.cross = true;
    s.seed = 7;
    s.packets = 123;
    snprintf(s.engine, sizeof s.engine, "cosim");
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("pkt-size"), "imix,1500", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("prefetch"), "2", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("rtt"), "50", err, sizeof err), 0);
    cr_assert_eq(sweep_set_axis(&s, (unsigned)ax("used-batch"), "8,1", err, sizeof err), 0);
    struct sweep_point *p, *q;
    unsigned n = sweep_points(&s, &p, err, sizeof err), m;
    mkdir("build", 0777);
    mkdir(TDIR, 0777);
    cr_assert_eq(sweep_manifest_write(TDIR "/manifest.json", &s, p, n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sweep_manifest_read(TDIR "/manifest.json", &t, &q, &m, err, sizeof err), 0, "%s", err);
    cr_assert_eq(m, n);
    cr_assert(t.cross && t.seed == 7 && t.packets == 123);
    cr_assert_str_eq(t.engine, "cosim");
    for (unsigned a = 0; a < sweep_naxes; a++) {
        cr_assert_eq(t.n[a], s.n[a]);
        for (unsigned i = 0; i < s.n[a]; i++) cr_assert_str_eq(t.v[a][i], s.v[a][i]);
    }
    for (unsigned k = 0; k < n; k++) {
        cr_assert_eq(q[k].id, p[k].id);
        cr_assert_eq(memcmp(q[k].vi, p[k].vi, sizeof p[k].vi), 0);
    }
    free(p);
    free(q);
}

/* ---- the command line ------------------------------------------------------------------------------- */

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

Test(compare_cli, help_names_every_axis_and_option)
{
    static char out[16384];
    cr_assert_eq(sh(VDPU " compare --help", out, sizeof out), 0);
    for (unsigned a = 0; a < sweep_naxes; a++) {
        char opt[64];
        snprintf(opt, sizeof opt, "--%s LIST", sweep_axes[a].name);
        cr_assert(strstr(out, opt), "%s missing", opt);
        cr_assert(strstr(out, sweep_axes[a].defaults), "default of %s missing", sweep_axes[a].name);
    }
    static const char *const opts[] = {"--engine", "--jobs", "--packets", "--seed", "--dir", "--points-only",
                                       "--merge-only", "--csv", "--json", "--plot", "--markdown", "--quiet", "--design"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) cr_assert(strstr(out, opts[i]), "%s missing", opts[i]);
}

Test(compare_cli, bad_values_one_line_exit_2)
{
    static const char *const bad[] = {
        " --jobs 0", " --jobs x", " --ring circular", " --features EVENT_IDX+BOGUS", " --pkt-size 9",
        " --pkt-size 64,jumbo", " --prefetch 16", " --used-batch 0", " --rtt 0", " --engine fpga", " --workload tx,ping",
        " --design diamond", " --packets 0", " --seed -1", " --ring split,split", " --bogus", " extra", " --jobs",
        " --merge-only " TDIR "/nothing-here", " --merge-only x --ring split", " --points-only --csv x.csv",
    };
    static char out[4096];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, VDPU " compare%s", bad[i]);
        int st = sh(cmd, out, sizeof out);
        cr_assert_eq(st, 2, "'%s' exit %d, expected 2: %s", cmd, st, out);
        cr_assert_eq(lines(out), 1, "'%s' must print one line, got: %s", cmd, out);
    }
}

/* ---- end to end ------------------------------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s missing", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    return b;
}

static void check_png_svg(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s missing", path);
    unsigned char magic[8];
    cr_assert_eq(fread(magic, 1, 8, f), 8);
    fseek(f, 0, SEEK_END);
    cr_assert_gt(ftell(f), 2000, "%s is too small for a chart", path);
    fclose(f);
    cr_assert_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0, "%s is no PNG", path);
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    char *svg = slurp(path);
    const char *open = strstr(svg, "<svg");
    cr_assert(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4), "%s does not start as SVG", path);
    cr_assert(open && strstr(open, "</svg>"), "%s: no <svg>...</svg>", path);
    const char *end = strstr(open, "</svg>") + 6;
    while (*end == '\n' || *end == ' ') end++;
    cr_assert_eq(*end, 0, "%s: text after </svg>", path);
    cr_assert(strstr(svg, "<path") || strstr(svg, "<rect"), "%s draws nothing", path);
    free(svg);
}

#define SMALL " --packets 96 --ring split,packed --features none,all --workload tx,loopback --pkt-size 64,imix" \
              " --rtt 200,400 --prefetch 1,4 --used-batch 1,4 --jobs 2"
#define SMALL_POINTS (2 * 2 * 2 * (1 + 1 + 1 + 1 + 1))

Test(compare_e2e, model_sweep_outputs_read_back, .timeout = 300)
{
    static char out[1 << 16];
    int st = sh(VDPU " compare --engine model --dir " TDIR "/model/run --csv " TDIR "/model/c.csv --json " TDIR
                "/model/c.json --plot " TDIR "/model/plot --markdown " TDIR "/model/c.md" SMALL, out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "DMA requests per packet by purpose"), "%s", out);
    cr_assert(strstr(out, "Split vs packed"), "%s", out);
    char want[128];
    snprintf(want, sizeof want, "compare: %u points, engine model, %u passed, 0 failed", SMALL_POINTS, SMALL_POINTS);
    cr_assert(strstr(out, want), "%s", out);
    /* one command per line */
    char *pts = slurp(TDIR "/model/run/points.txt");
    cr_assert_eq(lines(pts), SMALL_POINTS);
    cr_assert(strstr(pts, "--workload net-loopback"));
    free(pts);

    /* CSV: header, one row per point */
    char *csv = slurp(TDIR "/model/c.csv");
    cr_assert_eq(lines(csv), SMALL_POINTS + 1);
    static const char head[] = "id,ring,features,workload,pkt-size,rtt,prefetch,used-batch,max-reads,tx-fetch,qsize,engine,ok,";
    cr_assert(!strncmp(csv, head, sizeof head - 1), "%.200s", csv);
    cr_assert(strstr(csv, ",min_req_per_pkt,") && strstr(csv, ",avail_ring_req,") && strstr(csv, ",lat_p99,"));
    free(csv);

    /* JSON: every point ok, its spec minimum the calculator's for its configuration, measured >= minimum */
    char *txt = slurp(TDIR "/model/c.json");
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cr_assert_not_null(j);
    const cJSON *arr = cJSON_GetObjectItem(j, "points"), *p;
    cr_assert_eq(cJSON_GetArraySize(arr), SMALL_POINTS);
    cJSON_ArrayForEach(p, arr) {
        const cJSON *cfg = cJSON_GetObjectItem(p, "config"), *meas = cJSON_GetObjectItem(p, "measured");
        const cJSON *sm = cJSON_GetObjectItem(p, "spec_min");
        cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "ok")));
        const char *ring = cJSON_GetObjectItem(cfg, "ring")->valuestring;
        const char *size = cJSON_GetObjectItem(cfg, "pkt-size")->valuestring;
        double req = cJSON_GetNumberValue(cJSON_GetObjectItem(meas, "requests_per_packet"));
        double link = cJSON_GetNumberValue(cJSON_GetObjectItem(meas, "link_bytes_per_packet"));
        double mreq = cJSON_GetNumberValue(cJSON_GetObjectItem(sm, "requests_per_packet"));
        double mlink = cJSON_GetNumberValue(cJSON_GetObjectItem(sm, "link_bytes_per_packet"));
        cr_assert_geq(req, mreq - 1e-9, "point %d: measured requests below the spec minimum",
                      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id")));
        cr_assert_geq(link, mlink - 1e-9, "point %d: measured link bytes below the spec minimum",
                      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id")));
        cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(meas, "mpps")), 0);
        if (strcmp(size, "imix")) {
            const char *feat = cJSON_GetObjectItem(cfg, "features")->valuestring;
            const char *wl = cJSON_GetObjectItem(cfg, "workload")->valuestring;
            unsigned fm = sweep_features_mask(feat);
            struct specmin m = min_of(!strcmp(ring, "packed"), fm,
                                      (unsigned)atoi(cJSON_GetObjectItem(cfg, "prefetch")->valuestring),
                                      (unsigned)atoi(cJSON_GetObjectItem(cfg, "used-batch")->valuestring),
                                      (unsigned)atoi(size), !strcmp(wl, "tx") ? SPECMIN_TX : SPECMIN_LOOPBACK);
            near(mreq, m.requests, "spec minimum in the JSON");
        }
    }
    cJSON_Delete(j);

    char *md = slurp(TDIR "/model/c.md");
    cr_assert(strstr(md, "| workload | frame | ring | best features |") && strstr(md, "| tx | 64 B | packed |"), "%s", md);
    free(md);
    static const char *const charts[] = {"dma_per_packet", "throughput_vs_pkt_size", "throughput_vs_rtt",
                                         "prefetch_batch"};
    for (size_t i = 0; i < 4; i++) check_png_svg(TDIR "/model/plot", charts[i]);
    free(slurp(TDIR "/model/plot/compare.csv"));

    /* merging again alone gives the same CSV */
    st = sh(VDPU " compare --merge-only " TDIR "/model/run --quiet --csv " TDIR "/model/again.csv", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    char *a = slurp(TDIR "/model/c.csv"), *b = slurp(TDIR "/model/again.csv");
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
}

/* The read-tags chart: a cross sweep over rtt and max-reads draws throughput against T per ring and round
 * trip, with each ring's link bound and the storage of every T on the x axis. */
Test(compare_e2e, tags_chart_from_a_cross_sweep, .timeout = 300)
{
    static char out[1 << 15];
    int st = sh(VDPU " compare --engine model --quiet --dir " TDIR "/tags/run --design cross --packets 64 --ring "
                "split,packed --features all --workload tx --pkt-size 1500 --rtt 200,1000 --prefetch 8 --used-batch 8 "
                "--max-reads 1,4 --jobs 2 --csv " TDIR "/tags/t.csv --plot " TDIR "/tags/plot", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    check_png_svg(TDIR "/tags/plot", "throughput_vs_tags");
    char *gp = slurp(TDIR "/tags/plot/gnuplot/throughput_vs_tags.gp");
    struct eng_storage es;
    eng_storage_of(8, 8, 4, 1, &es);
    char tic[48];
    snprintf(tic, sizeof tic, "\"4\\n%u B\" 4", es.total);
    cr_assert(strstr(gp, tic), "x tic of T = 4 names its storage (%s): %s", tic, gp);
    cr_assert(strstr(gp, "title 'packed, rtt 1000'") && strstr(gp, "title 'split link bound'"), "%s", gp);
    free(gp);
    char *csv = slurp(TDIR "/tags/t.csv");
    cr_assert(strstr(csv, ",link_mpps,storage_bytes"), "storage column: %.300s", csv);
    free(csv);
}

/* The ring size as an axis: a packed ring of 1,024 entries and of 64 measure on rings of that size (the run's
 * JSON says what the driver got, and the merge checks it); a split ring of 1,000 entries is refused by the
 * device (a split queue's size is a power of two) - the point fails and says why, the others stand. RX 64 B
 * at rtt 1000 with P = B = 15 is bound by the ring: 64 entries are slower than 1,024. */
Test(compare_e2e, qsize_axis, .timeout = 120)
{
    static char out[1 << 15];
    int st = sh(VDPU " compare --engine model --dir " TDIR "/qs/run --design cross --packets 400 --ring packed,split "
                "--features all --workload rx --pkt-size 64 --rtt 1000 --prefetch 15 --used-batch 15 --qsize 64,1000,1024 "
                "--jobs 2 --csv " TDIR "/qs/q.csv", out, sizeof out);
    cr_assert_neq(st, 0, "a failed point fails the sweep: %s", out);
    cr_assert(strstr(out, "compare: 6 points, engine model, 5 passed, 1 failed"), "%s", out);
    char *log = slurp(TDIR "/qs/run/points/p5.log");
    cr_assert(log && strstr(log, "queue_size not accepted"), "split 1,000: %s", log ? log : "(no log)");
    free(log);
    char *csv = slurp(TDIR "/qs/q.csv");
    double mpps[2] = {0};
    for (char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        unsigned id, qs, ok;
        char ring[8];
        cr_assert_eq(sscanf(l + 1, "%u,%7[a-z],all,rx,64,1000,15,15,1,1,%u,model,%u,", &id, ring, &qs, &ok), 4, "%.120s", l + 1);
        cr_assert_eq(ok, !(qs == 1000 && !strcmp(ring, "split")), "%.120s", l + 1);
        if (!strcmp(ring, "packed") && qs != 1000) {
            char *c = l + 1;
            for (unsigned k = 0; k < 16; k++) c = strchr(c, ',') + 1; /* column 17: mpps */
            mpps[qs == 1024] = atof(c);
        }
    }
    free(csv);
    cr_assert(mpps[0] > 0 && mpps[1] > 1.5 * mpps[0], "packed RX 64 B: %.3f Mpps on 64 entries, %.3f on 1,024", mpps[0],
              mpps[1]);
    char *js = slurp(TDIR "/qs/run/points/p3.json");
    cr_assert(js && strstr(js, "\"qsize\":\t1024"), "p3 is packed 1,024: %.400s", js ? js : "(none)");
    free(js);
    /* a point that measured on another ring size than it names does not count */
    cr_assert_eq(sh("sed -i 's/\"qsize\":\t64,/\"qsize\":\t128,/' " TDIR "/qs/run/points/p1.json", out, sizeof out), 0);
    st = sh(VDPU " compare --merge-only " TDIR "/qs/run", out, sizeof out);
    cr_assert_neq(st, 0, "%s", out);
    cr_assert(strstr(out, "ran with 128-entry rings, not 64"), "%s", out);
}

Test(compare_e2e, points_only_then_merge_reports_what_did_not_run, .timeout = 120)
{
    static char out[1 << 15];
    int st = sh(VDPU " compare --points-only --dir " TDIR "/cluster --packets 32 --ring split,packed --features all "
                "--workload tx --pkt-size 64 --rtt 200 --prefetch 1 --used-batch 1", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "2 points in "), "%s", out);
    /* a scheduler runs line 1 only */
    st = sh("sed -n 1p " TDIR "/cluster/points.txt | sh", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    st = sh(VDPU " compare --merge-only " TDIR "/cluster", out, sizeof out);
    cr_assert_eq(st, 1, "a point did not run: exit 1\n%s", out);
    cr_assert(strstr(out, "1 passed, 1 failed"), "%s", out);
    cr_assert(strstr(out, "did not run"), "%s", out);
    /* a result that is not what the point asked for is refused */
    char *txt = slurp(TDIR "/cluster/points/p1.json");
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cJSON_ReplaceItemInObject(j, "ring", cJSON_CreateString("packed"));
    txt = cJSON_Print(j);
    FILE *f = fopen(TDIR "/cluster/points/p1.json", "w");
    fputs(txt, f);
    fclose(f);
    cJSON_free(txt);
    cJSON_Delete(j);
    st = sh(VDPU " compare --merge-only " TDIR "/cluster", out, sizeof out);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "0 passed, 2 failed") && strstr(out, "ran a packed ring"), "%s", out);
}

Test(compare_e2e, cosim_sweep_has_no_mismatch, .timeout = 300)
{
    static char out[1 << 16];
    int st = sh(VDPU " compare --engine cosim --quiet --dir " TDIR "/cosim --json " TDIR "/cosim/c.json --packets 48 "
                "--ring split,packed --features none,all --workload tx,rx,loopback --pkt-size 64 --rtt 200 "
                "--prefetch 1,4 --used-batch 4 --jobs 2", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "compare: 24 points, engine cosim, 24 passed, 0 failed, 0 cosim mismatches"), "%s", out);
    char *txt = slurp(TDIR "/cosim/points/p1.json");
    cr_assert(strstr(txt, "\"engine\":\t\"cosim\""), "%.300s", txt);
    free(txt);
}

Test(compare_e2e, progress_bar_only_on_a_terminal, .timeout = 120)
{
    static char out[1 << 15];
#define TINY " compare --dir " TDIR "/tty --packets 16 --ring split --features none --workload tx --pkt-size 64" \
             " --rtt 200 --prefetch 1,2 --used-batch 1 --jobs 1"
    /* script(1) gives the command a terminal */
    int st = sh("script -qec '" VDPU TINY "' /dev/null", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "2/2 points") && strstr(out, "[####"), "no progress bar on a terminal: %s", out);
    st = sh("script -qec '" VDPU TINY " --quiet' /dev/null", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(!strstr(out, "2/2 points") && !strstr(out, "[#"), "--quiet: %s", out);
    st = sh(VDPU TINY, out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(!strstr(out, "2/2 points") && !strstr(out, "[#"), "not a terminal: %s", out);
    cr_assert(strstr(out, "compare: 2 points, engine model, 2 passed, 0 failed"), "%s", out);
}
