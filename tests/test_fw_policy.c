/* test_fw_policy.c - the firmware's pure policy (fw/policy.c) on the host: every rule, with its refusals. */
#include <criterion/criterion.h>
#include <string.h>

#include "policy.h"
#include "vdpu_regmap.h"

#define W(b) (1u << ((b) % 32))

/* the device's default offer (register-map reset values) */
static const uint32_t OFFER[4] = {VDPU_CSR_DEV_FEATURE0_RESET, VDPU_CSR_DEV_FEATURE1_RESET, 0, 0};

static void set(uint32_t f[4], unsigned bit) { feat_set(f, bit); }

/* what a Linux-like driver accepts of the default offer */
static void linux_accept(uint32_t f[4])
{
    memcpy(f, OFFER, 4 * sizeof f[0]);
}

/* ---- features ---------------------------------------------------------------------------- */

/* the brief's list, plus CTRL_MAC_ADDR (the control queue executes MAC_ADDR_SET, fw/ctrlq.c) and
 * SUSPEND (firmware suspends the data path, fw/events.c) */
Test(fw_policy, default_offer_is_what_the_brief_lists)
{
    static const unsigned bits[] = {F_NET_MAC, F_NET_MTU, F_NET_STATUS, F_NET_CTRL_VQ, F_NET_CTRL_RX, F_NET_MRG_RXBUF,
                                    F_NET_MQ, F_INDIRECT_DESC, F_EVENT_IDX, F_VERSION_1, F_RING_PACKED, F_IN_ORDER,
                                    F_NOTIFICATION_DATA, F_RING_RESET, F_NET_CTRL_MAC_ADDR, F_SUSPEND};
    uint32_t f[4] = {0};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) set(f, bits[i]);
    cr_assert_arr_eq(f, OFFER, sizeof f);
    cr_assert(policy_feat_deps_ok(OFFER, NULL), "the default offer satisfies its own requirements");
}

Test(fw_policy, features_accepted_subset)
{
    uint32_t d[4];
    linux_accept(d);
    cr_assert_eq(policy_check_features(OFFER, d).verdict, FEAT_OK);
    uint32_t min[4] = {0};
    set(min, F_VERSION_1);
    cr_assert_eq(policy_check_features(OFFER, min).verdict, FEAT_OK, "VERSION_1 alone is a valid subset");
}

Test(fw_policy, features_not_offered_refused)
{
    uint32_t d[4] = {0};
    set(d, F_VERSION_1);
    set(d, F_NET_GUEST_TSO4);
    struct feat_check c = policy_check_features(OFFER, d);
    cr_assert_eq(c.verdict, FEAT_NOT_OFFERED);
    cr_assert_eq(c.bit, F_NET_GUEST_TSO4);
    memset(d, 0, sizeof d);
    set(d, F_VERSION_1);
    d[3] = 0x80000000u; /* bit 127 */
    c = policy_check_features(OFFER, d);
    cr_assert_eq(c.verdict, FEAT_NOT_OFFERED);
    cr_assert_eq(c.bit, 127);
}

Test(fw_policy, features_version_1_required)
{
    uint32_t d[4];
    linux_accept(d);
    feat_clr(d, F_VERSION_1);
    struct feat_check c = policy_check_features(OFFER, d);
    cr_assert_eq(c.verdict, FEAT_NO_VERSION_1);
    uint32_t none[4] = {0};
    cr_assert_eq(policy_check_features(OFFER, none).verdict, FEAT_NO_VERSION_1);
}

Test(fw_policy, features_ctrl_vq_dependencies)
{
    static const unsigned needs_ctrl_vq[] = {F_NET_CTRL_RX, F_NET_MQ, F_NET_CTRL_MAC_ADDR, F_NET_CTRL_VLAN,
                                             F_NET_GUEST_ANNOUNCE, F_NET_RSS, F_NET_NOTF_COAL, F_NET_VQ_NOTF_COAL};
    uint32_t all[4] = {0xffffffffu, 0xffffffffu, 0, 0}; /* offer everything for this check */
    for (size_t i = 0; i < sizeof needs_ctrl_vq / sizeof needs_ctrl_vq[0]; i++) {
        uint32_t d[4] = {0};
        set(d, F_VERSION_1);
        set(d, needs_ctrl_vq[i]);
        struct feat_check c = policy_check_features(all, d);
        cr_assert_eq(c.verdict, FEAT_MISSING_DEP, "bit %u without CTRL_VQ", needs_ctrl_vq[i]);
        cr_assert_eq(c.bit, needs_ctrl_vq[i]);
        cr_assert_eq(c.dep, F_NET_CTRL_VQ);
        set(d, F_NET_CTRL_VQ);
        cr_assert_eq(policy_check_features(all, d).verdict, FEAT_OK, "bit %u with CTRL_VQ", needs_ctrl_vq[i]);
    }
    /* the default offer: a driver dropping CTRL_VQ and MQ but keeping CTRL_RX */
    uint32_t d[4];
    linux_accept(d);
    feat_clr(d, F_NET_CTRL_VQ);
    feat_clr(d, F_NET_MQ);
    struct feat_check c = policy_check_features(OFFER, d);
    cr_assert_eq(c.verdict, FEAT_MISSING_DEP);
    cr_assert_eq(c.bit, F_NET_CTRL_RX);
}

Test(fw_policy, features_offload_dependencies)
{
    uint32_t all[4] = {0xffffffffu, 0xffffffffu, 0, 0};
    static const struct { unsigned bit, needs; } one[] = {
        {F_NET_GUEST_TSO4, F_NET_GUEST_CSUM}, {F_NET_GUEST_TSO6, F_NET_GUEST_CSUM}, {F_NET_GUEST_UFO, F_NET_GUEST_CSUM},
        {F_NET_GUEST_USO4, F_NET_GUEST_CSUM}, {F_NET_GUEST_USO6, F_NET_GUEST_CSUM}, {F_NET_HOST_TSO4, F_NET_CSUM},
        {F_NET_HOST_TSO6, F_NET_CSUM},        {F_NET_HOST_UFO, F_NET_CSUM},         {F_NET_HOST_USO, F_NET_CSUM},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        uint32_t d[4] = {0};
        set(d, F_VERSION_1);
        set(d, one[i].bit);
        struct feat_check c = policy_check_features(all, d);
        cr_assert_eq(c.verdict, FEAT_MISSING_DEP, "bit %u", one[i].bit);
        cr_assert_eq(c.dep, one[i].needs);
        set(d, one[i].needs);
        cr_assert_eq(policy_check_features(all, d).verdict, FEAT_OK, "bit %u with its requirement", one[i].bit);
    }
    /* "one of" requirements: ECN needs TSO4 or TSO6 (which need the checksum feature) */
    uint32_t d[4] = {0};
    set(d, F_VERSION_1);
    set(d, F_NET_GUEST_ECN);
    cr_assert_eq(policy_check_features(all, d).verdict, FEAT_MISSING_DEP);
    set(d, F_NET_GUEST_CSUM);
    set(d, F_NET_GUEST_TSO6);
    cr_assert_eq(policy_check_features(all, d).verdict, FEAT_OK, "TSO6 alone satisfies GUEST_ECN");
    uint32_t h[4] = {0};
    set(h, F_VERSION_1);
    set(h, F_NET_RSC_EXT);
    cr_assert_eq(policy_check_features(all, h).verdict, FEAT_MISSING_DEP);
    set(h, F_NET_CSUM);
    set(h, F_NET_HOST_TSO4);
    cr_assert_eq(policy_check_features(all, h).verdict, FEAT_OK);
}

Test(fw_policy, offer_sanitized)
{
    uint32_t o[4] = {0}, rm[4];
    bool added;
    set(o, F_NET_MQ);        /* without CTRL_VQ: dropped */
    set(o, F_NET_HOST_ECN);  /* needs HOST_TSO4, which needs CSUM: both dropped in cascade */
    set(o, F_NET_HOST_TSO4);
    set(o, F_NET_MAC);
    policy_sanitize_offer(o, rm, &added);
    cr_assert(added, "VERSION_1 forced on a modern-only device");
    cr_assert(feat_has(o, F_VERSION_1));
    cr_assert(feat_has(o, F_NET_MAC));
    cr_assert_not(feat_has(o, F_NET_MQ));
    cr_assert_not(feat_has(o, F_NET_HOST_TSO4));
    cr_assert_not(feat_has(o, F_NET_HOST_ECN));
    cr_assert(feat_has(rm, F_NET_MQ) && feat_has(rm, F_NET_HOST_TSO4) && feat_has(rm, F_NET_HOST_ECN));
    cr_assert(policy_feat_deps_ok(o, NULL));

    uint32_t def[4];
    memcpy(def, OFFER, sizeof def);
    policy_sanitize_offer(def, rm, &added);
    cr_assert_arr_eq(def, OFFER, sizeof def, "the default offer is left alone");
    cr_assert_not(added);
    cr_assert_eq(rm[0] | rm[1] | rm[2] | rm[3], 0);
}

Test(fw_policy, mtu_range)
{
    cr_assert(policy_mtu_ok(68));
    cr_assert(policy_mtu_ok(1500));
    cr_assert(policy_mtu_ok(9186)); /* the largest whose frames (mtu + 18 behind 12 bytes) fit 9216 */
    cr_assert_not(policy_mtu_ok(9187));
    cr_assert_not(policy_mtu_ok(65535));
    cr_assert_not(policy_mtu_ok(67));
    cr_assert_not(policy_mtu_ok(0));
    cr_assert_not(policy_mtu_ok(65536));
}

/* ---- device status ----------------------------------------------------------------------- */

static struct status_decision st(uint8_t cur, uint8_t req)
{
    uint32_t d[4];
    linux_accept(d);
    return policy_status(cur, req, OFFER, d, true);
}

Test(fw_policy, status_linux_sequence)
{
    struct status_decision d = st(0x00, 0x01);
    cr_assert_eq(d.commit, 0x01);
    cr_assert_eq(d.refused, 0);
    d = st(0x01, 0x03);
    cr_assert_eq(d.commit, 0x03);
    cr_assert_eq(d.refused, 0);
    d = st(0x03, 0x0B);
    cr_assert_eq(d.commit, 0x0B);
    cr_assert(d.gained_features_ok);
    cr_assert_eq(d.feat.verdict, FEAT_OK);
    d = st(0x0B, 0x0F);
    cr_assert_eq(d.commit, 0x0F);
    cr_assert(d.gained_driver_ok);
    cr_assert_not(d.gained_features_ok);
    d = st(0x0F, 0x0F);
    cr_assert_eq(d.commit, 0x0F, "re-writing the same value changes nothing");
    cr_assert_eq(d.refused, 0);
    cr_assert_not(d.gained_driver_ok);
}

Test(fw_policy, status_several_steps_in_one_write)
{
    struct status_decision d = st(0x00, 0x03);
    cr_assert_eq(d.commit, 0x03, "ACKNOWLEDGE and DRIVER together keep the order");
    d = st(0x03, 0x0F);
    cr_assert_eq(d.commit, 0x0F, "FEATURES_OK and DRIVER_OK together");
    cr_assert(d.gained_features_ok && d.gained_driver_ok);
}

Test(fw_policy, status_driver_without_acknowledge)
{
    struct status_decision d = st(0x00, 0x02);
    cr_assert_eq(d.commit, 0x00);
    cr_assert_eq(d.refused, STR_DRIVER_NO_ACK);
}

Test(fw_policy, status_features_ok_without_driver)
{
    struct status_decision d = st(0x01, 0x09);
    cr_assert_eq(d.commit, 0x01);
    cr_assert_eq(d.refused, STR_FEATOK_NO_DRIVER);
    cr_assert_not(d.gained_features_ok);
}

Test(fw_policy, status_driver_ok_before_features_ok)
{
    struct status_decision d = st(0x03, 0x07);
    cr_assert_eq(d.commit, 0x03);
    cr_assert_eq(d.refused, STR_DRVOK_NO_FEATOK);
    d = st(0x01, 0x07);
    cr_assert_eq(d.commit, 0x03, "the legal part (DRIVER) is committed");
    cr_assert_eq(d.refused, STR_DRVOK_NO_FEATOK);
}

Test(fw_policy, status_clearing_bits_needs_reset)
{
    struct status_decision d = st(0x03, 0x01);
    cr_assert_eq(d.commit, 0x03);
    cr_assert_eq(d.refused, STR_CLEAR);
    d = st(0x0F, 0x07);
    cr_assert_eq(d.commit, 0x0F, "FEATURES_OK cannot be taken back");
    cr_assert_eq(d.refused, STR_CLEAR);
}

Test(fw_policy, status_features_refused_keeps_the_rest)
{
    uint32_t d[4];
    linux_accept(d);
    feat_clr(d, F_VERSION_1);
    struct status_decision s = policy_status(0x03, 0x0B, OFFER, d, false);
    cr_assert_eq(s.commit, 0x03, "committed without FEATURES_OK");
    cr_assert_eq(s.refused, STR_FEATOK_REFUSED);
    cr_assert_eq(s.feat.verdict, FEAT_NO_VERSION_1);
    cr_assert_not(s.gained_features_ok);
    s = policy_status(0x03, 0x0F, OFFER, d, false);
    cr_assert_eq(s.commit, 0x03);
    cr_assert_eq(s.refused, STR_FEATOK_REFUSED | STR_DRVOK_NO_FEATOK);
}

Test(fw_policy, status_failed_always_accepted)
{
    static const uint8_t from[] = {0x00, 0x01, 0x03, 0x0B, 0x0F, 0x43};
    for (size_t i = 0; i < sizeof from; i++) {
        struct status_decision d = st(from[i], (uint8_t)((from[i] & ~ST_NEEDS_RESET) | ST_FAILED));
        cr_assert_eq(d.commit, from[i] | ST_FAILED, "FAILED from 0x%02x", from[i]);
        cr_assert_eq(d.refused, 0);
    }
    struct status_decision d = st(0x03, 0x80);
    cr_assert_eq(d.commit, 0x83, "FAILED even with other bits cleared; the clear itself is refused");
    cr_assert_eq(d.refused, STR_CLEAR);
}

Test(fw_policy, status_no_progress_after_failed)
{
    struct status_decision d = st(0x83, 0x8B);
    cr_assert_eq(d.commit, 0x83);
    cr_assert_eq(d.refused, STR_AFTER_FAILED);
    d = st(0x03, 0x8B);
    cr_assert_eq(d.commit, 0x83, "FAILED and FEATURES_OK in one write: only FAILED");
    cr_assert_eq(d.refused, STR_AFTER_FAILED);
}

Test(fw_policy, status_needs_reset_is_device_owned)
{
    struct status_decision d = st(0x01, 0x41);
    cr_assert_eq(d.commit, 0x01, "the driver cannot set NEEDS_RESET");
    cr_assert_eq(d.refused, STR_DEVICE_BIT);
    d = st(0x43, 0x03);
    cr_assert_eq(d.commit, 0x43, "nor clear it: it is kept");
    cr_assert_eq(d.refused, 0);
    d = st(0x43, 0x4B);
    cr_assert_eq(d.commit, 0x43, "no new bits while the device needs a reset");
    cr_assert_eq(d.refused, STR_NEEDS_RESET);
    d = st(0x4F, 0xCF);
    cr_assert_eq(d.commit, 0xCF, "FAILED still accepted");
}

Test(fw_policy, status_reserved_bits)
{
    struct status_decision d = st(0x01, 0x21);
    cr_assert_eq(d.commit, 0x01);
    cr_assert_eq(d.refused, STR_UNKNOWN_BITS);
    d = st(0x00, 0x21);
    cr_assert_eq(d.commit, 0x01, "ACKNOWLEDGE taken, bit 5 dropped");
    cr_assert_eq(d.refused, STR_UNKNOWN_BITS);
}

/* ---- SUSPEND (virtio 1.3 "Device Suspend") ---- */

static struct status_decision st_nosusp(uint8_t cur, uint8_t req)
{
    uint32_t d[4];
    linux_accept(d);
    feat_clr(d, F_SUSPEND);
    return policy_status(cur, req, OFFER, d, false);
}

Test(fw_policy, suspend_and_resume)
{
    struct status_decision d = st(0x0F, 0x1F);
    cr_assert(d.suspend, "SUSPEND with DRIVER_OK and the feature: suspend");
    cr_assert_eq(d.commit, 0x1B, "presented as SUSPEND set, DRIVER_OK clear");
    cr_assert_eq(d.refused, 0);
    cr_assert_not(d.resume || d.gained_driver_ok);
    d = st(0x0F, 0x1B);
    cr_assert(d.suspend, "clearing DRIVER_OK along with SUSPEND is what suspending does");
    cr_assert_eq(d.commit, 0x1B);
    cr_assert_eq(d.refused, 0);
    d = st(0x1B, 0x1B);
    cr_assert_not(d.suspend || d.resume, "already suspended: nothing to do");
    cr_assert_eq(d.commit, 0x1B);
    cr_assert_eq(d.refused, 0);
    d = st(0x1B, 0x1F);
    cr_assert(d.resume, "DRIVER_OK while suspended (SUSPEND still written): resume");
    cr_assert_eq(d.commit, 0x0F, "DRIVER_OK set, SUSPEND clear");
    cr_assert_eq(d.refused, 0);
    cr_assert_not(d.gained_driver_ok || d.suspend, "a resume is not a first DRIVER_OK");
    d = st(0x1B, 0x0F);
    cr_assert(d.resume, "DRIVER_OK with SUSPEND clear: resume as well");
    cr_assert_eq(d.commit, 0x0F);
    cr_assert_eq(d.refused, 0);
}

Test(fw_policy, suspend_misuse_is_ignored)
{
    struct status_decision d = st(0x0B, 0x1B);
    cr_assert_not(d.suspend, "before DRIVER_OK the device is not initialized");
    cr_assert_eq(d.commit, 0x0B, "status unchanged");
    cr_assert_eq(d.refused, STR_SUSPEND_NOT_LIVE);
    d = st(0x0B, 0x1F);
    cr_assert_not(d.suspend, "DRIVER_OK and SUSPEND in one write: SUSPEND ignored, DRIVER_OK taken");
    cr_assert_eq(d.commit, 0x0F);
    cr_assert(d.gained_driver_ok);
    cr_assert_eq(d.refused, STR_SUSPEND_NOT_LIVE);
    d = st(0x00, 0x10);
    cr_assert_eq(d.commit, 0x00);
    cr_assert_eq(d.refused, STR_SUSPEND_NOT_LIVE);
    d = st_nosusp(0x0F, 0x1F);
    cr_assert_not(d.suspend, "not negotiated");
    cr_assert_eq(d.commit, 0x0F, "status unchanged");
    cr_assert_eq(d.refused, STR_SUSPEND_NO_FEATURE);
    d = st(0x4F, 0x1F);
    cr_assert_not(d.suspend, "NEEDS_RESET: no suspend (the device already says it failed)");
    cr_assert_eq(d.commit, 0x4F);
    cr_assert_eq(d.refused, STR_NEEDS_RESET);
    d = st(0x0F, 0x9F);
    cr_assert_not(d.suspend, "FAILED in the same write wins");
    cr_assert_eq(d.commit, 0x8F);
    cr_assert_eq(d.refused, STR_AFTER_FAILED);
}

Test(fw_policy, suspended_state_rules)
{
    struct status_decision d = st(0x1B, 0x0B);
    cr_assert_not(d.resume, "clearing SUSPEND alone is not a resume");
    cr_assert_eq(d.commit, 0x1B);
    cr_assert_eq(d.refused, STR_SUSPEND_CLEAR);
    d = st(0x5B, 0x1F);
    cr_assert_not(d.resume, "a device that needs a reset does not resume");
    cr_assert_eq(d.commit, 0x5B);
    cr_assert_eq(d.refused, STR_NEEDS_RESET);
    d = st(0x1B, 0x9B);
    cr_assert_eq(d.commit, 0x9B, "FAILED accepted while suspended");
    cr_assert_not(d.resume || d.suspend);
    d = st(0x1B, 0x13);
    cr_assert_eq(d.commit, 0x1B, "FEATURES_OK cannot be taken back while suspended either");
    cr_assert_eq(d.refused, STR_CLEAR);
    cr_assert(policy_suspended(0x1B));
    cr_assert_not(policy_suspended(0x0F));
    cr_assert_not(policy_link_notify(0x1B), "no config interrupt while suspended");
}

Test(fw_policy, status_reason_names)
{
    for (unsigned i = 0; i < STR_COUNT; i++) cr_assert_str_neq(policy_status_reason_name(i), "?");
    cr_assert_str_eq(policy_status_reason_name(STR_COUNT), "?");
}

/* ---- queues ------------------------------------------------------------------------------ */

Test(fw_policy, vectors)
{
    cr_assert_eq(policy_vector(0, VDPU_NUM_VECTORS), 0);
    cr_assert_eq(policy_vector(VDPU_NUM_VECTORS - 1, VDPU_NUM_VECTORS), VDPU_NUM_VECTORS - 1);
    cr_assert_eq(policy_vector(VDPU_NUM_VECTORS, VDPU_NUM_VECTORS), NO_VECTOR);
    cr_assert_eq(policy_vector(0x55, VDPU_NUM_VECTORS), NO_VECTOR);
    cr_assert_eq(policy_vector(NO_VECTOR, VDPU_NUM_VECTORS), NO_VECTOR, "unmapping is NO_VECTOR");
}

Test(fw_policy, ring_type)
{
    uint32_t n[4] = {0};
    cr_assert_eq(policy_ring_type(false, n), RING_UNKNOWN);
    cr_assert_eq(policy_ring_type(true, n), RING_SPLIT);
    set(n, F_RING_PACKED);
    cr_assert_eq(policy_ring_type(true, n), RING_PACKED);
    cr_assert_eq(policy_ring_type(false, n), RING_UNKNOWN, "not negotiated until FEATURES_OK");
}

Test(fw_policy, queue_size)
{
    const unsigned max = VDPU_QSIZE_MAX;
    cr_assert_eq(policy_qsize(1, RING_SPLIT, max, false), Q_OK);
    cr_assert_eq(policy_qsize(max, RING_SPLIT, max, false), Q_OK);
    cr_assert_eq(policy_qsize(64, RING_SPLIT, max, false), Q_OK);
    cr_assert_eq(policy_qsize(0, RING_SPLIT, max, false), Q_SIZE_ZERO);
    cr_assert_eq(policy_qsize(0, RING_PACKED, max, false), Q_SIZE_ZERO);
    cr_assert_eq(policy_qsize(0, RING_UNKNOWN, max, false), Q_SIZE_ZERO);
    cr_assert_eq(policy_qsize(max + 1, RING_PACKED, max, false), Q_SIZE_TOO_BIG);
    cr_assert_eq(policy_qsize(2 * max, RING_SPLIT, max, false), Q_SIZE_TOO_BIG);
    cr_assert_eq(policy_qsize(65535, RING_UNKNOWN, 65535, false), Q_SIZE_TOO_BIG, "virtio's own limit 32768");
    cr_assert_eq(policy_qsize(100, RING_SPLIT, max, false), Q_SIZE_NOT_POW2);
    cr_assert_eq(policy_qsize(100, RING_PACKED, max, false), Q_OK, "packed rings take any size");
    cr_assert_eq(policy_qsize(100, RING_UNKNOWN, max, false), Q_SIZE_NOT_POW2,
                 "before FEATURES_OK RING_PACKED is not negotiated: powers of 2 only");
    cr_assert_eq(policy_qsize(64, RING_UNKNOWN, max, false), Q_OK);
    cr_assert_eq(policy_qsize(64, RING_SPLIT, max, true), Q_ENABLED, "no resize of a live queue");
}

/* a well-formed split queue after a default negotiation */
static struct queue_view good_split(void)
{
    return (struct queue_view){.size = 256, .enabled = false, .desc = 0x100000, .driver = 0x101000, .device = 0x102000};
}

static enum q_verdict enable(uint32_t req, uint8_t status, const uint32_t neg[4], unsigned q, struct queue_view v)
{
    return policy_queue_enable(req, status, true, neg, VDPU_MAX_QP, q, &v, VDPU_QSIZE_MAX);
}

Test(fw_policy, queue_enable_ok_split_and_packed)
{
    uint32_t n[4];
    linux_accept(n);
    feat_clr(n, F_RING_PACKED);
    cr_assert_eq(enable(1, 0x0B, n, 0, good_split()), Q_OK);
    cr_assert_eq(enable(1, 0x0F, n, 4, good_split()), Q_OK, "after DRIVER_OK (re-enable after a queue reset)");
    struct queue_view v = good_split();
    v.driver = 0x101002; /* split avail ring: 2-byte alignment is enough */
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_OK);
    set(n, F_RING_PACKED);
    v = good_split();
    v.size = 100;
    v.driver = 0x101004;
    v.device = 0x102004;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_OK, "packed: any size, 4-byte event areas");
    v.enabled = true;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_OK, "already enabled: nothing to refuse");
}

Test(fw_policy, queue_enable_needs_features_ok)
{
    uint32_t n[4];
    linux_accept(n);
    struct queue_view v = good_split();
    cr_assert_eq(policy_queue_enable(1, 0x03, false, n, VDPU_MAX_QP, 0, &v, VDPU_QSIZE_MAX), Q_NOT_FEATURES_OK);
    cr_assert_eq(policy_queue_enable(1, 0x03, true, n, VDPU_MAX_QP, 0, &v, VDPU_QSIZE_MAX), Q_NOT_FEATURES_OK);
    cr_assert_eq(enable(1, 0x8B, n, 0, v), Q_NOT_FEATURES_OK, "device FAILED");
    cr_assert_eq(enable(1, 0x4B, n, 0, v), Q_NOT_FEATURES_OK, "device needs reset");
}

Test(fw_policy, queue_enable_value_must_be_one)
{
    uint32_t n[4];
    linux_accept(n);
    cr_assert_eq(enable(0, 0x0B, n, 0, good_split()), Q_BAD_VALUE, "the driver must not write 0");
    cr_assert_eq(enable(2, 0x0B, n, 0, good_split()), Q_BAD_VALUE);
}

Test(fw_policy, queue_enable_size_revalidated)
{
    uint32_t n[4];
    linux_accept(n);
    feat_clr(n, F_RING_PACKED);
    struct queue_view v = good_split();
    v.size = 100; /* accepted before FEATURES_OK, but the ring turned out split */
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_SIZE_NOT_POW2);
    v.size = 0;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_SIZE_ZERO);
    v.size = 2 * VDPU_QSIZE_MAX; /* a power of two above the maximum */
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_SIZE_TOO_BIG);
}

Test(fw_policy, queue_enable_ring_addresses)
{
    uint32_t n[4];
    linux_accept(n);
    feat_clr(n, F_RING_PACKED);
    struct queue_view v = good_split();
    v.desc = 0;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DESC_ZERO);
    v.desc = 0x100008;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DESC_ALIGN);
    v = good_split();
    v.driver = 0;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DRIVER_ZERO);
    v.driver = 0x101001;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DRIVER_ALIGN);
    v = good_split();
    v.device = 0;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DEVICE_ZERO);
    v.device = 0x102002;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DEVICE_ALIGN, "used ring: 4-byte alignment");
    v = good_split();
    v.desc = 0x100000000ull; /* above 4 GiB: only the low bits matter */
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_OK);
    /* packed: driver event suppression needs 4 bytes */
    set(n, F_RING_PACKED);
    v = good_split();
    v.driver = 0x101002;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DRIVER_ALIGN);
    v = good_split();
    v.device = 0x102002;
    cr_assert_eq(enable(1, 0x0B, n, 0, v), Q_DEVICE_ALIGN);
}

Test(fw_policy, queues_defined_by_features)
{
    uint32_t n[4] = {0};
    set(n, F_VERSION_1);
    cr_assert_eq(policy_num_queues(n, 2), 2, "one rx/tx pair");
    cr_assert_eq(policy_ctrlq(n, 2), CTRLQ_NONE);
    set(n, F_NET_CTRL_VQ);
    cr_assert_eq(policy_num_queues(n, 2), 3);
    cr_assert_eq(policy_ctrlq(n, 2), 2, "control queue after one pair without MQ");
    set(n, F_NET_MQ);
    cr_assert_eq(policy_num_queues(n, 2), 5);
    cr_assert_eq(policy_ctrlq(n, 2), 4, "2 * max_virtqueue_pairs with MQ");
    cr_assert_eq(policy_ctrlq(n, 1), 2);
    /* enabling a queue the negotiation does not define */
    uint32_t m[4] = {0};
    set(m, F_VERSION_1);
    cr_assert_eq(enable(1, 0x0B, m, 1, good_split()), Q_OK);
    cr_assert_eq(enable(1, 0x0B, m, 2, good_split()), Q_NO_QUEUE, "no control queue without CTRL_VQ");
    set(m, F_NET_CTRL_VQ);
    cr_assert_eq(enable(1, 0x0B, m, 2, good_split()), Q_OK, "control queue at 2 without MQ");
    cr_assert_eq(enable(1, 0x0B, m, 4, good_split()), Q_NO_QUEUE, "queue 4 needs MQ");
}

/* queue_size writes: after FEATURES_OK a queue the negotiation leaves out is unavailable (its size
 * stays 0); before it, every queue takes a size (the driver may still negotiate MQ) */
Test(fw_policy, queue_size_of_queues_left_out)
{
    uint32_t n[4] = {0};
    set(n, F_VERSION_1);
    set(n, F_NET_CTRL_VQ);
    cr_assert_eq(policy_queue_size(64, true, n, 2, 2, 256, false), Q_OK, "the control queue without MQ");
    cr_assert_eq(policy_queue_size(64, true, n, 2, 3, 256, false), Q_NO_QUEUE, "queue 3 needs MQ");
    cr_assert_eq(policy_queue_size(64, true, n, 2, 4, 256, false), Q_NO_QUEUE);
    cr_assert_eq(policy_queue_size(64, false, n, 2, 4, 256, false), Q_OK, "before FEATURES_OK");
    cr_assert_eq(policy_queue_size(100, true, n, 2, 1, 256, false), Q_SIZE_NOT_POW2, "the size rules still apply");
    cr_assert_eq(policy_queue_size(100, false, n, 2, 1, 256, false), Q_SIZE_NOT_POW2,
                 "before FEATURES_OK RING_PACKED is not negotiated: powers of 2 only");
    set(n, F_NET_MQ);
    cr_assert_eq(policy_queue_size(64, true, n, 2, 4, 256, false), Q_OK, "MQ: the control queue is 4");
    cr_assert_eq(policy_queue_size(64, true, n, 1, 3, 256, false), Q_NO_QUEUE, "max_qp 1: 3 queues");
    /* num_queues from the offer: the firmware's NUMQ at boot */
    cr_assert_eq(policy_num_queues(OFFER, 2), 5);
    cr_assert_eq(policy_num_queues(OFFER, 1), 3, "--max-qp 1");
}

Test(fw_policy, max_qp_clamped_to_hardware)
{
    cr_assert_eq(policy_clamp_max_qp(2, VDPU_NUM_QUEUES), 2);
    cr_assert_eq(policy_clamp_max_qp(1, VDPU_NUM_QUEUES), 1);
    cr_assert_eq(policy_clamp_max_qp(0, VDPU_NUM_QUEUES), 1, "at least one pair");
    cr_assert_eq(policy_clamp_max_qp(8, VDPU_NUM_QUEUES), 2, "5 queues hold 2 pairs + control");
}

Test(fw_policy, queue_reset_rules)
{
    uint32_t n[4];
    linux_accept(n);
    cr_assert_eq(policy_queue_reset(1, true, n, VDPU_MAX_QP, 1), Q_OK);
    cr_assert_eq(policy_queue_reset(0, true, n, VDPU_MAX_QP, 1), Q_BAD_VALUE);
    cr_assert_eq(policy_queue_reset(1, false, n, VDPU_MAX_QP, 1), Q_NOT_FEATURES_OK);
    cr_assert_eq(policy_queue_reset(1, true, n, VDPU_MAX_QP, 5), Q_NO_QUEUE);
    feat_clr(n, F_RING_RESET);
    cr_assert_eq(policy_queue_reset(1, true, n, VDPU_MAX_QP, 1), Q_NO_RING_RESET);
}

Test(fw_policy, verdict_names)
{
    for (int v = Q_OK; v <= Q_NO_RING_RESET; v++) cr_assert_str_neq(policy_q_verdict_name((enum q_verdict)v), "?");
    for (int v = FEAT_OK; v <= FEAT_MISSING_DEP; v++)
        cr_assert_str_neq(policy_feat_verdict_name((enum feat_verdict)v), "?");
}

/* ---- link and errors --------------------------------------------------------------------- */

Test(fw_policy, link_status_and_notification)
{
    cr_assert_eq(policy_net_status(0x1, false), 0x0);
    cr_assert_eq(policy_net_status(0x0, true), 0x1);
    cr_assert_eq(policy_net_status(0x3, false), 0x2, "ANNOUNCE kept");
    cr_assert_eq(policy_net_status(0x1, true), 0x1);
    cr_assert(policy_link_notify(0x0F));
    cr_assert_not(policy_link_notify(0x0B), "no config interrupt before DRIVER_OK");
    cr_assert_not(policy_link_notify(0x00));
    cr_assert_eq(policy_next_gen(0), 1);
    cr_assert_eq(policy_next_gen(0xFF), 0, "config_generation is 8 bits");
}

Test(fw_policy, internal_error_needs_reset)
{
    cr_assert_eq(policy_error_status(0x0F), 0x4F);
    cr_assert_eq(policy_error_status(0x00), 0x40);
    cr_assert_eq(policy_error_status(0x4F), 0x4F);
    cr_assert(policy_error_notify(0x0F), "DRIVER_OK: the spec requires the notification");
    cr_assert(policy_error_notify(0x03), "past DRIVER");
    cr_assert_not(policy_error_notify(0x01));
    cr_assert_not(policy_error_notify(0x00));
}
