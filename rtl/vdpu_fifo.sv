// vdpu_fifo.sv - synchronous FIFO; push and pop decided on the pre-edge occupancy, head reads 0 when empty.
module vdpu_fifo #(
  parameter int unsigned Width = 8,
  parameter int unsigned Depth = 4,
  localparam int unsigned CntW = $clog2(Depth + 1),
  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic            clk_i,
  input  logic            rst_ni,

  // write side: a push into a full FIFO is dropped (the caller reports it)
  input  logic            push_i,
  input  logic [Width-1:0] wdata_i,

  // read side: a pop of an empty FIFO does nothing
  input  logic            pop_i,
  output logic [Width-1:0] head_o,

  // occupancy
  output logic [CntW-1:0] count_o,
  output logic            empty_o,
  output logic            full_o
);

  if (Depth < 2) begin : gen_depth_check
    $error("vdpu_fifo: Depth must be at least 2");
  end

  logic [Width-1:0] mem_q [Depth];
  logic [PtrW-1:0]  rptr_q, wptr_q;
  logic [CntW-1:0]  count_q;
  logic             push, pop;

  assign empty_o = (count_q == '0);
  assign full_o  = (count_q == CntW'(Depth));
  // Both use the occupancy before the edge, so a pop never makes room for a same-edge push.
  assign push    = push_i && !full_o;
  assign pop     = pop_i && !empty_o;

  function automatic logic [PtrW-1:0] ptr_inc(logic [PtrW-1:0] p);
    return (32'(p) == Depth - 1) ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rptr_q  <= '0;
      wptr_q  <= '0;
      count_q <= '0;
    end else begin
      if (push) wptr_q <= ptr_inc(wptr_q);
      if (pop) rptr_q <= ptr_inc(rptr_q);
      count_q <= count_q + CntW'(push) - CntW'(pop);
    end
  end

  // Storage is reset too, so the contents are deterministic for state read-back.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < Depth; i++) mem_q[i] <= '0;
    end else if (push) begin
      mem_q[wptr_q] <= wdata_i;
    end
  end

  assign head_o  = empty_o ? '0 : mem_q[rptr_q];
  assign count_o = count_q;

endmodule
