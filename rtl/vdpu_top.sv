// vdpu_top.sv - vdpu virtio-net PCI function: host completer, config space, BAR0, MSI-X, firmware CSRs,
// firmware DMA channel, queue engine, RX filter and network port.
`include "vdpu_pkg.svh"

module vdpu_top
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic       clk_i,
  input  logic       rst_ni,
  // generated flat ports: channels hreq, hcpl, dmareq, dmacpl, fwreq, fwrsp, ntx, nrx, diag, then the
  // scalar signals fw_irq_o, intx_o (interrupt levels), quiet_o, wake_o (idle contract), nrx_frames_o
  // (RX frames held), warp_i, link_up_i, dp_err_i (status inputs)
`include "vdpu_top_ports.svh"
);

  // ---- host completer ------------------------------------------------------------------------------
  acc_req_t  hreq;
  logic      acc_valid, acc_commit;
  acc_req_t  acc_req;
  acc_rsp_t  acc_rsp, cfg_rsp, bar_rsp;
  logic      acc_is_cfg;
  logic      held, hold_wait;
  logic [31:0] hold_wake;
  logic      cfg_update;   // CONFIG_UPDATE[0]
  logic      int_pending;  // INTx interrupt pending in the function (PCI Status bit 3)
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
    .cfg_update_i   (cfg_update),
    .hold_timeout_i (hold_timeout),
    .warp_i,
    .held_o         (held),
    .hold_wait_o    (hold_wait),
    .hold_wake_o    (hold_wake),
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
    .bar0_base_o  (bar0_base),
    .int_status_i (int_pending)
  );

  // ---- BAR0 decode ------------------------------------------------------------------------------------
  host_view_t             view;
  qctx_t [NUM_QUEUES-1:0] qctx;
  logic [TBL_DW_W-1:0]    tbl_rd_dw;
  logic [63:0]            tbl_rdata;
  logic [MRAM_AW-1:0]     mram_host_dw, mram_fw_dw;
  logic [31:0]            mram_host_rdata, mram_fw_rdata, mram_fw_wdata;
  logic                   mram_fw_we;
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
    .mram_rd_dw_o (mram_host_dw),
    .mram_rdata_i (mram_host_rdata),
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

  // queue engine <-> CSR block
  logic [31:0]            eng_ctrl, eng_param, eng_coal, cpl_timeout;
  logic [31:0]            log_ctrl, log_pages;
  logic [63:0]            log_base, log_range;
  logic                   log_mark, log_oor;
  logic [63:0]            hm_base, hm_size;
  logic                   quiesce;
  logic [31:0]            eng_status, err_info;
  logic [NUM_QUEUES-1:0]  qerr;
  logic                   eng_irq, eng_err, eng_idle, cpl_expected, eng_rd_wait, coal_wait;
  logic [31:0]            coal_wake, eng_cto_wake;
  logic [QIDX_W-1:0]      eng_irq_q;
  logic [NUM_QUEUES-1:0]  coal_fire;

  // firmware DMA channel <-> CSR block, RX filter settings
  logic [63:0]                  fwdma_addr;
  logic [15:0]                  fwdma_len;
  logic [31:0]                  fwdma_status;
  logic [FWDMA_BYTES*8-1:0]     fwdma_buf;
  logic                         fwdma_busy, fwdma_wr, fwdma_start, fwdma_start_wr, fwdma_quiet;
  logic [31:0]                  fwdma_wake;
  logic [11:0]                  fwdma_wr_addr;
  logic [31:0]                  fwdma_wr_data;
  logic [2:0]                   rxf_ctrl;
  logic [RXF_ENTRIES-1:0][47:0] rxf_tbl_mac;
  logic [RXF_ENTRIES-1:0]       rxf_tbl_valid;
  logic                         rxf_drop;
  logic [15:0]                  mq_pairs;
  logic                         mq_pairs_we;
  logic [STEER_ENTRIES-1:0]     mq_flows;
  logic [$clog2(STEER_ENTRIES)-1:0] steer_idx;
  logic                         steer_we;
  logic [7:0]                   steer_wdata, steer_ent;

  // DMA completions: a beat with FWDMA_TAG while the channel's read is outstanding is the
  // channel's; every other beat is the queue engine's (or unexpected: FW_ERR)
  logic fwdma_wait, fw_cpl, eng_cpl_valid;
  assign fw_cpl        = dmacpl_valid_i && fwdma_wait && (dmacpl_tag_i == 8'(FWDMA_TAG));
  assign eng_cpl_valid = dmacpl_valid_i && !fw_cpl;

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
    .dmacpl_valid_i (eng_cpl_valid),
    .cpl_expected_i (cpl_expected),
    .link_up_i,
    .dp_err_i,
    // quiesced: no request in the output register and the engine idle (no read outstanding,
    // no buffer half served)
    .dma_busy_i     (dmareq_valid_o || !eng_idle),
    .eng_ctrl_o     (eng_ctrl),
    .eng_param_o    (eng_param),
    .eng_coal_o     (eng_coal),
    .cpl_timeout_o  (cpl_timeout),
    .log_ctrl_o     (log_ctrl),
    .log_base_o     (log_base),
    .log_range_o    (log_range),
    .log_pages_o    (log_pages),
    .log_mark_i     (log_mark),
    .log_oor_i      (log_oor),
    .hm_base_o      (hm_base),
    .hm_size_o      (hm_size),
    .quiesce_o      (quiesce),
    .eng_status_i   (eng_status),
    .qerr_i         (qerr),
    .err_info_i     (err_info),
    .eng_irq_i      (coal_fire),
    .eng_err_i      (eng_err),
    .fwdma_addr_i     (fwdma_addr),
    .fwdma_len_i      (fwdma_len),
    .fwdma_status_i   (fwdma_status),
    .fwdma_buf_i      (fwdma_buf),
    .fwdma_busy_i     (fwdma_busy),
    .fwdma_wr_o       (fwdma_wr),
    .fwdma_wr_addr_o  (fwdma_wr_addr),
    .fwdma_wr_data_o  (fwdma_wr_data),
    .fwdma_start_o    (fwdma_start),
    .fwdma_start_wr_o (fwdma_start_wr),
    .rxf_ctrl_o       (rxf_ctrl),
    .rxf_tbl_mac_o    (rxf_tbl_mac),
    .rxf_tbl_valid_o  (rxf_tbl_valid),
    .rxf_drop_i       (rxf_drop),
    .mq_pairs_o       (mq_pairs),
    .mq_pairs_we_o    (mq_pairs_we),
    .mq_flows_i       (mq_flows),
    .steer_idx_o      (steer_idx),
    .steer_we_o       (steer_we),
    .steer_wdata_o    (steer_wdata),
    .steer_ent_i      (steer_ent),
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
    .mram_dw_o      (mram_fw_dw),
    .mram_rdata_i   (mram_fw_rdata),
    .mram_we_o      (mram_fw_we),
    .mram_wdata_o   (mram_fw_wdata),
    .view_o         (view),
    .isr_o          (isr),
    .cfg_update_o   (cfg_update)
  );

  // ---- migration state RAM: the MIG window (host) and MIG_RAM_* (firmware) -------------------------
  vdpu_mig_ram u_mig_ram (
    .clk_i,
    .host_rd_dw_i (mram_host_dw),
    .host_rdata_o (mram_host_rdata),
    .host_we_i    (host_eff.mram_we),
    .host_wr_dw_i (host_eff.mram_dw),
    .host_wdata_i (host_eff.data[31:0]),
    .fw_rd_dw_i   (mram_fw_dw),
    .fw_rdata_o   (mram_fw_rdata),
    .fw_we_i      (mram_fw_we),
    .fw_wr_dw_i   (mram_fw_dw),
    .fw_wdata_i   (mram_fw_wdata)
  );

  assign fwreq_ready_o = 1'b1;  // the CSR block answers every request in one cycle
  assign dmacpl_ready_o = 1'b1;  // completions are always taken (the engine's, or FW_ERR)

  // ---- per-queue context -------------------------------------------------------------------------------
  qeng_wr_t eng_qwr;
  logic     eng_packed;  // the layout the engine moves positions by (latched by a service)

  vdpu_qctx u_qctx (
    .clk_i,
    .rst_ni,
    .host_wr_i   (host_eff.qwr),
    .kick_set_i  (host_eff.notify_inc),
    .kick_q_i    (host_eff.notify_q),
    .nd_set_i    (host_eff.notify_nd),
    .nd_i        (host_eff.data[31:16]),
    .fw_wr_i     (fw_qwr),
    .dev_reset_i (dev_reset),
    .eng_wr_i    (eng_qwr),
    .packed_i    (eng_packed),
    .qctx_o      (qctx)
  );

  // ---- network port RX --------------------------------------------------------------------------------
  logic                rx_full, rx_trunc, rx_vlan, rx_free, rx_held, rx_re;
  logic                rx_hfull, rx_hstale, rx_head, rx_fill;
  logic [FRAME_PW-1:0] rx_len;
  logic [RX_WW-1:0]    rx_raddr;
  logic [511:0]        rx_rdata;

  vdpu_net_rx u_net_rx (
    .clk_i,
    .rst_ni,
    .nrx_valid_i,
    .nrx_ready_o,
    .nrx_data_i,
    .nrx_keep_i,
    .nrx_last_i,
    .full_o      (rx_full),
    .len_o       (rx_len),
    .trunc_o     (rx_trunc),
    .vlan_o      (rx_vlan),
    .hfull_o     (rx_hfull),
    .hstale_o    (rx_hstale),
    .head_o      (rx_head),
    .fill_o      (rx_fill),
    .frames_o    (nrx_frames_o),
    .free_i      (rx_free),
    .held_i      (rx_held),
    .dev_reset_i (dev_reset),
    .re_i        (rx_re),
    .raddr_i     (rx_raddr),
    .rdata_o     (rx_rdata),
    .rxf_ctrl_i      (rxf_ctrl),
    .rxf_mac_i       (view.mac),
    .rxf_tbl_mac_i   (rxf_tbl_mac),
    .rxf_tbl_valid_i (rxf_tbl_valid),
    .drop_o          (rxf_drop)
  );

  // ---- RX steering ------------------------------------------------------------------------------------
  logic [QIDX_W-1:0]     rx_q;
  logic [NUM_QUEUES-1:0] q_en;

  for (genvar i = 0; i < NUM_QUEUES; i++) begin : gen_q_en
    assign q_en[i] = (qctx[i].enable != '0);
  end

  vdpu_rx_steer u_rx_steer (
    .clk_i,
    .rst_ni,
    .pairs_i     (mq_pairs),
    .clr_i       (dev_reset || mq_pairs_we),
    .ntx_valid_i (ntx_valid_o),
    .ntx_ready_i,
    .ntx_data_i  (ntx_data_o),
    .ntx_keep_i  (ntx_keep_o),
    .ntx_last_i  (ntx_last_o),
    .eng_q_i     (eng_status[8+:QIDX_W]),  // ENG_STATUS[15:8]: the queue in service
    .nrx_valid_i,
    .nrx_ready_i (nrx_ready_o),
    .nrx_data_i,
    .nrx_keep_i,
    .nrx_last_i,
    .rx_fill_i   (rx_fill),
    .rx_head_i   (rx_head),
    .q_en_i      (q_en),
    .qerr_i      (qerr),
    .rx_q_o      (rx_q),
    .flows_o     (mq_flows),
    .fw_idx_i    (steer_idx),
    .fw_we_i     (steer_we),
    .fw_wdata_i  (steer_wdata),
    .fw_ent_o    (steer_ent)
  );

  // ---- queue engine -------------------------------------------------------------------------------------
  logic    dma_free, eng_load;
  dmareq_t eng_req;

  vdpu_qeng u_qeng (
    .clk_i,
    .rst_ni,
    .eng_ctrl_i      (eng_ctrl),
    .eng_param_i     (eng_param),
    .quiesce_i       (quiesce),
    .hm_base_i       (hm_base),
    .hm_size_i       (hm_size),
    .ctrlq_i         (view.ctrlq),
    .dev_reset_i     (dev_reset),
    .cpl_timeout_i   (cpl_timeout),
    .warp_i,
    .qctx_i          (qctx),
    .qwr_o           (eng_qwr),
    .packed_o        (eng_packed),
    .dma_free_i      (dma_free),
    .dma_load_o      (eng_load),
    .dma_req_o       (eng_req),
    .dmacpl_valid_i  (eng_cpl_valid),
    .dmacpl_tag_i,
    .dmacpl_status_i,
    .dmacpl_poison_i,
    .dmacpl_len_i,
    .dmacpl_data_i,
    .dmacpl_last_i,
    .cpl_expected_o  (cpl_expected),
    .rd_wait_o       (eng_rd_wait),
    .cto_wake_o      (eng_cto_wake),
    .rx_full_i       (rx_full),
    .rx_q_i          (rx_q),
    .rx_len_i        (rx_len),
    .rx_trunc_i      (rx_trunc),
    .rx_vlan_i       (rx_vlan),
    .net_mtu_i       (view.net_mtu),
    .drv_ok_i        (view.device_status[2]),  // DRIVER_OK
    .nrx_valid_i,
    .rx_free_o       (rx_free),
    .rx_held_o       (rx_held),
    .rx_re_o         (rx_re),
    .rx_raddr_o      (rx_raddr),
    .rx_rdata_i      (rx_rdata),
    .ntx_valid_o,
    .ntx_ready_i,
    .ntx_data_o,
    .ntx_keep_o,
    .ntx_last_o,
    .irq_o           (eng_irq),
    .irq_q_o         (eng_irq_q),
    .err_o           (eng_err),
    .idle_o          (eng_idle),
    .status_o        (eng_status),
    .qerr_o          (qerr),
    .err_info_o      (err_info)
  );

  // queue interrupts of the engine, coalesced (ENG_COAL)
  vdpu_irq_coal u_irq_coal (
    .clk_i,
    .rst_ni,
    .coal_i      (eng_coal),
    .dev_reset_i (dev_reset),
    .req_i       (eng_irq),
    .req_q_i     (eng_irq_q),
    .q_en_i      (q_en),
    .fire_o      (coal_fire),
    .warp_i      (warp_i[23:0]), // at most wake_o - 1 < 2^24 while a coalescing timer runs
    .wait_o      (coal_wait),
    .wake_o      (coal_wake)
  );

  // ---- MSI-X -------------------------------------------------------------------------------------------
  logic    msix_valid, msix_grant;
  dmareq_t msix_msg;

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
    .dev_reset_i (dev_reset),
    .msg_valid_o (msix_valid),
    .msg_o       (msix_msg),
    .msg_grant_i (msix_grant)
  );

  // ---- firmware DMA channel --------------------------------------------------------------------------
  logic    fwdma_req, fwdma_grant;
  dmareq_t fwdma_msg;

  vdpu_fw_dma u_fw_dma (
    .clk_i,
    .rst_ni,
    .wr_valid_i   (fwdma_wr),
    .wr_addr_i    (fwdma_wr_addr),
    .wr_data_i    (fwdma_wr_data),
    .start_i      (fwdma_start),
    .start_wr_i   (fwdma_start_wr),
    .hm_base_i    (hm_base),
    .hm_size_i    (hm_size),
    .cpl_timeout_i (cpl_timeout),
    .warp_i,
    .dev_reset_i  (dev_reset),
    .quiet_o      (fwdma_quiet),
    .wake_o       (fwdma_wake),
    .addr_o       (fwdma_addr),
    .len_o        (fwdma_len),
    .status_o     (fwdma_status),
    .buf_o        (fwdma_buf),
    .busy_o       (fwdma_busy),
    .req_valid_o  (fwdma_req),
    .req_o        (fwdma_msg),
    .grant_i      (fwdma_grant),
    .cpl_wait_o   (fwdma_wait),
    .cpl_valid_i  (fw_cpl),
    .cpl_status_i (dmacpl_status_i),
    .cpl_poison_i (dmacpl_poison_i),
    .cpl_len_i    (dmacpl_len_i),
    .cpl_data_i   (dmacpl_data_i),
    .cpl_last_i   (dmacpl_last_i)
  );

  // ---- DMA output register: queue engine first, then the firmware channel, then MSI-X ------------------
  dmareq_t dmareq;

  vdpu_dma_out u_dma_out (
    .clk_i,
    .rst_ni,
    .free_o         (dma_free),
    .eng_load_i     (eng_load),
    .eng_req_i      (eng_req),
    .fw_req_i       (fwdma_req),
    .fw_req_data_i  (fwdma_msg),
    .fw_grant_o     (fwdma_grant),
    .msix_req_i     (msix_valid),
    .msix_msg_i     (msix_msg),
    .msix_grant_o   (msix_grant),
    .log_ctrl_i     (log_ctrl),
    .log_base_i     (log_base),
    .log_range_i    (log_range),
    .log_pages_i    (log_pages),
    .log_mark_o     (log_mark),
    .log_oor_o      (log_oor),
    .dmareq_valid_o,
    .dmareq_ready_i,
    .dmareq_o       (dmareq)
  );

  assign dmareq_type_o    = dmareq.kind;
  assign dmareq_purpose_o = dmareq.purpose;
  assign dmareq_queue_o   = dmareq.queue;
  assign dmareq_tag_o     = dmareq.tag;
  assign dmareq_len_o     = dmareq.len;
  assign dmareq_addr_o    = dmareq.addr;
  assign dmareq_data_o    = dmareq.data;
  assign dmareq_last_o    = dmareq.last;

  // ---- legacy interrupt --------------------------------------------------------------------------------
  // Pending in the function while ISR != 0 and MSI-X is off (PCI Status bit 3, whatever INTx disable
  // says); the line is the pending interrupt unless COMMAND.INTx disable masks it.
  assign int_pending = (isr != '0) && !msix_en;
  assign intx_o      = int_pending && !intx_dis;

  // ---- idle contract (docs/architecture.md, "Idle skipping"; the model's model_quiet) ----------------
  // With idle inputs no register changes at the next edge but running timers counting: nothing to
  // answer or send (a pending MSI-X message on a masked vector waits for a host write), a held read only if it stays blocked and its timeout has edges left, a deferred
  // interrupt only if its timer has edges left, no frame in the RX head buffer (a stale one never: it
  // is dropped at the next edge) unless the engine itself waits for a read (the frame waits for it), the firmware DMA channel and the engine idle or waiting for a
  // completion whose timeout (CPL_TIMEOUT) has edges left, and no doorbell the scheduler would take.
  // wake_o says for how many edges the timers only count: the harness may then run one edge with
  // warp_i = n - 1 for n <= wake_o cycles.
  logic any_kick;
  always_comb begin
    any_kick = 1'b0;
    for (int unsigned q = 0; q < NUM_QUEUES; q++) any_kick |= qctx[q].kick;
  end
  assign quiet_o = (!held || hold_wait) && !hcpl_valid_o && !fwrsp_valid_o && !diag_valid_o && !dmareq_valid_o && !ntx_valid_o && !msix_valid &&
                   (!rx_hfull || (!rx_hstale && eng_rd_wait)) && coal_wait && fwdma_quiet &&
                   (eng_rd_wait || (eng_idle && (!eng_ctrl[ENGCTRL_ENABLE] || quiesce || !any_kick)));
  // the first running timer's edges left: a held read's timeout, a deferred interrupt's timer, a
  // read's completion timeout (the engine's, the firmware DMA channel's)
  logic [31:0] wake_hc, wake_dma;
  assign wake_hc  = (held && hold_wake < coal_wake) ? hold_wake : coal_wake;
  assign wake_dma = (eng_cto_wake < fwdma_wake) ? eng_cto_wake : fwdma_wake;
  assign wake_o   = (wake_hc < wake_dma) ? wake_hc : wake_dma;

endmodule
