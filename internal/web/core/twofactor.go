package core

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"byline/internal/account"
)

// TwoFactorPath is where a person sets up a second factor, and where
// staff are sent when the site requires one and their grace is over.
const TwoFactorPath = "/account/two-factor"

// Banner is a standing notice at the top of admin pages.
type Banner struct {
	Text, Link, Href string
}

// SecondFactorRule is the site's rule on second factors for staff, from
// its settings.
func (s *Server) SecondFactorRule(r *http.Request) account.Requirement {
	return s.Site(r).SecondFactorRule()
}

type dueKey struct{}

// checkSecondFactor applies the rule to staff work (a route that needs a
// permission beyond commenting): within the grace the page carries a
// banner; after it, the person is sent to set up a second factor and
// nothing else is done. It reports whether it answered.
func (s *Server) checkSecondFactor(w http.ResponseWriter, r *http.Request, v *Viewer, perm account.Permission) (*http.Request, bool, error) {
	if perm == "" || perm == account.PermComment {
		return r, false, nil
	}
	rule := s.SecondFactorRule(r)
	if !rule.Staff {
		return r, false, nil // no query while the rule is off
	}
	due, err := s.People.SecondFactorDue(r.Context(), v.Person, rule)
	if err != nil {
		return r, false, err
	}
	if due.Blocked {
		http.Redirect(w, r, TwoFactorPath+"?required=1", http.StatusSeeOther)
		return r, true, nil
	}
	if due.Needed {
		r = r.WithContext(context.WithValue(r.Context(), dueKey{}, due))
	}
	return r, false, nil
}

// secondFactorBanner is the banner of a page served within the grace.
func secondFactorBanner(r *http.Request) *Banner {
	due, ok := r.Context().Value(dueKey{}).(account.Due)
	if !ok {
		return nil
	}
	days := due.DaysLeft(time.Now())
	when := fmt.Sprintf("within %d days", days)
	if days == 1 {
		when = "by tomorrow"
	}
	return &Banner{Text: "This site requires staff to use two-factor authentication. Set it up " + when + ", or staff pages will wait until you do.",
		Link: "Set up two-factor", Href: TwoFactorPath}
}
