// vdpu_msix.sv - MSI-X table, pending bit array and the sender that turns a pending vector into a DMA write.
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

  // firmware HOST_IRQ: vectors to mark pending
  input  logic [NUM_VECTORS-1:0]       pend_set_i,

  // DMA request channel (the only requester today, hence the constant fields)
  output logic                         dmareq_valid_o,
  input  logic                         dmareq_ready_i,
  output logic                         dmareq_type_o,
  output logic [3:0]                   dmareq_purpose_o,
  output logic [15:0]                  dmareq_queue_o,
  output logic [7:0]                   dmareq_tag_o,
  output logic [15:0]                  dmareq_len_o,
  output logic [63:0]                  dmareq_addr_o,
  output logic [255:0]                 dmareq_data_o,
  output logic                         dmareq_last_o
);

  localparam int unsigned VecW = $clog2(NUM_VECTORS);
  localparam logic [15:0] MsgLen = 16'd4;  // an MSI-X message is one dword

  if (NUM_VECTORS * 16 != BAR_MSIX_TBL_LEN || NUM_VECTORS > 8 * BAR_MSIX_PBA_LEN) begin : gen_size_check
    $error("vdpu_msix: table/PBA region sizes do not fit NUM_VECTORS");
  end

  msix_entry_t [NUM_VECTORS-1:0] tbl_q, tbl_d;
  logic [NUM_VECTORS-1:0]        pend_q, pend_d;
  logic                          valid_q, valid_d;
  logic [VecW-1:0]               vec_q, vec_d;
  logic [63:0]                   addr_q, addr_d;
  logic [31:0]                   data_q, data_d;

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
  logic                   send;
  logic [VecW-1:0]        send_vec;

  always_comb begin
    for (int unsigned v = 0; v < NUM_VECTORS; v++) begin
      cand[v] = pend_q[v] && !tbl_q[v].mask;
    end
    if (!(msix_en_i && !fmask_i && bme_i)) cand = '0;

    send     = !valid_q && (cand != '0);
    send_vec = '0;
    for (int v = NUM_VECTORS - 1; v >= 0; v--) begin
      if (cand[v]) send_vec = VecW'(v);  // lowest wins
    end
    send_clr = '0;
    if (send) send_clr[send_vec] = 1'b1;
  end

  always_comb begin
    valid_d = valid_q;
    vec_d   = vec_q;
    addr_d  = addr_q;
    data_d  = data_q;
    if (valid_q && dmareq_ready_i) valid_d = 1'b0;
    if (send) begin
      valid_d = 1'b1;
      vec_d   = send_vec;
      addr_d  = {tbl_q[send_vec].addr_hi, tbl_q[send_vec].addr_lo};
      data_d  = tbl_q[send_vec].data;
    end
    // Order at the edge: firmware sets, then the sender clears what it sent.
    pend_d = (pend_q | pend_set_i) & ~send_clr;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned v = 0; v < NUM_VECTORS; v++) begin
        tbl_q[v] <= '{addr_lo: '0, addr_hi: '0, data: '0, mask: 1'b1};
      end
      pend_q  <= '0;
      valid_q <= 1'b0;
      vec_q   <= '0;
      addr_q  <= '0;
      data_q  <= '0;
    end else begin
      tbl_q   <= tbl_d;
      pend_q  <= pend_d;
      valid_q <= valid_d;
      vec_q   <= vec_d;
      addr_q  <= addr_d;
      data_q  <= data_d;
    end
  end

  assign dmareq_valid_o   = valid_q;
  assign dmareq_type_o    = DMA_WR;
  assign dmareq_purpose_o = PURP_MSIX;
  assign dmareq_queue_o   = 16'(vec_q);
  assign dmareq_tag_o     = '0;
  assign dmareq_len_o     = MsgLen;
  assign dmareq_addr_o    = addr_q;
  assign dmareq_data_o    = {224'b0, data_q};
  assign dmareq_last_o    = 1'b1;

endmodule
