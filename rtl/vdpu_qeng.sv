// vdpu_qeng.sv - queue engine: doorbell -> descriptors -> DMA -> network port -> used -> interrupt.
//
// One state machine, one queue and one buffer (descriptor chain) at a time (docs/queue-engine.md).
// Descriptor prefetch reads up to P ring entries / descriptors per read into a cache and used
// batching writes up to B split used elements per request (ENG_PARAM, latched when a queue is
// picked); INDIRECT descriptor tables and EVENT_IDX follow ENG_CTRL[2] / [3] (latched likewise);
// with MRG_RXBUF (ENG_CTRL[4]) a received frame goes on across up to 16 buffers, made used together
// once it is complete; NOTIFICATION_DATA (ENG_CTRL[5]) lets doorbell values spare avail-idx and
// descriptor reads; ENG_PARAM[14:8] > 1 keeps up to that many TX payload reads in flight (PAY), and
// TX fetch (ENG_PARAM[18:15]) reads the payload of the cached one-descriptor frames behind the one
// in service in the same PAY phase.
// RX services batch too: P entries per read, and while a used entry is held the service takes the
// next frame (RX_NEXT), writing the held batch when the port goes idle (docs "RX batching").
// Every state takes one edge except the waiting ones (RD_REQ / WR_REQ / TX_OUT wait for a free
// output register, RD_WAIT for the completion, PAY for its reads), so the C model can follow it
// cycle for cycle. All decisions use pre-edge state; the ring state (last_avail, used_idx, wrap
// counters, kick) lives in the queue context and is updated through qwr_o, applied after the host
// and firmware writes of the same edge. Around the state machine: vdpu_qeng_sched (which queue a
// pick takes), vdpu_qeng_tx (TX frame buffer, network beats), vdpu_qeng_rx (RX write beats),
// vdpu_qeng_irq (the interrupt decisions made beside it), vdpu_qeng_rx_ahead (the RX run-ahead reads
// and the split avail refresh, read beside it); after it, in vdpu_top, vdpu_irq_coal (interrupt
// coalescing).
`include "vdpu_pkg.svh"

module vdpu_qeng
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                   clk_i,
  input  logic                   rst_ni,

  // control (CSR block, pre-edge)
  input  logic [31:0]            eng_ctrl_i,   // [0] enable, [1] packed, [2] INDIRECT_DESC, [3] EVENT_IDX,
                                               // [4] MRG_RXBUF, [5] NOTIFICATION_DATA, [6] IN_ORDER,
                                               // [7] MTU
  input  logic [31:0]            eng_param_i,  // ENG_PARAM: [3:0] prefetch depth, [7:4] used batch
  input  logic                   quiesce_i,    // DP_CTRL[0]: no new service; TX leaves after a buffer
  input  logic [63:0]            hm_base_i,    // host memory window for buffers
  input  logic [63:0]            hm_size_i,
  input  logic [15:0]            ctrlq_i,      // the control queue is firmware's
  input  logic                   dev_reset_i,  // clears QERR; ends a read wait (RD_WAIT, PAY)
  input  logic [31:0]            cpl_timeout_i, // CPL_TIMEOUT: edges without a completion beat before a
                                                // read fails (0: never)
  input  logic [31:0]            warp_i,       // idle skipping: extra cycles this edge stands for

  // queue contexts and the engine's updates of them
  input  qctx_t [NUM_QUEUES-1:0] qctx_i,
  output qeng_wr_t               qwr_o,
  output logic                   packed_o,     // the layout positions move by: ENG_CTRL's when idle, else latched

  // DMA requests (through vdpu_dma_out, which gives the engine priority)
  input  logic                   dma_free_i,
  output logic                   dma_load_o,
  output dmareq_t                dma_req_o,

  // DMA read completions
  input  logic                   dmacpl_valid_i,
  input  logic [7:0]             dmacpl_tag_i,
  input  logic [1:0]             dmacpl_status_i,
  input  logic                   dmacpl_poison_i,
  input  logic [15:0]            dmacpl_len_i,
  input  logic [255:0]           dmacpl_data_i,
  input  logic                   dmacpl_last_i,
  output logic                   cpl_expected_o,  // the completion beat of this edge is one the engine takes
  output logic                   rd_wait_o,       // RD_WAIT: nothing to do but take completion beats
                                                  // (and count the completion timeout, not due yet)
  output logic [31:0]            cto_wake_o,      // edges before the completion timeout fires ('1: none)

  // the RX frame waiting in vdpu_net_rx (its head buffer)
  input  logic                   rx_full_i,
  input  logic [QIDX_W-1:0]      rx_q_i,       // its receiveq (vdpu_rx_steer)
  input  logic [FRAME_PW-1:0]    rx_len_i,
  input  logic                   rx_trunc_i,
  input  logic                   rx_vlan_i,    // its first beat has an 802.1Q tag (MTU check + 4)
  input  logic [15:0]            net_mtu_i,    // NET_MTU (pre-edge): with ENG_CTRL[7], the longest frame
                                               // passed is mtu + 14 (+ 4 tagged)
  input  logic                   drv_ok_i,     // device_status has DRIVER_OK (pre-edge, as committed)
  input  logic                   nrx_valid_i,  // a beat is offered on nrx (RX_NEXT: a frame is arriving)
  output logic                   rx_free_o,
  output logic                   rx_held_o,    // a service holds the head frame (frees it itself)
  output logic                   rx_re_o,
  output logic [RX_WW-1:0]       rx_raddr_o,
  input  logic [511:0]           rx_rdata_i,

  // network port TX
  output logic                   ntx_valid_o,
  input  logic                   ntx_ready_i,
  output logic [255:0]           ntx_data_o,
  output logic [31:0]            ntx_keep_o,
  output logic                   ntx_last_o,

  // queue interrupt (applied like HOST_IRQ(q)), violation, status CSRs
  output logic                   irq_o,
  output logic [QIDX_W-1:0]      irq_q_o,
  output logic                   err_o,
  output logic                   idle_o,
  output logic [31:0]            status_o,     // ENG_STATUS
  output logic [NUM_QUEUES-1:0]  qerr_o,       // QERR
  output logic [31:0]            err_info_o    // ERR_INFO
);

  // The scheduler reads queue 0 as receiveq 0 and odd queues as transmit queues.
  if (NUM_QUEUES < 2 || NUM_QUEUES > 256) begin : gen_nq_check
    $error("vdpu_qeng: ENG_STATUS[15:8] holds the queue in service in 8 bits");
  end

  typedef enum logic [3:0] {
    StIdle,    // scheduler
    StRdReq,   // load a DMA read request
    StRdWait,  // collect its completion beats
    StProc,    // act on the data read
    StWrReq,   // load the beats of a DMA write
    StTxOut,   // send the frame on ntx
    StIrq,     // raise the queue interrupt, pick the next step
    StErr,     // record a violation
    StPay,     // TX payload of a descriptor, up to mr reads outstanding (ENG_PARAM[14:8] > 1)
    StRxNext   // RX: the frame's used entry is held in the batch: take the next frame on the port
  } state_e;

  // Why a PAY phase that sends a fetched frame stops once that frame is out (a frame on the wire is
  // never cut), and what it does then (the model's enum eng_x_stop).
  typedef enum logic [1:0] {
    XGo,       // no stop
    XFailed,   // a read failed: PROC (QERR_DMA)
    XReset,    // DEV_RESET: IDLE, the reads in flight forgotten
    XTimeout   // completion timeout: QERR_TIMEOUT
  } x_stop_e;

  // A queue engine read tag (0..QENG_TAGS - 1; the DMA tag's high bits are 0, FWDMA_TAG is outside)
  localparam int unsigned TagW  = $clog2(QENG_TAGS);
  localparam int unsigned CntW  = TagW + 1;  // a count of reads (0..QENG_TAGS)
  if (QENG_TAGS < 2 || (1 << TagW) != QENG_TAGS || TagW > 7) begin : gen_tag_check
    $error("vdpu_qeng: QENG_TAGS must be a power of two below FWDMA_TAG (the read slots are indexed by tag bits)");
  end

  // The TX fetch buffers: the PAY phase's (tx_fetch_t.bidx) and the next fetches read early into the ones
  // after it - xn[0] from the read ahead's descriptors (pcx), xn[i] from the read beyond xb[i-1]'s
  // (pcy, then pcz)
  localparam int unsigned XnN   = TX_FETCH_BUFS - 1;
  localparam int unsigned XnW   = (XnN > 1) ? $clog2(XnN) : 1;  // an index into them
  localparam int unsigned BidxW = $clog2(TX_FETCH_BUFS);

  // The TX fetch of a PAY phase (the model's struct eng_tx_fetch)
  typedef struct packed {
    logic [3:0]          cnt;    // frames the PAY phase reads (1: its own descriptor only)
    logic [3:0]          req;    // the one whose reads it issues: 0 in service, j the j-th cached
    logic [FRAME_PW-1:0] rbase;  // ... its base in the TX frame buffer
    logic [3:0]          out;    // the one PAY sends next (cnt: all sent)
    x_stop_e             stop;   // PAY stops once the frame it sends is out (XGo: it goes on)
    logic [3:0]          left;   // frames fetched behind the one in service, not served yet
    logic                sent;   // the frame in service and those left behind it were sent in PAY
    logic [BidxW-1:0]    bidx;   // the TX fetch buffer of the PAY phase's frames (the next fetches': the
                                 // ones after it, round)
  } tx_fetch_t;

  // The next fetch read early (the model's struct eng_next_fetch)
  typedef struct packed {
    logic [3:0]          cnt;    // its frames (0: none)
    logic [3:0]          req;    // ... the one whose reads are issued, preq bytes of it
    logic [31:0]         preq;
    logic [FRAME_PW-1:0] rbase;  // ... its base in the TX buffer
    logic [TagW:0]       n;      // ... reads of it in flight
    logic                bad;    // ... one of them failed
  } next_fetch_t;

  // A payload read in flight on a read tag: the slot is its tag's (the model's p_slot[]; which next fetch
  // a slot reads for is eng_t's p_nx, one bit vector per next fetch)
  typedef struct packed {
    logic                busy;
    logic [15:0]         len;
    logic [15:0]         got;
    logic [FRAME_PW-1:0] off;   // chain offset of its bytes
  } pay_slot_t;

  // What the current read or write is for.
  typedef enum logic [3:0] {
    OpAvail,    // split: avail flags + idx
    OpRing,     // split: avail ring entry (head id)
    OpDesc,     // descriptor
    OpPayload,  // TX: payload chunk read into the TX frame buffer
    OpEvent,    // packed: driver event suppression; split (EVENT_IDX): used_event
    OpPayWr,    // RX: header + frame chunk written into a buffer
    OpUsed,     // used element / used descriptor
    OpUsedIdx,  // split: used idx
    OpInd,      // INDIRECT_DESC: indirect table block read / table entry
    OpAvEvt,    // split EVENT_IDX: avail_event write
    OpNumBuf,   // MRG_RXBUF: num_buffers (header byte 10) of a frame spanning several buffers
    OpUsedRest  // packed RX batch: the used descriptors of its buffers 1..bcnt-1 (buffer 0's follows)
  } op_e;

  // prefetch and batching: ENG_PARAM fields act as 1..ENG_PARAM_MAX; the cache holds up to ENG_PARAM_MAX descriptors.
  localparam int unsigned PcBits   = 128 * ENG_PARAM_MAX;
  localparam int unsigned PcW      = $clog2(16 * ENG_PARAM_MAX);  // a byte offset into such a cache
  // INDIRECT_DESC: indirect table entries per read (512 bytes, the DMA read limit), kept in u_tbl_buf.
  localparam int unsigned TblBlock = DMA_RD_MAX / 16;
  // MRG_RXBUF: buffers one received frame may use (a frame needing more is dropped); num_buffers
  // is patched into header byte 10 (byte 11 stays 0 from the header written with the stream).

  localparam logic [FRAME_PW-1:0] HdrLen   = FRAME_PW'(NET_HDR_BYTES);
  localparam logic [FRAME_PW-1:0] MinChain = FRAME_PW'(NET_HDR_BYTES + ETH_HDR_BYTES);

  // ---- registers ------------------------------------------------------------------------------
  // RX: the run-ahead descriptor reads, RX_AHEAD_READS in all - the first (into pcx) and the ones after
  // it, each the P after the one before (rb[0] into pcy, rb[i] into pcz[i-1]); each moves up when
  // the first is taken (the model's ra, rb[])
  localparam int unsigned RbN  = RX_AHEAD_READS - 1;
  localparam int unsigned PczN = (RX_AHEAD_READS > 2) ? RX_AHEAD_READS - 2 : 1;
  localparam int unsigned RbW  = (RbN > 1) ? $clog2(RbN) : 1;  // an index into them
  // TX: the reads beyond the next fetch (pcy, then pcz)
  localparam int unsigned XbN  = TX_BEYOND_READS;
  localparam int unsigned XbW  = (XbN > 1) ? $clog2(XbN) : 1;
  if (TX_FETCH_BUFS < 3 || TX_FETCH_BUFS - 2 > XbN) begin : gen_xn_check
    $error("vdpu_qeng: TX_FETCH_BUFS must be 3..TX_BEYOND_READS + 2 (next fetch i > 0 reads the descriptors of xb[i-1])");
  end
  if (XbN < 1 || XbN > RbN) begin : gen_xb_check
    $error("vdpu_qeng: TX_BEYOND_READS must be 1..RX_AHEAD_READS - 1 (its reads fill pcy and pcz)");
  end
  // The engine's state (the model's struct vdpu_eng, fields named alike), one register: eng_q, its next value
  // eng_d (reset: EngReset).
  typedef struct packed {
    state_e                      fsm;                // the state machine (the model's enum vdpu_eng_fsm)
    op_e                         op;
    logic [QIDX_W-1:0]           q;                  // queue in service
    logic                        rx;                 // serving RX (the steered receiveq)
    logic                        pk_en;              // ring layout, latched when the queue is picked
    // the outstanding read
    logic [TagW-1:0]             next_tag;           // next read tag (0..QENG_TAGS - 1)
    logic [7:0]                  rd_tag;
    logic [15:0]                 rd_len;
    logic [31:0]                 rd_got;             // completion bytes received
    logic                        rd_bad;             // error status or foreign tag seen
    logic [127:0]                rbuf;               // data of ring / descriptor / event reads
    // the buffer (descriptor chain) in progress
    logic [15:0]                 avail_idx;          // split: avail idx read in step 1
    logic                        irq_en;             // interrupt wanted (NO_INTERRUPT / event flags)
    logic [15:0]                 id;                 // split: chain head id
    logic [15:0]                 cur;                // split: id of the descriptor to read next
    logic [63:0]                 d_addr;
    logic [15:0]                 d_flags;
    logic [15:0]                 d_next;             // split: next; packed: id (bytes 12-13)
    logic [16:0]                 ndesc;              // descriptors in the chain so far
    logic [31:0]                 blen;               // bytes to move for this descriptor
    logic [31:0]                 d_off;              // ... of which done (start of the current chunk)
    logic [FRAME_PW-1:0]         tot;                // TX: chain bytes read; RX: header + frame bytes written
    logic [15:0]                 clen;               // RX: current write chunk length
    logic [3:0]                  wr_beat;            // beat of the write (RX payload chunk, used entries)
    logic [FRAME_WW-1:0]         txb;                // TX: frame beat to send next
    logic [7:0]                  err;                // QERR_* of the violation found in PROC / WR_REQ, for ERR
    // prefetch cache and used batch of the queue in service (reset at the pick)
    logic [3:0]                  pf;                 // prefetch depth P (1..ENG_PARAM_MAX)
    logic [3:0]                  bb;                 // used batch B (1..ENG_PARAM_MAX)
    logic [3:0]                  pc_n;               // cached entries not yet used
    logic                        pcfirst;            // the next cached entry is the first of its fill (model: pc_pos == 0)
    logic [PcBits-1:0]           pc;                 // split ring ids (16 bits) / packed descriptors (128), next at bit 0
    logic [3:0]                  b_cnt;              // used elements collected, not yet written (packed: IN_ORDER only)
    logic [16*ENG_PARAM_MAX-1:0] b_id;               // ... their ids, element i at [16i +: 16]
    logic                        b_held;             // the buffer just done stayed in the batch: no interrupt
    logic                        b_leave;            // the batch is written because the queue is left
    logic [16*ENG_PARAM_MAX-1:0] b_len;              // RX: the used lengths of the batch's elements
    // RX batching: a receive service goes on with the next frame (RX_NEXT) while its used entry stays
    // in the batch (split elements, packed used descriptors)
    logic                        rx_own;             // the frame in the RX buffer is this service's
    logic                        rx_pass;            // a receive service left its batch to a waiting transmitq:
                                                     // the next pick is a transmitq's (cleared at every pick)
    // IN_ORDER (ENG_CTRL[6], latched at the pick, TX services only): one used entry per batch, the
    // id of its last buffer; packed batches too
    logic                        io_en;
    logic [15:0]                 b_nd;               // packed IN_ORDER: ring slots of the buffers in the batch
    // split IN_ORDER fetch (ENG_CTRL[6] with a split ring, latched at the pick, TX and RX): heads follow
    // in table order from io_pos, descriptors are read up to P at a time into the cache pc
    logic                        io_fetch;
    logic                        io_seq;             // io_pos is known: no avail ring read
    logic [15:0]                 io_pos;             // the descriptor taken next, in table order
    // INDIRECT_DESC / EVENT_IDX (ENG_CTRL[2] / [3], latched at the pick)
    logic                        ind_en;             // INDIRECT descriptors name tables
    logic                        ev_en;              // EVENT_IDX
    logic                        in_tbl;             // the chain goes on in an indirect table
    logic [63:0]                 t_addr;             // ... at this address
    logic [15:0]                 t_n;                // ... with this many entries
    logic [15:0]                 t_cur;              // entry used next
    logic [16:0]                 t_used;             // entries used so far (a split loop: QERR_LOOP)
    logic [15:0]                 t_base;             // first entry of the block in u_tbl_buf
    logic [5:0]                  t_cnt;              // ... and its entries (1..32)
    logic                        ae_wait;            // split TX: avail_event written, avail re-read pending
    logic [15:0]                 ev_old;             // split: used idx before the batch (vring_need_event)
    // (the RX run-ahead reads and the avail refresh, the model's ra, rb[], ra_taken, av, av_data, av_seen:
    // vdpu_qeng_rx_ahead's state)
    // MRG_RXBUF (ENG_CTRL[4], latched at the pick, RX only): the buffers of the frame in service; none
    // is made used before the whole frame is written, so a frame that runs out of buffers is dropped
    // without the driver seeing any of it
    logic                        mrg_en;
    logic [4:0]                  m_n;                // buffers filled before the one in service
    logic [16*MRG_MAX-1:0]       m_id;               // ... their ids, buffer i at [16i +: 16]
    logic [16*MRG_MAX-1:0]       m_len;              // ... bytes written into each
    logic [16*MRG_MAX-1:0]       m_off;              // ... packed: ring slots of the frame before each
    logic [15:0]                 m_nd;               // packed: ring slots of the filled buffers
    logic [FRAME_PW-1:0]         m_base;             // stream position where the buffer in service started
    logic [63:0]                 nb_addr;            // host address of header byte 10
    logic [15:0]                 m_la0;              // packed: last_avail / avail_wrap at the pick (rollback)
    logic                        m_aw0;
    logic                        m_commit;           // the frame is complete: patch and used entries
    logic [4:0]                  m_cnt;              // ... num_buffers
    logic [4:0]                  m_k;                // ... used entry being written: 1..mcnt-1, then 0 (as mcnt)
    // NOTIFICATION_DATA (ENG_CTRL[5], latched at the pick)
    logic                        nd_en;
    // several payload reads outstanding (ENG_PARAM[14:8] = max reads M, latched at the pick; M = 1
    // keeps the one-read path): one slot per read tag, a payload read in flight in its tag's
    logic [TagW:0]               mr;                 // M (1..QENG_TAGS; 1 for RX)
    logic [TagW:0]               p_n;                // reads outstanding
    logic [31:0]                 p_req;              // bytes of the descriptor requested
    logic                        p_bad;              // error status, foreign tag or wrong length seen
    pay_slot_t [QENG_TAGS-1:0]   p_slot;             // per read tag: the payload read in flight on it
    // TX fetch (packed or split IN_ORDER TX, M > 1, ENG_PARAM[18:15] = K > 1; docs/queue-engine.md
    // "TX fetch"): the PAY phase of a one-descriptor frame also reads the payload of the one-descriptor
    // frames cached behind it, each at its own 32-byte aligned base in the TX frame buffer, and sends each
    // on ntx as soon as its bytes are in, in ring order, while the reads of the ones behind it go on; those
    // frames are then served without reads or TX_OUT (used entries and interrupts only). PAY requests frame
    // x.req's bytes (preq so far) and sends frame x.out's (from txbase, beat txb).
    logic [3:0]                  xf;                 // K (1..ENG_PARAM_MAX), latched at the pick
    tx_fetch_t                   x;                  // the PAY phase's TX fetch (the model's struct eng_tx_fetch)
    logic [FRAME_PW-1:0]         tx_base;            // ... its base (0 outside PAY: TX_OUT sends from 0)
    // (the read ahead of a fetch that takes the whole cache, the model's xa: vdpu_qeng_tx_ahead's state;
    // its descriptors, pcx: vdpu_qeng_ahead_bufs')
    // the next fetch read early (docs/queue-engine.md "The next fetch read early"): once the fetch's reads
    // are all issued and its read ahead is in, PAY issues the payload reads of the frames the read-ahead
    // descriptors start into the next TX fetch buffer (xn[0]), then those of the read beyond it into the
    // buffer after (xn[1]), and so on (xn[i] from xb[i-1]'s); the next PAY phase takes xn[0] over and
    // the rest move up. Their beats
    // are taken at any state (xn_hit); the model's xn[], p_slot[].nx
    next_fetch_t [XnN-1:0]       xn;
    logic [XnN-1:0][QENG_TAGS-1:0] p_nx;             // per read slot: a read of next fetch i (the model's p_slot[].nx = i + 1)
    // (the reads beyond the next fetch, the model's xb[]: vdpu_qeng_tx_ahead's state; their descriptors,
    // xb[0]'s pcy and xb[i]'s pcz[i-1] - RX: the run-ahead reads after the first's - vdpu_qeng_ahead_bufs')
    // a read beside the engine failed and no buffer has taken the failure yet: StIdle reports it (QERR_DMA)
    // before the next pick (the model's fail_owed)
    logic                        fail_owed;
    logic [3:0]                  ndcap;              // packed: descriptors the next buffer-start read may take
                                                     // (the slots the doorbell data says are available; 0: no cap)
    // status
    logic [NUM_QUEUES-1:0]       qerr;
    logic [31:0]                 err_info;
    logic [15:0]                 rx_dropped;
    logic [QIDX_W-1:0]           tx_last;            // the transmit queue picked last (round robin)
    // ntx output register
    logic                        ntx_valid;
    logic [255:0]                ntx_data;
    logic [31:0]                 ntx_keep;
    logic                        ntx_last;
  } eng_t;
  eng_t eng_q, eng_d;

  // the engine's state after rst_ni: idle, P = B = M = K = 1, every read beside the engine and every
  // decision none, ERR_INFO its register-map reset
  function automatic eng_t eng_reset();
    eng_t r;
    r          = eng_t'(0);
    r.fsm      = StIdle;
    r.op       = OpAvail;
    r.pf       = 4'd1;
    r.bb       = 4'd1;
    r.pcfirst  = 1'b1;
    r.mr       = CntW'(1);
    r.xf       = 4'd1;
    r.x.cnt    = 4'd1;
    r.x.stop   = XGo;
    r.err_info = CSR_ERR_INFO_RST;
    return r;
  endfunction
  localparam eng_t EngReset = eng_reset();

  // per queue, written by the IN_ORDER hint block below (not the engine's next-state block)
    // ... per queue, kept between services: the buffer at avail index io_la starts at descriptor
    // io_head (written when the engine consumes a buffer; dropped while the queue is disabled and at
    // DEV_RESET)
  logic [NUM_QUEUES-1:0]       io_ok_q, io_ok_d;
  logic [NUM_QUEUES-1:0][15:0] io_la_q, io_la_d, io_head_q, io_head_d;

  // ---- helpers ----------------------------------------------------------------------------------
  function automatic logic [15:0] min16(logic [31:0] a, logic [31:0] b);
    return (a < b) ? a[15:0] : b[15:0];
  endfunction

  function automatic logic [31:0] keep_mask(logic [5:0] n);
    return (n >= 6'd32) ? '1 : ~(32'hFFFF_FFFF << n[4:0]);
  endfunction

  // An ENG_PARAM field: 0 acts as 1, above ENG_PARAM_MAX as ENG_PARAM_MAX.
  function automatic logic [3:0] param_field(logic [3:0] v);
    return (v == '0) ? 4'd1 : ((32'(v) > ENG_PARAM_MAX) ? 4'(ENG_PARAM_MAX) : v);
  endfunction

  // ENG_PARAM's max reads M: 0 acts as 1 (the 7-bit field holds ENG_MAX_READS at most, below QENG_TAGS).
  if (ENG_MAX_READS >= QENG_TAGS || ENG_MAX_READS != (1 << ENG_PARAM_MAX_READS_W) - 1) begin : gen_reads_check
    $error("vdpu_qeng: ENG_MAX_READS must be ENG_PARAM[14:8]'s most and below QENG_TAGS");
  end
  function automatic logic [TagW:0] reads_field(logic [ENG_PARAM_MAX_READS_W-1:0] v);
    return (v == '0) ? CntW'(1) : CntW'(v);
  endfunction

  // the TX fetch buffer k after buffer b, round
  function automatic logic [BidxW-1:0] next_buf(logic [BidxW-1:0] b, logic [31:0] k);
    return BidxW'((32'(b) + k) % TX_FETCH_BUFS);
  endfunction
  // TX fetch: frames start on a 32-byte word of the TX frame buffer (TX_OUT's fixed header shift)
  function automatic logic [FRAME_PW-1:0] word_align(logic [FRAME_PW-1:0] v);
    return (v + FRAME_PW'(31)) & ~FRAME_PW'(31);
  endfunction

  // ---- the queue in service ---------------------------------------------------------------------
  qctx_t       qc;
  logic [15:0] qn;  // queue_size
  logic [63:0] desc_base, avail_base, used_base;

  // Read live at every use (not latched at the pick), like every other pre-edge state.
  assign qc         = qctx_i[eng_q.q];
  assign qn         = qc.size;
  assign desc_base  = {qc.desc_hi, qc.desc_lo};
  assign avail_base = {qc.avail_hi, qc.avail_lo};
  assign used_base  = {qc.used_hi, qc.used_lo};

  // The vector is applied by the CSR block; enable and kick matter to the scheduler only (the
  // queue in service is served to its end), reset is firmware's.
  logic unused_qc;
  assign unused_qc = ^{qc.msix, qc.enable, qc.reset, qc.kick};

  // ---- scheduler (vdpu_qeng_sched): what a pick in IDLE would take ---------------------------------
  logic              rx_go;
  logic              tx_any;
  logic [QIDX_W-1:0] tx_pick;
  logic              tx_other;  // a ready transmit queue other than eng_q.q
  logic              tx_yield;  // a TX service leaves after this buffer ("Fairness")
  logic [17:0]       pick_ahead_rx, pick_ahead_tx;  // NOTIFICATION_DATA of that queue (this edge's ENG_CTRL)

  vdpu_qeng_sched u_sched (
    .qctx_i,
    .ctrlq_i,
    .qerr_i          (eng_q.qerr),
    .rx_full_i,
    .rx_q_i,
    .nd_en_i         (eng_ctrl_i[ENGCTRL_NOTIF_DATA]),
    .packed_i        (eng_ctrl_i[ENGCTRL_PACKED]),
    .tx_last_i       (eng_q.tx_last),
    .cur_q_i         (eng_q.q),
    .rx_go_o         (rx_go),
    .tx_any_o        (tx_any),
    .tx_pick_o       (tx_pick),
    .tx_other_o      (tx_other),
    .pick_ahead_rx_o (pick_ahead_rx),
    .pick_ahead_tx_o (pick_ahead_tx)
  );

  // Fairness: with nothing left in the cache, a TX service leaves its queue after the buffer just
  // used when another queue waits - a frame in the RX buffer, or another ready transmit queue - so a
  // busy transmit queue holds the engine for at most P buffers and nothing read ahead is dropped.
  // A next fetch read early (or the read beyond it) is served first.
  assign tx_yield = eng_q.pc_n == '0 && eng_q.xn[0].cnt == '0 && xb_st[0] == XaNone &&
                    (rx_full_i || (eng_ctrl_i[ENGCTRL_ENABLE] && tx_other));
  // a transmitq the scheduler may pick; one first after a receive service left its batch to it
  logic tx_waits, tx_pass;
  assign tx_waits = eng_ctrl_i[ENGCTRL_ENABLE] && tx_any;
  assign tx_pass  = eng_q.rx_pass && tx_waits;
  // the scheduler starts RX on the waiting frame (IDLE), unless a transmitq comes first
  logic rx_pick;
  assign rx_pick  = rx_go && !tx_pass;

  // A waiting frame the pick drops: before DRIVER_OK (engine off, device_status without DRIVER_OK),
  // its receiveq not enabled or stopped (rx_go low), truncated, or (VIRTIO_NET_F_MTU) longer than
  // mtu + 14, + 4 with an 802.1Q tag (net description.tex: the device "MUST NOT pass received packets
  // that exceed mtu (plus low level ethernet header length)"; every frame passed has gso_type NONE).
  // With DRIVER_OK shown and the engine not on yet (firmware enables it next) the frame waits.
  logic        rx_drop, rx_wait;
  logic [17:0] rx_mtu_lim;

  assign rx_mtu_lim = 18'(net_mtu_i) + 18'd14 + (rx_vlan_i ? 18'd4 : 18'd0);
  assign rx_wait    = !eng_ctrl_i[ENGCTRL_ENABLE] && drv_ok_i;
  assign rx_drop    = rx_full_i && !rx_wait && (!eng_ctrl_i[ENGCTRL_ENABLE] || !rx_go || rx_trunc_i ||
                                                (eng_ctrl_i[ENGCTRL_MTU] && 18'(rx_len_i) > rx_mtu_lim));

  // ---- completion beat: bytes that belong to the outstanding read ------------------------------
  logic [5:0]  cpl_n;      // bytes of this beat stored (clipped to the request)
  logic [31:0] cpl_room;

  always_comb begin
    cpl_room = (eng_q.rd_got < 32'(eng_q.rd_len)) ? 32'(eng_q.rd_len) - eng_q.rd_got : '0;
    cpl_n    = 6'(min16(32'(min16(32'(dmacpl_len_i), 32'd32)), cpl_room));
  end

  // ---- PCIe faults (docs/queue-engine.md "PCIe faults") ---------------------------------------------
  // cpl_good: a beat the outstanding read (RD_WAIT) may store: its tag, SC, not poisoned (EP); any other
  // beat marks the read failed and stores nothing. The completion timeout counts the edges a read is
  // outstanding (RD_WAIT, PAY with reads in flight) without a completion beat, 1 + warp per edge like
  // the held-read timer; the edge after CPL_TIMEOUT of them fails the buffer (QERR_TIMEOUT). A DEV_RESET
  // ends a read wait at once (rd_abort: back to IDLE, the reads in flight forgotten), so a reset
  // recovers an engine whose read never completes even without a timeout.
  logic cpl_good, cto_run, cto_due, cto_fire, rd_abort;

  // the completion beat as one struct, for the blocks beside the engine
  dmacpl_t cpl_beat;
  assign cpl_beat = '{tag: dmacpl_tag_i, status: dmacpl_status_i, poison: dmacpl_poison_i, len: dmacpl_len_i,
                      data: dmacpl_data_i, last: dmacpl_last_i};

  // A pending interrupt decision's read counts too where the engine can stop without cutting anything:
  // IDLE, RD_REQ, RD_WAIT, PAY not stopping, WR_REQ before its first beat (the model's cto_runs).
  logic ev_timed;
  // the interrupt decisions (vdpu_qeng_irq, below; the model's qeng_ev_any, qeng_ev_all, qeng_ev_held):
  // one failed; one held (pending or failed); all pending (the used ring waits for a free one); one
  // pending (its read in flight)
  logic ev_bad, ev_held, ev_full, ev_read;
  // the RX run-ahead reads and the avail refresh (vdpu_qeng_rx_ahead, below; the model's qeng_rx_ahead.c),
  // pre-edge: the reads; one in flight (its completion expected, its tag held); the first in flight; the
  // refresh in flight
  ra_st_e                ra_st;
  logic [3:0]            ra_n;
  ra_st_e [RbN-1:0]      rb_st;
  logic [RbN-1:0][3:0]   rb_n;
  logic                  ra_taken;
  ra_st_e                av_st;
  logic [15:0]           av_idx;
  logic                  av_no_int;
  logic                  av_seen;
  logic ra_pend, av_pend;
  // the TX fetch's read ahead and reads beyond (vdpu_qeng_tx_ahead, below; the model's qeng_tx_ahead.c),
  // pre-edge: the reads; a read beyond in flight
  x_ahead_e              xa_st;
  logic [3:0]            xa_n;
  x_ahead_e [XbN-1:0]    xb_st;
  logic [XbN-1:0][3:0]   xb_n;
  logic                  xb_pend;
  logic xn_pend;  // a read of the next fetch, or the read beyond it, is in flight (the model's qeng_xn_pending)
  always_comb begin
    xn_pend = xb_pend;
    for (int i = 0; i < int'(XnN); i++) if (eng_q.xn[i].n != '0) xn_pend = 1'b1;
  end
  assign ev_timed = (ev_read || ra_pend || xn_pend) &&
                    (eng_q.fsm == StIdle || eng_q.fsm == StRdReq ||
                                                      (eng_q.fsm == StPay && eng_q.x.stop == XGo) ||
                                                      (eng_q.fsm == StWrReq && eng_q.wr_beat == '0)) ||
                    (eng_q.fsm == StRxNext && (ra_st == RaRead || av_pend));  // RX_NEXT: it may wait for these
  assign cpl_good = (dmacpl_tag_i == eng_q.rd_tag) && (dmacpl_status_i == CPL_SC) && !dmacpl_poison_i;
  assign cto_run  = (eng_q.fsm == StRdWait) || (eng_q.fsm == StPay && eng_q.p_n != '0 && eng_q.x.stop == XGo) || ev_timed;
  assign rd_abort = dev_reset_i && (eng_q.fsm == StRdWait || eng_q.fsm == StPay);

  // the completion timeout counter (the model's eng.cto): edges waited with reads outstanding and no
  // completion beat
  vdpu_cto u_cto (
    .clk_i,
    .rst_ni,
    .wait_i    (cto_run),
    .beat_i    (dmacpl_valid_i),
    .timeout_i (cpl_timeout_i),
    .warp_i,
    .due_o     (cto_due),
    .fire_o    (cto_fire),
    .wake_o    (cto_wake_o)
  );

  // ---- interrupt decisions (vdpu_qeng_irq): the event reads after used writes, decided beside the engine
  // A decision's completion (ev_hit) is taken at any state and hidden from the engine's states (cpl_v);
  // ev_fail: it failed (the queue's QERR_DMA now); ev_irq: it raises the queue's interrupt. The engine
  // pushes a decision where its event read goes out (ev_push, RD_REQ), clears the failed ones where
  // the service ends (ev_unbad), and forgets them all at a DEV_RESET or a completion timeout
  // (ev_forget, after the state case). ev_tag_held: the next read's tag is a decision's read's.
  logic ev_hit, ev_fail, ev_irq, ev_push, ev_unbad, ev_forget, ev_tag_held;

  vdpu_qeng_irq #(.TagW(TagW)) u_irq (
    .clk_i,
    .rst_ni,
    .pk_i        (eng_q.pk_en),
    .evx_i       (eng_q.ev_en),
    .qsize_i     (qn),
    .push_i      (ev_push),
    .push_tag_i  (eng_q.next_tag),
    .push_n_i    (eng_q.ndesc[15:0]),
    .push_o_i    (eng_q.ev_old),
    .push_nw_i   (qc.used_idx),   // the used write before it is done: its new idx
    .push_wrap_i (qc.used_wrap),
    .unbad_i     (ev_unbad),
    .forget_i    (ev_forget),
    .cpl_valid_i (dmacpl_valid_i),
    .cpl_i       (cpl_beat),
    .hit_o       (ev_hit),
    .fail_o      (ev_fail),
    .irq_o       (ev_irq),
    .bad_o       (ev_bad),
    .held_o      (ev_held),
    .full_o      (ev_full),
    .reading_o   (ev_read),
    .tag_i       (eng_q.next_tag),
    .tag_held_o  (ev_tag_held)
  );

  // The engine's updates of the RX run-ahead reads and the avail refresh (set in the main block, each in
  // the state it belongs to; ev_forget and a new avail idx after the state case): a pick (none), a read
  // going out (the first, or rb[rb_idx] after it: ra_k / rb_k descriptors), the refill taking the first,
  // finding it failed, or not wanting it; the refresh going out, taken in RX_NEXT. The block says whether
  // a beat is one of its reads' (rxa_hit), which buffer it fills (pcx; rb[i]'s: pcy, pcz[i-1]) and where,
  // and whether a read ended failed (the engine's fail_owed).
  logic             rxa_none, rxa_issue_ra, rxa_issue_rb, rxa_take, rxa_bad, rxa_drop, rxa_av_issue, rxa_av_done;
  logic             rxa_hit, rxa_fill, rxa_owed, rxa_tag_held;
  logic [$clog2(RX_AHEAD_READS)-1:0] rxa_fill_buf;
  logic [7:0]       rxa_fill_off;
  logic [5:0]       xa_nb;        // bytes of a completion beat (the read's own room is checked apart)
  logic [31:0]      ra_k, rb_k;   // (the RX run-ahead decision, below)
  logic [RbW-1:0]   rb_idx;

  vdpu_qeng_rx_ahead #(.TagW(TagW), .RbN(RbN), .RbW(RbW), .BufW($clog2(RX_AHEAD_READS))) u_rx_ahead (
    .clk_i,
    .rst_ni,
    .none_i      (rxa_none),
    .issue_ra_i  (rxa_issue_ra),
    .issue_rb_i  (rxa_issue_rb),
    .rb_idx_i    (rb_idx),
    .n_i         (rxa_issue_ra ? ra_k[3:0] : rb_k[3:0]),
    .tag_i       (eng_q.next_tag),
    .take_i      (rxa_take),
    .bad_i       (rxa_bad),
    .drop_i      (rxa_drop),
    .av_issue_i  (rxa_av_issue),
    .av_done_i   (rxa_av_done),
    .forget_i    (ev_forget),
    .avail_new_i (eng_d.avail_idx != eng_q.avail_idx),
    .cpl_valid_i (dmacpl_valid_i),
    .cpl_i       (cpl_beat),
    .cpl_nb_i    (xa_nb),
    .ev_hit_i    (ev_hit),
    .hit_o       (rxa_hit),
    .fill_o      (rxa_fill),
    .fill_buf_o  (rxa_fill_buf),
    .fill_off_o  (rxa_fill_off),
    .owed_o      (rxa_owed),
    .ra_st_o     (ra_st),
    .ra_n_o      (ra_n),
    .rb_st_o     (rb_st),
    .rb_n_o      (rb_n),
    .ra_taken_o  (ra_taken),
    .av_st_o     (av_st),
    .av_idx_o    (av_idx),
    .av_no_int_o (av_no_int),
    .av_seen_o   (av_seen),
    .av_pend_o   (av_pend),
    .pend_o      (ra_pend),
    .tag_held_o  (rxa_tag_held)
  );

  // The engine's updates of the TX fetch's read ahead and reads beyond (set in the main block, each in the
  // state it belongs to; ev_forget after the state case): a pick (none), the read ahead or read beyond
  // xb[xb_i] going out (xa_k / xb_k descriptors), the read ahead taken as the cache, a PAY phase starting
  // and taking xb[0] as its read ahead (xta_move: xb[0] out or in, no read ahead), PAY taking a beat as
  // the read ahead's (xta_xa_beat, below). The block says whether a beat is a read beyond's (xb_hit) or
  // the read ahead's tag (xta_xa_hit, with its checks), which buffer it fills (pcx; xb[i]'s: pcy,
  // pcz[i-1]) and where, and whether a read beyond ended failed (the engine's fail_owed).
  logic           xta_issue_xa, xta_issue_xb, xta_take, xta_move, xta_xa_beat;
  logic           xta_xa_hit, xta_xa_bad, xta_xa_short, xta_fill, xta_owed, xta_move_ok, xta_move_read, xta_move_bad;
  logic [$clog2(RX_AHEAD_READS)-1:0] xta_fill_buf;
  logic [7:0]     xta_fill_off;
  logic [31:0]    xa_k, xb_k;     // (the TX fetch's decisions, below)
  logic [XbW-1:0] xb_i;           // the read beyond xb_go issues
  logic           xb_hit, xb_held;
  logic           xn_clear;       // a pick: no next fetch, no read ahead, no read beyond (main block)

  vdpu_qeng_tx_ahead #(.TagW(TagW), .XbN(XbN), .XbW(XbW), .BufW($clog2(RX_AHEAD_READS))) u_tx_ahead (
    .clk_i,
    .rst_ni,
    .none_i      (xn_clear),
    .issue_xa_i  (xta_issue_xa),
    .issue_xb_i  (xta_issue_xb),
    .xb_idx_i    (xb_i),
    .n_i         (xta_issue_xa ? xa_k[3:0] : xb_k[3:0]),
    .tag_i       (eng_q.next_tag),
    .take_i      (xta_take),
    .move_i      (xta_move),
    .xa_beat_i   (xta_xa_beat),
    .forget_i    (ev_forget),
    .cpl_valid_i (dmacpl_valid_i),
    .cpl_i       (cpl_beat),
    .cpl_nb_i    (xa_nb),
    .hit_o       (xb_hit),
    .xa_hit_o    (xta_xa_hit),
    .xa_bad_o    (xta_xa_bad),
    .xa_short_o  (xta_xa_short),
    .fill_o      (xta_fill),
    .fill_buf_o  (xta_fill_buf),
    .fill_off_o  (xta_fill_off),
    .owed_o      (xta_owed),
    .xa_st_o     (xa_st),
    .xa_n_o      (xa_n),
    .xb_st_o     (xb_st),
    .xb_n_o      (xb_n),
    .move_o      (xta_move_ok),
    .move_read_o (xta_move_read),
    .move_bad_o  (xta_move_bad),
    .pend_o      (xb_pend),
    .tag_held_o  (xb_held)
  );

  // The descriptors the reads ahead bring (vdpu_qeng_ahead_bufs): pcx (ahead_buf[0]), pcy (1), pcz[i]
  // (2 + i). The read-ahead block of the service in progress fills them (rxa_fill / xta_fill); the engine
  // clears one where a read into it goes out (ahb_clear), moves them up one where the first is taken and
  // the next becomes the first (ahb_shift_n: RX RbN, TX XbN buffers move), and reads pcx where the read
  // ahead becomes the cache.
  localparam int unsigned NBuf = 2 + PczN;  // RX_AHEAD_READS (RbN + 1: pcx and one per read after the first)
  localparam int unsigned BufW = $clog2(NBuf);
  logic [NBuf-1:0][PcBits-1:0] ahead_buf;
  logic [PcBits-1:0]           pcx;
  logic [BufW:0]               ahb_shift_n;
  logic                        ahb_clear;
  logic [BufW-1:0]             ahb_clear_buf;
  assign pcx = ahead_buf[0];
  if (XnN < NBuf) begin : gen_later_bufs
    // the engine reads the next fetches' buffers (xn_pc); the later ones are read once they move up
    logic unused_later;
    assign unused_later = ^ahead_buf[NBuf-1:XnN];
  end

  vdpu_qeng_ahead_bufs #(.PcBits(PcBits), .PcW(PcW), .NBuf(NBuf), .BufW(BufW)) u_ahead_bufs (
    .clk_i,
    .rst_ni,
    .a_fill_i    (rxa_fill),
    .a_buf_i     (rxa_fill_buf),
    .a_off_i     (rxa_fill_off[PcW-1:0]),
    .b_fill_i    (xta_fill),
    .b_buf_i     (xta_fill_buf),
    .b_off_i     (xta_fill_off[PcW-1:0]),
    .data_i      (dmacpl_data_i),
    .nb_i        (xa_nb),
    .shift_n_i   (ahb_shift_n),
    .clear_i     (ahb_clear),
    .clear_buf_i (ahb_clear_buf),
    .buf_o       (ahead_buf)
  );

  // tag_held: the tag the next read takes is held by a read beside the engine: the read waits for it.
  logic cpl_v, tag_held, xn_hit, xn_held;
  always_comb begin  // the next read's tag is a next fetch's read in flight
    xn_held = 1'b0;
    for (int i = 0; i < int'(XnN); i++) if (eng_q.p_nx[i][eng_q.next_tag] && (eng_q.xn[i].n != '0)) xn_held = 1'b1;
  end
  // a next fetch's read: its slot's next fetch (xn_hi) has reads in flight (the model's qeng_xn_tap)
  logic [XnW-1:0] xn_hi;
  logic           xn_slot;
  always_comb begin
    xn_hi   = '0;
    xn_slot = 1'b0;
    for (int i = 0; i < int'(XnN); i++)
      if (eng_q.p_nx[i][dmacpl_tag_i[TagW-1:0]] && (eng_q.xn[i].n != '0)) begin
        xn_hi   = XnW'(i);
        xn_slot = 1'b1;
      end
  end
  assign xn_hit   = dmacpl_valid_i && !xb_hit && (dmacpl_tag_i[7:TagW] == '0) && eng_q.p_slot[dmacpl_tag_i[TagW-1:0]].busy && xn_slot;
  assign cpl_v    = dmacpl_valid_i && !ev_hit && !rxa_hit && !xn_hit && !xb_hit;
  assign tag_held = ev_tag_held || rxa_tag_held || xn_held || xb_held;

  // TX frame buffer: payload completions are stored at chain offset tot + rcnt (PAY: the chunk's
  // offset plus the bytes of its read so far).
  logic                tx_we;

  // PAY: the read a completion beat belongs to (by tag), and the bytes it stores
  logic        pay_hit;
  logic [TagW-1:0] pay_idx;
  logic [15:0] pay_room;
  logic [5:0]  pay_n;
  logic        pay_can;      // PAY may load a read this edge
  logic [31:0] xa_slot;      // the read ahead's first slot (xa_k: its descriptors)
  logic        pay_req_ok;   // the next chunk's request is loaded
  logic [15:0] pay_len;      // ... its length
  logic [63:0] pay_addr;     // the frame whose bytes are requested: the descriptor in service, or
  logic [31:0] pay_elen;     // (TX fetch) the eng_q.x.req-th cached one

  // the next fetches' reads in flight (they count in M with the PAY phase's; the model's qeng_xn_reads),
  // and the slots of those reads
  logic [7:0]           xn_reads;
  logic [QENG_TAGS-1:0] pnx_any;
  always_comb begin
    xn_reads = '0;
    pnx_any  = '0;
    for (int i = 0; i < int'(XnN); i++) begin
      xn_reads = xn_reads + 8'(eng_q.xn[i].n);
      pnx_any  = pnx_any | eng_q.p_nx[i];
    end
  end

  // A payload read's slot is its tag's: a beat hits when that slot is busy (a foreign tag, or one of a
  // failed descriptor's reads, finds it free); the low TagW tag bits index it
  always_comb begin
    pay_idx = dmacpl_tag_i[TagW-1:0];
    pay_hit = (dmacpl_tag_i[7:TagW] == '0) && eng_q.p_slot[pay_idx].busy;
    pay_room   = eng_q.p_slot[pay_idx].len - eng_q.p_slot[pay_idx].got;
    pay_n      = 6'(min16(32'(min16(32'(dmacpl_len_i), 32'd32)), 32'(pay_room)));
    pay_addr   = eng_q.d_addr;
    pay_elen   = eng_q.blen;
    if (eng_q.fsm == StPay && eng_q.x.req != '0) begin  // the wide select only while it is used
      pay_addr = eng_q.pc[128*(32'(eng_q.x.req)-1) +: 64];
      pay_elen = eng_q.pc[128*(32'(eng_q.x.req)-1)+64 +: 32];
    end
    pay_len    = min16(pay_elen - eng_q.p_req, 32'(DMA_RD_MAX));
    // a read may be loaded (the next fetch's reads count in M too); the read ahead goes first
    pay_can    = (eng_q.fsm == StPay) && !rd_abort && !cto_fire && (eng_q.x.stop == XGo) &&
                 (8'(eng_q.p_n) + xn_reads < 8'(eng_q.mr)) && !eng_q.p_slot[eng_q.next_tag].busy && !tag_held && dma_free_i;
  end
  // after the read ahead and the read beyond (a block of its own: xb_k's block reads pay_can)
  assign pay_req_ok = pay_can && (xa_k == '0) && (xb_k == '0) && (eng_q.p_req < pay_elen);

  // PAY takes the beat as the read ahead's (vdpu_qeng_tx_ahead): its tag while that read is in flight, PAY
  // taking beats (reads outstanding, no stop, no DEV_RESET, no completion timeout before a frame is cut)
  assign xta_xa_beat = (eng_q.fsm == StPay) && !(cto_fire && eng_q.txb == '0) && cpl_v && (eng_q.p_n != '0) &&
                       (eng_q.x.stop == XGo) && !rd_abort && xta_xa_hit;

  logic pay_we;
  assign pay_we = (eng_q.fsm == StPay) && !rd_abort && (eng_q.x.stop == XGo) && cpl_v && (eng_q.p_n != '0) &&
                  pay_hit && (dmacpl_status_i == CPL_SC) && !dmacpl_poison_i && (pay_n != '0);
  // a beat of the next fetch (any state): stored unless it failed (an error status, poisoned, too long)
  logic xn_bad_beat, xn_we;
  assign xn_bad_beat = (dmacpl_status_i != CPL_SC) || dmacpl_poison_i || (dmacpl_len_i > pay_room);
  assign xn_we       = xn_hit && !xn_bad_beat && (pay_n != '0);

  // TX fetch: PAY sends its frames (eng_q.x.cnt > 1) in ring order, frame eng_q.x.out as soon as its bytes are in (its
  // reads all issued, none in flight below its end: the bases grow frame by frame), one beat per free
  // ntx register; a frame once started is finished (a stop takes no new one). x_between: no frame is
  // half sent after this edge (a stop may act).
  logic [31:0] x_len;        // frame eng_q.x.out's bytes (header + frame)
  logic        x_in;         // ... all in the buffer
  logic        x_go;         // PAY loads a beat of it this edge
  logic        x_between;

  always_comb begin
    x_len = '0;
    x_in  = 1'b0;
    if (eng_q.fsm == StPay && eng_q.x.cnt != 4'd1 && eng_q.x.out != eng_q.x.cnt) begin  // the slot scan only while it is used
      x_len = (eng_q.x.out == '0) ? eng_q.blen : eng_q.pc[128*(32'(eng_q.x.out)-1)+64 +: 32];
      x_in  = !(eng_q.x.req == eng_q.x.out && eng_q.p_req < x_len);
      for (int unsigned i = 0; i < QENG_TAGS; i++) begin
        if (eng_q.p_slot[i].busy && !pnx_any[i] && 33'(eng_q.p_slot[i].off) < 33'(eng_q.tx_base) + 33'(x_len)) x_in = 1'b0;
      end
    end
    x_go      = (eng_q.fsm == StPay) && eng_q.x.cnt != 4'd1 && eng_q.x.out != eng_q.x.cnt &&
                (eng_q.txb != '0 || (eng_q.x.stop == XGo && x_in)) && ntx_free;
  end
  // apart from the block above: tx_lastb depends on x_len through the TX mover
  assign x_between = (eng_q.x.cnt == 4'd1) || (x_go ? tx_lastb : (eng_q.txb == '0));

  // A read ahead's descriptors (the model's qeng_ahead_k): P at most, from `skip` descriptors past the next
  // one the service would read, not across the ring / table end; packed from last_avail + skip with
  // NOTIFICATION_DATA not beyond what the latest doorbell says is available; split IN_ORDER from
  // io_pos + skip, descriptors of buffers the avail idx read last offers beyond the first `oskip` only.
  // Returns {k, slot}.
  function automatic logic [63:0] ahead_k(logic [31:0] skip, logic [31:0] oskip);
    logic [31:0] k, slot, offered;
    k       = 32'(eng_q.pf);
    offered = 32'(16'(eng_q.avail_idx - qc.last_avail));
    if (eng_q.pk_en) begin
      if (!cur_ahead[17]) begin  // slots beyond last_avail
        if (32'(cur_ahead[16:0]) <= skip) k = '0;
        else if (32'(cur_ahead[16:0]) - skip < k) k = 32'(cur_ahead[16:0]) - skip;
      end
      slot = 32'(qc.last_avail) + skip;
    end else begin
      if (eng_q.io_pos >= qn || offered <= oskip) k = '0;
      else if (offered - oskip < k) k = offered - oskip;
      slot = 32'(eng_q.io_pos) + skip;
    end
    if (slot >= 32'(qn)) slot = slot - 32'(qn);  // a cache ends at the ring end at most: slot 0 then
    // still past the end: more than a lap ahead (a ring not much larger than the reads ahead of the
    // cache) - none, rather than a read beyond the ring (the model's qeng_ahead_k)
    if (slot >= 32'(qn)) k = '0;
    else if (32'(qn) - slot < k) k = 32'(qn) - slot;
    return {k, slot};
  endfunction

  // a completion beat's bytes (a read beside the engine checks its own room)
  assign xa_nb = 6'(min16(32'(dmacpl_len_i), 32'd32));

  // the fetch in PAY takes every cached descriptor (two frames at least: the one in service is a frame of
  // its own), so the read ahead, the next fetch and the read beyond it start after it (the model's
  // fetch_takes_cache; a PAY phase that took a read beyond as its read ahead may not)
  logic takes_cache;
  assign takes_cache = (eng_q.x.cnt > 4'd1) && (eng_q.pc_n == eng_q.x.cnt - 4'd1);

  always_comb begin
    xa_k    = '0;
    xa_slot = '0;
    if (eng_q.fsm == StPay && xa_st == XaNone && (eng_q.pk_en || eng_q.io_fetch) && takes_cache)
      {xa_k, xa_slot} = ahead_k(32'(eng_q.x.cnt) - 32'd1, 32'(eng_q.x.cnt));
  end

  // The next fetches read early (the model's xn_count, xb_issue, xn_issue): how many frames from the first
  // the descriptors read ahead of each start that a fetch would take (K at most; packed: available with
  // the wrap counter of the slot it starts at - flipped when the fetches before it end at the ring end):
  // eng_q.xn[0]'s the read ahead's (pcx), eng_q.xn[i]'s the read beyond xb[i-1]'s (pcy, pcz; the fetch before it
  // taking its whole block); the reads beyond (the first free xb[xb_i], the blocks after the read ahead's:
  // issued before the payload, while the read ahead is on the way, or once it is in for a next fetch that
  // takes it all); the next fetch whose reads are issued (xn_i: the first whose reads are not all issued),
  // frame eng_q.xn[xn_i].req from byte eng_q.xn[xn_i].preq.
  logic [XnN-1:0][3:0] xn_count;
  logic [3:0]  xn_cnt;
  logic [31:0] xb_slot, xn_len;
  logic [63:0] xn_addr;
  logic [15:0] xn_rlen;
  logic [FRAME_PW-1:0] xn_rbase;  // the base of frame eng_q.xn[xn_i].req: its TX fetch buffer's start at the first
  logic [XnW-1:0] xn_i;
  // the read aheads' slots are below 2^28 (ring sizes are 16-bit): their top bits are not used
  logic unused_slot_hi;
  assign unused_slot_hi = ^{xa_slot[31:28], xb_slot[31:28], ra_slot[31:28], rb_slot[31:28]};
  logic        xb_go, xn_go;

  // next fetch i's descriptors, how many, and whether their read is in: the read ahead's (pcx, xa) for
  // the first, the read beyond xb[i-1]'s (pcy, pcz[i-2]: ahead_buf[i]) for the others
  logic [XnN-1:0][PcBits-1:0] xn_pc;
  logic [XnN-1:0][3:0]        xn_nd;
  logic [XnN-1:0]             xn_in;
  for (genvar gi = 0; gi < int'(XnN); gi++) begin : gen_xn_blk
    if (gi == 0) begin : gen_ahead
      assign xn_pc[gi] = pcx;
      assign xn_nd[gi] = xa_n;
      assign xn_in[gi] = xa_st == XaIn;
    end else if (gi == 1) begin : gen_beyond
      assign xn_pc[gi] = ahead_buf[1];
      assign xn_nd[gi] = xb_n[0];
      assign xn_in[gi] = xb_st[0] == XaIn;
    end else begin : gen_later
      assign xn_pc[gi] = ahead_buf[gi];
      assign xn_nd[gi] = xb_n[gi-1];
      assign xn_in[gi] = xb_st[gi-1] == XaIn;
    end
  end

  always_comb begin : next_fetch_count
    logic        go, wrap;
    logic [32:0] base;
    logic [127:0] d;
    logic [15:0]  fl;
    logic [31:0]  skip;
    logic [3:0]   nd;
    xn_count = '0;
    skip     = 32'(eng_q.x.cnt) - 32'd1;  // descriptors before next fetch i's first
    for (int i = 0; i < int'(XnN); i++) begin
      base = '0;
      d    = '0;
      fl   = '0;
      nd   = xn_nd[i];
      wrap = qc.avail_wrap != (32'(qc.last_avail) + skip >= 32'(qn));
      // the wide selects only where it is used: the fetch before it takes its whole block, and its read
      // is in (the model's xn_issue)
      go   = (eng_q.fsm == StPay) && (xa_st == XaIn) &&
             ((i == 0) || (xn_in[i] && eng_q.xn[(i > 0) ? i - 1 : 0].cnt == xn_nd[(i > 0) ? i - 1 : 0] &&
                           eng_q.xn[i].cnt == '0));
      if (go) begin
        for (int j = 0; j < int'(ENG_PARAM_MAX); j++) begin
          if (go && (32'(j) < 32'(nd)) && (32'(j) < 32'(eng_q.xf))) begin
            d  = xn_pc[i][128*j +: 128];
            fl = eng_q.pk_en ? d[127:112] : d[111:96];
            if (!fetch_frame_ok(d[95:0], fl, wrap, base)) begin
              go = 1'b0;
            end else begin
              xn_count[i] = 4'(j + 1);
              base        = (base + 33'(d[95:64]) + 33'd31) & ~33'd31;
            end
          end
        end
      end
      skip = skip + 32'(nd);
    end
  end

  always_comb begin
    logic        free, found;
    logic [31:0] skip, len_i;
    xb_k    = '0;
    xb_slot = '0;
    xb_i    = '0;
    free    = 1'b0;
    skip    = 32'(eng_q.x.cnt) - 32'd1 + 32'(xa_n);  // the descriptors before the read's first
    for (int i = 0; i < int'(XbN); i++) begin  // the first free one, after those issued
      if (!free && xb_st[i] == XaNone) begin
        free = 1'b1;
        xb_i = XbW'(i);
      end else if (!free) begin
        skip = skip + 32'(xb_n[i]);
      end
    end
    // speculatively while the read ahead is on the way; once it is in, only for a next fetch that takes it all
    if (eng_q.fsm == StPay && free && xa_st != XaNone && takes_cache &&
        (xa_st == XaRead || xn_count[0] == xa_n))
      {xb_k, xb_slot} = ahead_k(skip, skip + 32'd1);  // split: last_avail is at the descriptor in service
    // eng_q.xn[0] until its reads are all issued (eng_q.xn[0].req its last frame, all of it), then eng_q.xn[1], and so
    // on; the wide selects only where a read of them may go out (PAY, the read ahead in: xn_go). Each after
    // the first goes only where the fetch before it takes its whole block and its read is in (the model's
    // xn_issue checks it): here xn_count[i] is 0 otherwise (next_fetch_count's go), so one not started yet
    // has no frames, and one started stays so - its count, the blocks' and their reads' states change only
    // where the next fetches move up or are forgotten with them
    len_i    = '0;
    found    = 1'b0;
    xn_i     = '0;
    xn_cnt   = '0;
    xn_addr  = '0;
    xn_len   = '0;
    xn_rlen  = '0;
    xn_rbase = '0;
    if (eng_q.fsm == StPay && xa_st == XaIn) begin
      for (int i = 0; i < int'(XnN); i++) begin  // the first whose reads are not all issued
        if (!found) begin
          len_i = xn_pc[i][128*32'(eng_q.xn[i].req)+64 +: 32];
          if (!((eng_q.xn[i].cnt != '0) && (eng_q.xn[i].preq == len_i)) || i == int'(XnN) - 1) begin
            found = 1'b1;
            xn_i  = XnW'(i);
          end
        end
      end
      xn_cnt   = (eng_q.xn[xn_i].cnt != '0) ? eng_q.xn[xn_i].cnt : xn_count[xn_i];
      xn_addr  = xn_pc[xn_i][128*32'(eng_q.xn[xn_i].req) +: 64];
      xn_len   = xn_pc[xn_i][128*32'(eng_q.xn[xn_i].req)+64 +: 32];
      xn_rlen  = min16(xn_len - eng_q.xn[xn_i].preq, 32'(DMA_RD_MAX));
      xn_rbase = (eng_q.xn[xn_i].cnt != '0) ? eng_q.xn[xn_i].rbase :
                 FRAME_PW'(32'(next_buf(eng_q.x.bidx, 32'(xn_i) + 32'd1)) * TX_BUF_BYTES);
    end
    xb_go   = pay_can && (xa_k == '0) && (xb_k != '0);  // before the payload: descriptors gate the stream
    xn_go   = pay_can && (xa_k == '0) && !(eng_q.p_req < pay_elen) && (xb_k == '0) && (xa_st == XaIn) &&
              takes_cache && (eng_q.x.req + 4'd1 == eng_q.x.cnt) && (xn_cnt != '0) && (eng_q.xn[xn_i].preq != xn_len);
  end
  // RX run-ahead (the model's ra_k): a receive service caching descriptors (packed; split IN_ORDER)
  // starting a frame in RX_NEXT with at most half of its P cached left reads the P after them, not
  // across the ring end - packed from last_avail + pcn, with NOTIFICATION_DATA not beyond what the
  // latest doorbell says is available; split from io_pos + pcn, descriptors of offered buffers only
  logic [31:0] ra_slot;
  logic        ra_due;       // a run-ahead read is due (the first, or one after it: rb_k) and its tag free
  logic        ra_go;        // ... and RX_NEXT loads it this edge (the output register free; else it waits)
  logic [31:0] rb_slot;      // (rb_k descriptors; rb_idx: which one after it, rb[rb_idx])
  logic [31:0] rb_skip;      // ... from the descriptor after the last one's
  logic        rb_full;      // ... every read so far out or in, a full P
  logic        ra_refill;    // RD_REQ of the descriptor read that refills an RX service's cache
  logic        ra_first_ok;  // the run-ahead read's first descriptor is available (its flags, pre-edge)

  always_comb begin
    ra_k    = '0;
    ra_slot = '0;
    if (eng_q.fsm == StRxNext && eng_q.rx && (eng_q.pk_en || eng_q.io_fetch) && ra_st == RaNone && eng_q.pf > 4'd1 &&
        eng_q.pc_n != '0 && 32'(eng_q.pc_n) <= 32'(eng_q.pf) / 32'd2)
      {ra_k, ra_slot} = ahead_k(32'(eng_q.pc_n), 32'(eng_q.pc_n));  // a frame starting: nothing in service
    // the ones after it (the model's rb_k): once the first and every one before are out or in, the next
    // one reads the P after the last one's (a block cut short at the ring end goes on from slot 0;
    // NOTIFICATION_DATA and split's offered buffers stop it in ahead_k)
    rb_k    = '0;
    rb_slot = '0;
    rb_idx  = '0;
    rb_skip = 32'(eng_q.pc_n) + 32'(ra_n);
    rb_full = eng_q.fsm == StRxNext && ra_k == '0 && ra_taken && (ra_st == RaRead || ra_st == RaIn);
    for (int i = 0; i < int'(RbN); i++) begin
      if (rb_full && rb_st[i] == RaNone) begin
        {rb_k, rb_slot} = ahead_k(rb_skip, rb_skip);
        rb_idx  = RbW'(i);
        rb_full = 1'b0;  // the first free one only
      end else if (!(rb_st[i] == RaRead || rb_st[i] == RaIn)) begin
        rb_full = 1'b0;
      end
      rb_skip = rb_skip + 32'(rb_n[i]);
    end
    ra_due = (ra_k != '0 || rb_k != '0) && !tag_held;
    ra_go  = ra_due && dma_free_i;
  end
  // the avail refresh (the model's qeng_av_issue): a split receive service starting a frame with at most half a
  // ring of the buffers the last avail idx offers left reads flags and idx again, once per avail idx value,
  // with the output register free (nothing waits for it)
  logic av_go;
  assign av_go = (eng_q.fsm == StRxNext) && !eng_q.pk_en && (av_st == RaNone) && !av_seen &&
                 (16'(eng_q.avail_idx - qc.last_avail) <= (qn >> 1)) && !tag_held && dma_free_i;
  // ... its take in RX_NEXT (the model's qeng_av_take): its idx is used when it offers no fewer buffers than the
  // avail idx read before and no more than a ring
  logic [15:0] av_offers, av_had;
  assign av_offers = av_idx - qc.last_avail;
  assign av_had    = eng_q.avail_idx - qc.last_avail;
  assign ra_refill   = (eng_q.fsm == StRdReq) && eng_q.rx && cache_rd && (eng_q.op == OpDesc);
  assign ra_first_ok = !eng_q.pk_en || ((pcx[119] == qc.avail_wrap) && (pcx[127] != qc.avail_wrap));

  assign tx_we  = ((eng_q.fsm == StRdWait) && !rd_abort && cpl_v && cpl_good && (eng_q.op == OpPayload) &&
                   (cpl_n != '0)) || pay_we || xn_we;


  // ---- INDIRECT_DESC: indirect table block, entry i of the block at bytes 16i..16i+15 ------------------------
  logic         tbl_we;
  logic [15:0]  tbl_ent;      // entry in use: tcur - tbase (0..31)
  logic [511:0] tbl_rdata;
  logic [127:0] tbl_entry;

  assign tbl_we  = (eng_q.fsm == StRdWait) && !rd_abort && cpl_v && cpl_good && (eng_q.op == OpInd) &&
                   (cpl_n != '0);
  assign tbl_ent = eng_q.t_cur - eng_q.t_base;

  vdpu_frame_buf #(.Words(TblBlock / 2)) u_tbl_buf (
    .clk_i,
    .we_i    (tbl_we),
    .wpos_i  (eng_q.rd_got[FRAME_PW-1:0]),
    .wlen_i  (cpl_n),
    .wdata_i (dmacpl_data_i),
    .re_i    ((eng_q.fsm == StProc) && (eng_q.op == OpInd)),
    .raddr_i (5'(tbl_ent[15:1])),
    .rdata_o (tbl_rdata)
  );

  assign tbl_entry = tbl_ent[0] ? tbl_rdata[255:128] : tbl_rdata[127:0];

  // ---- TX mover (vdpu_qeng_tx): the TX frame buffer and frame beat k (chain bytes 12 + 32k..) -------
  logic [5:0]   tx_nb;
  logic [255:0] tx_beat;
  logic         tx_lastb;

  vdpu_qeng_tx u_tx (
    .clk_i,
    .we_i      (tx_we),
    .wpos_i    ((eng_q.fsm == StPay || xn_hit) ? eng_q.p_slot[pay_idx].off + FRAME_PW'(eng_q.p_slot[pay_idx].got) : eng_q.tot + eng_q.rd_got[FRAME_PW-1:0]),
    .wlen_i    ((eng_q.fsm == StPay || xn_hit) ? pay_n : cpl_n),
    .wdata_i   (dmacpl_data_i),
    .out_i     ((eng_q.fsm == StTxOut) || x_go),
    .base_i    (FRAME_WW'(eng_q.tx_base >> 5)),
    .chain_i   ((eng_q.fsm == StPay) ? x_len[FRAME_PW-1:0] : eng_q.tot),
    .beat_i    (eng_q.txb),
    .data_o    (tx_beat),
    .nb_o      (tx_nb),
    .last_o    (tx_lastb)
  );

  // ---- RX mover (vdpu_qeng_rx): write beat `beat` of the chunk at header+frame byte tot --------------
  logic [FRAME_PW-1:0] rx_total;
  logic [255:0]        rx_beat;
  logic                rx_lastb;

  assign rx_total = HdrLen + rx_len_i;
  assign rx_re_o  = (eng_q.fsm == StWrReq) && (eng_q.op == OpPayWr);

  vdpu_qeng_rx u_rx (
    .active_i  (rx_re_o),
    .pos_i     (eng_q.tot),
    .beat_i    (eng_q.wr_beat),
    .chunk_i   (eng_q.clen),
    .raddr_o   (rx_raddr_o),
    .rdata_i   (rx_rdata_i),
    .data_o    (rx_beat),
    .last_o    (rx_lastb)
  );

  // Only the 16 bytes of an entry are used from each two-entry window.
  logic unused_win;
  assign unused_win = ^{tbl_rdata[511:256]};

  // ---- descriptor just read (PROC of OpDesc) -------------------------------------------------------
  logic [63:0] pd_addr;
  logic [31:0] pd_len;
  logic [15:0] pd_flags, pd_next;  // packed: pd_next is the buffer id
  logic        pd_avail;           // packed: slot available
  logic [15:0] rx_remain;          // RX: header + frame bytes not yet written
  logic [31:0] pd_wlen;            // RX: bytes this descriptor gets

  logic [127:0] pd_raw;            // split: the descriptor read; packed: the next cached one;
                                   // either: the table entry in use (OpInd)

  always_comb begin
    pd_raw   = (eng_q.op == OpInd) ? tbl_entry : ((eng_q.pk_en || eng_q.io_fetch) ? eng_q.pc[127:0] : eng_q.rbuf);
    pd_addr  = pd_raw[63:0];
    pd_len   = pd_raw[95:64];
    pd_flags = eng_q.pk_en ? pd_raw[127:112] : pd_raw[111:96];
    pd_next  = eng_q.pk_en ? pd_raw[111:96] : pd_raw[127:112];
    pd_avail = (pd_flags[VQ_F_AVAIL] == qc.avail_wrap) && (pd_flags[VQ_F_USED] != qc.avail_wrap);
    rx_remain = 16'(rx_total - eng_q.tot);
    pd_wlen   = (pd_len < 32'(rx_remain)) ? pd_len : 32'(rx_remain);
  end

  // ---- TX fetch: how many frames the PAY phase of the descriptor PROC checks reads ------------------
  // itself and the cached descriptors behind it that would pass every check of their own turn as
  // one-descriptor frames: available, no NEXT / WRITE / INDIRECT, at least a header and an Ethernet
  // header long, inside the host window, fitting the TX frame buffer behind the frames before them;
  // the first that does not ends the count (model/qeng_pay.c qeng_tx_fetch_count). Where the cache holds
  // descriptors: packed (a read never crosses the ring end, so every cached one has the wrap counter
  // of the one in service) and split IN_ORDER fetching (they belong to offered buffers).
  // a descriptor d (flags fl) would pass every check of its turn as a one-descriptor frame at byte base
  // of a TX fetch buffer (the model's fetch_frame_ok): packed - available with wrap counter `wrap`; no
  // NEXT / WRITE / INDIRECT; at least MinChain, at most FRAME_BUF_BYTES (QERR_LEN otherwise); inside the
  // host window; fitting the buffer behind the frames before it
  // ... in the bytes a fetch of K frames may fill: K standard frames (TX_BUF_BYTES holds ENG_PARAM_MAX of
  // them), the longest frame at least (the model's qeng_fetch_room)
  localparam int unsigned TxSlot = TX_BUF_BYTES / ENG_PARAM_MAX;
  logic [32:0] fetch_room;
  assign fetch_room = (32'(eng_q.xf) * TxSlot > FRAME_BUF_BYTES) ? 33'(32'(eng_q.xf) * TxSlot) : 33'(FRAME_BUF_BYTES);
  function automatic logic fetch_frame_ok(logic [95:0] d, logic [15:0] fl, logic wrap, logic [32:0] base);
    return !((eng_q.pk_en && (fl[VQ_F_AVAIL] != wrap || fl[VQ_F_USED] == wrap)) ||
             fl[VQ_F_NEXT] || fl[VQ_F_WRITE] || fl[VQ_F_INDIRECT] ||
             d[95:64] < 32'(MinChain) || d[95:64] > 32'(FRAME_BUF_BYTES) ||
             base + 33'(d[95:64]) > fetch_room || !in_window(d[63:0], d[95:64], hm_base_i, hm_size_i));
  endfunction

  logic [3:0] xf_count;

  always_comb begin : tx_fetch_count
    logic        go;
    logic [32:0] base;
    logic [127:0] d;
    logic [15:0]  fl;
    xf_count = 4'd1;
    base     = '0;
    d        = '0;
    fl       = '0;
    go = (eng_q.fsm == StProc) && (eng_q.xf > 4'd1) && (eng_q.pk_en || eng_q.io_fetch) && !eng_q.in_tbl && (eng_q.tot == '0) &&
         !pd_flags[VQ_F_NEXT] && (pd_len >= 32'(MinChain));
    if (go) begin  // only in PROC with K > 1: the loop's wide selects cost nothing on other edges
      base = (33'(pd_len) + 33'd31) & ~33'd31;
      for (int j = 0; j < int'(ENG_PARAM_MAX) - 1; j++) begin
        if (go && (32'(j) + 32'd1 < 32'(eng_q.pc_n)) && (32'(j) + 32'd1 < 32'(eng_q.xf))) begin
          d  = eng_q.pc[128*(j+1) +: 128];
          fl = eng_q.pk_en ? d[127:112] : d[111:96];
          if (!fetch_frame_ok(d[95:0], fl, qc.avail_wrap, base)) begin
            go = 1'b0;
          end else begin
            xf_count = 4'(j + 2);
            base     = (base + 33'(d[95:64]) + 33'd31) & ~33'd31;
          end
        end
      end
    end
  end

  // ---- NOTIFICATION_DATA ---------------------------------------------------------------------------
  logic [17:0] cur_ahead;  // the queue in service (pre-edge)

  // the model's packed(e): a service keeps the layout of its pick whatever firmware writes to ENG_CTRL
  // meanwhile, so a queue's notification data retires by that layout too (vdpu_qctx)
  assign packed_o = (eng_q.fsm == StIdle) ? eng_ctrl_i[ENGCTRL_PACKED] : eng_q.pk_en;
  assign cur_ahead = nd_ahead(eng_q.nd_en, eng_q.pk_en, qn, qc.last_avail, qc.avail_wrap, qc.nd, qc.nd_valid);

  // The cap of a packed buffer-start read: the slots the data says are available, 0 for none/no info.
  function automatic logic [3:0] cap8(logic [17:0] a);
    return (a[17] || a[16:0] == '0) ? 4'd0 : ((a[16:0] > 17'(ENG_PARAM_MAX)) ? 4'(ENG_PARAM_MAX) : a[3:0]);
  endfunction

  // ---- MRG_RXBUF ---------------------------------------------------------------------------------
  // split: avail ring index of the next buffer: the frame's filled buffers stay available (not
  // consumed) until the frame is committed
  logic [15:0] la_eff;
  logic [3:0]  mk_idx;        // buffer whose used entry is written: mk, buffer 0 last
  logic [15:0] m_id, m_len, m_off;
  logic [16:0] m_slot;        // packed: its used slot before the wrap
  logic        m_wrap_x;      // ... past the ring end

  always_comb begin
    la_eff   = qc.last_avail + 16'(eng_q.m_n);
    mk_idx   = (eng_q.m_k == eng_q.m_cnt) ? 4'd0 : eng_q.m_k[3:0];
    m_id     = eng_q.m_id[16*mk_idx+:16];
    m_len    = eng_q.m_len[16*mk_idx+:16];
    m_off    = eng_q.m_off[16*mk_idx+:16];
    m_slot   = 17'(qc.used_idx) + 17'(eng_q.b_nd) + 17'(m_off);  // after the held RX batch
    m_wrap_x = m_slot >= 17'(qn);
    if (m_wrap_x) m_slot = m_slot - 17'(qn);
  end

  // ---- prefetch and batching: read sizes, the used batch (the ring walker's layout arithmetic) -------------------------
  logic                     cache_rd;    // the read fills the prefetch cache
  logic [3:0]               k_ring, k_desc;
  logic [ENG_USED_BITS-1:0] used_elems;  // split: the batch's used elements {id:32, len:32}
  logic [15:0]              used_wlen;   // ... their bytes
  logic [16:0]              used_end;    // used ring slot after the batch, with one more element
  logic [15:0]              used_adv;    // split: USED_IDX moves by the batch, or (MRG_RXBUF) the frame's buffers
  logic [15:0]              last_bid;    // IN_ORDER: id of the batch's last buffer (the one used entry's id)
  logic [255:0]             rest_beat;   // packed RX batch: beat of the used descriptors of buffers 1..bcnt-1
  logic [15:0]              rest_len;    // ... their bytes
  logic [15:0]              used_fl;     // packed: used descriptor flags of the current lap
  logic [63:0]              avail_hdr_addr, avail_slot_addr, event_addr, used_slot_addr, mrg_used_addr,
                            avail_event_addr, used_idx_addr;  // the layout's addresses (vdpu_qeng_ring)
  logic [15:0]              event_len;

  assign cache_rd = (eng_q.op == OpRing) || (eng_q.op == OpDesc && (eng_q.pk_en || eng_q.io_fetch));

  vdpu_qeng_ring u_ring (
    .pk_en_i      (eng_q.pk_en),
    .io_fetch_i   (eng_q.io_fetch),
    .io_en_i      (eng_q.io_en),
    .pf_i         (eng_q.pf),
    .ndcap_i      (eng_q.ndcap),
    .qn_i         (qn),
    .last_avail_i (qc.last_avail),
    .la_eff_i     (la_eff),
    .avail_idx_i  (eng_q.avail_idx),
    .io_pos_i     (eng_q.io_pos),
    .used_idx_i   (qc.used_idx),
    .used_wrap_i  (qc.used_wrap),
    .b_cnt_i      (eng_q.b_cnt),
    .b_id_i       (eng_q.b_id),
    .b_len_i      (eng_q.b_len),
    .wr_beat_i    (eng_q.wr_beat),
    .m_commit_i   (eng_q.m_commit),
    .m_cnt_i      (eng_q.m_cnt),
    .mk_idx_i     (mk_idx),
    .ev_en_i      (eng_q.ev_en),
    .avail_base_i (avail_base),
    .used_base_i  (used_base),
    .k_ring_o     (k_ring),
    .k_desc_o     (k_desc),
    .used_elems_o (used_elems),
    .used_wlen_o  (used_wlen),
    .used_end_o   (used_end),
    .used_adv_o   (used_adv),
    .last_bid_o   (last_bid),
    .rest_beat_o  (rest_beat),
    .rest_len_o   (rest_len),
    .used_fl_o    (used_fl),
    .avail_hdr_addr_o   (avail_hdr_addr),
    .avail_slot_addr_o  (avail_slot_addr),
    .event_addr_o       (event_addr),
    .event_len_o        (event_len),
    .used_slot_addr_o   (used_slot_addr),
    .mrg_used_addr_o    (mrg_used_addr),
    .avail_event_addr_o (avail_event_addr),
    .used_idx_addr_o    (used_idx_addr)
  );

  // ---- next state ---------------------------------------------------------------------------------
  dmareq_t     req;          // request the engine would load at this edge
  logic        desc_done;    // this descriptor's data is complete: next one or end of chain
  logic        ntx_beat;     // a frame beat goes into the ntx register (TX_OUT, or PAY's TX fetch)
  logic        take_head;    // split: the next buffer's head id is taken from the prefetch cache (below)
  logic        leave;        // the service ends here: the held batch first (below)
  logic        buf_done;     // the buffer is done (TX frame out, RX chain written): its used element
  logic        mrg_more;     // MRG_RXBUF: the chain is full, the frame goes on in the next buffer
  logic        pay_issued, pay_completed, pay_fail_last;  // PAY: this edge's read request / read done /
                                                          // failed read's last beat
  logic        mrg_last;     // MRG_RXBUF: the frame is complete in its second or later buffer
  logic [FRAME_PW-1:0] tot_new;
  logic [31:0] off_new;
  logic [15:0] la_next;      // packed: last_avail after this descriptor
  logic        aw_next;
  logic [16:0] used_sum;
  logic        ntx_free;

  assign ntx_free = !eng_q.ntx_valid || ntx_ready_i;

  // ---- the request ------------------------------------------------------------------------------
  // What RD_REQ, PAY, RX_NEXT and WR_REQ load into the DMA output register, from pre-edge state only:
  // the ring layout's addresses (split avail / used rings, packed descriptor slots), the payload reads
  // and writes, the reads beside the engine. The next-state block below decides whether it is loaded
  // (dma_load_o) and reads its length.
  always_comb begin : request
    req         = '0;
    req.queue   = 16'(eng_q.q);
    req.last    = 1'b1;
    if (eng_q.fsm == StRdReq) begin
      req.kind = DMA_RD;
      req.tag  = 8'(eng_q.next_tag);
      unique case (eng_q.op)
        OpAvail: begin
          req.purpose = PURP_AVAIL_IDX;
          req.addr    = avail_hdr_addr;
          req.len     = 16'd4;
        end
        OpRing: begin
          req.purpose = PURP_AVAIL_RING;
          req.addr    = avail_slot_addr;
          req.len     = {11'b0, k_ring, 1'b0};
        end
        OpDesc: begin
          req.purpose = PURP_DESC;
          req.addr    = desc_base + {44'b0, eng_q.pk_en ? qc.last_avail : (eng_q.io_fetch ? eng_q.io_pos : eng_q.cur), 4'b0};
          req.len     = (eng_q.pk_en || eng_q.io_fetch) ? {8'b0, k_desc, 4'b0} : 16'd16;
        end
        OpPayload: begin
          req.purpose = PURP_PAYLOAD_RD;
          req.addr    = eng_q.d_addr + 64'(eng_q.d_off);
          req.len     = min16(eng_q.blen - eng_q.d_off, 32'(DMA_RD_MAX));
        end
        OpInd: begin  // INDIRECT_DESC: a block of up to 32 table entries
          req.purpose = PURP_INDIRECT;
          req.addr    = eng_q.t_addr + {44'b0, eng_q.t_base, 4'b0};
          req.len     = {6'b0, eng_q.t_cnt, 4'b0};
        end
        default: begin  // OpEvent: packed driver event suppression; split used_event (EVENT_IDX),
                        // or the avail flags (no EVENT_IDX, after the used idx write)
          req.purpose = PURP_EVENT;
          req.addr    = event_addr;
          req.len     = event_len;
        end
      endcase
    end else if (eng_q.fsm == StPay) begin
      req.kind    = DMA_RD;
      req.tag     = 8'(eng_q.next_tag);
      req.purpose = PURP_PAYLOAD_RD;
      req.addr    = pay_addr + 64'(eng_q.p_req);
      req.len     = pay_len;
      if (xa_k != '0) begin  // the run-ahead descriptor read first
        req.purpose = PURP_DESC;
        req.addr    = desc_base + {32'b0, xa_slot[27:0], 4'b0};
        req.len     = {xa_k[11:0], 4'b0};
      end else if (xb_k != '0) begin  // the read beyond the next fetch
        req.purpose = PURP_DESC;
        req.addr    = desc_base + {32'b0, xb_slot[27:0], 4'b0};
        req.len     = {xb_k[11:0], 4'b0};
      end else if (!pay_req_ok) begin  // a read of the next fetch
        req.addr    = xn_addr + 64'(eng_q.xn[xn_i].preq);
        req.len     = xn_rlen;
      end
    end else if (eng_q.fsm == StRxNext) begin  // the RX run-ahead read (loaded with ra_go)
      req.kind    = DMA_RD;
      req.tag     = 8'(eng_q.next_tag);
      req.purpose = PURP_DESC;
      req.addr    = desc_base + {32'b0, ra_slot[27:0], 4'b0};
      req.len     = {ra_k[11:0], 4'b0};
      if (ra_k == '0) begin  // one after the first
        req.addr = desc_base + {32'b0, rb_slot[27:0], 4'b0};
        req.len  = {rb_k[11:0], 4'b0};
      end
      if (ra_k == '0 && rb_k == '0) begin  // the avail refresh (loaded with av_go)
        req.purpose = PURP_AVAIL_IDX;
        req.addr    = avail_hdr_addr;
        req.len     = 16'd4;
      end
    end else if (eng_q.fsm == StWrReq) begin
      req.kind = DMA_WR;
      req.len  = 16'd8;
      unique case (eng_q.op)
        OpPayWr: begin
          req.purpose = PURP_PAYLOAD_WR;
          req.addr    = eng_q.d_addr + 64'(eng_q.d_off);
          req.len     = eng_q.clen;
          req.data    = rx_beat;
          req.last    = rx_lastb;
        end
        OpNumBuf: begin
          req.purpose    = PURP_PAYLOAD_WR;
          req.addr       = eng_q.nb_addr;
          req.len        = 16'd1;
          req.data[7:0]  = 8'(eng_q.m_cnt);
        end
        OpUsed: begin
          req.purpose = PURP_USED;
          if (eng_q.m_commit && eng_q.m_k != '0 && eng_q.pk_en) begin
            // MRG_RXBUF: the used descriptor of buffer mk_idx, at its own slot and wrap
            req.addr        = desc_base + {43'b0, m_slot, 4'b0} + 64'd8;
            req.data[31:0]  = 32'(m_len);
            req.data[47:32] = m_id;
            req.data[63:48] = ((qc.used_wrap ^ m_wrap_x) ? 16'((1 << VQ_F_AVAIL) | (1 << VQ_F_USED)) : '0) |
                              16'(1 << VQ_F_WRITE);
          end else if (eng_q.m_commit && eng_q.m_k != '0) begin
            // MRG_RXBUF: the used element of buffer mk_idx, after the RX batch held before the frame
            req.addr        = mrg_used_addr;
            req.data[63:0]  = {16'b0, m_len, 16'b0, m_id};
          end else if (eng_q.pk_en) begin
            // struct pvirtq_desc bytes 8..15: len, id, flags
            // (RX: the batch's buffer 0, written after the others)
            req.addr       = desc_base + {44'b0, qc.used_idx, 4'b0} + 64'd8;
            req.data[31:0] = eng_q.rx ? 32'(eng_q.b_len[15:0]) : '0;
            req.data[47:32] = eng_q.io_en ? last_bid : (eng_q.rx ? eng_q.b_id[15:0] : eng_q.d_next);  // IN_ORDER: the batch's last buffer
            req.data[63:48] = used_fl | (eng_q.rx ? 16'(1 << VQ_F_WRITE) : '0);
          end else begin
            // the batch of struct vring_used_elem {id, len}, 32 bytes per beat
            req.addr = used_slot_addr;
            req.len  = used_wlen;
            req.data = used_elems[256*eng_q.wr_beat+:256];
            req.last = (used_wlen - {7'b0, eng_q.wr_beat, 5'b0}) <= 16'd32;
          end
        end
        OpUsedRest: begin  // packed RX batch: whole used descriptors (address 0) from slot used_idx + 1
          req.purpose = PURP_USED;
          req.addr    = desc_base + {44'b0, qc.used_idx + 16'd1, 4'b0};
          req.len     = rest_len;
          req.data    = rest_beat;
          req.last    = (rest_len - {7'b0, eng_q.wr_beat, 5'b0}) <= 16'd32;
        end
        OpAvEvt: begin  // split EVENT_IDX: avail_event after the used ring
          req.purpose     = PURP_EVENT;
          req.addr        = avail_event_addr;
          req.len         = 16'd2;
          req.data[15:0]  = qc.last_avail;
        end
        default: begin  // OpUsedIdx
          req.purpose     = PURP_USED_IDX;
          req.addr        = used_idx_addr;
          req.len         = 16'd2;
          req.data[15:0]  = qc.used_idx + used_adv;
        end
      endcase
    end
  end

  always_comb begin : next_state
    eng_d = eng_q;

    if (eng_q.ntx_valid && ntx_ready_i) eng_d.ntx_valid = 1'b0;

    qwr_o      = '0;
    qwr_o.idx  = eng_q.q;
    dma_load_o = 1'b0;
    rx_free_o  = 1'b0;
    irq_o      = 1'b0;
    err_o      = 1'b0;
    ev_push    = 1'b0;
    ev_unbad   = 1'b0;
    desc_done  = 1'b0;
    buf_done   = 1'b0;
    ntx_beat   = 1'b0;
    take_head  = 1'b0;
    leave      = 1'b0;
    rxa_none     = 1'b0;
    rxa_issue_ra = 1'b0;
    rxa_issue_rb = 1'b0;
    rxa_take     = 1'b0;
    rxa_bad      = 1'b0;
    rxa_drop     = 1'b0;
    rxa_av_issue = 1'b0;
    rxa_av_done  = 1'b0;
    mrg_more   = 1'b0;
    mrg_last   = 1'b0;
    pay_issued    = 1'b0;
    xn_clear      = 1'b0;
    xta_issue_xa  = 1'b0;
    xta_issue_xb  = 1'b0;
    xta_take      = 1'b0;
    xta_move      = 1'b0;
    ahb_shift_n   = '0;
    ahb_clear     = 1'b0;
    ahb_clear_buf = '0;
    pay_completed = 1'b0;
    pay_fail_last = 1'b0;
    tot_new    = eng_q.tot;
    off_new    = eng_q.d_off;
    // packed: the slot after last_avail, wrapping at the ring end; `>=` as the model's advance_slot, so
    // a position at or past the end (restored out of range) wraps alike (fuzz_dev_cosim finding, 2026-12-06)
    la_next    = (16'(qc.last_avail + 16'd1) >= qn) ? '0 : qc.last_avail + 16'd1;
    aw_next    = (16'(qc.last_avail + 16'd1) >= qn) ? !qc.avail_wrap : qc.avail_wrap;
    used_sum   = 17'(qc.used_idx) + eng_q.ndesc;

    // An interrupt decision's completion (vdpu_qeng_irq) decides at whatever state the engine is in: its
    // interrupt, or (failed) the queue's QERR_DMA at once (QERR[q] below); the failed decision ends the
    // service where the engine next waits for it (no further used write).
    if (ev_irq) irq_o = 1'b1;
    if (ev_fail) begin
      err_o  = 1'b1;
      eng_d.err_info = '0;
      eng_d.err_info[ERR_INFO_CODE_LSB +: ERR_INFO_CODE_W]   = QERR_DMA;
      eng_d.err_info[ERR_INFO_QUEUE_LSB +: ERR_INFO_QUEUE_W] = ERR_INFO_QUEUE_W'(eng_q.q);
    end

    // The RX run-ahead reads' and the avail refresh's completion beats, at whatever state the engine is in
    // (vdpu_qeng_rx_ahead, the model's qeng_ra_tap / qeng_av_tap): a run-ahead read's beat goes into its
    // buffer - the first's pcx, rb[0]'s pcy, rb[i]'s pcz[i-1]; a read that ends failed (dropped or not)
    // owes its QERR_DMA where the service takes it, or IDLE's report
    // (rxa_fill: vdpu_qeng_ahead_bufs' first write port)
    if (rxa_owed) eng_d.fail_owed = 1'b1;

    // The TX fetch's reads ahead (vdpu_qeng_tx_ahead, the model's qeng_xb_tap / qeng_xa_beat): a read
    // beyond's beat, at whatever state the engine is in, goes into its buffer - xb[0]'s pcy, xb[i]'s
    // pcz[i-1] - and one that ends failed owes its QERR_DMA until a PAY phase takes it as its read ahead;
    // the read ahead's beat, taken in PAY (xta_xa_beat), goes into pcx.
    // (xta_fill: its second)
    if (xta_owed) eng_d.fail_owed = 1'b1;

    // The next fetch's reads (their beats go to their place in their next fetch's TX fetch buffer: the TX
    // mover's write port), at whatever state the engine is in, hidden from the states (the model's
    // qeng_xn_tap).
    if (xn_hit) begin  // next fetch xn_hi's read
      if (!xn_bad_beat) eng_d.p_slot[pay_idx].got = eng_q.p_slot[pay_idx].got + 16'(pay_n);
      if (xn_bad_beat) eng_d.xn[xn_hi].bad = 1'b1;
      if (dmacpl_last_i) begin
        if (!xn_bad_beat && eng_q.p_slot[pay_idx].got + 16'(pay_n) != eng_q.p_slot[pay_idx].len) eng_d.xn[xn_hi].bad = 1'b1;
        eng_d.p_slot[pay_idx].busy = 1'b0;
        eng_d.p_nx[xn_hi][pay_idx] = 1'b0;
        eng_d.xn[xn_hi].n          = eng_q.xn[xn_hi].n - CntW'(1);
        if (eng_d.xn[xn_hi].bad) eng_d.fail_owed = 1'b1;  // until the next PAY phase takes it
      end
    end

    unique case (eng_q.fsm)
      // -- scheduler: RX first, then the next ready TX queue (round robin); the last service's interrupt
      // decision first: nothing is picked while it is pending
      StIdle: begin
        if (ev_bad) begin
          ev_unbad = 1'b1;  // it has stopped its queue already
        end else if (cto_fire) begin
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else if (ev_held || ra_pend || xn_pend) begin
          // the decision's (or an RX run-ahead read's, or a next fetch's the service left) completion is
          // on the way
        end else if (eng_q.fail_owed) begin
          // a read beside the last service failed and no buffer took it (dropped, forgotten, left): its
          // queue's QERR_DMA now, as a failed read the engine uses
          eng_d.err  = QERR_DMA;
          eng_d.fsm = StErr;
        end else if (!quiesce_i) begin  // (quiesce is short - a reset, a suspend: a waiting frame stays)
          if (rx_drop && !tx_pass) begin
            // A waiting frame that cannot or must not be delivered is dropped (and counted) instead
            // of holding the wire: longer than the buffer or (MTU) than the driver allows, before
            // DRIVER_OK, its receiveq not enabled (reset) or stopped.
            rx_free_o = 1'b1;
            if (eng_q.rx_dropped != 16'hFFFF) eng_d.rx_dropped = eng_q.rx_dropped + 16'd1;
          end else if (eng_ctrl_i[ENGCTRL_ENABLE] && (rx_pick || tx_any)) begin
            // a receive service that left its batch to a waiting transmitq: that one first (tx_pass)
            eng_d.q       = rx_pick ? rx_q_i : tx_pick;
            eng_d.rx      = rx_pick;
            eng_d.rx_pass = 1'b0;
            rxa_none      = 1'b1;  // no run-ahead read, no refresh, none taken
            eng_d.pk_en = eng_ctrl_i[ENGCTRL_PACKED];
            eng_d.op     = eng_ctrl_i[ENGCTRL_PACKED] ? OpDesc : OpAvail;
            eng_d.fsm  = StRdReq;
            eng_d.ndesc  = '0;
            eng_d.tot    = '0;
            eng_d.pf     = param_field(eng_param_i[ENG_PARAM_PREFETCH_LSB +: ENG_PARAM_PREFETCH_W]);
            eng_d.bb     = param_field(eng_param_i[ENG_PARAM_BATCH_LSB +: ENG_PARAM_BATCH_W]);
            eng_d.pc_n    = '0;
            eng_d.pcfirst = 1'b1;
            eng_d.b_cnt   = '0;
            eng_d.b_held  = 1'b0;
            eng_d.b_leave = 1'b0;
            eng_d.rx_own = rx_pick;
            // IN_ORDER batches TX completions only: a skipped buffer counts as used completely,
            // which a receive buffer is not (docs/queue-engine.md "IN_ORDER")
            eng_d.io_en     = !rx_pick && eng_ctrl_i[ENGCTRL_IN_ORDER];
            eng_d.b_nd    = '0;
            // split IN_ORDER fetch (both directions): the head of the buffer at last_avail is known
            // when the queue's hint names that index
            eng_d.io_fetch = !eng_ctrl_i[ENGCTRL_PACKED] && eng_ctrl_i[ENGCTRL_IN_ORDER];
            eng_d.io_seq   = rx_pick ? (io_ok_q[rx_q_i] && io_la_q[rx_q_i] == qctx_i[rx_q_i].last_avail)
                               : (io_ok_q[tx_pick] && io_la_q[tx_pick] == qctx_i[tx_pick].last_avail);
            eng_d.io_pos   = rx_pick ? io_head_q[rx_q_i] : io_head_q[tx_pick];
            eng_d.ind_en    = eng_ctrl_i[ENGCTRL_INDIRECT];
            eng_d.ev_en    = eng_ctrl_i[ENGCTRL_EVENT_IDX];
            eng_d.in_tbl    = 1'b0;
            eng_d.ae_wait    = 1'b0;
            eng_d.mrg_en     = rx_pick && eng_ctrl_i[ENGCTRL_MRG_RXBUF];
            eng_d.m_n      = '0;
            eng_d.m_nd     = '0;
            eng_d.m_base   = '0;
            eng_d.m_commit = 1'b0;
            // the picked queue's position (RX: the steered receiveq, not always queue 0)
            eng_d.m_la0    = rx_pick ? qctx_i[rx_q_i].last_avail : qctx_i[tx_pick].last_avail;
            eng_d.m_aw0    = rx_pick ? qctx_i[rx_q_i].avail_wrap : qctx_i[tx_pick].avail_wrap;
            eng_d.nd_en      = eng_ctrl_i[ENGCTRL_NOTIF_DATA];
            eng_d.mr      = rx_pick ? CntW'(1) : reads_field(eng_param_i[ENG_PARAM_MAX_READS_LSB +: ENG_PARAM_MAX_READS_W]);  // payload reads are TX only
            eng_d.xf      = param_field(eng_param_i[ENG_PARAM_TX_FETCH_LSB +: ENG_PARAM_TX_FETCH_W]);
            eng_d.x.cnt    = 4'd1;
            eng_d.x.left   = '0;
            eng_d.x.sent   = 1'b0;
            xn_clear  = 1'b1;  // no read ahead, no next fetch yet (nothing of one is in flight: IDLE waited for it)
            eng_d.tx_base  = '0;
            eng_d.ndcap   = cap8(rx_pick ? pick_ahead_rx : pick_ahead_tx);
            if (!rx_pick) begin
              qwr_o.idx      = tx_pick;
              qwr_o.kick_clr = 1'b1;
              eng_d.tx_last      = tx_pick;
            end
          end
        end
      end

      StRdReq: begin
        if (cto_fire) begin  // the pending decision's read timed out
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else if (ra_refill && ra_st == RaIn && ra_first_ok) begin
          // RX run-ahead: the refill's descriptors are in already - the cache, no read
          eng_d.pc    = pcx;
          eng_d.pc_n   = ra_n;
          rxa_take     = 1'b1;
          eng_d.pcfirst = 1'b1;
          // the second becomes the first, the third the second, in or on the way (their beats at this
          // edge included)
          ahb_shift_n = (BufW + 1)'(RbN);
          eng_d.rd_len  = req.len;
          eng_d.rd_got  = 32'(req.len);
          eng_d.rd_bad  = 1'b0;
          eng_d.fsm = StProc;
        end else if (ra_refill && ra_st == RaBad) begin
          rxa_bad    = 1'b1;  // it failed: as the read it stands for would have
          eng_d.err  = QERR_DMA;
          eng_d.fsm = StErr;
        end else begin
          // the run-ahead read is still in flight (a refill mid-frame or mid-chain: RX_NEXT waits for
          // it): dropped, the descriptors read here; in but its first descriptor not available (read
          // before the driver made it so): forgotten, read afresh
          if (ra_refill && (ra_st == RaRead || ra_st == RaIn)) rxa_drop = 1'b1;
          if (!tag_held && dma_free_i) begin
            dma_load_o = 1'b1;
            eng_d.rd_tag     = req.tag;
            eng_d.next_tag      = eng_q.next_tag + TagW'(1);
            eng_d.rd_len     = req.len;
            eng_d.rd_got     = '0;
            eng_d.rd_bad     = 1'b0;
            eng_d.rbuf     = '0;
            eng_d.fsm    = StRdWait;
            if (cache_rd) begin  // the cache is empty when it is read: it now holds what arrives
              eng_d.pc_n = (eng_q.op == OpRing) ? k_ring : k_desc;
              eng_d.pcfirst = 1'b1;
              eng_d.pc  = '0;
            end
            if (eng_q.op == OpEvent && (eng_q.pk_en || eng_q.ev_en)) begin
              // the interrupt decision is made beside the engine (vdpu_qeng_irq): the next buffer now
              ev_push      = 1'b1;
              eng_d.irq_en = 1'b0;  // IRQ raises nothing: the decision raises the interrupt
              eng_d.rd_got   = 32'(req.len);  // PROC of a cached descriptor sees a complete read
              eng_d.fsm  = StIrq;
            end
          end
        end
      end

      StRdWait: begin
        if (rd_abort) begin
          eng_d.fsm = StIdle;  // DEV_RESET: the read is forgotten (a completion for it is unexpected)
        end else if (cto_fire) begin
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else if (cpl_v) begin
          eng_d.rd_got = eng_q.rd_got + 32'(dmacpl_len_i);
          if (!cpl_good) eng_d.rd_bad = 1'b1;
          if (!cpl_good) begin
            // an error status, poisoned data or a foreign tag: nothing of the beat is stored
          end else if (cache_rd && cpl_n != '0) begin
            eng_d.pc = eng_q.pc | ({(PcBits - 256)'(0), dmacpl_data_i & byte_mask(cpl_n)} << {eng_q.rd_got[PcW-1:0], 3'b000});
          end else if (eng_q.op != OpPayload && eng_q.op != OpInd && cpl_n != '0) begin
            eng_d.rbuf = eng_q.rbuf | 128'(({256'b0, dmacpl_data_i & byte_mask(cpl_n)} << {eng_q.rd_got[3:0], 3'b000}));
          end
          if (dmacpl_last_i) eng_d.fsm = StProc;
        end
      end

      StProc: begin
        if (eng_q.rd_bad || eng_q.rd_got != 32'(eng_q.rd_len)) begin
          eng_d.err  = QERR_DMA;
          eng_d.fsm = StErr;
        end else begin
          unique case (eng_q.op)
            OpAvail: begin
              eng_d.avail_idx   = eng_q.rbuf[31:16];
              eng_d.irq_en = !eng_q.rbuf[0];  // VRING_AVAIL_F_NO_INTERRUPT
              if (eng_q.rbuf[31:16] != la_eff) eng_d.ae_wait = 1'b0;  // a later empty queue writes it again
              if (eng_q.rbuf[31:16] == la_eff && eng_q.ev_en && !eng_q.rx && !eng_q.ae_wait) begin
                // EVENT_IDX: ask for a doorbell when the next buffer is posted, then look once more
                eng_d.wr_beat  = '0;
                eng_d.op    = OpAvEvt;
                eng_d.fsm = StWrReq;
              end else if (eng_q.rbuf[31:16] == la_eff) begin
                // empty: TX is done; an RX frame is dropped (MRG_RXBUF: no buffer for its rest)
                if (eng_q.rx) begin
                  rx_free_o = 1'b1;
                  eng_d.rx_own  = 1'b0;
                  if (eng_q.rx_dropped != 16'hFFFF) eng_d.rx_dropped = eng_q.rx_dropped + 16'd1;
                end
                leave = 1'b1;
              end else if (eng_q.rbuf[31:16] - qc.last_avail > qn || eng_q.rbuf[31:16] - qc.last_avail < 16'(eng_q.m_n)) begin
                // more than a ring of buffers, or (MRG_RXBUF) the idx moved back past the frame's buffers
                eng_d.err  = QERR_IDX;
                eng_d.fsm = StErr;
              end else begin
                eng_d.op    = OpRing;
                eng_d.fsm = StRdReq;
              end
            end

            OpRing: take_head = 1'b1;  // the entries are in the cache: the first one is used now

            OpDesc, OpInd: begin  // a ring descriptor, or (OpInd) the table entry tcur
              if ((eng_q.pk_en || eng_q.io_fetch) && eng_q.op == OpDesc) begin  // the next cached descriptor is used now
                eng_d.pc  = eng_q.pc >> 128;
                eng_d.pc_n = eng_q.pc_n - 4'd1;
                eng_d.pcfirst = 1'b0;
              end
              if (eng_q.io_fetch && eng_q.op == OpDesc) eng_d.io_pos = (eng_q.io_pos + 16'd1 >= qn) ? '0 : eng_q.io_pos + 16'd1;
              if (eng_q.pk_en && eng_q.op == OpDesc && !pd_avail) begin
                eng_d.pc_n = '0;  // the rest of the cache is newer: dropped (it may be posted later)
                if (eng_q.ndesc == '0 && eng_q.rx && !eng_q.pcfirst) begin
                  // read before this frame came, behind buffers it held: the driver may have posted
                  // it since - read again (the run-ahead read's slots no longer follow the cache:
                  // forgotten); the frame is dropped only if that fresh read finds no buffer
                  rxa_drop     = 1'b1;  // the reads after it follow the first's slots
                  eng_d.ndcap = cap8(cur_ahead);
                  eng_d.fsm = StRdReq;
                end else if (eng_q.ndesc == '0 && eng_q.rx) begin
                  // the frame is dropped (MRG_RXBUF: the filled buffers' slots go back)
                  rx_free_o = 1'b1;
                  eng_d.rx_own  = 1'b0;
                  if (eng_q.rx_dropped != 16'hFFFF) eng_d.rx_dropped = eng_q.rx_dropped + 16'd1;
                  if (eng_q.mrg_en && eng_q.m_n != '0) begin
                    qwr_o.avail_we   = 1'b1;
                    qwr_o.last_avail = eng_q.m_la0;
                    qwr_o.avail_wrap = eng_q.m_aw0;
                  end
                  leave = 1'b1;
                end else if (eng_q.ndesc == '0) begin
                  leave = 1'b1;  // TX: no buffer
                end else begin
                  eng_d.err  = QERR_CHAIN;
                  eng_d.fsm = StErr;
                end
              end else if (eng_q.op == OpDesc && eng_q.ind_en && pd_flags[VQ_F_INDIRECT]) begin
                // INDIRECT_DESC: the chain goes on in a table (the descriptor's WRITE flag is ignored)
                if (pd_flags[VQ_F_NEXT]) begin
                  eng_d.err  = QERR_INDIRECT;
                  eng_d.fsm = StErr;
                end else if (pd_len == '0 || pd_len[3:0] != '0 || {4'b0, pd_len[31:4]} > 32'(qn)) begin
                  eng_d.err  = QERR_LEN;
                  eng_d.fsm = StErr;
                end else if (!in_window(pd_addr, pd_len, hm_base_i, hm_size_i)) begin
                  eng_d.err  = QERR_ADDR;
                  eng_d.fsm = StErr;
                end else if (eng_q.ndesc + 17'd1 > 17'(qn)) begin
                  eng_d.err  = QERR_LOOP;
                  eng_d.fsm = StErr;
                end else begin
                  eng_d.d_flags = pd_flags;
                  eng_d.d_next  = pd_next;  // packed: the buffer id
                  eng_d.ndesc  = eng_q.ndesc + 17'd1;
                  if (eng_q.pk_en) begin  // its slot is consumed now; the table's entries take none
                    qwr_o.avail_we   = 1'b1;
                    qwr_o.last_avail = la_next;
                    qwr_o.avail_wrap = aw_next;
                  end
                  eng_d.in_tbl   = 1'b1;
                  eng_d.t_addr = pd_addr;
                  eng_d.t_n    = pd_len[19:4];
                  eng_d.t_cur  = '0;
                  eng_d.t_used = '0;
                  eng_d.t_base = '0;
                  eng_d.t_cnt  = (pd_len[19:4] > 16'(TblBlock)) ? 6'(TblBlock) : pd_len[9:4];
                  eng_d.op    = OpInd;
                  eng_d.fsm = StRdReq;
                end
              end else if (pd_flags[VQ_F_INDIRECT]) begin  // not negotiated, or nested in a table
                eng_d.err  = QERR_INDIRECT;
                eng_d.fsm = StErr;
              end else if (pd_len == '0) begin
                eng_d.err  = QERR_ZERO_LEN;
                eng_d.fsm = StErr;
              end else if (!in_window(pd_addr, pd_len, hm_base_i, hm_size_i)) begin
                eng_d.err  = QERR_ADDR;
                eng_d.fsm = StErr;
              end else if (pd_flags[VQ_F_WRITE] != eng_q.rx) begin
                eng_d.err  = QERR_DIR;
                eng_d.fsm = StErr;
              end else if (eng_q.op == OpInd ? (eng_q.t_used + 17'd1 > 17'(eng_q.t_n)) : (eng_q.ndesc + 17'd1 > 17'(qn))) begin
                eng_d.err  = QERR_LOOP;
                eng_d.fsm = StErr;
              end else if (!eng_q.pk_en && pd_flags[VQ_F_NEXT] && pd_next >= (eng_q.op == OpInd ? eng_q.t_n : qn)) begin
                eng_d.err  = QERR_ID;
                eng_d.fsm = StErr;
              end else if (eng_q.io_fetch && eng_q.op == OpDesc && pd_flags[VQ_F_NEXT] && pd_next != eng_d.io_pos) begin
                // IN_ORDER: "driver MUST set next to 0 for the last descriptor in the table ... and
                // to x + 1 for the rest" (split-ring.tex): a chain that goes elsewhere breaks the order
                eng_d.err  = QERR_CHAIN;
                eng_d.fsm = StErr;
              end else if (!eng_q.rx && 33'(eng_q.tot) + 33'(pd_len) > 33'(FRAME_BUF_BYTES)) begin
                eng_d.err  = QERR_LEN;
                eng_d.fsm = StErr;
              end else begin
                eng_d.d_addr  = pd_addr;
                eng_d.d_flags = pd_flags;
                eng_d.d_off    = '0;
                // packed: dnext keeps the ring descriptor's buffer id (a table entry's is ignored)
                if (!(eng_q.pk_en && eng_q.op == OpInd)) eng_d.d_next = pd_next;
                if (eng_q.op == OpInd) begin
                  eng_d.t_used = eng_q.t_used + 17'd1;
                end else begin
                  eng_d.ndesc = eng_q.ndesc + 17'd1;
                end
                if (eng_q.pk_en && eng_q.op == OpDesc) begin
                  qwr_o.avail_we   = 1'b1;
                  qwr_o.last_avail = la_next;
                  qwr_o.avail_wrap = aw_next;
                end
                if (!eng_q.rx && eng_q.x.left != '0) begin
                  // TX fetch: a frame read and sent with the one before it
                  eng_d.x.left   = eng_q.x.left - 4'd1;
                  eng_d.blen    = pd_len;
                  eng_d.d_off     = pd_len;
                  tot_new   = FRAME_PW'(pd_len);
                  eng_d.tot     = tot_new;
                  desc_done = 1'b1;
                end else if (!eng_q.rx) begin
                  eng_d.blen  = pd_len;
                  eng_d.op    = OpPayload;
                  eng_d.fsm = StRdReq;
                  if (eng_q.mr > CntW'(1)) begin  // several reads outstanding: the whole descriptor in PAY
                    eng_d.fsm  = StPay;
                    eng_d.x.out   = '0;
                    eng_d.x.stop  = XGo;
                    eng_d.txb    = '0;
                    if (eng_q.xn[0].cnt != '0) begin
                      // the next fetch, read early (it starts with this descriptor): it goes on
                      eng_d.x.bidx  = next_buf(eng_q.x.bidx, 32'd1);
                      eng_d.x.cnt   = eng_q.xn[0].cnt;
                      eng_d.x.req   = eng_q.xn[0].req;
                      eng_d.p_req    = eng_q.xn[0].preq;
                      eng_d.x.rbase = eng_q.xn[0].rbase;
                      eng_d.p_n      = eng_d.xn[0].n;
                      eng_d.p_bad    = eng_d.xn[0].bad;
                      if (eng_d.xn[0].bad) eng_d.x.stop = XFailed;  // it fails here, as a fetch whose read failed
                      // its reads are the phase's; the next fetch after it moves up
                      for (int i = 0; i < int'(XnN) - 1; i++) begin
                        eng_d.p_nx[i] = eng_d.p_nx[i+1];
                        eng_d.xn[i]  = eng_d.xn[i+1];
                      end
                      eng_d.p_nx[XnN-1] = '0;
                      eng_d.xn[XnN-1]  = '0;  // none (its rbase with it)
                    end else begin
                      eng_d.x.bidx   = '0;
                      eng_d.x.cnt   = xf_count;
                      eng_d.x.req   = '0;
                      eng_d.p_req   = '0;
                      eng_d.x.rbase = eng_q.tot;
                      eng_d.p_n     = '0;
                      eng_d.p_bad   = 1'b0;
                      for (int t = 0; t < int'(QENG_TAGS); t++) eng_d.p_slot[t].busy = 1'b0;  // a descriptor that failed left the slots of its reads in flight busy
                    end
                    eng_d.x.left  = eng_d.x.cnt - 4'd1;
                    eng_d.tx_base = FRAME_PW'(32'(eng_d.x.bidx) * TX_BUF_BYTES);
                    // read beyond the next fetch: the read ahead of this phase, unless one is still waiting
                    // for the cache to run dry (a phase that did not take the whole cache took one before)
                    // (xb[0] after this edge's beat; the read ahead is not taken at this edge)
                    if (xta_move_ok) begin
                      xta_move    = 1'b1;
                      ahb_shift_n = (BufW + 1)'(XbN);  // pcy into pcx, the reads after it move up
                      if (xta_move_read) eng_d.p_n = eng_d.p_n + CntW'(1);
                      if (xta_move_bad) begin
                        eng_d.p_bad  = 1'b1;
                        eng_d.x.stop = XFailed;
                      end
                    end
                  end
                end else if (pd_wlen != '0) begin
                  eng_d.blen  = pd_wlen;
                  eng_d.clen  = min16(pd_wlen, 32'(DMA_WR_MAX));
                  eng_d.wr_beat  = '0;
                  eng_d.op    = OpPayWr;
                  eng_d.fsm = StWrReq;
                end else begin
                  // the frame is complete: later descriptors are read and checked only
                  eng_d.blen    = '0;
                  desc_done = 1'b1;
                end
              end
            end

            OpPayload: begin
              off_new = eng_q.d_off + 32'(eng_q.rd_len);
              tot_new = eng_q.tot + FRAME_PW'(eng_q.rd_len);
              eng_d.d_off   = off_new;
              eng_d.tot   = tot_new;
              if (off_new < eng_q.blen) begin
                eng_d.fsm = StRdReq;
              end else begin
                desc_done = 1'b1;
              end
            end

            default: begin  // OpEvent (RX, split TX without EVENT_IDX): the avail flags as they are after
                            // the used idx write, used_event, or the driver event structure
              eng_d.irq_en = event_irq(eng_q.rbuf[31:0], eng_q.pk_en, eng_q.ev_en, qc.used_idx, qc.used_wrap, qn,
                                   eng_q.ndesc[15:0], eng_q.ev_old);
              eng_d.fsm  = StIrq;
            end
          endcase
        end
      end

      StWrReq: begin
        if (cto_fire) begin  // the pending decision's read timed out (before this write's first beat)
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else if ((ev_bad || ev_full) &&
                     (eng_q.op == OpUsed || eng_q.op == OpUsedRest) && eng_q.wr_beat == '0) begin
          // the used ring moves on while one or two interrupt decisions are pending, not three; a failed
          // one has stopped the queue: the service ends here, nothing more is used (an RX frame it holds
          // freed)
          if (ev_bad) begin
            ev_unbad    = 1'b1;
            eng_d.fsm   = StIdle;
            rx_free_o = eng_q.rx && eng_q.rx_own;
            eng_d.rx_own  = 1'b0;
          end
        end else if (dma_free_i) begin
          dma_load_o = 1'b1;
          unique case (eng_q.op)
            OpPayWr: begin
              // where the stream puts header byte 10: MRG_RXBUF patches num_buffers there
              if (32'(eng_q.tot) <= 32'(NET_NUMBUF_OFF) && 32'(NET_NUMBUF_OFF) < 32'(eng_q.tot) + 32'(eng_q.clen)) begin
                eng_d.nb_addr = eng_q.d_addr + 64'(eng_q.d_off) + 64'(NET_NUMBUF_OFF) - 64'(eng_q.tot);
              end
              eng_d.wr_beat = eng_q.wr_beat + 4'd1;
              if (rx_lastb) begin
                eng_d.wr_beat  = '0;
                off_new = eng_q.d_off + 32'(eng_q.clen);
                tot_new = eng_q.tot + FRAME_PW'(eng_q.clen);
                eng_d.d_off   = off_new;
                eng_d.tot   = tot_new;
                if (off_new < eng_q.blen) begin
                  eng_d.clen = min16(eng_q.blen - off_new, 32'(DMA_WR_MAX));
                end else begin
                  desc_done = 1'b1;
                end
              end
            end
            OpUsedRest: begin  // packed RX batch: buffer 0's used descriptor follows
              eng_d.wr_beat = eng_q.wr_beat + 4'd1;
              if (req.last) begin
                eng_d.wr_beat = '0;
                eng_d.op   = OpUsed;
              end
            end
            OpAvEvt: begin  // avail_event written: read the avail idx once more
              eng_d.ae_wait   = 1'b1;
              eng_d.op    = OpAvail;
              eng_d.fsm = StRdReq;
            end
            OpNumBuf: begin  // MRG_RXBUF: the used entries follow, buffer 1 first (after the RX
                             // batch held before the frame, written with mk 0: split one request,
                             // packed its buffers 1..n-1 then buffer 0)
              eng_d.m_k = (eng_q.b_cnt != '0) ? 5'd0 : 5'd1;
              eng_d.op = (eng_q.pk_en && eng_q.b_cnt > 4'd1) ? OpUsedRest : OpUsed;
            end
            OpUsed: begin
              if (eng_q.m_commit && eng_q.m_k == '0) begin
                eng_d.wr_beat = eng_q.wr_beat + 4'd1;  // the held batch (before the frame's used entries)
                if (req.last) begin
                  eng_d.wr_beat = '0;
                  eng_d.m_k   = 5'd1;
                end
              end else if (eng_q.m_commit && eng_q.m_k < eng_q.m_cnt) begin
                eng_d.m_k = eng_q.m_k + 5'd1;  // MRG_RXBUF: the next buffer's used entry (buffer 0's last)
              end else if (eng_q.pk_en) begin
                qwr_o.used_we   = 1'b1;
                qwr_o.used_idx  = (used_sum >= 17'(qn)) ? 16'(used_sum - 17'(qn)) : used_sum[15:0];
                qwr_o.used_wrap = (used_sum >= 17'(qn)) ? !qc.used_wrap : qc.used_wrap;
                eng_d.b_cnt  = '0;  // IN_ORDER: the batch is written
                eng_d.b_nd   = '0;
                eng_d.op    = OpEvent;
                eng_d.fsm = StRdReq;
              end else if (req.last) begin
                eng_d.wr_beat = '0;
                eng_d.op   = OpUsedIdx;
              end else begin
                eng_d.wr_beat = eng_q.wr_beat + 4'd1;
              end
            end
            default: begin  // OpUsedIdx: the batch's buffers are consumed (all but the last one
                            // already were, and the last one too when the queue was found empty)
              qwr_o.used_we    = 1'b1;
              qwr_o.used_idx   = qc.used_idx + used_adv;
              qwr_o.used_wrap  = qc.used_wrap;
              qwr_o.avail_we   = !eng_q.b_leave;
              qwr_o.last_avail = qc.last_avail + (eng_q.m_commit ? 16'(eng_q.m_cnt) : 16'd1);  // MRG: the frame's buffers
              qwr_o.avail_wrap = qc.avail_wrap;
              eng_d.b_cnt  = '0;
              eng_d.fsm = StIrq;
              if (eng_q.ev_en) begin  // EVENT_IDX: used_event decides the interrupt
                eng_d.ev_old = qc.used_idx;
                eng_d.op    = OpEvent;
                eng_d.fsm = StRdReq;
              end else if (!eng_q.irq_en) begin
                // no EVENT_IDX: "if flags is 0, the device MUST send a notification" after the used
                // ring write; flags read earlier that suppress are read again now (flags that ask
                // for one are used as they are: at worst a spurious interrupt)
                eng_d.op    = OpEvent;
                eng_d.fsm = StRdReq;
              end
            end
          endcase
        end
      end

      StTxOut: begin
        if (ntx_free) begin
          ntx_beat    = 1'b1;
          eng_d.txb       = eng_q.txb + FRAME_WW'(1);
          if (tx_lastb) buf_done = 1'b1;
        end
      end

      StIrq: begin
        // one interrupt decision per written batch (split) / used descriptor (packed)
        if (eng_q.irq_en && !eng_q.b_held) irq_o = 1'b1;
        eng_d.b_held = 1'b0;
        if (eng_q.rx) begin
          // RX: the frame's buffer is free; the next frame while its used entry stays in the batch.
          // After a written batch a waiting transmitq comes first (rx_pass); else (B > 1) the next
          // frame unless the service leaves or committed an MRG_RXBUF frame (the model's qeng_rx_irq)
          rx_free_o = eng_q.rx_own;
          eng_d.rx_own  = 1'b0;
          if (eng_q.b_held && !eng_q.b_leave) begin
            eng_d.fsm = StRxNext;
          end else begin
            eng_d.rx_pass = tx_waits;
            eng_d.fsm   = (!tx_waits && eng_q.bb > 4'd1 && !eng_q.b_leave && !eng_q.m_commit) ? StRxNext : StIdle;
          end
        end else if (eng_q.b_leave) begin
          eng_d.fsm = StIdle;
        end else if ((quiesce_i && !eng_q.x.sent) || tx_yield) begin
          // quiesce, or another queue waits (fairness): leave the queue as when it is found empty
          // (no avail_event), the pending batch first; kick brings the engine back (quiesce waits for
          // the used entries of frames a TX fetch has sent)
          qwr_o.kick_set = 1'b1;
          leave = 1'b1;
        end else begin
          // TX: next buffer: a cached descriptor / head id, else a read; split re-reads the avail
          // idx only when the last one is used up
          eng_d.ndesc  = '0;
          eng_d.tot    = '0;
          eng_d.tx_base = '0;
          eng_d.in_tbl    = 1'b0;
          eng_d.fsm  = StRdReq;
          if (eng_q.pk_en) begin
            eng_d.op    = OpDesc;
            eng_d.ndcap = cap8(cur_ahead);
            if (eng_q.pc_n != '0) begin
              eng_d.fsm = StProc;
            end else if (!cur_ahead[17] && cur_ahead[16:0] == '0) begin
              // NOTIFICATION_DATA: the next slot is not available yet: no read; the doorbell that
              // makes it available sets kick (left set since the pick)
              leave = 1'b1;
            end else if (xa_st == XaIn) begin  // TX fetch: read ahead during the fetch
              eng_d.pc    = pcx;
              eng_d.pc_n   = xa_n;
              eng_d.pcfirst = 1'b1;
              xta_take      = 1'b1;
              eng_d.fsm = StProc;
            end
          end else if (eng_q.pc_n != '0 && !eng_q.io_fetch) begin
            take_head = 1'b1;
          end else if (qc.last_avail != eng_q.avail_idx) begin
            eng_d.op = OpRing;
          end else if (!cur_ahead[17] && cur_ahead[16:0] > 17'(qn)) begin
            eng_d.err  = QERR_IDX;  // NOTIFICATION_DATA more than a ring ahead: the driver's lie
            eng_d.fsm = StErr;
          end else if (!cur_ahead[17] && cur_ahead[16:0] != '0) begin
            // NOTIFICATION_DATA: a doorbell during the service said more are available: served
            // without reading the avail idx (the data is a lower bound of it)
            eng_d.avail_idx = qc.nd;
            eng_d.op   = OpRing;
          end else if (eng_q.ev_en || !eng_q.nd_en) begin
            eng_d.op = OpAvail;
          end else begin
            // NOTIFICATION_DATA, no EVENT_IDX: every post comes with a doorbell (kick): leave
            // without the avail read
            leave = 1'b1;
          end
        end
      end

      // PAY: the next chunk's request when fewer than mr are outstanding; a completion beat goes to
      // the read of its tag (any order); the edge completing the last read, or accepting the last
      // beat of a failed one, goes to PROC, which sees the descriptor as one read of blen bytes
      StPay: begin
        if (rd_abort && eng_q.txb == '0) begin
          eng_d.fsm = StIdle;  // DEV_RESET: the reads in flight are forgotten
        end else if (cto_fire && eng_q.txb == '0) begin
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else begin
          // TX fetch: a frame half sent is finished first; the stop acts after it
          if (rd_abort) eng_d.x.stop = XReset;
          else if (cto_fire) eng_d.x.stop = XTimeout;
          if (pay_can && xa_k != '0) begin  // the read ahead first
            dma_load_o   = 1'b1;
            xta_issue_xa = 1'b1;
            ahb_clear    = 1'b1;  // into pcx
            eng_d.next_tag      = eng_q.next_tag + TagW'(1);  // its tag's slot stays free
            pay_issued = 1'b1;
          end else if (xb_go) begin  // the read beyond: beside, like the next fetch's reads: not counted in pn
            dma_load_o   = 1'b1;
            xta_issue_xb = 1'b1;
            ahb_clear     = 1'b1;
            ahb_clear_buf = BufW'(xb_i) + BufW'(1);  // pcy, pcz[xb_i - 1]
            eng_d.next_tag      = eng_q.next_tag + TagW'(1);
          end else if (pay_req_ok) begin
            dma_load_o                        = 1'b1;
            eng_d.p_slot[eng_q.next_tag].busy = 1'b1;
            eng_d.p_slot[eng_q.next_tag].len  = pay_len;
            eng_d.p_slot[eng_q.next_tag].got  = '0;
            eng_d.p_slot[eng_q.next_tag].off  = eng_q.x.rbase + eng_q.p_req[FRAME_PW-1:0];
            eng_d.next_tag                    = eng_q.next_tag + TagW'(1);
            eng_d.p_req                       = eng_q.p_req + 32'(pay_len);
            pay_issued                        = 1'b1;
            if (eng_d.p_req == pay_elen && eng_q.x.req + 4'd1 < eng_q.x.cnt) begin  // TX fetch: the next frame's bytes
              eng_d.x.req   = eng_q.x.req + 4'd1;
              eng_d.x.rbase = word_align(eng_q.x.rbase + FRAME_PW'(pay_elen));
              eng_d.p_req   = '0;
            end
          end else if (xn_go) begin  // a read of next fetch xn_i, into its TX fetch buffer
            dma_load_o                        = 1'b1;
            eng_d.p_slot[eng_q.next_tag].busy = 1'b1;
            eng_d.p_nx[xn_i][eng_q.next_tag]  = 1'b1;
            eng_d.p_slot[eng_q.next_tag].len  = xn_rlen;
            eng_d.p_slot[eng_q.next_tag].got  = '0;
            eng_d.p_slot[eng_q.next_tag].off  = xn_rbase + eng_q.xn[xn_i].preq[FRAME_PW-1:0];
            eng_d.next_tag                    = eng_q.next_tag + TagW'(1);
            eng_d.xn[xn_i].cnt                = xn_cnt;
            eng_d.xn[xn_i].n                  = eng_d.xn[xn_i].n + CntW'(1);  // eng_d.xn: a read's last beat may be in at this edge
            eng_d.xn[xn_i].preq      = eng_q.xn[xn_i].preq + 32'(xn_rlen);
            eng_d.xn[xn_i].rbase     = xn_rbase;
            if (eng_d.xn[xn_i].preq == xn_len && eng_q.xn[xn_i].req + 4'd1 < xn_cnt) begin  // the next frame's bytes
              eng_d.xn[xn_i].req   = eng_q.xn[xn_i].req + 4'd1;
              eng_d.xn[xn_i].rbase = word_align(xn_rbase + FRAME_PW'(xn_len));
              eng_d.xn[xn_i].preq  = '0;
            end
          end
          if (xta_xa_beat) begin
            // the read ahead's beat (its bytes into pcx: vdpu_qeng_ahead_bufs' port b, xta_fill)
            if (xta_xa_bad) begin
              eng_d.p_bad        = 1'b1;
              pay_fail_last = dmacpl_last_i;
            end else begin
              if (dmacpl_last_i) begin
                if (xta_xa_short) eng_d.p_bad = 1'b1;
                pay_completed = 1'b1;
                pay_fail_last = eng_d.p_bad;
              end
            end
          end else if (cpl_v && eng_q.p_n != '0 && eng_q.x.stop == XGo && !rd_abort) begin
            if (!pay_hit || dmacpl_status_i != CPL_SC || dmacpl_poison_i) begin
              eng_d.p_bad    = 1'b1;
              pay_fail_last = dmacpl_last_i;
            end else begin
              if (dmacpl_len_i > pay_room) eng_d.p_bad = 1'b1;
              eng_d.p_slot[pay_idx].got = eng_q.p_slot[pay_idx].got + 16'(pay_n);
              if (dmacpl_last_i) begin
                if (eng_q.p_slot[pay_idx].got + 16'(pay_n) != eng_q.p_slot[pay_idx].len) eng_d.p_bad = 1'b1;
                eng_d.p_slot[pay_idx].busy = 1'b0;
                pay_completed        = 1'b1;
                pay_fail_last        = eng_d.p_bad;
              end
            end
          end
          eng_d.p_n = eng_q.p_n + CntW'(pay_issued) - CntW'(pay_completed);
          if (pay_fail_last) eng_d.x.stop = XFailed;
          if (x_go) begin
            ntx_beat    = 1'b1;
            eng_d.txb       = eng_q.txb + FRAME_WW'(1);
            if (tx_lastb) begin
              eng_d.txb    = '0;
              eng_d.x.out   = eng_q.x.out + 4'd1;
              eng_d.tx_base = word_align(eng_q.tx_base + FRAME_PW'(x_len));
            end
          end
          if (eng_d.x.stop != XGo && x_between) begin  // the stop acts once no frame is half sent
            unique case (eng_d.x.stop)
              XReset: eng_d.fsm = StIdle;
              XTimeout: begin
                eng_d.err  = QERR_TIMEOUT;
                eng_d.fsm = StErr;
              end
              default: begin  // XFailed
                eng_d.fsm = StProc;
                eng_d.rd_len  = eng_q.blen[15:0];
                eng_d.rd_got  = '0;
                eng_d.rd_bad  = 1'b1;
              end
            endcase
          end else if (eng_q.x.req + 4'd1 == eng_q.x.cnt && eng_d.p_req == pay_elen && eng_d.p_n == '0 &&
                       (eng_q.x.cnt == 4'd1 || eng_d.x.out == eng_q.x.cnt)) begin
            eng_d.fsm = StProc;
            eng_d.rd_len  = eng_q.blen[15:0];
            eng_d.rd_got  = eng_d.p_bad ? '0 : 32'(eng_q.blen[15:0]);  // a stray beat of a foreign tag
            eng_d.rd_bad  = eng_d.p_bad;
            eng_d.x.sent = (eng_q.x.cnt != 4'd1);
          end
        end
      end

      // RX_NEXT: a frame waiting that the scheduler would serve on this queue starts the next buffer
      // (the prefetch cache, a ring read, or an avail read); while a frame is arriving (a beat offered,
      // or a frame partly in the buffer) the engine waits; otherwise (port idle, quiesce, a frame this
      // service must not take) the queue is left, a held batch written first
      StRxNext: begin
        if (cto_fire) begin  // the RX run-ahead read it waits for timed out
          eng_d.err  = QERR_TIMEOUT;
          eng_d.fsm = StErr;
        end else if (!quiesce_i && rx_full_i && eng_ctrl_i[ENGCTRL_ENABLE] && rx_go && rx_q_i == eng_q.q && !rx_drop) begin
          if (eng_q.pc_n == '0 && ra_st == RaRead) begin
            // RX run-ahead: the cache is dry and its read nearly in - wait for it
          end else if (ra_go && ra_k != '0) begin
            // RX run-ahead: the P descriptors after the cache's, read now (the frame starts next edge)
            dma_load_o = 1'b1;
            rxa_issue_ra   = 1'b1;
            ahb_clear      = 1'b1;  // into pcx
            eng_d.next_tag      = eng_q.next_tag + TagW'(1);
          end else if (ra_go) begin  // ... one after it: the P after the last one's
            dma_load_o     = 1'b1;
            rxa_issue_rb   = 1'b1;
            ahb_clear      = 1'b1;
            ahb_clear_buf  = BufW'(rb_idx) + BufW'(1);  // pcy, pcz[rb_idx - 1]
            eng_d.next_tag          = eng_q.next_tag + TagW'(1);
          end else if (ra_due) begin
            // a run-ahead read due, the output register still busy (the link's gap after the last
            // payload write): wait an edge, so the reads go out back to back rather than one per frame
          end else if (av_st == RaIn) begin  // the avail refresh is in: taken (the frame starts next edge)
            if (av_offers >= av_had && av_offers <= qn) begin
              eng_d.avail_idx   = av_idx;
              eng_d.irq_en = !av_no_int;  // VRING_AVAIL_F_NO_INTERRUPT
            end
            rxa_av_done = 1'b1;
          end else if (av_st == RaBad) begin  // it failed: QERR_DMA, as the avail read it stands for
            rxa_av_done = 1'b1;
            eng_d.err  = QERR_DMA;
            eng_d.fsm = StErr;
          end else if (av_pend && eng_q.pc_n == '0 && qc.last_avail == eng_q.avail_idx) begin
            // the offered buffers used up and the refresh on the way: wait for it
          end else if (av_go) begin  // the avail refresh, read now (the frame starts next edge)
            dma_load_o = 1'b1;
            rxa_av_issue   = 1'b1;
            eng_d.next_tag      = eng_q.next_tag + TagW'(1);
          end else begin
            eng_d.rx_own  = 1'b1;
            eng_d.ndesc   = '0;
            eng_d.tot     = '0;
            eng_d.in_tbl     = 1'b0;
            eng_d.m_n      = '0;
            eng_d.m_nd     = '0;
            eng_d.m_base   = '0;
            eng_d.m_commit = 1'b0;
            eng_d.m_la0    = qc.last_avail;
            eng_d.m_aw0    = qc.avail_wrap;
            eng_d.fsm   = StRdReq;
            if (eng_q.pk_en) begin
              eng_d.op    = OpDesc;
              eng_d.ndcap = cap8(cur_ahead);
              if (eng_q.pc_n != '0) eng_d.fsm = StProc;
            end else if (eng_q.pc_n != '0 && !eng_q.io_fetch) begin
              take_head = 1'b1;
            end else if (qc.last_avail != eng_q.avail_idx) begin
              eng_d.op = OpRing;
            end else begin
              eng_d.op = OpAvail;
            end
          end
        end else if (!quiesce_i && !rx_full_i && (rx_len_i != '0 || nrx_valid_i)) begin
          // a frame is arriving
        end else begin
          leave = 1'b1;
        end
      end

      default: begin  // StErr
        // QERR[q] is set below, after a same-edge DEV_RESET
        err_o     = 1'b1;
        eng_d.err_info    = '0;
        eng_d.err_info[ERR_INFO_CODE_LSB +: ERR_INFO_CODE_W]   = eng_q.err;
        eng_d.err_info[ERR_INFO_QUEUE_LSB +: ERR_INFO_QUEUE_W] = ERR_INFO_QUEUE_W'(eng_q.q);
        rx_free_o = eng_q.rx && eng_q.rx_own;
        eng_d.fsm   = StIdle;
      end
    endcase

    // Split: the next buffer's head id taken from the prefetch cache (PROC of a ring read; IRQ or RX_NEXT
    // going on with a cached entry; the model's take_id and start_head): QERR_ID when it is not below the
    // queue size, else its descriptor is read next (IN_ORDER: the entry says where the table order is).
    if (take_head) begin
      eng_d.pc      = eng_q.pc >> 16;
      eng_d.pc_n    = eng_q.pc_n - 4'd1;
      eng_d.pcfirst = 1'b0;
      if (eng_q.pc[15:0] >= qn) begin
        eng_d.err = QERR_ID;
        eng_d.fsm = StErr;
      end else begin
        eng_d.id = eng_q.pc[15:0];
        eng_d.cur  = eng_q.pc[15:0];
        eng_d.op   = OpDesc;
        eng_d.fsm  = StRdReq;
        if (eng_q.io_fetch) begin
          eng_d.io_seq = 1'b1;
          eng_d.io_pos = eng_q.pc[15:0];
        end
      end
    end

    // End of a descriptor's data: follow the chain, or finish the buffer.
    if (desc_done) begin
      if (eng_q.in_tbl && (eng_q.pk_en ? (eng_q.t_cur + 16'd1 < eng_q.t_n) : eng_d.d_flags[VQ_F_NEXT])) begin
        // inside a table: split follows next, packed takes every entry in order; an entry in the
        // block read last costs PROC only, another one starts a block read at it
        eng_d.t_cur = eng_q.pk_en ? eng_q.t_cur + 16'd1 : eng_d.d_next;
        eng_d.op   = OpInd;
        if (eng_d.t_cur >= eng_q.t_base && eng_d.t_cur - eng_q.t_base < 16'(eng_q.t_cnt)) begin
          eng_d.fsm = StProc;
        end else begin
          eng_d.t_base = eng_d.t_cur;
          eng_d.t_cnt  = (eng_q.t_n - eng_d.t_cur > 16'(TblBlock)) ? 6'(TblBlock) : 6'(eng_q.t_n - eng_d.t_cur);
          eng_d.fsm = StRdReq;
        end
      end else if (!eng_q.in_tbl && eng_d.d_flags[VQ_F_NEXT]) begin
        if (!eng_q.pk_en) eng_d.cur = eng_d.d_next;
        eng_d.op    = OpDesc;
        eng_d.ndcap = '0;  // a chain goes on whatever the doorbell data says
        eng_d.fsm = ((eng_q.pk_en || eng_q.io_fetch) && eng_d.pc_n != '0) ? StProc : StRdReq;  // a cache hit costs PROC only
        if ((eng_q.pk_en || eng_q.io_fetch) && eng_d.pc_n == '0 && xa_st == XaIn) begin
          // TX fetch: a read beyond taken as a PAY phase's read ahead, the cache run dry mid-chain
          eng_d.pc      = pcx;
          eng_d.pc_n     = xa_n;
          eng_d.pcfirst = 1'b1;
          xta_take      = 1'b1;
          eng_d.fsm   = StProc;
        end
      end else if (!eng_q.rx) begin
        if (tot_new < MinChain) begin
          eng_d.err  = QERR_LEN;
          eng_d.fsm = StErr;
        end else if (eng_q.x.sent) begin  // TX fetch: sent in PAY; the last of the fetch ends it
          if (eng_d.x.left == '0) eng_d.x.sent = 1'b0;
          buf_done = 1'b1;
        end else begin
          eng_d.txb   = '0;
          eng_d.fsm = StTxOut;
        end
      end else if (tot_new < rx_total && !eng_q.mrg_en) begin
        eng_d.err  = QERR_LEN;
        eng_d.fsm = StErr;
      end else if (tot_new < rx_total) begin
        mrg_more = 1'b1;
      end else if (eng_q.mrg_en && eng_q.m_n != '0) begin
        mrg_last = 1'b1;
      end else begin
        buf_done = 1'b1;
      end
    end

    // MRG_RXBUF: a buffer's chain is complete. Frame not complete: the buffer is full; remember it
    // and go on in the next one (split: its ring entry, or first a fresh avail idx; packed: the
    // next slot), or drop the frame if MRG_MAX buffers would not do. Complete after several
    // buffers: commit - num_buffers into header byte 10, then the used entries of buffers 1..n-1
    // and buffer 0's last, so a packed driver polling buffer 0's slot finds the others used.
    if (mrg_more && 32'(eng_q.m_n) + 32'd1 >= 32'(MRG_MAX)) begin
      rx_free_o = 1'b1;
      eng_d.rx_own  = 1'b0;
      if (eng_q.rx_dropped != 16'hFFFF) eng_d.rx_dropped = eng_q.rx_dropped + 16'd1;
      leave = 1'b1;
      if (eng_q.pk_en && eng_q.m_n != '0) begin  // the filled buffers' slots go back to the driver's side
        qwr_o.avail_we   = 1'b1;
        qwr_o.last_avail = eng_q.m_la0;
        qwr_o.avail_wrap = eng_q.m_aw0;
      end
    end else if (mrg_more || mrg_last) begin
      eng_d.m_id[16*eng_q.m_n[3:0]+:16]  = eng_q.pk_en ? eng_d.d_next : eng_q.id;
      eng_d.m_len[16*eng_q.m_n[3:0]+:16] = 16'(tot_new - eng_q.m_base);
      eng_d.m_off[16*eng_q.m_n[3:0]+:16] = eng_q.m_nd;
      eng_d.m_nd   = eng_q.m_nd + eng_d.ndesc[15:0];
      eng_d.m_n    = eng_q.m_n + 5'd1;
      eng_d.m_base = tot_new;
      eng_d.wr_beat  = '0;
      if (mrg_more) begin
        eng_d.ndesc = '0;  // a new chain: its own loop limit and table
        eng_d.in_tbl   = 1'b0;
        eng_d.fsm = StRdReq;
        if (eng_q.pk_en) begin
          eng_d.op    = OpDesc;
          eng_d.ndcap = '0;
          if (eng_d.pc_n != '0) eng_d.fsm = StProc;
        end else begin
          eng_d.op = (la_eff + 16'd1 == eng_q.avail_idx) ? OpAvail : OpRing;
        end
      end else begin
        eng_d.m_cnt    = eng_q.m_n + 5'd1;
        eng_d.m_commit = 1'b1;
        eng_d.m_k      = '0;
        eng_d.ndesc   = 17'(eng_q.b_nd) + 17'(eng_q.m_nd) + eng_d.ndesc;  // packed: used_idx moves by, and the event covers,
                                                       // all slots of the held batch and the frame
        eng_d.op      = OpNumBuf;
        eng_d.fsm   = StWrReq;
      end
    end

    // The service ends (the model's ring leave): a batch still held is written first - packed: as one
    // used descriptor over all its slots (RX of several buffers: the rest first, OpUsedRest) - and
    // IDLE follows its IRQ; with none held, IDLE now. Set above in the states that find no buffer,
    // yield the queue, or drop an RX frame; none of them finishes a descriptor in the same edge.
    if (leave) begin
      if (eng_q.b_cnt != '0) begin
        eng_d.b_leave = 1'b1;
        eng_d.wr_beat    = '0;
        eng_d.op      = (eng_q.pk_en && eng_q.rx && eng_q.b_cnt > 4'd1) ? OpUsedRest : OpUsed;
        eng_d.fsm     = StWrReq;
        if (eng_q.pk_en) eng_d.ndesc = 17'(eng_q.b_nd);
      end else begin
        eng_d.fsm = StIdle;
      end
    end

    // The buffer is done: packed writes its used descriptor (IN_ORDER: it joins the batch, written
    // as one used descriptor when it holds B); split adds its used element to the batch, written
    // when it holds B, before it would cross the used ring's end (not with IN_ORDER: its one element
    // never crosses it), and always for RX (the service ends). A buffer that stays in the batch is
    // consumed now (packed: its slots were, descriptor by descriptor); IRQ picks what is next.
    if (buf_done) begin
      eng_d.wr_beat = '0;
      if (eng_q.pk_en && eng_q.io_en) begin
        // _d: a frame a TX fetch sent is done at the edge its descriptor is checked (TX_OUT changes neither)
        eng_d.b_id[16*eng_q.b_cnt[ENG_BI_W-1:0]+:16] = eng_d.d_next;
        eng_d.b_cnt = eng_q.b_cnt + 4'd1;
        eng_d.b_nd  = eng_q.b_nd + eng_d.ndesc[15:0];
        if (eng_q.b_cnt + 4'd1 >= eng_q.bb) begin
          eng_d.b_leave = 1'b0;
          eng_d.ndesc  = 17'(eng_q.b_nd) + eng_d.ndesc;  // used_idx moves by, and the event covers, every slot
          eng_d.op     = OpUsed;
          eng_d.fsm  = StWrReq;
        end else begin
          eng_d.b_held = 1'b1;
          eng_d.fsm = StIrq;
        end
      end else if (eng_q.pk_en && eng_q.rx) begin
        // RX: joins the batch; held while it has room, the chain was one descriptor (the next used
        // slot follows on) and the next buffer's used slot stays before the ring end
        eng_d.b_id[16*eng_q.b_cnt[ENG_BI_W-1:0]+:16]  = eng_d.d_next;
        eng_d.b_len[16*eng_q.b_cnt[ENG_BI_W-1:0]+:16] = 16'(tot_new);
        eng_d.b_cnt = eng_q.b_cnt + 4'd1;
        eng_d.b_nd  = eng_q.b_nd + eng_d.ndesc[15:0];
        if (eng_q.b_cnt + 4'd1 < eng_q.bb && eng_d.ndesc == 17'd1 && 17'(qc.used_idx) + 17'(eng_q.b_nd) + 17'd1 < 17'(qn)) begin
          eng_d.b_held = 1'b1;
          eng_d.fsm = StIrq;
        end else begin
          eng_d.b_leave = 1'b0;
          eng_d.ndesc  = 17'(eng_q.b_nd) + eng_d.ndesc;  // used_idx moves by, and the event covers, every slot
          eng_d.op     = (eng_q.b_cnt != '0) ? OpUsedRest : OpUsed;
          eng_d.fsm  = StWrReq;
        end
      end else if (eng_q.pk_en) begin
        eng_d.op    = OpUsed;
        eng_d.fsm = StWrReq;
      end else begin
        eng_d.b_id[16*eng_q.b_cnt[ENG_BI_W-1:0]+:16]  = eng_q.id;
        eng_d.b_len[16*eng_q.b_cnt[ENG_BI_W-1:0]+:16] = eng_q.rx ? 16'(tot_new) : '0;  // RX: header + frame written
        eng_d.b_cnt = eng_q.b_cnt + 4'd1;
        if (eng_q.b_cnt + 4'd1 >= eng_q.bb || (!eng_q.io_en && used_end >= 17'(qn))) begin
          eng_d.b_leave = 1'b0;
          eng_d.op     = OpUsed;
          eng_d.fsm  = StWrReq;
        end else begin
          qwr_o.avail_we   = 1'b1;
          qwr_o.last_avail = qc.last_avail + 16'd1;
          qwr_o.avail_wrap = qc.avail_wrap;
          eng_d.b_held = 1'b1;
          eng_d.fsm = StIrq;
        end
      end
      // RX: a frame whose used entry stays in the batch is done at once - its RX buffer free, the next
      // frame next - what StIrq would do an edge later (it raises nothing for a held entry); TX, or a
      // service leaving after this batch, goes through StIrq (the model's qeng_buffer_held)
      if (eng_q.rx && eng_d.b_held && !eng_d.b_leave) begin
        eng_d.b_held   = 1'b0;
        rx_free_o = eng_q.rx_own;
        eng_d.rx_own  = 1'b0;
        eng_d.fsm   = StRxNext;
      end
    end

    // IN_ORDER fetch: a next head asked for as a ring read is io_pos when known: the descriptor
    // at io_pos from the cache (PROC only) or a read of consecutive descriptors
    if (eng_q.io_fetch && eng_d.io_seq && eng_d.op == OpRing && eng_d.fsm == StRdReq && eng_q.fsm != StRdReq) begin
      eng_d.id  = eng_d.io_pos;
      eng_d.cur   = eng_d.io_pos;
      eng_d.op    = OpDesc;
      eng_d.fsm = (eng_d.pc_n != '0) ? StProc : StRdReq;
      if (eng_d.pc_n == '0 && xa_st == XaIn) begin  // TX fetch: read ahead during the fetch
        eng_d.pc    = pcx;
        eng_d.pc_n   = xa_n;
        eng_d.pcfirst = 1'b1;
        xta_take      = 1'b1;
        eng_d.fsm = StProc;
      end
    end

    // The frame beat of TX_OUT or of PAY's TX fetch (one at a time: the two are different states).
    if (ntx_beat) begin
      eng_d.ntx_valid = 1'b1;
      eng_d.ntx_data  = tx_beat;
      eng_d.ntx_keep  = keep_mask(tx_nb);
      eng_d.ntx_last  = tx_lastb;
    end

    // DEV_RESET clears QERR; a violation recorded at the same edge survives (data path last).
    if (dev_reset_i) eng_d.qerr = '0;
    // reads beside the engine: a DEV_RESET or a completion timeout (nothing writes fsm / err after this)
    // forgets the interrupt decisions' reads (vdpu_qeng_irq), the RX run-ahead reads, and the next
    // fetch's reads and the read beyond it (their beats are unexpected); a pick starts without
    ev_forget = dev_reset_i || (eng_d.fsm == StErr && eng_d.err == QERR_TIMEOUT);
    if (xn_clear || ev_forget) begin
      for (int t = 0; t < int'(QENG_TAGS); t++)
        for (int i = 0; i < int'(XnN); i++) if (eng_d.p_nx[i][t]) eng_d.p_slot[t].busy = 1'b0;
      eng_d.p_nx    = '0;
      eng_d.xn     = '0;  // none (their rbase with them; the reads beyond: vdpu_qeng_tx_ahead)
    end
    if (eng_q.fsm == StErr || ev_fail) eng_d.qerr[eng_q.q] = 1'b1;
    // a violation reports any failure owed (a completion timeout's at its StErr edge); a reset forgets it
    if (err_o || dev_reset_i) eng_d.fail_owed = 1'b0;
  end

  assign dma_req_o = req;

  // Split IN_ORDER hint per queue: written where the engine consumes buffers (last_avail moves),
  // dropped while a queue is disabled and at DEV_RESET (after the update, as in the model).
  always_comb begin
    io_ok_d   = io_ok_q;
    io_la_d   = io_la_q;
    io_head_d = io_head_q;
    if (qwr_o.avail_we && eng_q.io_fetch && !eng_q.pk_en) begin
      io_ok_d[eng_q.q]   = 1'b1;
      io_la_d[eng_q.q]   = qwr_o.last_avail;
      io_head_d[eng_q.q] = eng_d.io_pos;
    end
    for (int unsigned q = 0; q < NUM_QUEUES; q++) begin
      if (dev_reset_i || qctx_i[q].enable == '0) io_ok_d[q] = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      eng_q <= EngReset;
      io_ok_q     <= '0;
      io_la_q     <= '0;
      io_head_q   <= '0;
    end else begin
      eng_q <= eng_d;
      io_ok_q     <= io_ok_d;
      io_la_q     <= io_la_d;
      io_head_q   <= io_head_d;
    end
  end

  // ENG_CTRL[31:8] read 0 (the CSR block stores [7:0]); ENG_PARAM[31:19] are plain storage.
  logic unused_ctrl;
  assign unused_ctrl = ^{eng_ctrl_i[31:8], eng_param_i[31:19]};

  // a beat is expected by RD_WAIT or PAY (any tag: a foreign one fails the read there) or by the read
  // beside the engine with its tag (the *_hit signals); any other is unexpected (FW_ERR), a duplicate of
  // a beside read's completion arriving between reads too (soak seed 880322)
  assign cpl_expected_o = (eng_q.fsm == StRdWait) || (eng_q.fsm == StPay && eng_q.p_n != '0 && eng_q.x.stop == XGo) ||
                          ev_hit || rxa_hit || xn_hit || xb_hit;
  assign irq_q_o        = eng_q.q;
  // (a failure owed is reported by StIdle at the next edge: not idle, nor quiet, until then)
  assign idle_o         = (eng_q.fsm == StIdle) && !ev_held && !ra_pend && !xn_pend && !eng_q.fail_owed;
  assign rx_held_o      = eng_q.rx_own && (eng_q.fsm != StIdle);
  assign rd_wait_o      = (eng_q.fsm == StRdWait) && !cto_due;
  always_comb begin
    status_o = '0;
    status_o[ENG_STATUS_IDLE_LSB]                                = idle_o;
    status_o[ENG_STATUS_QUEUE_LSB +: ENG_STATUS_QUEUE_W]           = ENG_STATUS_QUEUE_W'(eng_q.q);
    status_o[ENG_STATUS_RX_DROPPED_LSB +: ENG_STATUS_RX_DROPPED_W] = eng_q.rx_dropped;
  end
  assign qerr_o         = eng_q.qerr;
  assign err_info_o     = eng_q.err_info;
  assign ntx_valid_o    = eng_q.ntx_valid;
  assign ntx_data_o     = eng_q.ntx_data;
  assign ntx_keep_o     = eng_q.ntx_keep;
  assign ntx_last_o     = eng_q.ntx_last;

endmodule
