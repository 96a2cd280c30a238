// vdpu_mig_ram.sv - the migration state RAM (2 KiB): the host reaches it through the MIG region's window,
// firmware through MIG_RAM_IDX / MIG_RAM_DATA (docs/migration.md "The device state").
//
// Two combinational read ports (host decode, CSR block) and two write ports applied at the edge; at the
// same edge and dword firmware's write wins (applied after the host's, as the model does). A RAM has no
// reset: it starts at 0 in simulation (the model's power-on value) and a device reset keeps it, like every
// MIG register; the host has nothing to read in it before firmware wrote it (STATE_GET).
`include "vdpu_pkg.svh"

module vdpu_mig_ram
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                 clk_i,

  input  logic [MRAM_AW-1:0]   host_rd_dw_i,
  output logic [31:0]          host_rdata_o,
  input  logic                 host_we_i,
  input  logic [MRAM_AW-1:0]   host_wr_dw_i,
  input  logic [31:0]          host_wdata_i,

  input  logic [MRAM_AW-1:0]   fw_rd_dw_i,
  output logic [31:0]          fw_rdata_o,
  input  logic                 fw_we_i,
  input  logic [MRAM_AW-1:0]   fw_wr_dw_i,
  input  logic [31:0]          fw_wdata_i
);

  localparam int unsigned Words = MIG_STATE_BYTES / 4;

  if (Words != (1 << MRAM_AW)) begin : gen_size_check
    $error("vdpu_mig_ram: MIG_STATE_BYTES must be 4 << MRAM_AW");
  end

  logic [31:0] mem_q [Words];

  assign host_rdata_o = mem_q[host_rd_dw_i];
  assign fw_rdata_o   = mem_q[fw_rd_dw_i];

  initial begin
    for (int unsigned i = 0; i < Words; i++) mem_q[i] = '0;
  end

  always_ff @(posedge clk_i) begin
    if (host_we_i) mem_q[host_wr_dw_i] <= host_wdata_i;
    if (fw_we_i) mem_q[fw_wr_dw_i] <= fw_wdata_i;
  end

endmodule
