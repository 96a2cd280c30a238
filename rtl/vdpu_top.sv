// vdpu_top.sv - vdpu virtio-net PCI function: host completer, config space, BAR0, MSI-X, firmware CSRs.
`include "vdpu_pkg.svh"

module vdpu_top
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic       clk_i,
  input  logic       rst_ni,
  // generated flat ports: channels hreq, hcpl, dmareq, dmacpl, fwreq, fwrsp, diag, then the
  // scalar signals fw_irq_o, intx_o (interrupt levels), link_up_i, dp_err_i (status inputs)
`include "vdpu_top_ports.svh"
);

  // ---- host completer ------------------------------------------------------------------------------
  acc_req_t  hreq;
  logic      acc_valid, acc_commit;
  acc_req_t  acc_req;
  acc_rsp_t  acc_rsp, cfg_rsp, bar_rsp;
  logic      acc_is_cfg;
  logic      held;
  logic [15:0] timeouts;
  logic [31:0] diag_count, diag_last, hold_timeout;

  // event FIFO
  ev_t                ev_head;
  logic [EVCNT_W-1:0] ev_count;
  logic               ev_empty, ev_full, ev_pop;

  assign hreq = '{kind: hreq_type_i, size: hreq_size_i, tag: hreq_tag_i, addr: hreq_addr_i, data: hreq_data_i};

  vdpu_host_fsm u_host_fsm (
    .clk_i,
    .rst_ni,
    .hreq_valid_i,
    .hreq_ready_o,
    .hreq_i         (hreq),
    .hcpl_valid_o,
    .hcpl_ready_i,
    .hcpl_tag_o,
    .hcpl_status_o,
    .hcpl_size_o,
    .hcpl_data_o,
    .acc_valid_o    (acc_valid),
    .acc_req_o      (acc_req),
    .acc_rsp_i      (acc_rsp),
    .acc_commit_o   (acc_commit),
    .ev_empty_i     (ev_empty),
    .ev_full_i      (ev_full),
    .hold_timeout_i (hold_timeout),
    .held_o         (held),
    .timeouts_o     (timeouts),
    .diag_valid_o,
    .diag_code_o,
    .diag_addr_o,
    .diag_count_o   (diag_count),
    .diag_last_o    (diag_last)
  );

  // CFG accesses are answered by config space (which may forward to BAR0), MEM by the BAR decode.
  assign acc_is_cfg = (acc_req.kind == HL_CFG_RD || acc_req.kind == HL_CFG_WR);
  assign acc_rsp    = acc_is_cfg ? cfg_rsp : bar_rsp;

  // ---- config space ------------------------------------------------------------------------------------
  logic        mse, bme, intx_dis, msix_en, msix_fmask;
  logic [63:0] bar0_base;
  logic        win_valid, win_we;
  logic [31:0] win_off;
  logic [3:0]  win_size;
  logic [63:0] win_wdata;

  vdpu_cfg_space u_cfg_space (
    .clk_i,
    .rst_ni,
    .acc_valid_i  (acc_valid),
    .acc_req_i    (acc_req),
    .acc_commit_i (acc_commit),
    .rsp_o        (cfg_rsp),
    .win_valid_o  (win_valid),
    .win_off_o    (win_off),
    .win_size_o   (win_size),
    .win_we_o     (win_we),
    .win_wdata_o  (win_wdata),
    .bar_rsp_i    (bar_rsp),
    .mse_o        (mse),
    .bme_o        (bme),
    .intx_dis_o   (intx_dis),
    .msix_en_o    (msix_en),
    .msix_fmask_o (msix_fmask),
    .bar0_base_o  (bar0_base)
  );

  // ---- BAR0 decode ------------------------------------------------------------------------------------
  host_view_t             view;
  qctx_t [NUM_QUEUES-1:0] qctx;
  logic [TBL_DW_W-1:0]    tbl_rd_dw;
  logic [63:0]            tbl_rdata;
  logic [NUM_VECTORS-1:0] pba;
  host_eff_t              bar_eff, host_eff;

  vdpu_bar_decode u_bar_decode (
    .acc_valid_i  (acc_valid),
    .acc_req_i    (acc_req),
    .win_valid_i  (win_valid),
    .win_off_i    (win_off),
    .win_size_i   (win_size),
    .win_we_i     (win_we),
    .win_wdata_i  (win_wdata),
    .mse_i        (mse),
    .bar0_base_i  (bar0_base),
    .view_i       (view),
    .qctx_i       (qctx),
    .ev_full_i    (ev_full),
    .tbl_rd_dw_o  (tbl_rd_dw),
    .tbl_rdata_i  (tbl_rdata),
    .pba_i        (pba),
    .rsp_o        (bar_rsp),
    .eff_o        (bar_eff)
  );

  // Effects apply only at the edge the access completes (not while a read is held).
  assign host_eff = acc_commit ? bar_eff : '0;

  // ---- firmware event FIFO -----------------------------------------------------------------------------
  vdpu_fifo #(
    .Width ($bits(ev_t)),
    .Depth (EVQ_DEPTH)
  ) u_ev_fifo (
    .clk_i,
    .rst_ni,
    .push_i  (host_eff.ev_push),
    .wdata_i (host_eff.ev),
    .pop_i   (ev_pop),
    .head_o  (ev_head),
    .count_o (ev_count),
    .empty_o (ev_empty),
    .full_o  (ev_full)
  );

  // ---- firmware CSR block ------------------------------------------------------------------------------
  qwr_t                   fw_qwr;
  logic                   dev_reset;
  logic [NUM_VECTORS-1:0] pend_set;
  logic [1:0]             isr;

  vdpu_fw_csr u_fw_csr (
    .clk_i,
    .rst_ni,
    .fwreq_valid_i,
    .fwreq_we_i,
    .fwreq_addr_i,
    .fwreq_wdata_i,
    .fwreq_wstrb_i,
    .fwrsp_valid_o,
    .fwrsp_rdata_o,
    .fw_irq_o,
    .dmacpl_valid_i,
    .link_up_i,
    .dp_err_i,
    .dma_busy_i     (dmareq_valid_o),
    .host_eff_i     (host_eff),
    .ev_count_i     (ev_count),
    .ev_head_i      (ev_head),
    .ev_pop_o       (ev_pop),
    .held_i         (held),
    .timeouts_i     (timeouts),
    .diag_count_i   (diag_count),
    .diag_last_i    (diag_last),
    .hold_timeout_o (hold_timeout),
    .msix_en_i      (msix_en),
    .qctx_i         (qctx),
    .qctx_wr_o      (fw_qwr),
    .dev_reset_o    (dev_reset),
    .pend_set_o     (pend_set),
    .view_o         (view),
    .isr_o          (isr)
  );

  assign fwreq_ready_o = 1'b1;  // the CSR block answers every request in one cycle
  assign dmacpl_ready_o = 1'b1;  // completions are taken (and reported as unexpected)

  // Only the presence of a DMA completion matters: no read is ever issued.
  logic unused_dmacpl;
  assign unused_dmacpl = ^{dmacpl_tag_i, dmacpl_status_i, dmacpl_len_i, dmacpl_data_i, dmacpl_last_i};

  // ---- per-queue context -------------------------------------------------------------------------------
  vdpu_qctx u_qctx (
    .clk_i,
    .rst_ni,
    .host_wr_i   (host_eff.qwr),
    .fw_wr_i     (fw_qwr),
    .dev_reset_i (dev_reset),
    .qctx_o      (qctx)
  );

  // ---- MSI-X -------------------------------------------------------------------------------------------
  vdpu_msix u_msix (
    .clk_i,
    .rst_ni,
    .msix_en_i   (msix_en),
    .fmask_i     (msix_fmask),
    .bme_i       (bme),
    .tbl_rd_dw_i (tbl_rd_dw),
    .tbl_rdata_o (tbl_rdata),
    .pba_o       (pba),
    .tbl_we_i    (host_eff.tbl_we),
    .tbl_size8_i (host_eff.tbl_size8),
    .tbl_wr_dw_i (host_eff.tbl_dw),
    .tbl_wdata_i (host_eff.data),
    .pend_set_i  (pend_set),
    .dmareq_valid_o,
    .dmareq_ready_i,
    .dmareq_type_o,
    .dmareq_purpose_o,
    .dmareq_queue_o,
    .dmareq_tag_o,
    .dmareq_len_o,
    .dmareq_addr_o,
    .dmareq_data_o,
    .dmareq_last_o
  );

  // ---- legacy interrupt --------------------------------------------------------------------------------
  assign intx_o = (isr != '0) && !msix_en && !intx_dis;

endmodule
