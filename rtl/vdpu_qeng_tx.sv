// vdpu_qeng_tx.sv - the queue engine's TX mover: the TX frame buffer and the network port beats.
//
// Payload completions are written at their chain offset; frame beat k is chain bytes 12 + 32k ..
// 12 + 32k + 31 (the virtio_net_hdr is not sent) of the chain that starts at word base_i: a fixed 12-byte shift of the two-word window the
// buffer returns. `out_i` gates the wide read (only while the engine sends the frame).
`include "vdpu_pkg.svh"

module vdpu_qeng_tx
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                clk_i,
  // write port (DMA completion beats)
  input  logic                we_i,
  input  logic [FRAME_PW-1:0] wpos_i,
  input  logic [5:0]          wlen_i,
  input  logic [255:0]        wdata_i,
  // frame beats
  input  logic                out_i,     // the engine sends the frame (TX_OUT)
  input  logic [FRAME_WW-1:0] base_i,    // the chain's first word (TX fetch puts frames side by side)
  input  logic [FRAME_PW-1:0] chain_i,   // bytes of the chain (header + frame)
  input  logic [FRAME_WW-1:0] beat_i,    // frame beat to send
  output logic [255:0]        data_o,    // its bytes (unused ones 0)
  output logic [5:0]          nb_o,      // ... how many (1..32)
  output logic                last_o     // ... the frame's last beat
);

  localparam logic [FRAME_PW-1:0] HdrLen = FRAME_PW'(NET_HDR_BYTES);

  logic [511:0] rdata;

  vdpu_frame_buf #(.Words(TX_WORDS)) u_buf (
    .clk_i,
    .we_i    (we_i),
    .wpos_i  (wpos_i),
    .wlen_i  (wlen_i),
    .wdata_i (wdata_i),
    .re_i    (out_i),
    .raddr_i (base_i + beat_i),
    .rdata_o (rdata)
  );

  logic [FRAME_PW-1:0] frame_len, rem;

  always_comb begin
    frame_len = chain_i - HdrLen;
    rem       = frame_len - FRAME_PW'({beat_i, 5'b0});
    last_o    = (rem <= FRAME_PW'(32));
    nb_o      = last_o ? rem[5:0] : 6'd32;
    data_o    = '0;
    if (out_i) data_o = rdata[8*NET_HDR_BYTES+:256] & byte_mask(nb_o);
  end

  // Only the 32 bytes of a beat are used from each two-word window.
  logic unused_win;
  assign unused_win = ^{rdata[511:8*NET_HDR_BYTES+256], rdata[8*NET_HDR_BYTES-1:0]};

endmodule
