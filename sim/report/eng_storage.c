/* eng_storage.c - the queue engine's on-chip storage a parameter setting needs (bytes), by structure. */
#include "eng_storage.h"

#include <stdio.h>

#include "vdpu_regmap.h"

#define DESC_BYTES 16     /* a packed descriptor (rtl/vdpu_qeng.sv eng_q.pc: 128 bits an entry) */
#define USED_ENTRY_BYTES 4 /* eng_q.b_id and eng_q.b_len: 16 bits each */
#define OFF_BITS 18 /* a byte offset into the TX fetch buffers side by side (RTL FRAME_PW) */
_Static_assert(VDPU_TX_FETCH_BUFS * VDPU_TX_BUF_BYTES < 1u << OFF_BITS &&
                   VDPU_TX_FETCH_BUFS * VDPU_TX_BUF_BYTES >= 1u << (OFF_BITS - 1),
               "OFF_BITS is the offset width");
#define MRG_ENTRY_BYTES 6  /* eng_q.m_id, eng_q.m_len, eng_q.m_off: 16 bits each */
#define TAG_BITS 7 /* a read tag: 0..QENG_TAGS - 1 */
_Static_assert(1u << TAG_BITS == VDPU_QENG_TAGS, "a read tag is TAG_BITS bits");
#define BITS_BYTES(b) (((b) + 7) / 8)
#define DECISION_BYTES BITS_BYTES(2 + TAG_BITS + 3 * 16 + 1) /* decision_t: state, tag, n, o, nw, wrap - 58 bits */
#define RA_READ_BYTES BITS_BYTES(3 + TAG_BITS + 4 + 8 + 1)   /* ra_read_t: state, tag, n, got, bad - 23 bits */
/* a payload read slot (the slot is its read tag's): eng_q.p_slot[t] - len, got (16 bits), off, busy - and
 * a bit of eng_q.p_nx per next fetch - 60 bits */
#define READ_SLOT_BYTES BITS_BYTES(16 + 16 + OFF_BITS + 1 + (VDPU_TX_FETCH_BUFS - 1))
/* a TX fetch's own state (K > 1): eng_q.x (cnt, req, rbase, out, stop, left, sent, bidx - 39 bits),
 * vdpu_qeng_tx_ahead's q.xa (state, n, tag, got - 21), the next fetches' eng_q.xn (cnt, req, preq 32, rbase,
 * n 8, bad - 67 each), the reads beyond vdpu_qeng_tx_ahead's q.xb (state, n, tag, got, bad - 22 each) */
#define TX_FETCH_STATE_BYTES                                                                                     \
    (BITS_BYTES(4 + 4 + OFF_BITS + 4 + 2 + 4 + 1 + 2) + BITS_BYTES(2 + 4 + TAG_BITS + 8) +                       \
     (VDPU_TX_FETCH_BUFS - 1) * BITS_BYTES(4 + 4 + 32 + OFF_BITS + TAG_BITS + 1 + 1) +                                       \
     VDPU_TX_BEYOND_READS * BITS_BYTES(2 + 4 + TAG_BITS + 8 + 1))
/* the refresh read and the avail flags + idx it brought (vdpu_qeng_rx_ahead's q.av, q.av_data) */
#define REFRESH_BYTES (RA_READ_BYTES + 4)


static unsigned eng_field(unsigned v) { return v == 0 ? 1 : v > VDPU_ENG_PARAM_MAX ? VDPU_ENG_PARAM_MAX : v; }
/* the read slots an engine built for M reads outstanding holds (the RTL holds QENG_TAGS, every M) */
static unsigned reads_field(unsigned v) { return v == 0 ? 1 : v > VDPU_ENG_MAX_READS ? VDPU_ENG_MAX_READS : v; }

/* TX fetch acts (K > 1 batches the reads of a PAY phase, which M > 1 makes) */
static bool fetches(unsigned max_reads, unsigned tx_fetch) { return reads_field(max_reads) > 1 && eng_field(tx_fetch) > 1; }

/* a standard frame's place in a TX fetch buffer: 1,514 bytes and the 12-byte header from a 32-byte word
 * (model/qeng.h QENG_TX_SLOT_BYTES; TX_BUF_BYTES holds ENG_PARAM_MAX of them) */
#define TX_SLOT_BYTES (VDPU_TX_BUF_BYTES / VDPU_ENG_PARAM_MAX)

/* the TX frame buffer a design for TX fetch K needs: one frame, or TX_FETCH_BUFS TX fetch buffers side by
 * side (the next fetches are read into the others while the frames of the fetch before them leave from the
 * one), each as much as a fetch of K frames may fill: K standard frames, the longest frame at least */
static unsigned tx_buf(unsigned max_reads, unsigned tx_fetch)
{
    unsigned room = eng_field(tx_fetch) * TX_SLOT_BYTES;
    if (room < VDPU_FRAME_BUF_BYTES) room = VDPU_FRAME_BUF_BYTES;
    return fetches(max_reads, tx_fetch) ? VDPU_TX_FETCH_BUFS * room : VDPU_FRAME_BUF_BYTES;
}

/* descriptor caches: the prefetch cache, and beside it those of read-ahead descriptors, which a transmit and a
 * receive service use alike (pcx, pcy, pcz): a TX fetch's read ahead and its TX_BEYOND_READS reads beyond the
 * next fetch, or a receive service's RX_AHEAD_READS run-ahead reads (P > 1) - as many as the larger needs */
static unsigned caches(unsigned prefetch, unsigned max_reads, unsigned tx_fetch)
{
    unsigned rx = eng_field(prefetch) > 1 ? VDPU_RX_AHEAD_READS : 0u;
    unsigned tx = fetches(max_reads, tx_fetch) ? 1u + VDPU_TX_BEYOND_READS : 0u;
    return 1u + (rx > tx ? rx : tx);
}

void eng_storage_of(unsigned prefetch, unsigned used_batch, unsigned max_reads, unsigned tx_fetch,
                    struct eng_storage *s)
{
    s->desc_cache = caches(prefetch, max_reads, tx_fetch) * eng_field(prefetch) * DESC_BYTES;
    s->used_batch = eng_field(used_batch) * USED_ENTRY_BYTES;
    s->read_slots = reads_field(max_reads) * READ_SLOT_BYTES;
    s->mrg = VDPU_MRG_MAX * MRG_ENTRY_BYTES;
    s->frame_bufs = tx_buf(max_reads, tx_fetch) + VDPU_RX_FRAME_BUFS * VDPU_FRAME_BUF_BYTES;
    s->in_order = 2 + VDPU_NUM_QUEUES * 5; /* eng_q.io_pos; io_ok_q, io_la_q, io_head_q */
    s->beside = VDPU_EV_PENDING * DECISION_BYTES + (eng_field(prefetch) > 1 ? VDPU_RX_AHEAD_READS * RA_READ_BYTES : 0) +
                REFRESH_BYTES;
    s->tx_fetch = fetches(max_reads, tx_fetch) ? TX_FETCH_STATE_BYTES : 0;
    s->total = s->desc_cache + s->used_batch + s->read_slots + s->mrg + s->frame_bufs + s->in_order + s->beside +
               s->tx_fetch;
}

void eng_storage_format(const struct eng_storage *s, unsigned prefetch, unsigned used_batch, unsigned max_reads,
                        unsigned tx_fetch, char *buf, size_t len)
{
    unsigned c = caches(prefetch, max_reads, tx_fetch);
    char cs[64] = "", tf[32] = "";
    if (s->tx_fetch) snprintf(tf, sizeof tf, ", TX fetch state %u", s->tx_fetch);
    if (c > 1) snprintf(cs, sizeof cs, "s (prefetch, %u read ahead) %u x", c - 1, c);
    snprintf(buf, len,
             "%u bytes (descriptor cache%s %u x %u, used batch %u x %u, payload read slots %u x %u, MRG_RXBUF buffers "
             "%u x %u, frame buffers TX %u + RX %u x %u, in-order hints %u%s, reads and decisions beside the engine %u)",
             s->total, cs, eng_field(prefetch),
             DESC_BYTES, eng_field(used_batch), USED_ENTRY_BYTES, reads_field(max_reads),
             READ_SLOT_BYTES, VDPU_MRG_MAX, MRG_ENTRY_BYTES, tx_buf(max_reads, tx_fetch), VDPU_RX_FRAME_BUFS, VDPU_FRAME_BUF_BYTES, s->in_order,
             tf, s->beside);
}
