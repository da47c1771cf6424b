package newsletter

import (
	"context"
	"fmt"
	"time"

	"byline/internal/db"
	"byline/internal/mail"
)

// Subscription is a reader's place on the list as their download of their
// data shows it: never the secret of their links.
type Subscription struct {
	List           string
	Email          string
	Frequency      string
	Status         string
	Source         string
	Consent        string
	CreatedAt      time.Time
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time
}

// ListName is the name of the site's one list in a Subscription.
const ListName = "newsletter"

// SubscriptionsOf returns the subscriptions of an address, and of any
// other address the account userID signed up with.
func (s *Store) SubscriptionsOf(ctx context.Context, email string, userID int64) ([]Subscription, error) {
	email, _ = mail.CleanAddress(email)
	rows, err := s.db.Query(ctx, `SELECT `+subCols+` FROM subscribers WHERE email = $1 OR user_id = $2 ORDER BY id`, email, userID)
	if err != nil {
		return nil, fmt.Errorf("newsletter: subscriptions of %d: %w", userID, err)
	}
	subs, err := db.Collect(rows, scanSub)
	if err != nil {
		return nil, fmt.Errorf("newsletter: subscriptions of %d: %w", userID, err)
	}
	out := make([]Subscription, len(subs))
	for i, sub := range subs {
		out[i] = Subscription{List: ListName, Email: sub.Email, Frequency: sub.Frequency, Status: sub.Status, Source: sub.Source,
			Consent: sub.Consent, CreatedAt: sub.CreatedAt, ConfirmedAt: sub.ConfirmedAt, UnsubscribedAt: sub.UnsubscribedAt}
	}
	return out, nil
}
