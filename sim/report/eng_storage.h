/* eng_storage.h - the queue engine's on-chip storage a parameter setting needs (bytes), by structure. */
#ifndef VDPU_ENG_STORAGE_H
#define VDPU_ENG_STORAGE_H

#include <stddef.h>
#include <stdint.h>

/* What a queue engine built for prefetch depth P, used batch B, M payload reads outstanding and TX fetch K holds,
 * structure by structure as rtl/vdpu_qeng.sv declares them at ENG_PARAM_MAX (the settings select how
 * much of them a run uses; a design made for one setting needs just this much). */
struct eng_storage {
    uint32_t desc_cache;  /* P descriptors of 16 bytes (a packed descriptor; a split ring's head ids fit); with
                           * TX fetch twice: the run-ahead read's beside the prefetch cache */
    uint32_t used_batch;  /* B held used entries: id and length, 2 + 2 bytes */
    uint32_t read_slots;  /* M payload reads in flight: length, bytes got, buffer offset, busy, next fetch (7 bytes) */
    uint32_t mrg;         /* MRG_MAX receive buffers of one frame: id, length, ring offset (6 bytes) */
    uint32_t frame_bufs;  /* the TX and RX frame buffers: FRAME_BUF_BYTES each, the TX one TX_BUF_BYTES with K > 1 */
    uint32_t in_order;    /* split IN_ORDER fetch: io_pos, and per queue the hint of its next head
                           * (valid, last_avail, head: 33 bits, 5 bytes) */
    uint32_t beside;      /* the reads and decisions beside the engine: EV_PENDING interrupt decisions (8 bytes
                           * each), with P > 1 RX_AHEAD_READS run-ahead reads (3 bytes each), the avail refresh
                           * and the flags + idx it brought (7 bytes) */
    uint32_t tx_fetch;    /* TX fetch (K > 1, M > 1): the fetch's, its read ahead's, the next fetches' and the reads
                           * beyond's state (36 bytes) */
    uint32_t total;
};

/* P, B, M, K as the engine takes them: 0 acts as 1, above ENG_PARAM_MAX (M: QENG_TAGS) as that. */
void eng_storage_of(unsigned prefetch, unsigned used_batch, unsigned max_reads, unsigned tx_fetch,
                    struct eng_storage *s);
/* "N bytes (descriptor cache P x 16, ...)" into buf. */
void eng_storage_format(const struct eng_storage *s, unsigned prefetch, unsigned used_batch, unsigned max_reads,
                        unsigned tx_fetch, char *buf, size_t len);

#endif
