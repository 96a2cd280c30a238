// vdpu_qeng_rx.sv - the queue engine's RX mover: DMA write beats of header + frame.
//
// Write beat `beat_i` of the chunk starting at header+frame byte `pos_i` carries bytes p .. p+31,
// p = pos + 32 * beat. A virtual byte stream V holds the header at bytes 20..31 and frame byte i at
// 32 + i, so stream byte j is V[j + 20] and a beat is two consecutive V words (the RX frame buffer
// in vdpu_net_rx returns words w-1 and w; V word 0 is the header word) shifted by (j + 20) % 32
// bytes. The address goes out first; the data comes back combinationally.
`include "vdpu_pkg.svh"

module vdpu_qeng_rx
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                active_i,   // the engine writes RX payload (gates the wide shift)
  input  logic [FRAME_PW-1:0] pos_i,      // header + frame byte the chunk starts at
  input  logic [3:0]          beat_i,     // beat of the chunk
  input  logic [15:0]         chunk_i,    // bytes of the chunk
  output logic [RX_WW-1:0]    raddr_o,    // RX frame buffer read address
  input  logic [511:0]        rdata_i,    // ... its two-word window
  output logic [255:0]        data_o,     // the beat's bytes (unused ones 0)
  output logic                last_o      // ... the chunk's last beat
);

  // virtio_net_hdr_mrg_rxbuf of every received frame: all 0 but num_buffers (bytes 10-11) = 1 (a
  // frame in several buffers gets its count patched by the engine). At bytes 20..31 of V word 0.
  localparam logic [255:0] HdrWord = 256'(1) << (8 * (32 - NET_HDR_BYTES + NET_NUMBUF_OFF));

  logic [FRAME_PW-1:0] p, v;
  logic [RX_WW-1:0] w;
  logic [511:0]        pair, shifted;
  logic [15:0]         left;
  logic [5:0]          nb;    // bytes in this beat (1..32)

  assign p       = pos_i + FRAME_PW'({beat_i, 5'b0});
  assign v       = p + FRAME_PW'(32 - NET_HDR_BYTES);
  assign w       = RX_WW'(v >> 5);
  assign raddr_o = (w == '0) ? '0 : w - RX_WW'(1);

  always_comb begin
    left    = chunk_i - {7'b0, beat_i, 5'b0};
    last_o  = (left <= 16'd32);
    nb      = last_o ? left[5:0] : 6'd32;
    pair    = '0;
    shifted = '0;
    data_o  = '0;
    // Only while writing RX payload (the wide shift is costly in simulation).
    if (active_i) begin
      pair    = (w == '0) ? {rdata_i[255:0], HdrWord} : rdata_i;
      shifted = pair >> {v[4:0], 3'b000};
      data_o  = shifted[255:0] & byte_mask(nb);
    end
  end

  // Only the 32 bytes of a beat are used from each two-word window.
  logic unused_win;
  assign unused_win = ^shifted[511:256];

endmodule
