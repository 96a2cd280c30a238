// vdpu_msix.sv - MSI-X table, pending bit array and the sender that turns a pending vector into a DMA write.
//
// The DMA output register lives in vdpu_dma_out; this block offers the lowest deliverable vector
// every edge and clears its pending bit at the edge the message is loaded.
`include "vdpu_pkg.svh"

module vdpu_msix
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                         clk_i,
  input  logic                         rst_ni,

  // config space controls (pre-edge)
  input  logic                         msix_en_i,
  input  logic                         fmask_i,     // function mask
  input  logic                         bme_i,       // bus master enable

  // host table access from the BAR decode: read port (combinational) and write (at the edge)
  input  logic [TBL_DW_W-1:0]          tbl_rd_dw_i,
  output logic [63:0]                  tbl_rdata_o,  // dwords rd_dw and rd_dw|1 of its entry
  output logic [NUM_VECTORS-1:0]       pba_o,
  input  logic                         tbl_we_i,
  input  logic                         tbl_size8_i,
  input  logic [TBL_DW_W-1:0]          tbl_wr_dw_i,
  input  logic [63:0]                  tbl_wdata_i,

  // firmware HOST_IRQ and queue engine interrupts: vectors to mark pending
  input  logic [NUM_VECTORS-1:0]       pend_set_i,
  // firmware DEV_RESET: the pending bits of the function clear (the table stays: it is the OS's)
  input  logic                         dev_reset_i,

  // message to send, through the DMA output register (vdpu_dma_out); granted at a free edge the
  // queue engine does not use
  output logic                         msg_valid_o,
  output dmareq_t                      msg_o,
  input  logic                         msg_grant_i
);

  localparam int unsigned VecW = $clog2(NUM_VECTORS);
  localparam logic [15:0] MsgLen = 16'd4;  // an MSI-X message is one dword

  if (NUM_VECTORS * 16 != BAR_MSIX_TBL_LEN || NUM_VECTORS > 8 * BAR_MSIX_PBA_LEN) begin : gen_size_check
    $error("vdpu_msix: table/PBA region sizes do not fit NUM_VECTORS");
  end

  msix_entry_t [NUM_VECTORS-1:0] tbl_q, tbl_d;
  logic [NUM_VECTORS-1:0]        pend_q, pend_d;

  // ---- host table access ------------------------------------------------------------------
  function automatic logic [31:0] dword_rd(msix_entry_t e, logic [1:0] dw);
    unique case (dw)
      2'd0:    return e.addr_lo;
      2'd1:    return e.addr_hi;
      2'd2:    return e.data;
      default: return {31'b0, e.mask};
    endcase
  endfunction

  function automatic msix_entry_t dword_wr(msix_entry_t e, logic [1:0] dw, logic [31:0] v);
    msix_entry_t r;
    r = e;
    unique case (dw)
      2'd0:    r.addr_lo = {v[31:2], 2'b00};
      2'd1:    r.addr_hi = v;
      2'd2:    r.data = v;
      default: r.mask = v[0];
    endcase
    return r;
  endfunction

  logic [VecW-1:0] rd_vec, wr_vec;
  assign rd_vec      = tbl_rd_dw_i[TBL_DW_W-1:2];
  assign wr_vec      = tbl_wr_dw_i[TBL_DW_W-1:2];
  assign tbl_rdata_o = {dword_rd(tbl_q[rd_vec], {tbl_rd_dw_i[1], 1'b1}), dword_rd(tbl_q[rd_vec], tbl_rd_dw_i[1:0])};
  assign pba_o       = pend_q;

  always_comb begin
    tbl_d = tbl_q;
    if (tbl_we_i) begin
      tbl_d[wr_vec] = dword_wr(tbl_d[wr_vec], tbl_wr_dw_i[1:0], tbl_wdata_i[31:0]);
      // An 8-byte access is 8-aligned, so its second dword is in the same entry.
      if (tbl_size8_i) tbl_d[wr_vec] = dword_wr(tbl_d[wr_vec], {tbl_wr_dw_i[1], 1'b1}, tbl_wdata_i[63:32]);
    end
  end

  // ---- sender -------------------------------------------------------------------------------
  // Candidates use pre-edge state only; a vector set pending at this edge is seen at the next.
  logic [NUM_VECTORS-1:0] cand, send_clr;
  logic [VecW-1:0]        send_vec;

  always_comb begin
    for (int unsigned v = 0; v < NUM_VECTORS; v++) begin
      cand[v] = pend_q[v] && !tbl_q[v].mask;
    end
    if (!(msix_en_i && !fmask_i && bme_i)) cand = '0;

    send_vec = '0;
    for (int v = NUM_VECTORS - 1; v >= 0; v--) begin
      if (cand[v]) send_vec = VecW'(v);  // lowest wins
    end
  end

  // Separate from the candidate logic: the grant depends combinationally on msg_valid_o.
  always_comb begin
    send_clr = '0;
    if (msg_grant_i) send_clr[send_vec] = 1'b1;
  end

  assign msg_valid_o = (cand != '0);
  assign msg_o = '{
    kind:    DMA_WR,
    purpose: PURP_MSIX,
    queue:   16'(send_vec),
    tag:     '0,
    len:     MsgLen,
    addr:    {tbl_q[send_vec].addr_hi, tbl_q[send_vec].addr_lo},
    data:    {224'b0, tbl_q[send_vec].data},
    last:    1'b1
  };

  // Order at the edge: DEV_RESET clears the pre-edge bits, firmware and queue engine set, then the
  // sender clears what it sent.
  assign pend_d = ((dev_reset_i ? '0 : pend_q) | pend_set_i) & ~send_clr;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned v = 0; v < NUM_VECTORS; v++) begin
        tbl_q[v] <= '{addr_lo: '0, addr_hi: '0, data: '0, mask: 1'b1};
      end
      pend_q <= '0;
    end else begin
      tbl_q  <= tbl_d;
      pend_q <= pend_d;
    end
  end

endmodule
