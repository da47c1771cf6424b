package core

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// A reader who hangs up mid-request is not a server error: the answer is
// logged as 499, not 500.
func TestFailReaderGone(t *testing.T) {
	var logged int
	s := &Server{Deps: Deps{Logger: slog.New(countingHandler{slog.NewTextHandler(io.Discard, nil), &logged})}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/admin/media", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	s.Fail(rec, req, fmt.Errorf("media: upload: %w", context.Canceled))
	if rec.Code != StatusClientClosed || rec.Body.Len() != 0 {
		t.Fatalf("status %d, %d bytes; want %d and no body", rec.Code, rec.Body.Len(), StatusClientClosed)
	}
	if logged != 0 {
		t.Fatalf("%d error lines for a reader who left", logged)
	}
}

type countingHandler struct {
	slog.Handler
	n *int
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		*h.n++
	}
	return h.Handler.Handle(ctx, r)
}
