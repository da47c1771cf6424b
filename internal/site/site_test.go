package site

import (
	"context"
	"testing"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

func TestSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		def := Defaults("Default", "Tag")
		got, err := s.Load(ctx, def)
		if err != nil || got.Name != "Default" || got.CommentDepth != 5 || !got.CommentsOpen {
			t.Fatalf("defaults: %+v %v", got, err)
		}
		want := def
		want.Name, want.BaseURL, want.Gravatar, want.CommentsOpen, want.CommentDepth = "Motor Ledger", "https://news.example.com/", true, false, 3
		want.SMTP = mail.SMTP{Host: "smtp.example.com", Port: 2525, TLS: mail.TLSImplicit, Username: "u", Password: "p", From: "news@example.com"}
		if err := s.Save(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Load(ctx, def)
		want.BaseURL = "https://news.example.com"
		if got != want {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
		bad := want
		bad.Name, bad.BaseURL, bad.CommentDepth, bad.SMTP.TLS = "", "news.example.com", 0, "sometimes"
		err = s.Save(ctx, bad)
		inv, ok := apperr.AsInvalid(err)
		if !ok || inv.Fields["name"] == "" || inv.Fields["base_url"] == "" || inv.Fields["comment_depth"] == "" || inv.Fields["smtp"] == "" {
			t.Fatalf("bad settings: %v", err)
		}
	})
}
