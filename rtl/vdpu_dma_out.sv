// vdpu_dma_out.sv - the dmareq output register and its three requesters: queue engine, firmware DMA, MSI-X.
//
// The register is free at an edge when it is empty before the edge or its beat is taken at that
// edge, so beats can leave back to back. Fixed priority: the queue engine first (its timing does not
// depend on the others), then the firmware DMA channel (rare, short transfers the host is waiting
// for), then the MSI-X sender, which loads a message only at a free edge neither of the others
// uses (docs/queue-engine.md, "Micro-timing"; docs/control-plane.md, "Firmware DMA channel").
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

  // dmareq channel
  output logic           dmareq_valid_o,
  input  logic           dmareq_ready_i,
  output dmareq_t        dmareq_o
);

  logic    valid_q, valid_d;
  dmareq_t req_q, req_d;

  assign free_o       = !valid_q || dmareq_ready_i;
  assign fw_grant_o   = free_o && !eng_load_i && fw_req_i;
  assign msix_grant_o = free_o && !eng_load_i && !fw_req_i && msix_req_i;

  always_comb begin
    valid_d = valid_q;
    req_d   = req_q;
    if (valid_q && dmareq_ready_i) valid_d = 1'b0;
    if (free_o && eng_load_i) begin
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
      valid_q <= 1'b0;
      req_q   <= '0;
    end else begin
      valid_q <= valid_d;
      req_q   <= req_d;
    end
  end

  assign dmareq_valid_o = valid_q;
  assign dmareq_o       = req_q;

endmodule
