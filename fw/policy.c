/* policy.c - control-plane decisions (virtio 1.2): status transitions, feature negotiation, queue and vector checks. */
#include "policy.h"

/* ---- features ---------------------------------------------------------------------------- */

#define NONE 0xFF
/* "bit requires every `all` and at least one `any`" (virtio 1.2 5.1.3.1; the transport
 * feature bits we know of carry no such requirement). */
static const struct dep_rule {
    uint8_t bit, all[2], any[2];
} deps[] = {
    {F_NET_GUEST_TSO4, {F_NET_GUEST_CSUM, NONE}, {NONE, NONE}},
    {F_NET_GUEST_TSO6, {F_NET_GUEST_CSUM, NONE}, {NONE, NONE}},
    {F_NET_GUEST_ECN, {NONE, NONE}, {F_NET_GUEST_TSO4, F_NET_GUEST_TSO6}},
    {F_NET_GUEST_UFO, {F_NET_GUEST_CSUM, NONE}, {NONE, NONE}},
    {F_NET_GUEST_USO4, {F_NET_GUEST_CSUM, NONE}, {NONE, NONE}},
    {F_NET_GUEST_USO6, {F_NET_GUEST_CSUM, NONE}, {NONE, NONE}},
    {F_NET_HOST_TSO4, {F_NET_CSUM, NONE}, {NONE, NONE}},
    {F_NET_HOST_TSO6, {F_NET_CSUM, NONE}, {NONE, NONE}},
    {F_NET_HOST_ECN, {NONE, NONE}, {F_NET_HOST_TSO4, F_NET_HOST_TSO6}},
    {F_NET_HOST_UFO, {F_NET_CSUM, NONE}, {NONE, NONE}},
    {F_NET_HOST_USO, {F_NET_CSUM, NONE}, {NONE, NONE}},
    {F_NET_CTRL_RX, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_CTRL_VLAN, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_GUEST_ANNOUNCE, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_MQ, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_CTRL_MAC_ADDR, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_NOTF_COAL, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_VQ_NOTF_COAL, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_RSS, {F_NET_CTRL_VQ, NONE}, {NONE, NONE}},
    {F_NET_RSC_EXT, {NONE, NONE}, {F_NET_HOST_TSO4, F_NET_HOST_TSO6}},
};

/* first missing requirement of rule r in f, or NONE */
static unsigned rule_missing(const struct dep_rule *r, const uint32_t f[4])
{
    for (unsigned i = 0; i < 2; i++)
        if (r->all[i] != NONE && !feat_has(f, r->all[i])) return r->all[i];
    if (r->any[0] != NONE && !feat_has(f, r->any[0]) && !(r->any[1] != NONE && feat_has(f, r->any[1])))
        return r->any[0];
    return NONE;
}

bool policy_feat_deps_ok(const uint32_t f[4], struct feat_check *bad)
{
    for (unsigned i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        if (!feat_has(f, deps[i].bit)) continue;
        unsigned m = rule_missing(&deps[i], f);
        if (m == NONE) continue;
        if (bad) *bad = (struct feat_check){FEAT_MISSING_DEP, deps[i].bit, m};
        return false;
    }
    return true;
}

struct feat_check policy_check_features(const uint32_t offer[4], const uint32_t drv[4])
{
    struct feat_check c = {FEAT_OK, 0, 0};
    for (unsigned w = 0; w < 4; w++) {
        uint32_t extra = drv[w] & ~offer[w];
        if (!extra) continue;
        unsigned b = 0;
        while (!((extra >> b) & 1u)) b++;
        c.verdict = FEAT_NOT_OFFERED;
        c.bit = 32 * w + b;
        return c;
    }
    /* a modern-only device (revision 1) may refuse a driver that does not accept VERSION_1 */
    if (!feat_has(drv, F_VERSION_1)) {
        c.verdict = FEAT_NO_VERSION_1;
        c.bit = F_VERSION_1;
        return c;
    }
    policy_feat_deps_ok(drv, &c);
    return c;
}

void policy_sanitize_offer(uint32_t offer[4], uint32_t removed[4], bool *added_version_1)
{
    for (unsigned w = 0; w < 4; w++) removed[w] = 0;
    /* dropping one bit can break another's requirement (HOST_ECN after HOST_TSO4): repeat */
    for (bool changed = true; changed;) {
        changed = false;
        for (unsigned i = 0; i < sizeof deps / sizeof deps[0]; i++) {
            if (!feat_has(offer, deps[i].bit) || rule_missing(&deps[i], offer) == NONE) continue;
            feat_clr(offer, deps[i].bit);
            feat_set(removed, deps[i].bit);
            changed = true;
        }
    }
    *added_version_1 = !feat_has(offer, F_VERSION_1);
    feat_set(offer, F_VERSION_1);
}

bool policy_mtu_ok(unsigned mtu) { return mtu >= 68 && mtu <= POLICY_MTU_MAX; }

const char *policy_feat_verdict_name(enum feat_verdict v)
{
    switch (v) {
    case FEAT_OK: return "ok";
    case FEAT_NOT_OFFERED: return "not offered";
    case FEAT_NO_VERSION_1: return "VERSION_1 not accepted";
    case FEAT_MISSING_DEP: return "missing required feature";
    }
    return "?";
}

/* ---- device status ----------------------------------------------------------------------- */

struct status_decision policy_status(uint8_t cur, uint8_t req, const uint32_t offer[4], const uint32_t drv[4],
                                     bool suspend_neg)
{
    struct status_decision d;
    d.refused = 0; /* field by field: a zeroing initializer becomes a (bytewise) memset call */
    d.feat.verdict = FEAT_OK;
    d.feat.bit = d.feat.dep = 0;
    d.gained_features_ok = d.gained_driver_ok = d.suspend = d.resume = false;
    uint8_t next = cur; /* bits only accumulate until a reset: nothing the driver had is lost */
    bool suspended = (cur & ST_SUSPEND) != 0;
    if (req & ~cur & ST_NEEDS_RESET) d.refused |= STR_DEVICE_BIT;
    if (req & ~(ST_DRIVER_BITS | ST_NEEDS_RESET | ST_SUSPEND)) d.refused |= STR_UNKNOWN_BITS;

    uint8_t add = req & ~cur & ST_DRIVER_BITS;
    if (add & ST_FAILED) next |= ST_FAILED; /* giving up is always allowed */
    add &= (uint8_t)~ST_FAILED;
    if (add && (next & ST_FAILED)) {
        d.refused |= STR_AFTER_FAILED;
        add = 0;
    } else if (add && (cur & ST_NEEDS_RESET)) {
        d.refused |= STR_NEEDS_RESET;
        add = 0;
    }
    /* the initialization order of 3.1.1, each step needing the previous one */
    if (add & ST_ACKNOWLEDGE) next |= ST_ACKNOWLEDGE;
    if (add & ST_DRIVER) {
        if (next & ST_ACKNOWLEDGE) next |= ST_DRIVER;
        else d.refused |= STR_DRIVER_NO_ACK;
    }
    if (add & ST_FEATURES_OK) {
        if (!(next & ST_DRIVER)) {
            d.refused |= STR_FEATOK_NO_DRIVER;
        } else {
            d.feat = policy_check_features(offer, drv);
            if (d.feat.verdict == FEAT_OK) {
                next |= ST_FEATURES_OK;
                d.gained_features_ok = true;
            } else {
                d.refused |= STR_FEATOK_REFUSED;
            }
        }
    }
    if (add & ST_DRIVER_OK) {
        if (next & ST_FEATURES_OK) {
            /* while suspended DRIVER_OK is the resume ("the device sets SUSPEND to 0 once it resumes") */
            next = (uint8_t)((next | ST_DRIVER_OK) & ~ST_SUSPEND);
            d.resume = suspended;
            d.gained_driver_ok = !suspended;
        } else {
            d.refused |= STR_DRVOK_NO_FEATOK;
        }
    }
    /* SUSPEND is honoured only once the device is completely initialized (DRIVER_OK committed) and
     * the feature negotiated; the device then presents SUSPEND set and DRIVER_OK clear */
    if ((req & ST_SUSPEND) && !suspended) {
        if (!(cur & ST_DRIVER_OK)) d.refused |= STR_SUSPEND_NOT_LIVE;
        else if (!suspend_neg) d.refused |= STR_SUSPEND_NO_FEATURE;
        else if (next & ST_FAILED) d.refused |= STR_AFTER_FAILED;
        else if (next & ST_NEEDS_RESET) d.refused |= STR_NEEDS_RESET;
        else {
            next = (uint8_t)((next | ST_SUSPEND) & ~ST_DRIVER_OK);
            d.suspend = true;
        }
    }
    /* the driver must not clear bits; suspending clears DRIVER_OK and resuming SUSPEND, as the spec says */
    uint8_t clr = cur & ~req & ST_DRIVER_BITS;
    if (d.suspend) clr &= (uint8_t)~ST_DRIVER_OK;
    if (clr) d.refused |= STR_CLEAR;
    if (suspended && !(req & (ST_SUSPEND | ST_DRIVER_OK))) d.refused |= STR_SUSPEND_CLEAR;
    d.commit = next;
    return d;
}

const char *policy_status_reason_name(unsigned i)
{
    static const char *const names[STR_COUNT] = {
        "clearing bits needs a reset", "DRIVER without ACKNOWLEDGE", "FEATURES_OK without DRIVER",
        "features refused",            "DRIVER_OK before FEATURES_OK", "device FAILED: reset first",
        "device needs reset",          "NEEDS_RESET is device-owned",  "reserved status bit 0x20",
        "SUSPEND before DRIVER_OK: ignored", "SUSPEND not negotiated: ignored",
        "SUSPEND cleared without DRIVER_OK (resume sets DRIVER_OK)",
    };
    return i < STR_COUNT ? names[i] : "?";
}

/* ---- queues ------------------------------------------------------------------------------ */

enum ring_type policy_ring_type(bool features_ok, const uint32_t neg[4])
{
    if (!features_ok) return RING_UNKNOWN;
    return feat_has(neg, F_RING_PACKED) ? RING_PACKED : RING_SPLIT;
}

unsigned policy_pairs(const uint32_t neg[4], unsigned max_qp) { return feat_has(neg, F_NET_MQ) ? max_qp : 1; }

unsigned policy_num_queues(const uint32_t neg[4], unsigned max_qp)
{
    return 2 * policy_pairs(neg, max_qp) + (feat_has(neg, F_NET_CTRL_VQ) ? 1 : 0);
}

uint16_t policy_ctrlq(const uint32_t neg[4], unsigned max_qp)
{
    /* virtio-net 5.1.2: controlq follows the N rx/tx pairs, N = max_virtqueue_pairs with MQ */
    return feat_has(neg, F_NET_CTRL_VQ) ? (uint16_t)(2 * policy_pairs(neg, max_qp)) : CTRLQ_NONE;
}

unsigned policy_clamp_max_qp(unsigned cfg, unsigned hw_queues)
{
    unsigned hw_pairs = hw_queues > 1 ? (hw_queues - 1) / 2 : 1; /* one queue is the control queue */
    if (cfg < 1) return 1;
    return cfg > hw_pairs ? hw_pairs : cfg;
}

uint16_t policy_vector(uint32_t req, unsigned num_vectors) { return req < num_vectors ? (uint16_t)req : NO_VECTOR; }

static bool pow2(uint32_t v) { return v && !(v & (v - 1)); }

enum q_verdict policy_qsize(uint32_t req, enum ring_type rt, unsigned qmax, bool enabled)
{
    if (enabled) return Q_ENABLED; /* the data path is using the ring */
    if (req == 0) return Q_SIZE_ZERO;
    if (req > qmax || req > QSIZE_LIMIT) return Q_SIZE_TOO_BIG;
    /* transport-pci: "If VIRTIO_F_RING_PACKED has not been negotiated, the device MUST present either a
     * value of 0 or a power of 2 in queue_size" - before FEATURES_OK nothing is negotiated yet */
    if (rt != RING_PACKED && !pow2(req)) return Q_SIZE_NOT_POW2;
    return Q_OK;
}

enum q_verdict policy_queue_size(uint32_t req, bool features_ok, const uint32_t neg[4], unsigned max_qp, unsigned q,
                                 unsigned qmax, bool enabled)
{
    /* once negotiated, a queue outside the negotiated set is unavailable (queue_size stays 0) */
    if (features_ok && q >= policy_num_queues(neg, max_qp)) return Q_NO_QUEUE;
    return policy_qsize(req, policy_ring_type(features_ok, neg), qmax, enabled);
}

enum q_verdict policy_queue_enable(uint32_t req, uint8_t status, bool features_ok, const uint32_t neg[4],
                                   unsigned max_qp, unsigned q, const struct queue_view *v, unsigned qmax)
{
    if (req != 1) return Q_BAD_VALUE; /* the driver must not write 0 (4.1.4.3.2) */
    if (!features_ok || !(status & ST_FEATURES_OK) || (status & (ST_FAILED | ST_NEEDS_RESET)))
        return Q_NOT_FEATURES_OK;
    if (q >= policy_num_queues(neg, max_qp)) return Q_NO_QUEUE;
    if (v->enabled) return Q_OK; /* already live: writing 1 again changes nothing */
    enum ring_type rt = policy_ring_type(features_ok, neg);
    enum q_verdict s = policy_qsize(v->size, rt, qmax, false);
    if (s != Q_OK) return s;
    /* alignment per the virtqueue alignment table (2.7 split, 2.8 packed) */
    unsigned driver_align = rt == RING_PACKED ? 4 : 2;
    if (!v->desc) return Q_DESC_ZERO;
    if (v->desc % 16) return Q_DESC_ALIGN;
    if (!v->driver) return Q_DRIVER_ZERO;
    if (v->driver % driver_align) return Q_DRIVER_ALIGN;
    if (!v->device) return Q_DEVICE_ZERO;
    if (v->device % 4) return Q_DEVICE_ALIGN;
    return Q_OK;
}

enum q_verdict policy_queue_reset(uint32_t req, bool features_ok, const uint32_t neg[4], unsigned max_qp, unsigned q)
{
    if (req != 1) return Q_BAD_VALUE;
    if (!features_ok) return Q_NOT_FEATURES_OK;
    if (!feat_has(neg, F_RING_RESET)) return Q_NO_RING_RESET;
    if (q >= policy_num_queues(neg, max_qp)) return Q_NO_QUEUE;
    return Q_OK;
}

const char *policy_q_verdict_name(enum q_verdict v)
{
    switch (v) {
    case Q_OK: return "ok";
    case Q_NO_QUEUE: return "queue not defined by the negotiated features";
    case Q_NOT_FEATURES_OK: return "FEATURES_OK not set (or device failed)";
    case Q_BAD_VALUE: return "value must be 1";
    case Q_SIZE_ZERO: return "size 0";
    case Q_SIZE_TOO_BIG: return "size above the maximum";
    case Q_SIZE_NOT_POW2: return "split ring size not a power of 2";
    case Q_ENABLED: return "queue enabled";
    case Q_DESC_ZERO: return "descriptor area 0";
    case Q_DESC_ALIGN: return "descriptor area misaligned";
    case Q_DRIVER_ZERO: return "driver area 0";
    case Q_DRIVER_ALIGN: return "driver area misaligned";
    case Q_DEVICE_ZERO: return "device area 0";
    case Q_DEVICE_ALIGN: return "device area misaligned";
    case Q_NO_RING_RESET: return "RING_RESET not negotiated";
    }
    return "?";
}

/* ---- link and errors --------------------------------------------------------------------- */

uint16_t policy_net_status(uint16_t cur, bool link_up)
{
    return link_up ? (uint16_t)(cur | NET_S_LINK_UP) : (uint16_t)(cur & ~NET_S_LINK_UP);
}

bool policy_link_notify(uint8_t status) { return (status & ST_DRIVER_OK) != 0; }

bool policy_suspended(uint8_t status) { return (status & ST_SUSPEND) != 0; }

uint8_t policy_error_status(uint8_t status) { return status | ST_NEEDS_RESET; }

/* The spec requires the notification once DRIVER_OK is set; a driver that has set DRIVER is
 * loaded and defers config interrupts it cannot handle yet, so it is told as well. */
bool policy_error_notify(uint8_t status) { return (status & ST_DRIVER) != 0; }

uint8_t policy_next_gen(uint8_t gen) { return (uint8_t)(gen + 1); }
