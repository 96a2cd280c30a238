// vdpu_pkg.svh - RTL-internal types shared by the vdpu blocks (register-map values stay in vdpu_regmap_pkg).
//
// The build compiles rtl/*.sv in name order and Verilator needs a package parsed before its first
// use, so this package lives in a guarded header that every user includes instead of a .sv file.
`ifndef VDPU_PKG_SVH
`define VDPU_PKG_SVH

package vdpu_pkg;
  import vdpu_regmap_pkg::*;

  // Width of an in-range queue index (the ports and CSRs carry 16-bit queue numbers).
  localparam int unsigned QIDX_W = $clog2(NUM_QUEUES);
  // Width of a DRV_FEATURE / DEV_FEATURE word index.
  localparam int unsigned FSEL_W = $clog2(FEAT_WORDS);
  // MSI-X table dword index within the table region.
  localparam int unsigned TBL_DW_W = $clog2(BAR_MSIX_TBL_LEN / 4);
  localparam int unsigned MRAM_AW  = $clog2(MIG_STATE_BYTES / 4);  // migration state RAM dword index
  // Event FIFO occupancy counter (0..EVQ_DEPTH).
  localparam int unsigned EVCNT_W = $clog2(EVQ_DEPTH + 1);

  // Queue engine (docs/queue-engine.md). The RX and TX frame buffers (FRAME_BUF_BYTES and
  // TX_BUF_BYTES, register-map parameters like the header and request sizes) are stored as 32-byte
  // words (one network / DMA beat per word).
  localparam int unsigned FRAME_WORDS = FRAME_BUF_BYTES / 32;
  localparam int unsigned TX_WORDS    = TX_FETCH_BUFS * TX_BUF_BYTES / 32;  // the TX fetch buffers
  // A word index into either that can also name the word past the end (reads of word w and w+1).
  localparam int unsigned FRAME_WW    = $clog2((TX_WORDS > FRAME_WORDS ? TX_WORDS : FRAME_WORDS) + 1);
  // ... into an RX frame buffer (the TX fetch buffers are longer).
  localparam int unsigned RX_WW       = $clog2(FRAME_WORDS + 1);
  // Byte position / length within a frame buffer (0..FRAME_BYTES + header), or within the TX fetch
  // buffers side by side (the longer: 18 bits for ten of 23,040 bytes).
  localparam int unsigned FRAME_PW    = $clog2(TX_FETCH_BUFS * TX_BUF_BYTES + 1);
  // The queue engine's used batch: an element's index, a split batch's used elements in whole beats.
  localparam int unsigned ENG_BI_W      = $clog2(ENG_PARAM_MAX);
  localparam int unsigned ENG_USED_BITS = 256 * ((64 * ENG_PARAM_MAX + 255) / 256);
  // A read tag of the queue engine (0..QENG_TAGS - 1; FWDMA_TAG is outside).
  localparam int unsigned QENG_TAG_W    = $clog2(QENG_TAGS);
  // Descriptor flag bits (split: VRING_DESC_F_*, packed: also AVAIL / USED).
  localparam int unsigned VQ_F_NEXT     = 0;
  localparam int unsigned VQ_F_WRITE    = 1;
  localparam int unsigned VQ_F_INDIRECT = 2;
  localparam int unsigned VQ_F_AVAIL    = 7;
  localparam int unsigned VQ_F_USED     = 15;

  // One host access as evaluated by the decode blocks: a fresh request or the one saved by HOLD.
  // (Own type rather than the generated hreq_t so the RTL does not depend on its field names.)
  typedef struct packed {
    logic [1:0]  kind;  // HL_*
    logic [3:0]  size;
    logic [7:0]  tag;
    logic [63:0] addr;
    logic [63:0] data;
  } acc_req_t;

  // What the decode blocks answer for an access (pre-edge state only).
  typedef struct packed {
    logic [1:0]  status;      // CPL_*
    logic [63:0] rdata;       // zero-extended, 0 for UR and writes
    logic        diag_valid;
    logic [7:0]  diag_code;   // DIAG_*
    logic [63:0] diag_addr;
    logic        held;        // a held read (policy value the firmware has to commit first)
    logic        held_gen;    // a read of config_generation: held while firmware updates device cfg
    logic [63:0] held_addr;   // BAR offset of the held field, for DIAG_HELD_TIMEOUT
    logic        ev_req;      // a write whose effects push a firmware event (held while the FIFO is full)
  } acc_rsp_t;

  // Per-queue context: all the host- and firmware-visible state of one virtqueue, kept in one
  // place so that it can be read back as a whole (live migration).
  typedef struct packed {
    logic [15:0] size;
    logic [15:0] msix;
    logic [15:0] enable;
    logic [15:0] reset;
    logic [31:0] desc_lo;
    logic [31:0] desc_hi;
    logic [31:0] avail_lo;
    logic [31:0] avail_hi;
    logic [31:0] used_lo;
    logic [31:0] used_hi;
    // queue engine state: cleared by DEV_RESET and by firmware writing Q_ENABLE = 0
    logic [15:0] last_avail;  // split: next avail ring index; packed: next descriptor slot
    logic        avail_wrap;  // packed: driver ring wrap counter (reset 1)
    logic [15:0] used_idx;    // split: used idx; packed: next used slot
    logic        used_wrap;   // packed: device ring wrap counter (reset 1)
    logic        kick;        // a doorbell is pending
    logic [15:0] nd;          // NOTIFICATION_DATA of the latest 4-byte doorbell (split: next avail idx;
                              // packed: [14:0] next_off, [15] next_wrap)
    logic        nd_valid;    // ... a doorbell has carried data
  } qctx_t;

  localparam qctx_t QCTX_RST = '{
    size:     CSR_Q_SIZE_RST[15:0],
    msix:     CSR_Q_MSIX_RST[15:0],
    enable:   CSR_Q_ENABLE_RST[15:0],
    reset:    CSR_Q_RESET_RST[15:0],
    desc_lo:  CSR_Q_DESC_LO_RST,
    desc_hi:  CSR_Q_DESC_HI_RST,
    avail_lo: CSR_Q_AVAIL_LO_RST,
    avail_hi: CSR_Q_AVAIL_HI_RST,
    used_lo:  CSR_Q_USED_LO_RST,
    used_hi:  CSR_Q_USED_HI_RST,
    last_avail: '0,
    avail_wrap: 1'b1,
    used_idx:   '0,
    used_wrap:  1'b1,
    kick:       1'b0,
    nd:         '0,
    nd_valid:   1'b0
  };

  // Queue engine update of one queue's ring state, applied after host and firmware at an edge.
  typedef struct packed {
    logic [QIDX_W-1:0] idx;
    logic              kick_clr;    // the scheduler picked the queue
    logic              kick_set;    // the service left the queue for quiesce: serve it again later
    logic              avail_we;    // last_avail / avail_wrap <= values below
    logic [15:0]       last_avail;
    logic              avail_wrap;
    logic              used_we;     // used_idx / used_wrap <= values below
    logic [15:0]       used_idx;
    logic              used_wrap;
  } qeng_wr_t;

  typedef enum logic [3:0] {
    QF_SIZE,
    QF_MSIX,
    QF_ENABLE,
    QF_RESET,
    QF_DESC_LO,
    QF_DESC_HI,
    QF_AVAIL_LO,
    QF_AVAIL_HI,
    QF_USED_LO,
    QF_USED_HI,
    QF_AVAIL_POS,  // firmware only: last_avail and avail_wrap (Q_AVAIL_POS)
    QF_USED_POS    // firmware only: used_idx and used_wrap (Q_USED_POS)
  } qfield_e;

  // A write of one field of one queue context (value already merged and truncated).
  typedef struct packed {
    logic              valid;
    logic [QIDX_W-1:0] idx;
    qfield_e           field;
    logic [31:0]       data;
  } qwr_t;

  // Firmware event FIFO entry.
  typedef struct packed {
    logic [7:0]  kind;   // EV_*
    logic [15:0] qnum;   // queue index or feature select
    logic [31:0] data;   // value the host wrote, truncated to the field width
  } ev_t;

  // MSI-X table entry.
  typedef struct packed {
    logic [31:0] addr_lo;  // bits [1:0] always 0
    logic [31:0] addr_hi;
    logic [31:0] data;
    logic        mask;
  } msix_entry_t;

  // Effects of a host access, computed by the decode and applied at the edge it completes.
  typedef struct packed {
    logic                dfsel_we;     // device_feature_select <= data
    logic                gfsel_we;     // driver_feature_select <= data
    logic                qsel_we;      // queue_select <= data
    logic                drv_feat_we;  // DRV_FEATURE[driver_feature_select] <= data
    logic                isr_clr;      // ISR read-to-clear
    logic                notify_inc;   // data-queue doorbell
    logic [QIDX_W-1:0]   notify_q;     // ... of this queue (sets its kick)
    logic                notify_nd;    // ... 4 bytes, vqn = the queue: data[31:16] is its notification data
    logic                ev_push;      // push ev (FIFO had room before the edge)
    logic                ev_ovf_set;   // FIFO was full: event dropped
    ev_t                 ev;
    qwr_t                qwr;          // ring address write of queue_select
    logic                tbl_we;       // MSI-X table write
    logic                tbl_size8;    // ... of two dwords
    logic [TBL_DW_W-1:0] tbl_dw;       // ... starting at this dword
    logic                mram_we;      // migration state RAM write (MIG window)
    logic [MRAM_AW-1:0]  mram_dw;      // ... of this dword
    logic [63:0]         data;         // write data, truncated to the access size
  } host_eff_t;

  // Register values the host-side decode reads (owned by the CSR block).
  typedef struct packed {
    logic [31:0]                  dfsel;
    logic [31:0]                  gfsel;
    logic [15:0]                  qsel;
    logic [FEAT_WORDS-1:0][31:0]  dev_feature;
    logic [FEAT_WORDS-1:0][31:0]  drv_feature;
    logic [15:0]                  msix_config;
    logic [7:0]                   device_status;
    logic [7:0]                   config_gen;
    logic [15:0]                  num_queues;  // NUMQ: host-visible num_queues (<= NUM_QUEUES)
    logic [1:0]                   isr;
    logic [47:0]                  mac;         // mac[i] at [8*i +: 8]
    logic [15:0]                  net_status;
    logic [15:0]                  net_max_qp;
    logic [15:0]                  net_mtu;
    logic [15:0]                  ctrlq;       // CTRLQ: the control queue's index
    logic                         reset_pend;  // a reset request waits for DEV_RESET: common cfg writes ignored
    logic [31:0]                  mig_status;  // MIG_STATUS: what the MIG region's CTRL and STATUS show
    logic [31:0]                  mig_data;    // MIG_DATA: what the MIG region's DATA shows
  } host_view_t;

  // Bytes 0..size-1 set: the part of a 64-bit little-endian word an access of this size covers.
  function automatic logic [63:0] size_mask(logic [3:0] size);
    logic [63:0] m;
    m = '0;
    for (int unsigned i = 0; i < 8; i++) begin
      if (i < 32'(size)) m[8*i+:8] = 8'hFF;
    end
    return m;
  endfunction

  // Split rings are indexed modulo queue_size; a size of 0 never reaches a ring access (the avail idx
  // check fails first), the guard only keeps the arithmetic defined.
  function automatic logic [15:0] mod16(logic [15:0] a, logic [15:0] n);
    return (n == '0) ? '0 : a % n;
  endfunction

  // Low n bytes set (n = 0..32).
  function automatic logic [255:0] byte_mask(logic [5:0] n);
    return (n >= 6'd32) ? '1 : ~({256{1'b1}} << {n[4:0], 3'b000});
  endfunction

  // NOTIFICATION_DATA: buffers beyond last_avail the queue's latest doorbell data says are available;
  // bit 17 set: no information (feature off, no data yet, or a value behind last_avail - a doorbell
  // that arrived after the engine had read past it). Split: 0..0x7FFF (more than N: the driver's lie);
  // packed: 0..N, positions counted over two laps (a value beyond N is behind, an offset >= N says
  // nothing).
  function automatic logic [17:0] nd_ahead(logic en, logic pk, logic [15:0] n, logic [15:0] la, logic aw,
                                           logic [15:0] nd, logic nd_valid);
    logic [15:0] step;
    logic [17:0] p_nd, p_la, t, n2;
    nd_ahead = 18'h20000;
    step     = nd - la;
    n2       = {1'b0, n, 1'b0};
    p_nd     = 18'(nd[14:0]) + (nd[15] ? 18'd0 : 18'(n));
    p_la     = 18'(la) + (aw ? 18'd0 : 18'(n));
    t        = p_nd + n2 - p_la;
    if (t >= n2) t = t - n2;
    if (en && nd_valid) begin
      if (!pk) begin
        if (!step[15]) nd_ahead = 18'(step);
      end else if (16'(nd[14:0]) < n && t <= 18'(n)) begin
        nd_ahead = t;
      end
    end
  endfunction

  // [addr, addr+len) inside the host memory window [base, base+size), in exact (65-bit) arithmetic: the
  // queue engine's descriptor checks and the firmware DMA channel (the model's model_in_window). Both
  // check len > 0 first.
  function automatic logic in_window(logic [63:0] addr, logic [31:0] len, logic [63:0] base, logic [63:0] size);
    logic [64:0] rel_end;
    rel_end = {1'b0, addr - base} + 65'(len);
    return (addr >= base) && (rel_end <= {1'b0, size});
  endfunction

  // EVENT_IDX: the spec's vring_need_event: the used index moved from old to new_idx past event_idx.
  function automatic logic need_event(logic [15:0] event_idx, logic [15:0] new_idx, logic [15:0] old);
    return (new_idx - event_idx - 16'd1) < (new_idx - old);
  endfunction

  // A read beside the queue engine (the RX run-ahead reads, the avail refresh; the model's enum eng_ra and
  // struct eng_ra_read; docs/queue-engine.md "RX run-ahead").
  typedef enum logic [2:0] {
    RaNone,  // none
    RaRead,  // in flight: its completion is taken beside the engine
    RaIn,    // in: the next cache (pcx), taken where the service would read the descriptors
    RaBad,   // it failed: QERR_DMA where the service would read the descriptors
    RaDrop   // in flight, not wanted any more (the service read those descriptors itself)
  } ra_st_e;
  typedef struct packed {
    ra_st_e                st;
    logic [QENG_TAG_W-1:0] tag;
    logic [3:0]            n;    // the descriptors it reads
    logic [7:0]            got;  // bytes in so far
    logic                  bad;  // a beat of it failed
  } ra_read_t;

  // A run-ahead read not wanted, from its state after this edge's beat (the model's ra_unused): one in
  // flight is dropped (its completion taken and thrown away), one in or failed forgotten.
  function automatic ra_st_e ra_unused(ra_st_e st);
    return (st == RaRead || st == RaDrop) ? RaDrop : RaNone;
  endfunction
  // ... after its last beat: in, or bad; a dropped one is forgotten
  function automatic ra_st_e ra_after_last(ra_st_e st, logic bad);
    return (st == RaDrop) ? RaNone : (bad ? RaBad : RaIn);
  endfunction

  // One completion beat of a descriptor read beside the engine (the model's ra_beat): `n` descriptors
  // asked, `got` bytes in before this beat. Bad once a beat fails (an error status, poisoned, more bytes
  // than asked); at the last beat fewer bytes than asked (`nb` this beat's) are bad too (rd_beat_short).
  function automatic logic rd_beat_bad(logic was_bad, logic [3:0] n, logic [7:0] got, logic [1:0] status,
                                       logic poison, logic [15:0] len);
    return was_bad || (status != CPL_SC) || poison || (32'(len) > 32'({n, 4'b0}) - 32'(got));
  endfunction
  function automatic logic rd_beat_short(logic [3:0] n, logic [7:0] got, logic [5:0] nb);
    return 32'(got) + 32'(nb) != 32'({n, 4'b0});
  endfunction

  // The TX fetch's descriptor reads ahead (vdpu_qeng_tx_ahead; the model's enum eng_x_ahead, struct
  // eng_x_ahead_read and struct eng_x_read; docs/queue-engine.md "TX fetch"): the read ahead of a fetch that
  // takes the whole prefetch cache, and the reads beyond the next fetch.
  typedef enum logic [1:0] {
    XaNone,  // not read (yet)
    XaRead,  // issued in PAY, its completion on the way
    XaIn     // in: the next cache (pcx), taken where the service would read the descriptors
  } x_ahead_e;
  typedef struct packed {  // the read ahead
    x_ahead_e              st;
    logic [3:0]            n;    // the descriptors it reads
    logic [QENG_TAG_W-1:0] tag;
    logic [7:0]            got;  // bytes in so far
  } x_ahead_t;
  typedef struct packed {  // a read beyond the next fetch
    x_ahead_e              st;
    logic [3:0]            n;
    logic [QENG_TAG_W-1:0] tag;
    logic [7:0]            got;
    logic                  bad;  // a beat of it failed
  } x_read_t;

  // The interrupt decision on an event read's data d, after a used write (vdpu_qeng_irq, and the
  // engine's own event reads). Split without EVENT_IDX: the avail flags; split EVENT_IDX: used_event,
  // the batch moved used idx from old to nw; packed: the driver event structure {off_wrap, flags}:
  // desc-specific (EVENT_IDX) - the written slots (n of them) reached off_wrap, an offset of the other
  // wrap counter counting one lap back (nwrap: the used wrap counter at nw) - or enable / disable. The
  // model's qeng_event_irq.
  function automatic logic event_irq(logic [31:0] d, logic pk, logic evx, logic [15:0] nw, logic nwrap,
                                     logic [15:0] qsize, logic [15:0] n, logic [15:0] old);
    logic [15:0] off;
    off = {1'b0, d[14:0]};
    if (d[15] != nwrap) off = off - qsize;
    if (!pk && !evx) return !d[0];  // VRING_AVAIL_F_NO_INTERRUPT
    if (!pk) return need_event(d[15:0], nw, old);
    if (evx && d[31:16] == 16'd2) return need_event(off, nw, nw - n);
    return d[31:16] != 16'd1;
  endfunction

endpackage

`endif  // VDPU_PKG_SVH
