// vdpu_frame_buf.sv - one frame buffer (TX or RX): 32-byte words, written at any byte position.
//
// DMA completion beats and network beats carry up to 32 bytes that land at arbitrary byte
// positions (completions are split at the host's read completion boundary, not at 32 bytes), so a
// write touches at most two words: w = pos / 32 and w + 1. Only those two words are indexed per
// edge, which keeps the simulation cost independent of the buffer size.
`include "vdpu_pkg.svh"

module vdpu_frame_buf
  import vdpu_pkg::*;
#(
  parameter int unsigned Words = FRAME_WORDS,
  localparam int unsigned WordW = $clog2(Words + 1),  // a word index, or the one past the end
  localparam int unsigned AddrW = $clog2(Words)       // an in-range word index
) (
  input  logic                 clk_i,

  // write port: bytes 0..wlen-1 of wdata go to byte positions wpos..wpos+wlen-1
  input  logic                 we_i,
  input  logic [FRAME_PW-1:0]  wpos_i,
  input  logic [5:0]           wlen_i,   // 0..32
  input  logic [255:0]         wdata_i,

  // read port (combinational): {word raddr + 1, word raddr}; words past the end read 0, and
  // everything reads 0 without re (so the simulation skips the wide read when it is not used)
  input  logic                 re_i,
  input  logic [WordW-1:0]     raddr_i,
  output logic [511:0]         rdata_o
);

  // Contents need no reset: every byte the engine sends was written for the current frame, and
  // bytes past a frame's end are masked to 0 by the reader.
  logic [255:0] mem_q [Words];

  // ---- write: shift the beat and its byte mask to the position within a two-word window -------
  logic [WordW-1:0] w0, w1;
  logic [4:0]       shift;
  logic [255:0]     lenmask;
  logic [511:0]     wmask, wdata;

  assign w0    = WordW'(wpos_i >> 5);
  assign w1    = w0 + WordW'(1);
  assign shift = wpos_i[4:0];

  // Computed only at a write: wide shifts are the expensive part of a Verilator cycle.
  always_comb begin
    lenmask = '0;
    wmask   = '0;
    wdata   = '0;
    if (we_i) begin
      lenmask = (wlen_i >= 6'd32) ? '1 : ~({256{1'b1}} << {wlen_i[4:0], 3'b000});
      wmask   = {256'b0, lenmask} << {shift, 3'b000};
      wdata   = {256'b0, wdata_i & lenmask} << {shift, 3'b000};
    end
  end

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      if (32'(w0) < Words && wmask[255:0] != '0) begin
        mem_q[w0[AddrW-1:0]] <= (mem_q[w0[AddrW-1:0]] & ~wmask[255:0]) | wdata[255:0];
      end
      if (32'(w1) < Words && wmask[511:256] != '0) begin
        mem_q[w1[AddrW-1:0]] <= (mem_q[w1[AddrW-1:0]] & ~wmask[511:256]) | wdata[511:256];
      end
    end
  end

  // ---- read ------------------------------------------------------------------------------------
  logic [WordW-1:0] r1;
  assign r1 = raddr_i + WordW'(1);

  always_comb begin
    rdata_o = '0;
    if (re_i && 32'(raddr_i) < Words) rdata_o[255:0] = mem_q[raddr_i[AddrW-1:0]];
    if (re_i && 32'(r1) < Words) rdata_o[511:256] = mem_q[r1[AddrW-1:0]];
  end

endmodule
