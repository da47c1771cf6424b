package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"byline/internal/comment"
	"byline/internal/events"
)

// Events is the site's publish/subscribe hub.
type Events interface {
	Publish(e events.Event)
	Subscribe(topic string) (<-chan events.Event, func())
}

func articleTopic(id int64) string { return "article:" + strconv.FormatInt(id, 10) }

// CommentChanged tells open discussions of a change to comment c, made here
// or through the JSON API (cached pages follow the database by themselves): kind "comment" (a
// new comment), "score" (a vote) or any other change ("edited", "deleted",
// "reported", "moderated"), which open pages hear as "changed".
func (s *Server) CommentChanged(kind string, c comment.Comment) {
	switch kind {
	case "score":
		s.announce(c.ArticleID, "score", map[string]any{"id": c.ID, "score": c.Score(), "up": c.Up, "down": c.Down})
	case "comment":
		if c.Status == comment.StatusVisible {
			s.announce(c.ArticleID, "comment", map[string]any{"id": c.ID, "author": c.Author.Name})
		}
	default:
		// An edit, a deletion, a report that holds it, or moderation:
		// open pages redraw the comment, or take it away.
		s.announce(c.ArticleID, "changed", map[string]any{"id": c.ID, "shown": c.Status == comment.StatusVisible && !c.Deleted()})
	}
}

func (s *Server) announce(articleID int64, kind string, data any) {
	if s.Events == nil {
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	s.Events.Publish(events.Event{Topic: articleTopic(articleID), Kind: kind, Data: b})
}

// live streams an article's new comments and score changes to its open
// pages as server-sent events.
func (s *Server) live(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.URL.Query().Get("article"), 10, 64)
	if err != nil || id <= 0 {
		return badRequest{"Which article? Pass ?article=ID."}
	}
	if _, err := s.Articles.PublicByID(r.Context(), id); err != nil {
		return err
	}
	if s.Events == nil {
		return errNotLive
	}
	// Subscribed before the first line goes out: a client that has read it
	// hears of every comment from then on.
	ch, cancel := s.Events.Subscribe(articleTopic(id))
	defer cancel()
	rc := http.NewResponseController(w)
	// A stream outlives the server's write timeout; it ends with the client.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 5000\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.closing:
			return nil
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, e.Data)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// errNotLive: the server runs without live updates.
var errNotLive = badRequest{"Live updates are not available."}
