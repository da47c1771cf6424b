# The two commands that matter: `make run` and `make test` (see README).
.PHONY: run test build bench bench-go bench-newsletter bench-large crashtest soak fuzz

run:
	go run ./cmd/byline serve --demo

test:
	./scripts/test.sh

build:
	go build -o bin/byline ./cmd/byline

# Byline against nginx and a bare Go server with wrk, on the same bytes.
bench:
	./scripts/bench.sh

# A newsletter to 100,000 subscribers through `byline serve` to a local
# SMTP sink: messages a second, memory, CPU, page latency during the send.
bench-newsletter:
	go run ./tools/nlbench

# `byline serve` killed with SIGKILL at random moments under a mixed write
# load and a newsletter send, on SQLite and PostgreSQL: nothing acknowledged
# lost, nothing stored twice, every subscriber's newsletter received once.
# Flags: make crashtest CRASHTEST_FLAGS='-engine sqlite -rounds 5 -seed 42'.
crashtest:
	go run ./tools/crashtest $(CRASHTEST_FLAGS)

# 30 minutes of mixed load on the real binary, half on SQLite, half on
# PostgreSQL: figures each minute, a verdict at the end, non-zero on a miss.
# SOAK_FLAGS="-duration 6m -fault pg-outage" shortens it or adds a fault.
soak:
	go run ./tools/soak $(SOAK_FLAGS)

# The demo's pages against a large site on PostgreSQL (100,000 articles,
# 5,000,000 comments, loaded with COPY): p50/p99 and the ratio. Flags:
# make bench-large LARGE_FLAGS='-keep' or LARGE_FLAGS='-reuse byline_large_123'.
bench-large:
	go run ./tools/largesite $(LARGE_FLAGS)

# Server-side cost of pages, over the real handler stack, without a network.
bench-go:
	go test -run '^$$' -bench . -benchmem -benchtime 2s -timeout 30m ./internal/web/ ./internal/comment/

# A minute of fuzzing for each parser of outside input.
fuzz:
	go test -run '^$$' -fuzz FuzzArticleRender -fuzztime 60s ./internal/markdown/
	go test -run '^$$' -fuzz FuzzParseFile -fuzztime 60s ./internal/article/
	go test -run '^$$' -fuzz FuzzFTS5Query -fuzztime 60s ./internal/article/
	go test -run '^$$' -fuzz FuzzMake -fuzztime 30s ./internal/slug/
	go test -run '^$$' -fuzz FuzzRequests -fuzztime 60s ./internal/web/
	go test -run '^$$' -fuzz FuzzForms -fuzztime 60s ./internal/web/
	go test -run '^$$' -fuzz FuzzCommentRender -fuzztime 60s ./internal/markdown/
