// vdpu_dma_out.sv - the dmareq output register, its dirty page logger and three requesters: queue engine, firmware DMA, MSI-X.
//
// The register is free at an edge when it is empty before the edge or its beat is taken at that
// edge, so beats can leave back to back. Fixed priority: the queue engine first (its timing does not
// depend on the others), then the firmware DMA channel (rare, short transfers the host is waiting
// for), then the MSI-X sender, which loads a message only at a free edge neither of the others
// uses (docs/queue-engine.md, "Micro-timing"; docs/control-plane.md, "Firmware DMA channel").
// Above them all, with the dirty page log on (LOG_CTRL[0]), the logger: when the last beat of a
// logged write (every write but MSI-X messages and the marks) leaves the register, the mark of its
// first page (a 1-byte write of 0x01 at LOG_BASE + page index) takes the register at the same edge
// and the mark of its second page (a write across a page boundary) the next free edge, nothing else
// in between: posted writes stay in order, so a mark the host harvests means its data landed
// (docs/migration.md, "Dirty page log"; model/dma_out.c model_dirty_log_edge).
`include "vdpu_pkg.svh"

module vdpu_dma_out
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic           clk_i,
  input  logic           rst_ni,

  // queue engine
  output logic           free_o,       // the register can be loaded at this edge
  input  logic           eng_load_i,
  input  dmareq_t        eng_req_i,

  // firmware DMA channel: a request or write beat to send, and whether it was loaded at this edge
  input  logic           fw_req_i,
  input  dmareq_t        fw_req_data_i,
  output logic           fw_grant_o,

  // MSI-X sender: a message to send, and whether it was loaded at this edge
  input  logic           msix_req_i,
  input  dmareq_t        msix_msg_i,
  output logic           msix_grant_o,

  // dirty page log: settings (vdpu_fw_csr) and what it did at this edge
  input  logic [31:0]    log_ctrl_i,
  input  logic [63:0]    log_base_i,
  input  logic [63:0]    log_range_i,
  input  logic [31:0]    log_pages_i,
  output logic           log_mark_o,   // a mark loaded
  output logic           log_oor_o,    // a logged write touched a page outside the tracked range

  // dmareq channel
  output logic           dmareq_valid_o,
  input  logic           dmareq_ready_i,
  output dmareq_t        dmareq_o
);

  logic    valid_q, valid_d;
  dmareq_t req_q, req_d;
  logic        pend_q, pend_d;          // the second page of the last logged write still to mark
  logic [31:0] pend_idx_q, pend_idx_d;  // ... its bytemap index

  // ---- dirty page log -----------------------------------------------------------------------------
  logic        taken, log_wr, in0, in1, log_load;
  logic [4:0]  sh;
  logic [63:0] last_a, p0, p1;
  logic [31:0] mark_idx;
  dmareq_t     mark;

  always_comb begin
    taken    = valid_q && dmareq_ready_i;
    log_wr   = taken && log_ctrl_i[LOG_CTRL_EN_LSB] && req_q.kind == DMA_WR && req_q.last == 1'b1 &&
               req_q.purpose != PURP_MSIX && req_q.purpose != PURP_DIRTY_LOG;
    sh       = log_ctrl_i[LOG_CTRL_SHIFT_LSB +: LOG_CTRL_SHIFT_W];
    if (sh < 5'd12 || sh > 5'd21) sh = 5'd12;
    last_a   = req_q.addr + ((req_q.len != '0) ? 64'(req_q.len) - 64'd1 : 64'd0);
    p0       = (req_q.addr - log_range_i) >> sh;
    p1       = (last_a - log_range_i) >> sh;
    in0      = req_q.addr >= log_range_i && p0 < 64'(log_pages_i);
    in1      = last_a >= req_q.addr && last_a >= log_range_i && p1 < 64'(log_pages_i);
    log_load = log_wr ? (in0 || in1) : (pend_q && (!valid_q || dmareq_ready_i));
    mark_idx = log_wr ? (in0 ? p0[31:0] : p1[31:0]) : pend_idx_q;
    pend_d     = pend_q;
    pend_idx_d = pend_idx_q;
    if (log_wr) begin
      pend_d     = in0 && in1 && p1 != p0;
      pend_idx_d = p1[31:0];
    end else if (log_load) begin
      pend_d = 1'b0;
    end
    mark         = '0;
    mark.kind    = DMA_WR;
    mark.purpose = PURP_DIRTY_LOG;
    mark.len     = 16'd1;
    mark.addr    = log_base_i + 64'(mark_idx);
    mark.data    = 256'h01;
    mark.last    = 1'b1;
  end

  assign log_mark_o = log_load;
  assign log_oor_o  = log_wr && !(in0 && in1);

  assign free_o       = (!valid_q || dmareq_ready_i) && !log_load;
  assign fw_grant_o   = free_o && !eng_load_i && fw_req_i;
  assign msix_grant_o = free_o && !eng_load_i && !fw_req_i && msix_req_i;

  always_comb begin
    valid_d = valid_q;
    req_d   = req_q;
    if (valid_q && dmareq_ready_i) valid_d = 1'b0;
    if (log_load) begin
      valid_d = 1'b1;
      req_d   = mark;
    end else if (free_o && eng_load_i) begin
      valid_d = 1'b1;
      req_d   = eng_req_i;
    end else if (fw_grant_o) begin
      valid_d = 1'b1;
      req_d   = fw_req_data_i;
    end else if (msix_grant_o) begin
      valid_d = 1'b1;
      req_d   = msix_msg_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q    <= 1'b0;
      req_q      <= '0;
      pend_q     <= 1'b0;
      pend_idx_q <= '0;
    end else begin
      valid_q    <= valid_d;
      req_q      <= req_d;
      pend_q     <= pend_d;
      pend_idx_q <= pend_idx_d;
    end
  end

  assign dmareq_valid_o = valid_q;
  assign dmareq_o       = req_q;

endmodule
