# mk/report.mk - docs/split-vs-packed.md: two fixed compare sweeps (model engine, seed 1), their tables and charts.
REPORT     := $(BUILD)/report
REPORT_IMG := docs/img/compare
# the default sweep (engine parameters P = B = 1 at its base point) gives the charts and the feature-set tables
REPORT_DEFAULT := --seed 1
# the headline: the queue engine at its largest prefetch and batch, every one of the 16 feature sets
REPORT_BEST := --seed 1 --design cross --ring split,packed --features every --workload tx,rx,loopback \
               --pkt-size 64,1500 --rtt 200 --prefetch 8 --used-batch 8

# read tags: TX throughput against the payload reads in flight at three round trips, split vs packed,
# with TX fetch 8 (the chart's base) and without it (the table); on the largest rings the device offers
# (a 256-entry ring bounded split at rtt 1000 and both layouts at rtt 2000: the ring, not the tags, was
# the limit) and 4,000 frames a point (the first round trips' ramp is a few per cent of it at rtt 2000)
REPORT_TAGS := --seed 1 --design cross --ring split,packed --features all --workload tx --pkt-size 1500 \
               --rtt 200,1000,2000 --prefetch 8 --used-batch 8 --max-reads 1,2,4,8,16,32,64,127 --tx-fetch 8,1 \
               --qsize 1024 --packets 4000

report: deps $(VDPU) $(FW_ELF) ## regenerate docs/split-vs-packed.md: fixed compare sweeps, tables, charts
	@mkdir -p $(REPORT) $(REPORT_IMG)
	$(VDPU) compare --quiet --jobs $(JOBS) --dir $(REPORT)/default $(REPORT_DEFAULT) --plot $(REPORT)/plot \
	  --markdown $(REPORT)/default.md
	$(VDPU) compare --quiet --jobs $(JOBS) --dir $(REPORT)/best $(REPORT_BEST) --markdown $(REPORT)/best.md
	awk '/^#### /{p = /^#### Best/} p' $(REPORT)/best.md > $(REPORT)/best-headline.md
	$(VDPU) compare --quiet --jobs $(JOBS) --dir $(REPORT)/tags $(REPORT_TAGS) --plot $(REPORT)/tags-plot \
	  --csv $(REPORT)/tags.csv
	awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) c[$$i] = i; \
	  print "| ring | rtt | T | K | Mpps | link bound | share | req/pkt (x min) | storage |"; print "|---|---|---|---|---|---|---|---|---|"; next} \
	  {printf "| %s | %s | %s | %s | %.3f | %.3f | %.0f%% | %.2f (%.2fx) | %s B |\n", $$c["ring"], $$c["rtt"], $$c["max-reads"], $$c["tx-fetch"], \
	  $$c["mpps"], $$c["link_mpps"], 100 * $$c["mpps"] / $$c["link_mpps"], $$c["req_per_pkt"], $$c["ratio_req"], \
	  $$c["storage_bytes"]}' $(REPORT)/tags.csv > $(REPORT)/tags.md
	cp $(REPORT)/plot/*.png $(REPORT)/plot/*.svg $(REPORT)/plot/compare.csv $(REPORT_IMG)/
	cp $(REPORT)/tags-plot/throughput_vs_tags.png $(REPORT)/tags-plot/throughput_vs_tags.svg $(REPORT_IMG)/
	@printf '    vdpu compare %s --plot DIR\n    vdpu compare %s\n    vdpu compare %s --plot DIR\n' \
	  '$(REPORT_DEFAULT)' '$(strip $(REPORT_BEST))' '$(strip $(REPORT_TAGS))' > $(REPORT)/commands.md
	awk -v dir=$(REPORT) '/^@include /{f = dir "/" $$2; while ((getline l < f) > 0) print l; close(f); next} {print}' \
	  docs/split-vs-packed.md.in > docs/split-vs-packed.md
	@echo "report: docs/split-vs-packed.md and $(REPORT_IMG)/ regenerated"

.PHONY: report
