/* policy.h - the firmware's control-plane rules as pure functions (no MMIO): built for RV32 and for host unit tests. */
#ifndef VDPU_FW_POLICY_H
#define VDPU_FW_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* device_status bits (virtio 1.2, 2.1) */
#define ST_ACKNOWLEDGE 0x01u
#define ST_DRIVER 0x02u
#define ST_DRIVER_OK 0x04u
#define ST_FEATURES_OK 0x08u
#define ST_SUSPEND 0x10u     /* VIRTIO_F_SUSPEND: set by the driver, presented once the device is suspended */
#define ST_NEEDS_RESET 0x40u /* device-owned: the driver cannot set or clear it (only a reset does) */
#define ST_FAILED 0x80u
#define ST_DRIVER_BITS (ST_ACKNOWLEDGE | ST_DRIVER | ST_DRIVER_OK | ST_FEATURES_OK | ST_FAILED)

/* feature bits the rules refer to: virtio-net (5.1.3) and transport (6) */
enum {
    F_NET_CSUM = 0, F_NET_GUEST_CSUM = 1, F_NET_CTRL_GUEST_OFFLOADS = 2, F_NET_MTU = 3, F_NET_MAC = 5,
    F_NET_GUEST_TSO4 = 7, F_NET_GUEST_TSO6 = 8, F_NET_GUEST_ECN = 9, F_NET_GUEST_UFO = 10,
    F_NET_HOST_TSO4 = 11, F_NET_HOST_TSO6 = 12, F_NET_HOST_ECN = 13, F_NET_HOST_UFO = 14,
    F_NET_MRG_RXBUF = 15, F_NET_STATUS = 16, F_NET_CTRL_VQ = 17, F_NET_CTRL_RX = 18, F_NET_CTRL_VLAN = 19,
    F_NET_CTRL_RX_EXTRA = 20, F_NET_GUEST_ANNOUNCE = 21, F_NET_MQ = 22, F_NET_CTRL_MAC_ADDR = 23,
    F_INDIRECT_DESC = 28, F_EVENT_IDX = 29,
    F_VERSION_1 = 32, F_ACCESS_PLATFORM = 33, F_RING_PACKED = 34, F_IN_ORDER = 35, F_ORDER_PLATFORM = 36,
    F_SR_IOV = 37, F_NOTIFICATION_DATA = 38, F_NOTIF_CONFIG_DATA = 39, F_RING_RESET = 40, F_SUSPEND = 43,
    F_NET_VQ_NOTF_COAL = 52, F_NET_NOTF_COAL = 53, F_NET_GUEST_USO4 = 54, F_NET_GUEST_USO6 = 55,
    F_NET_HOST_USO = 56, F_NET_HASH_REPORT = 57, F_NET_RSS = 60, F_NET_RSC_EXT = 61,
};

#define NO_VECTOR 0xFFFFu
#define NET_S_LINK_UP 0x1u
#define CTRLQ_NONE 0xFFFFu /* CTRLQ value that matches no queue: no control queue negotiated */
#define QSIZE_LIMIT 32768u  /* virtio's largest queue size */

#define FEAT_INLINE static inline __attribute__((always_inline)) /* -Os would otherwise call them */
FEAT_INLINE bool feat_has(const uint32_t f[4], unsigned bit) { return (f[bit / 32] >> (bit % 32)) & 1u; }
FEAT_INLINE void feat_clr(uint32_t f[4], unsigned bit) { f[bit / 32] &= ~(1u << (bit % 32)); }
FEAT_INLINE void feat_set(uint32_t f[4], unsigned bit) { f[bit / 32] |= 1u << (bit % 32); }

/* ---- features ---------------------------------------------------------------------------- */

enum feat_verdict {
    FEAT_OK = 0,
    FEAT_NOT_OFFERED,  /* the driver accepted a bit the device did not offer (bit) */
    FEAT_NO_VERSION_1, /* modern-only device: VERSION_1 is mandatory */
    FEAT_MISSING_DEP,  /* bit was accepted without the feature(s) it requires (dep: one of them) */
};

struct feat_check {
    enum feat_verdict verdict;
    unsigned bit; /* offending feature */
    unsigned dep; /* for FEAT_MISSING_DEP: a required feature that is missing */
};

/* Does the set `f` satisfy every "X requires Y" rule? (first violation in *bad) */
bool policy_feat_deps_ok(const uint32_t f[4], struct feat_check *bad);
/* Check the driver's accepted set against the offer before FEATURES_OK. */
struct feat_check policy_check_features(const uint32_t offer[4], const uint32_t drv[4]);
/* The device must not offer a feature whose requirements it does not offer: drop such bits
 * (repeatedly, as drops cascade) and force VERSION_1. Bits removed/added go to removed/added. */
void policy_sanitize_offer(uint32_t offer[4], uint32_t removed[4], bool *added_version_1);
const char *policy_feat_verdict_name(enum feat_verdict v);
/* The device must offer MTU only with an mtu of 68..65535 (5.1.4.1). */
/* mtu 68..POLICY_MTU_MAX: the spec's 68..65535, and a frame of mtu + 14 (+ 4, 802.1Q) behind the
 * 12-byte virtio_net_hdr fits the device's 9216-byte frame buffers (= VDPU_MTU_MAX, checked in main.c) */
#define POLICY_MTU_MAX 9186u
bool policy_mtu_ok(unsigned mtu);

/* ---- device status ----------------------------------------------------------------------- */

/* reasons a status write was (partly) refused; several can apply to one write */
enum {
    STR_CLEAR = 1u << 0,            /* tried to clear bits without a reset */
    STR_DRIVER_NO_ACK = 1u << 1,    /* DRIVER without ACKNOWLEDGE */
    STR_FEATOK_NO_DRIVER = 1u << 2, /* FEATURES_OK without DRIVER */
    STR_FEATOK_REFUSED = 1u << 3,   /* feature negotiation check failed */
    STR_DRVOK_NO_FEATOK = 1u << 4,  /* DRIVER_OK before FEATURES_OK */
    STR_AFTER_FAILED = 1u << 5,     /* new bits after FAILED: a reset is needed first */
    STR_NEEDS_RESET = 1u << 6,      /* new bits while DEVICE_NEEDS_RESET is set */
    STR_DEVICE_BIT = 1u << 7,       /* the driver wrote NEEDS_RESET (device-owned) */
    STR_UNKNOWN_BITS = 1u << 8,     /* reserved bit 0x20 */
    STR_SUSPEND_NOT_LIVE = 1u << 9, /* SUSPEND before DRIVER_OK: the device is not initialized, ignored */
    STR_SUSPEND_NO_FEATURE = 1u << 10, /* SUSPEND without VIRTIO_F_SUSPEND negotiated: ignored */
    STR_SUSPEND_CLEAR = 1u << 11,   /* SUSPEND cleared without DRIVER_OK: a resume sets DRIVER_OK */
};
#define STR_COUNT 12

struct status_decision {
    uint8_t commit;          /* value to write to DEVICE_STATUS */
    uint32_t refused;        /* STR_* reasons, 0 = accepted as written */
    struct feat_check feat;  /* result of the feature check, when FEATURES_OK was requested */
    bool gained_features_ok; /* FEATURES_OK newly committed: snapshot the negotiated features */
    bool gained_driver_ok;
    bool suspend;            /* suspend: quiesce the data path and deliver the interrupts owed, then commit
                              * (SUSPEND set, DRIVER_OK clear); if that fails, DEVICE_NEEDS_RESET instead */
    bool resume;             /* resume from suspension: un-quiesce, commit (DRIVER_OK set, SUSPEND clear),
                              * then what was deferred while suspended (config interrupt, control queue) */
};

/* A non-zero write `req` to device_status while `cur` is committed (0 is a reset, handled apart).
 * offer/drv are used only when FEATURES_OK is being added; suspend_neg: VIRTIO_F_SUSPEND negotiated.
 * Suspend (virtio 1.3, 2.4 "Device Suspend"): SUSPEND written while DRIVER_OK is committed; resume:
 * DRIVER_OK written while suspended (with or without SUSPEND in the value). */
struct status_decision policy_status(uint8_t cur, uint8_t req, const uint32_t offer[4], const uint32_t drv[4],
                                     bool suspend_neg);
const char *policy_status_reason_name(unsigned reason_bit_index);

/* ---- queues ------------------------------------------------------------------------------ */

enum ring_type { RING_UNKNOWN = 0, RING_SPLIT, RING_PACKED };

enum q_verdict {
    Q_OK = 0,
    Q_NO_QUEUE,         /* index not defined by the negotiated features */
    Q_NOT_FEATURES_OK,  /* FEATURES_OK not set (or the device FAILED / NEEDS_RESET) */
    Q_BAD_VALUE,        /* queue_enable other than 1, queue_reset other than 1 */
    Q_SIZE_ZERO,
    Q_SIZE_TOO_BIG,
    Q_SIZE_NOT_POW2,    /* split ring */
    Q_ENABLED,          /* the queue is live: its size cannot change */
    Q_DESC_ZERO, Q_DESC_ALIGN, Q_DRIVER_ZERO, Q_DRIVER_ALIGN, Q_DEVICE_ZERO, Q_DEVICE_ALIGN,
    Q_NO_RING_RESET,    /* queue_reset without VIRTIO_F_RING_RESET negotiated */
};

struct queue_view {          /* what the firmware reads back before enabling a queue */
    uint16_t size;
    bool enabled;
    uint64_t desc, driver, device;
};

enum ring_type policy_ring_type(bool features_ok, const uint32_t neg[4]);
/* Pairs the negotiated features use: max_qp with MQ, else 1. */
unsigned policy_pairs(const uint32_t neg[4], unsigned max_qp);
/* Queues the negotiated features define: 2 * pairs (+1 control queue with CTRL_VQ). */
unsigned policy_num_queues(const uint32_t neg[4], unsigned max_qp);
/* Index of the control queue (2 * pairs), or CTRLQ_NONE without CTRL_VQ. */
uint16_t policy_ctrlq(const uint32_t neg[4], unsigned max_qp);
/* Clamp the configured max_virtqueue_pairs to what the hardware has: 1..(nq - 1) / 2. */
unsigned policy_clamp_max_qp(unsigned cfg, unsigned hw_queues);

/* msix_config / queue_msix_vector: the vector, or NO_VECTOR if it does not exist. */
uint16_t policy_vector(uint32_t req, unsigned num_vectors);
/* queue_size write (before FEATURES_OK the ring type is unknown, RING_PACKED not negotiated: powers of 2 only; re-checked at enable). */
enum q_verdict policy_qsize(uint32_t req, enum ring_type rt, unsigned qmax, bool enabled);
/* queue_size write for queue q: after FEATURES_OK a queue the negotiation leaves out is unavailable
 * (Q_NO_QUEUE: its size stays 0), otherwise policy_qsize with the negotiated ring type. */
enum q_verdict policy_queue_size(uint32_t req, bool features_ok, const uint32_t neg[4], unsigned max_qp, unsigned q,
                                 unsigned qmax, bool enabled);
/* queue_enable write. */
enum q_verdict policy_queue_enable(uint32_t req, uint8_t status, bool features_ok, const uint32_t neg[4],
                                   unsigned max_qp, unsigned q, const struct queue_view *v, unsigned qmax);
/* queue_reset write. */
enum q_verdict policy_queue_reset(uint32_t req, bool features_ok, const uint32_t neg[4], unsigned max_qp, unsigned q);
const char *policy_q_verdict_name(enum q_verdict v);

/* ---- link and errors --------------------------------------------------------------------- */

/* virtio-net status with LINK_UP following the port level (other bits kept). */
uint16_t policy_net_status(uint16_t cur, bool link_up);
/* Config change interrupt after a link change: only a live driver (DRIVER_OK) is told. */
bool policy_link_notify(uint8_t status);
/* Suspended (SUSPEND committed): the configuration space stays as it is and config change interrupts
 * wait for the resume (the spec's "MUST NOT ... modify any fields in its Configuration Space" and
 * "MUST send the notification when it resumes running"). */
bool policy_suspended(uint8_t status);
/* Internal error: the status to commit (NEEDS_RESET added) and whether to notify the driver. */
uint8_t policy_error_status(uint8_t status);
bool policy_error_notify(uint8_t status);
/* config_generation after a change: always gen + 1 mod 256, so one change never leaves it unchanged (the
 * field is a u8 and wraps, which the spec allows; a driver that misses exactly 256 changes between its two
 * reads cannot tell, and reads overlapping a change are held by CONFIG_UPDATE). */
uint8_t policy_next_gen(uint8_t gen);

#endif
