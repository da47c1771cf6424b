package core

import (
	"context"
	"sync"
	"time"

	"byline/internal/article"
)

// mostRead keeps the week's most read articles for the sidebar, read
// again every few minutes rather than on every page.
type mostRead struct {
	mu   sync.Mutex
	list []article.Read
	at   time.Time
}

const mostReadFor = 5 * time.Minute

// mostReadAt is when the Most Read list was last read.
func (s *Server) mostReadAt() time.Time {
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	return s.reads.at
}

func (s *Server) mostReadList(ctx context.Context) []article.Read {
	if s.Articles == nil {
		return nil
	}
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	if time.Since(s.reads.at) < mostReadFor {
		return s.reads.list
	}
	today := time.Now().In(s.Location)
	list, err := s.Articles.MostRead(ctx, today.AddDate(0, 0, -6), s.Location, 5)
	if err != nil {
		s.Logger.Warn("most read", "err", err)
		return s.reads.list // keep the last good list
	}
	s.reads.list, s.reads.at = list, time.Now()
	return list
}
