// vdpu_net_rx.sv - network port RX: collects one frame from nrx into the RX frame buffer.
//
// nrx_ready is "the buffer is free": beats are appended until the one with last, then the frame
// waits for the queue engine, which frees the buffer when it is done with it (delivered, dropped
// or abandoned). Bytes past the buffer are discarded and the frame is marked truncated; the
// engine drops such a frame (docs/queue-engine.md, "Network port"). A complete frame the RX filter
// rejects never waits: the buffer is free again at once and the frame is counted (drop_o).
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

  // to the queue engine
  output logic                 full_o,    // a complete frame is waiting
  output logic [FRAME_PW-1:0]  len_o,     // its length in bytes (at most FRAME_BUF_BYTES)
  output logic                 trunc_o,   // it was longer than the buffer
  output logic                 vlan_o,    // its first beat has an 802.1Q tag (bytes 12-13 = 0x8100)
  input  logic                 free_i,    // the engine is done with it
  input  logic                 dev_reset_i, // firmware DEV_RESET: the buffer's frame is stale
  input  logic                 re_i,
  input  logic [FRAME_WW-1:0]  raddr_i,
  output logic [511:0]         rdata_o,

  // RX filter settings (pre-edge CSRs) and the drop pulse for RXF_DROPPED
  input  logic [2:0]                   rxf_ctrl_i,
  input  logic [47:0]                  rxf_mac_i,
  input  logic [RXF_ENTRIES-1:0][47:0] rxf_tbl_mac_i,
  input  logic [RXF_ENTRIES-1:0]       rxf_tbl_valid_i,
  output logic                         drop_o
);

  logic                full_q, full_d;
  logic                stale_q, stale_d;  // frame predates a device reset: dropped once complete
  logic                trunc_q, trunc_d;
  logic [FRAME_PW-1:0] len_q, len_d;
  logic [47:0]         dst_q, dst_d;  // the first six data bytes of the frame's first beat
  logic                vlan_q, vlan_d; // ... and its bytes 12-13 are the 802.1Q TPID (the MTU check)

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

  logic                accept;
  logic [5:0]          nbytes, wlen;
  logic [FRAME_PW-1:0] room;

  assign accept = nrx_valid_i && !full_q;
  assign nbytes = accept ? keep_bytes(nrx_keep_i) : '0;
  assign room   = FRAME_PW'(FRAME_BUF_BYTES) - len_q;
  // Clip at the end of the buffer; the rest of the frame is discarded.
  assign wlen   = (FRAME_PW'(nbytes) > room) ? room[5:0] : nbytes;

  // The filter judges the frame at the edge its last beat is accepted.
  logic [47:0]         dst;
  logic [FRAME_PW-1:0] flen;
  logic                pass;

  assign dst  = (len_q == '0) ? nrx_data_i[47:0] : dst_q;
  assign flen = len_q + FRAME_PW'(wlen);

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
    full_d  = full_q;
    trunc_d = trunc_q;
    len_d   = len_q;
    stale_d = stale_q;
    dst_d   = dst_q;
    vlan_d  = vlan_q;
    if (accept && len_q == '0) begin
      dst_d  = nrx_data_i[47:0];
      vlan_d = (nbytes >= 6'd14) && (nrx_data_i[111:96] == 16'h0081);  // bytes 12, 13 = 0x81, 0x00
    end
    if (dev_reset_i && (full_q || len_q != '0 || accept)) stale_d = 1'b1;
    if (accept) begin
      len_d = len_q + FRAME_PW'(wlen);
      if (FRAME_PW'(nbytes) > room) trunc_d = 1'b1;
      if (nrx_last_i) begin
        if (pass) begin
          full_d = 1'b1;
        end else begin
          // filtered: nothing waits, nothing is left to be stale
          len_d   = '0;
          trunc_d = 1'b0;
          stale_d = 1'b0;
        end
      end
    end
    // The engine frees only a waiting frame, and no beat is accepted while one waits.
    if (free_i) begin
      full_d  = 1'b0;
      trunc_d = 1'b0;
      len_d   = '0;
    end
    // A stale frame is dropped as soon as it is complete (no beat is accepted while full).
    if (stale_q && full_q) begin
      full_d  = 1'b0;
      trunc_d = 1'b0;
      len_d   = '0;
      stale_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_q  <= 1'b0;
      stale_q <= 1'b0;
      trunc_q <= 1'b0;
      len_q   <= '0;
      dst_q   <= '0;
      vlan_q  <= 1'b0;
    end else begin
      full_q  <= full_d;
      stale_q <= stale_d;
      trunc_q <= trunc_d;
      len_q   <= len_d;
      dst_q   <= dst_d;
      vlan_q  <= vlan_d;
    end
  end

  vdpu_frame_buf u_buf (
    .clk_i,
    .we_i    (accept && wlen != '0),
    .wpos_i  (len_q),
    .wlen_i  (wlen),
    .wdata_i (nrx_data_i),
    .re_i    (re_i),
    .raddr_i (raddr_i),
    .rdata_o (rdata_o)
  );

  assign nrx_ready_o = !full_q;
  assign full_o      = full_q && !stale_q;  // the scheduler never starts on a stale frame
  assign len_o       = len_q;
  assign trunc_o     = trunc_q;
  assign vlan_o      = vlan_q;

endmodule
