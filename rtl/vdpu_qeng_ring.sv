// vdpu_qeng_ring.sv - the ring walker's layout arithmetic: where the split rings' fields and the event areas are, how many entries a read takes, the used batch's bytes.
//
// Combinational, from pre-edge state (docs/queue-engine.md "Prefetch and batching", "Used write-back"):
// split reads up to P avail ring entries (not past what the avail idx offers or the ring end; IN_ORDER
// fetching one), packed and split IN_ORDER up to P descriptors (not past the ring / table end, packed
// NOTIFICATION_DATA not past what the doorbell said); a split batch's used elements (IN_ORDER TX: only
// its last), where the used ring slot after it falls, how far USED_IDX moves; a packed RX batch's used
// descriptors of buffers 1..n-1, two per write beat; and the addresses that depend on the layout: the
// split avail ring's header and slots, used ring slots and idx, the EVENT_IDX fields after the rings
// (used_event after the avail ring, avail_event after the used ring), the packed driver event area
// (descriptor slots, the same 16 bytes in both layouts' tables, stay desc_base + 16 x slot). The model
// keeps these in the ring layout files, model/qeng_split.c and model/qeng_packed.c (read_slot_k,
// write_batch, packed_rx_batch, used_event_addr, avail_event_addr).
`include "vdpu_pkg.svh"

module vdpu_qeng_ring
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                           pk_en_i,      // packed ring
  input  logic                           io_fetch_i,   // split IN_ORDER fetching (TX)
  input  logic                           io_en_i,      // IN_ORDER used batch (TX): one element
  input  logic [3:0]                     pf_i,         // P
  input  logic [3:0]                     ndcap_i,      // packed: descriptors the doorbell data allows (0: no cap)
  input  logic [15:0]                    qn_i,         // queue_size
  input  logic [15:0]                    last_avail_i,
  input  logic [15:0]                    la_eff_i,     // last_avail after the frame's MRG_RXBUF buffers
  input  logic [15:0]                    avail_idx_i,  // split: the avail idx read last
  input  logic [15:0]                    io_pos_i,     // split IN_ORDER: the descriptor taken next
  input  logic [15:0]                    used_idx_i,
  input  logic                           used_wrap_i,
  input  logic [3:0]                     b_cnt_i,      // the used batch: elements
  input  logic [16*ENG_PARAM_MAX-1:0]    b_id_i,       // ... their ids
  input  logic [16*ENG_PARAM_MAX-1:0]    b_len_i,      // ... their lengths (RX)
  input  logic [3:0]                     wr_beat_i,    // the write's beat
  input  logic                           m_commit_i,   // MRG_RXBUF: a frame's buffers committed
  input  logic [4:0]                     m_cnt_i,      // ... how many
  input  logic [3:0]                     mk_idx_i,     // ... the buffer whose used entry is written
  input  logic                           ev_en_i,      // EVENT_IDX
  input  logic [63:0]                    avail_base_i, // split: the avail ring; packed: the driver event area
  input  logic [63:0]                    used_base_i,  // split: the used ring
  output logic [3:0]                     k_ring_o,     // split: avail ring entries a ring read takes
  output logic [3:0]                     k_desc_o,     // packed / split IN_ORDER: descriptors a read takes
  output logic [ENG_USED_BITS-1:0]       used_elems_o, // split: the batch's used elements {id:32, len:32}
  output logic [15:0]                    used_wlen_o,  // ... their bytes
  output logic [16:0]                    used_end_o,   // used ring slot after the batch, with one more element
  output logic [15:0]                    used_adv_o,   // split: USED_IDX moves by the batch, or (MRG_RXBUF) the frame's buffers
  output logic [15:0]                    last_bid_o,   // IN_ORDER: id of the batch's last buffer (the one used entry's id)
  output logic [255:0]                   rest_beat_o,  // packed RX batch: beat of the used descriptors of buffers 1..n-1
  output logic [15:0]                    rest_len_o,   // ... their bytes
  output logic [15:0]                    used_fl_o,    // packed: used descriptor flags of the current lap
  output logic [63:0]                    avail_hdr_addr_o,   // split: avail flags + idx
  output logic [63:0]                    avail_slot_addr_o,  // split: the avail ring entry at ring_slot
  output logic [63:0]                    event_addr_o,       // the event read: packed driver event area, split
                                                             // used_event (EVENT_IDX) or avail flags
  output logic [15:0]                    event_len_o,        // ... its bytes
  output logic [63:0]                    used_slot_addr_o,   // split: the used ring entry at used_idx
  output logic [63:0]                    mrg_used_addr_o,    // split MRG_RXBUF: buffer mk_idx's used entry, after
                                                             // the batch held before the frame
  output logic [63:0]                    avail_event_addr_o, // split EVENT_IDX: avail_event, after the used ring
  output logic [63:0]                    used_idx_addr_o     // split: the used idx
);

  logic [15:0]         ring_slot;     // split: avail ring slot of la_eff
  logic [15:0]         ring_offered;  // split: entries the last avail idx offers
  logic [16:0]         ring_room;     // split: entries before the ring end
  logic [16:0]         desc_room;     // packed: descriptors before the ring end
  logic [15:0]         io_offered;    // split IN_ORDER: buffers the last avail idx offers from the one in service
  logic [16:0]         io_room;       // ... descriptors before the table end
  logic [ENG_BI_W-1:0] last_bi;       // the batch's last element (b_cnt - 1)

  always_comb begin
    ring_slot = mod16(la_eff_i, qn_i);
    ring_offered = avail_idx_i - la_eff_i;
    ring_room = 17'(qn_i) - 17'(ring_slot);
    k_ring_o = pf_i;
    if (ring_offered < 16'(k_ring_o)) k_ring_o = 4'(ring_offered);
    if (ring_room < 17'(k_ring_o)) k_ring_o = 4'(ring_room);
    if (k_ring_o == '0) k_ring_o = 4'd1;
    if (io_fetch_i) k_ring_o = 4'd1;  // IN_ORDER: one entry names where the table order is
    desc_room = (last_avail_i < qn_i) ? 17'(qn_i) - 17'(last_avail_i) : 17'd1;
    k_desc_o = pf_i;
    if (ndcap_i != '0 && ndcap_i < k_desc_o) k_desc_o = ndcap_i;  // NOTIFICATION_DATA: no further
    if (desc_room < 17'(k_desc_o)) k_desc_o = 4'(desc_room);
    io_offered = avail_idx_i - la_eff_i;
    io_room = (io_pos_i < qn_i) ? 17'(qn_i) - 17'(io_pos_i) : 17'd1;
    if (!pk_en_i) begin  // split IN_ORDER: consecutive descriptors from io_pos
      k_desc_o = pf_i;
      if (io_offered < 16'(k_desc_o)) k_desc_o = 4'(io_offered);
      if (io_room < 17'(k_desc_o)) k_desc_o = 4'(io_room);
      if (k_desc_o == '0) k_desc_o = 4'd1;
    end
    last_bi = ENG_BI_W'(b_cnt_i - 4'd1);
    last_bid_o = b_id_i[16*last_bi+:16];
    used_elems_o = '0;
    for (int i = 0; i < int'(ENG_PARAM_MAX); i++) begin
      if (4'(i) < b_cnt_i) used_elems_o[64*i+:64] = {16'b0, b_len_i[16*i+:16], 16'b0, b_id_i[16*i+:16]};
    end
    used_wlen_o = {9'b0, b_cnt_i, 3'b000};
    if (io_en_i) begin  // IN_ORDER (TX): only the batch's last element, at the slot of its first buffer
      used_elems_o = {(ENG_USED_BITS - 64)'(0), 32'b0, 16'b0, last_bid_o};
      used_wlen_o = 16'd8;
    end
    used_end_o = 17'(mod16(used_idx_i, qn_i)) + 17'(b_cnt_i) + 17'd1;
    used_fl_o = used_wrap_i ? 16'((1 << VQ_F_AVAIL) | (1 << VQ_F_USED)) : '0;
    rest_len_o = {8'b0, b_cnt_i - 4'd1, 4'b0};
    rest_beat_o = '0;
    for (int j = 0; j < 2; j++) begin  // descriptor 2*beat + j of the rest is element 2*beat + j + 1
      if (32'(wr_beat_i) * 32'd2 + 32'(j) + 32'd1 < 32'(b_cnt_i)) begin
        rest_beat_o[128*j+:128] = {used_fl_o | 16'(1 << VQ_F_WRITE),
                                   b_id_i[16*(32'(wr_beat_i) * 2 + j + 1)+:16],
                                   16'b0, b_len_i[16*(32'(wr_beat_i) * 2 + j + 1)+:16], 64'b0};
      end
    end
    used_adv_o = 16'(b_cnt_i) + (m_commit_i ? 16'(m_cnt_i) : 16'd0);  // MRG_RXBUF: after the held batch
  end

  // split ring layout: avail {flags:16, idx:16, ring[N]:16, used_event:16}, used {flags:16, idx:16,
  // ring[N]:{id:32, len:32}, avail_event:16}
  assign avail_hdr_addr_o   = avail_base_i;
  assign avail_slot_addr_o  = avail_base_i + 64'd4 + {47'b0, ring_slot, 1'b0};
  assign event_addr_o       = (pk_en_i || !ev_en_i) ? avail_base_i : avail_base_i + 64'd4 + {47'b0, qn_i, 1'b0};
  assign event_len_o        = pk_en_i ? 16'd4 : 16'd2;
  assign used_slot_addr_o   = used_base_i + 64'd4 + {45'b0, mod16(used_idx_i, qn_i), 3'b0};
  assign mrg_used_addr_o    = used_base_i + 64'd4 +
                              {45'b0, mod16(used_idx_i + 16'(b_cnt_i) + 16'(mk_idx_i), qn_i), 3'b0};
  assign avail_event_addr_o = used_base_i + 64'd4 + {45'b0, qn_i, 3'b0};
  assign used_idx_addr_o    = used_base_i + 64'd2;

endmodule
