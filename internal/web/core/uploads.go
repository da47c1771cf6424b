package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"byline/internal/apperr"
)

// Picture uploads: how many a person may send an hour (refused ones
// count: each costs a decode), and how long one may take. The server's
// write timeout is 60 seconds; the answer must get out before it, and
// nothing is saved after it (see account.SetAvatar, media.Upload).
const (
	AvatarsPerHour = 10
	MediaPerHour   = 60
	uploadDeadline = 40 * time.Second
	busyRetry      = 10 * time.Second
)

// UploadRefusal is why a picture upload was not even tried, or failed for
// the server's sake, as a status and a message for the form.
type UploadRefusal struct {
	Status int
	Msg    string
}

// UploadAllowed counts one upload of kind by person against perHour; a
// refusal sets Retry-After.
func (s *Server) UploadAllowed(w http.ResponseWriter, r *http.Request, kind string, person int64, perHour int) (*UploadRefusal, error) {
	ok, retry, err := s.Limiter.Hit(r.Context(), fmt.Sprintf("upload-%s:%d", kind, person), perHour, time.Hour)
	if err != nil || ok {
		return nil, err
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
	return &UploadRefusal{http.StatusTooManyRequests, fmt.Sprintf("You have uploaded %d pictures in the last hour, the most we take. Please wait %s and try again.", perHour, RoundWait(retry))}, nil
}

// SaveUpload runs save with the upload deadline. When the server is
// decoding as much as it can hold, or the deadline passes, the upload is
// refused with 503 and nothing is saved.
func SaveUpload(w http.ResponseWriter, r *http.Request, save func(ctx context.Context) error) (*UploadRefusal, error) {
	ctx, cancel := context.WithTimeout(r.Context(), uploadDeadline)
	defer cancel()
	err := save(ctx)
	if errors.Is(err, apperr.ErrBusy) || errors.Is(err, context.DeadlineExceeded) {
		w.Header().Set("Retry-After", strconv.Itoa(int(busyRetry.Seconds())))
		return &UploadRefusal{http.StatusServiceUnavailable, "The server is busy reading other pictures, so yours was not saved. Please try again in a few seconds."}, nil
	}
	return nil, err
}

func RoundWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds())+1)
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes())+1)
}
