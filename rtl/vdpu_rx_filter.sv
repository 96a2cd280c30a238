// vdpu_rx_filter.sv - the RX filter's verdict on a frame from its destination address (combinational).
//
// Promiscuous: everything passes. Otherwise a frame needs a destination address (six bytes) and
// passes when it is broadcast, multicast with all-multicast on, unicast with all-unicast on, the
// device's MAC (NET_MAC), or a valid MAC table entry (docs/queue-engine.md, "RX filter").
`include "vdpu_pkg.svh"

module vdpu_rx_filter
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic [47:0]                   dst_i,     // dst[i] at [8*i +: 8]
  input  logic [FRAME_PW-1:0]           len_i,     // frame bytes stored
  input  logic [2:0]                    ctrl_i,    // RXF_CTRL: accept all, all multicast, all unicast
  input  logic [47:0]                   mac_i,     // NET_MAC
  input  logic [RXF_ENTRIES-1:0][47:0]  tbl_mac_i,
  input  logic [RXF_ENTRIES-1:0]        tbl_valid_i,
  output logic                          accept_o
);

  logic bcast, multi, hit;

  assign bcast = (dst_i == '1);
  assign multi = dst_i[0];

  always_comb begin
    hit = (dst_i == mac_i);
    for (int unsigned i = 0; i < RXF_ENTRIES; i++) begin
      if (tbl_valid_i[i] && dst_i == tbl_mac_i[i]) hit = 1'b1;
    end
  end

  assign accept_o = ctrl_i[0] ||
                    ((len_i >= FRAME_PW'(6)) &&
                     (bcast || (multi && ctrl_i[1]) || (!multi && ctrl_i[2]) || hit));

endmodule
