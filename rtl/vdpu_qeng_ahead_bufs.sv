// vdpu_qeng_ahead_bufs.sv - the queue engine's descriptor buffers of the reads ahead (pcx, pcy, pcz), filled beat by beat.
//
// docs/queue-engine.md "RX run-ahead", "TX fetch", "The read beyond the next fetch". Buffer 0 (pcx) holds
// the first read ahead's descriptors (an RX service's first run-ahead read, a TX fetch's read ahead), buffer
// 1 (pcy) the next read's (rb[0], xb[0]), buffer 2 + i (pcz[i]) the one after (rb[i + 1], xb[i + 1]). A
// service is RX or TX, so the two read-ahead blocks (vdpu_qeng_rx_ahead, vdpu_qeng_tx_ahead) share them:
// each says which buffer its beat fills and where. The engine clears a buffer where a read into it goes
// out, moves them up one where the first is taken and the next becomes the first (RX: the refill takes the
// first run-ahead read; TX: a PAY phase takes xb[0] as its read ahead), and reads pcx where the read ahead
// becomes the cache. Each buffer is written only at an edge that changes it (a RAM with byte enables,
// not a next-state copy), which is also what an implementation would build. The model keeps them as the
// service arrays pcx, pcy, pcz of struct vdpu_eng (qeng_ahead_buf, qeng_ahead_shift in model/qeng.h).
`include "vdpu_pkg.svh"

module vdpu_qeng_ahead_bufs
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
#(
  parameter int unsigned PcBits = 128 * ENG_PARAM_MAX,  // a buffer: P descriptors at most
  parameter int unsigned PcW    = $clog2(16 * ENG_PARAM_MAX),
  parameter int unsigned NBuf   = RX_AHEAD_READS,       // pcx, pcy and the pcz
  parameter int unsigned BufW   = $clog2(NBuf)
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  // this edge's beat into buffers a_buf_i (the RX run-ahead's) and b_buf_i (the TX fetch's), at byte
  // *_off_i: nb_i bytes of data_i (one of the two at most: a service is RX or TX)
  input  logic                        a_fill_i,
  input  logic [BufW-1:0]             a_buf_i,
  input  logic [PcW-1:0]              a_off_i,
  input  logic                        b_fill_i,
  input  logic [BufW-1:0]             b_buf_i,
  input  logic [PcW-1:0]              b_off_i,
  input  logic [255:0]                data_i,
  input  logic [5:0]                  nb_i,
  // then buffer j takes buffer j + 1's contents (after this edge's beat) for every j < shift_n_i (0: none)
  input  logic [BufW:0]               shift_n_i,
  // a read into buffer clear_buf_i goes out: it starts empty
  input  logic                        clear_i,
  input  logic [BufW-1:0]             clear_buf_i,

  output logic [NBuf-1:0][PcBits-1:0] buf_o     // pre-edge
);

  logic [NBuf-1:0][PcBits-1:0] q;

  // a beat's bytes where they go
  function automatic logic [PcBits-1:0] beat(logic [PcW-1:0] off);
    return {(PcBits - 256)'(0), data_i & byte_mask(nb_i)} << {off, 3'b000};
  endfunction

  // buffer j after this edge's beat (the contents a move up takes)
  function automatic logic [PcBits-1:0] filled(int unsigned j);
    logic [PcBits-1:0] v;
    v = q[j];
    if (a_fill_i && 32'(a_buf_i) == j) v = v | beat(a_off_i);
    if (b_fill_i && 32'(b_buf_i) == j) v = v | beat(b_off_i);
    return v;
  endfunction

  for (genvar gj = 0; gj < int'(NBuf); gj++) begin : gen_buf
    logic fill, move;
    assign fill = (a_fill_i && 32'(a_buf_i) == gj) || (b_fill_i && 32'(b_buf_i) == gj);
    assign move = 32'(gj) < 32'(shift_n_i);
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        q[gj] <= '0;
      end else if (clear_i && 32'(clear_buf_i) == gj) begin
        q[gj] <= '0;
      end else if (move) begin
        q[gj] <= (gj + 1 < int'(NBuf)) ? filled(gj + 1) : '0;
      end else if (fill) begin
        q[gj] <= filled(gj);
      end
    end
  end

  assign buf_o = q;

endmodule
