// vdpu_net_rx.sv - network port RX: collects frames from nrx into two RX frame buffers.
//
// Frames complete in arrival order (RX_FRAME_BUFS = 2); the queue engine serves the oldest (head)
// while the next one arrives into the other buffer, and nrx_ready is "the arriving frame has a free
// buffer" (model/netio.c, the same rules). Beats are appended until the one with last, then the
// frame waits for the engine, which frees the head when it is done with it (delivered, dropped or
// abandoned). Bytes past a buffer are discarded and the frame is marked truncated; the engine drops
// such a frame (docs/queue-engine.md, "Network port"). A complete frame the RX filter rejects never
// waits: its buffer is free again at once and the frame is counted (drop_o).
`include "vdpu_pkg.svh"

module vdpu_net_rx
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // nrx channel
  input  logic                 nrx_valid_i,
  output logic                 nrx_ready_o,
  input  logic [255:0]         nrx_data_i,
  input  logic [31:0]          nrx_keep_i,
  input  logic                 nrx_last_i,

  // to the queue engine: the head buffer (the oldest frame)
  output logic                 full_o,    // a complete frame is waiting (not stale)
  output logic [FRAME_PW-1:0]  len_o,     // bytes in the head buffer: the waiting frame's length (at
                                          // most FRAME_BUF_BYTES), or the arriving frame's so far
  output logic                 trunc_o,   // it was longer than the buffer
  output logic                 vlan_o,    // its first beat has an 802.1Q tag (bytes 12-13 = 0x8100)
  output logic                 hfull_o,   // the head buffer holds a complete frame, stale or not
  output logic                 hstale_o,  // ... which predates a device reset (dropped next edge)
  output logic                 head_o,    // the head buffer (RX steering: its frame's flow)
  output logic                 fill_o,    // the buffer the arriving frame fills
  output logic [1:0]           frames_o,  // buffers holding a frame, waiting or arriving
  input  logic                 free_i,    // the engine is done with the head frame
  input  logic                 held_i,    // the engine serves the head frame (it frees it itself)
  input  logic                 dev_reset_i, // firmware DEV_RESET: the buffers' frames are stale
  input  logic                 re_i,
  input  logic [RX_WW-1:0]     raddr_i,
  output logic [511:0]         rdata_o,

  // RX filter settings (pre-edge CSRs) and the drop pulse for RXF_DROPPED
  input  logic [2:0]                   rxf_ctrl_i,
  input  logic [47:0]                  rxf_mac_i,
  input  logic [RXF_ENTRIES-1:0][47:0] rxf_tbl_mac_i,
  input  logic [RXF_ENTRIES-1:0]       rxf_tbl_valid_i,
  output logic                         drop_o
);

  // One buffer's registers: the model's struct vdpu_rx_slot, field for field.
  typedef struct packed {
    logic                full;   // a complete frame waits here
    logic                stale;  // it predates a device reset: dropped once complete (unless held)
    logic                trunc;  // the frame (waiting or arriving) was longer than the buffer
    logic                vlan;   // its first beat has an 802.1Q tag (the MTU check)
    logic [FRAME_PW-1:0] len;    // bytes here: the waiting frame's, or the arriving frame's so far
  } rx_slot_t;

  rx_slot_t [RX_FRAME_BUFS-1:0] rxs_q, rxs_d;
  logic                         head_q, head_d;  // the oldest frame's buffer
  logic [47:0]                  dst_q, dst_d;    // the first six data bytes of the arriving frame

  if (RX_FRAME_BUFS != 2) begin : gen_bufs_check
    $error("vdpu_net_rx: head_q is one bit: RX_FRAME_BUFS must be 2");
  end

  // Bytes in a beat: keep is contiguous from byte 0, so count its low run of ones.
  function automatic logic [5:0] keep_bytes(logic [31:0] keep);
    logic [5:0] n;
    logic       run;
    n   = '0;
    run = 1'b1;
    for (int unsigned i = 0; i < 32; i++) begin
      run = run && keep[i];
      if (run) n = n + 6'd1;
    end
    return n;
  endfunction

  // The arriving frame fills the head buffer while it holds no complete frame, else the other.
  logic                fill;
  rx_slot_t            hs;
  logic                fs_full;  // the arriving frame's buffer: holds a complete frame (not ready)
  logic [FRAME_PW-1:0] fs_len;   // ... bytes of the arriving frame so far
  logic                accept;
  logic [5:0]          nbytes, wlen;
  logic [FRAME_PW-1:0] room;

  assign hs     = rxs_q[head_q];
  assign fill   = hs.full ? !head_q : head_q;
  assign fs_full = rxs_q[fill].full;
  assign fs_len  = rxs_q[fill].len;
  assign accept = nrx_valid_i && !fs_full;
  assign nbytes = accept ? keep_bytes(nrx_keep_i) : '0;
  assign room   = FRAME_PW'(FRAME_BUF_BYTES) - fs_len;
  // Clip at the end of the buffer; the rest of the frame is discarded.
  assign wlen   = (FRAME_PW'(nbytes) > room) ? room[5:0] : nbytes;

  // The filter judges the frame at the edge its last beat is accepted.
  logic [47:0]         dst;
  logic [FRAME_PW-1:0] flen;
  logic                pass;

  assign dst  = (fs_len == '0) ? nrx_data_i[47:0] : dst_q;
  assign flen = fs_len + FRAME_PW'(wlen);

  vdpu_rx_filter u_filter (
    .dst_i       (dst),
    .len_i       (flen),
    .ctrl_i      (rxf_ctrl_i),
    .mac_i       (rxf_mac_i),
    .tbl_mac_i   (rxf_tbl_mac_i),
    .tbl_valid_i (rxf_tbl_valid_i),
    .accept_o    (pass)
  );

  assign drop_o = accept && nrx_last_i && !pass;

  always_comb begin
    rxs_d  = rxs_q;
    head_d = head_q;
    dst_d  = dst_q;
    // a device reset makes whatever a buffer holds (or starts to hold at this edge) stale
    if (dev_reset_i) begin
      for (int unsigned i = 0; i < RX_FRAME_BUFS; i++) begin
        if (rxs_q[i].full || rxs_q[i].len != '0 || (1'(i) == fill && accept)) rxs_d[i].stale = 1'b1;
      end
    end
    // The engine frees the head frame it is done with; a stale head nobody serves is dropped as
    // soon as it is complete. One owner frees a buffer, once (never both at one edge: the engine
    // frees only a frame it holds, or a waiting one that is not stale).
    if (free_i || (hs.stale && hs.full && !held_i)) begin
      rxs_d[head_q] = '0;
      head_d        = !head_q;
    end
    if (accept) begin
      if (fs_len == '0) begin
        dst_d              = nrx_data_i[47:0];
        rxs_d[fill].vlan   = (nbytes >= 6'd14) && (nrx_data_i[111:96] == 16'h0081);  // bytes 12, 13 = 0x81, 0x00
      end
      rxs_d[fill].len = fs_len + FRAME_PW'(wlen);
      if (FRAME_PW'(nbytes) > room) rxs_d[fill].trunc = 1'b1;
      if (nrx_last_i) begin
        if (pass) begin
          rxs_d[fill].full = 1'b1;
        end else begin
          // filtered: nothing waits, nothing is left to be stale
          rxs_d[fill].len   = '0;
          rxs_d[fill].trunc = 1'b0;
          rxs_d[fill].stale = 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rxs_q  <= '0;
      head_q <= 1'b0;
      dst_q  <= '0;
    end else begin
      rxs_q  <= rxs_d;
      head_q <= head_d;
      dst_q  <= dst_d;
    end
  end

  // ---- the buffers: the arriving frame writes one, the engine reads the head --------------------
  logic [RX_FRAME_BUFS-1:0][511:0] rdata;

  for (genvar i = 0; i < RX_FRAME_BUFS; i++) begin : gen_buf
    vdpu_frame_buf u_buf (
      .clk_i,
      .we_i    (accept && wlen != '0 && fill == 1'(i)),
      .wpos_i  (fs_len),
      .wlen_i  (wlen),
      .wdata_i (nrx_data_i),
      .re_i    (re_i && head_q == 1'(i)),
      .raddr_i (raddr_i),
      .rdata_o (rdata[i])
    );
  end

  assign rdata_o = rdata[head_q];

  assign nrx_ready_o = !fs_full;
  assign full_o      = hs.full && !hs.stale;  // the scheduler never starts on a stale frame
  assign len_o       = hs.len;
  assign trunc_o     = hs.trunc;
  assign vlan_o      = hs.vlan;
  assign hfull_o     = hs.full;
  assign hstale_o    = hs.stale;
  assign head_o      = head_q;
  assign fill_o      = fill;
  always_comb begin
    frames_o = '0;
    for (int unsigned i = 0; i < RX_FRAME_BUFS; i++) frames_o += 2'(rxs_q[i].full || rxs_q[i].len != '0);
  end

endmodule
