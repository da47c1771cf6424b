package leads

import (
	"context"
	"fmt"
	"sort"
	"strings"

	bmail "byline/internal/mail"
)

// Answer is what a shopper is told of their request, on the thank-you
// page and in the confirmation mail alike: the dealers it was sent to, the
// dealers who had it already, or that it is kept and why.
type Answer struct {
	Lead    Lead
	Sent    []Dealer // sent the request now
	Already []Dealer // had the same request from this shopper lately: not sent again
	Held    string   // why it went to no dealer ("" when it went to some)
}

// Car is the request's car in words: "2026 Infiniti QX60 Luxe".
func (a Answer) Car() string {
	l := a.Lead
	s := fmt.Sprintf("%d %s %s", l.Year, l.MakeName, l.ModelName)
	if l.Trim != "" {
		s += " " + l.Trim
	}
	return s
}

// Lede is the answer's first sentence.
func (a Answer) Lede() string {
	switch {
	case len(a.Sent) > 0:
		return fmt.Sprintf("We have sent your request for a %s near %s to %s.", a.Car(), a.Lead.Postal, dealerCount(len(a.Sent)))
	case len(a.Already) > 0:
		return fmt.Sprintf("You asked us for a %s near %s lately, so we have not sent your request again: %s it already.",
			a.Car(), a.Lead.Postal, map[bool]string{true: "the dealer below has", false: "the dealers below have"}[len(a.Already) == 1])
	default:
		return fmt.Sprintf("We have kept your request for a %s near %s, but not sent it to any dealer yet: %s.", a.Car(), a.Lead.Postal, a.Held)
	}
}

// Contact says how the dealers will reach the shopper ("" when none will).
func (a Answer) Contact() string {
	n := len(a.Sent) + len(a.Already)
	if n == 0 {
		return "We will pass it to a dealer near you as soon as one can take it, and you will hear from them then; nothing is lost."
	}
	who := "They"
	if n == 1 {
		who = "The dealer"
	}
	by := ""
	if a.Lead.Phone != "" {
		by = " or by phone"
	}
	return fmt.Sprintf("%s will contact you at %s%s, usually within a business day.", who, a.Lead.Email, by)
}

// AlreadyNote introduces the dealers who had the request already, when
// some others were sent it now.
func (a Answer) AlreadyNote() string {
	if len(a.Already) == 0 || len(a.Sent) == 0 {
		return ""
	}
	return "You asked us for the same car lately; these dealers have that request already, so we have not sent it to them again:"
}

func dealerCount(n int) string {
	if n == 1 {
		return "one dealer"
	}
	return fmt.Sprintf("%d dealers", n)
}

// Address is a dealer's street address on one line.
func (d Dealer) Address() string {
	var parts []string
	for _, p := range []string{d.Street, d.City} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, ", ")
	if d.Region != "" {
		s += ", " + d.Region
	}
	if d.Postal != "" {
		s += " " + d.Postal
	}
	return strings.TrimSpace(s)
}

// answer builds the answer for l from its deliveries and their dealers.
func answer(l Lead, dealers map[int64]Dealer) Answer {
	a := Answer{Lead: l, Held: l.HeldReason}
	dls := append([]Delivery(nil), l.Deliveries...)
	sort.SliceStable(dls, func(i, j int) bool { return dls[i].DealerID < dls[j].DealerID })
	for _, dl := range dls {
		d, ok := dealers[dl.DealerID]
		if !ok {
			d = Dealer{ID: dl.DealerID, Name: dl.DealerName}
		}
		if dl.Duplicate {
			a.Already = append(a.Already, d)
		} else {
			a.Sent = append(a.Sent, d)
		}
	}
	if len(a.Sent)+len(a.Already) == 0 && a.Held == "" {
		a.Held = "no dealer in our network takes it yet"
	}
	return a
}

// Answer is what the shopper of a lead was told.
func (s *Store) Answer(ctx context.Context, l Lead) (Answer, error) {
	all, err := s.Dealers(ctx)
	if err != nil {
		return Answer{}, err
	}
	byID := make(map[int64]Dealer, len(all))
	for _, d := range all {
		byID[d.ID] = d
	}
	return answer(l, byID), nil
}

// confirmationMail tells the shopper what became of their request.
func confirmationMail(a Answer, p Provider) bmail.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n%s\n\n%s\n", a.Lead.FirstName, a.Lede(), a.Contact())
	list := func(ds []Dealer) {
		for _, d := range ds {
			fmt.Fprintf(&b, "\n  %s\n", d.Name)
			if addr := d.Address(); addr != "" {
				fmt.Fprintf(&b, "  %s\n", addr)
			}
			if d.Phone != "" {
				fmt.Fprintf(&b, "  %s\n", d.Phone)
			}
		}
	}
	if len(a.Sent) > 0 {
		list(a.Sent)
		if note := a.AlreadyNote(); note != "" {
			fmt.Fprintf(&b, "\n%s\n", note)
			list(a.Already)
		}
	} else {
		list(a.Already)
	}
	fmt.Fprintf(&b, "\nYou asked for this quote on %s", p.Name)
	if p.URL != "" {
		fmt.Fprintf(&b, " (%s)", p.URL)
	}
	b.WriteString(". If it was not you, no need to do anything: ignore this mail.\n")
	subject := "Your quote request for the " + a.Car()
	if len(a.Sent)+len(a.Already) == 0 {
		subject += ": kept for now"
	} else if len(a.Sent) > 0 {
		subject += ": sent to " + dealerCount(len(a.Sent))
	}
	return bmail.Message{To: a.Lead.Email, Subject: subject, Text: b.String()}
}
