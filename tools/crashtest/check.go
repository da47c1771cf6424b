package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"byline/internal/db"
)

var tokenRE = regexp.MustCompile(`ct[a-z]{2}\d+r\d+c\d+n`)

// row is one line of the report.
type row struct {
	kind                                                         string
	acked, found, lost, doubled, unknown, unknownStored, refused int
	reasons                                                      []string
}

// check reads the database and the sink and writes the report.
func check(ctx context.Context, eng, dsn string, rounds int, fx fixtures, lg *ledger, sk *sink) (string, bool, error) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return "", false, err
	}
	defer d.Close()
	strs := func(q string, args ...any) ([]string, error) {
		rows, err := d.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return db.Collect(rows, func(sc db.Scanner) (string, error) {
			var s string
			return s, sc.Scan(&s)
		})
	}
	count := func(vals []string, extract bool) map[string]int {
		n := map[string]int{}
		for _, v := range vals {
			if extract {
				for _, t := range tokenRE.FindAllString(v, -1) {
					n[t]++
				}
				continue
			}
			n[strings.ToLower(v)]++
		}
		return n
	}
	stored := map[string]map[string]int{}
	bodies, err := strs(`SELECT body_md FROM comments WHERE body_md LIKE '%from the crash test%'`)
	if err != nil {
		return "", false, err
	}
	stored[kComment] = count(bodies, true)
	stored[kReply] = stored[kComment]
	stored[kRepost] = stored[kComment]
	emails, err := strs(`SELECT email FROM users WHERE email LIKE '%@readers.crash.example'`)
	if err != nil {
		return "", false, err
	}
	stored[kSignUp] = count(emails, false)
	if emails, err = strs(`SELECT email FROM subscribers WHERE email LIKE '%@news.crash.example'`); err != nil {
		return "", false, err
	}
	stored[kNewsSub] = count(emails, false)
	names, err := strs(`SELECT last_name FROM leads WHERE first_name = 'Quinn'`)
	if err != nil {
		return "", false, err
	}
	stored[kQuote] = count(names, false)
	heads, err := strs(`SELECT headline FROM articles WHERE headline LIKE 'Crash test draft %'`)
	if err != nil {
		return "", false, err
	}
	stored[kArticle] = count(heads, true)
	unsubbed, err := strs(`SELECT token FROM subscribers WHERE status = 'unsubscribed'`)
	if err != nil {
		return "", false, err
	}
	stored[kUnsub] = map[string]int{}
	for _, t := range unsubbed {
		stored[kUnsub][t] = 1 // a status: present or not, never twice
	}
	votes, err := strs(`SELECT CAST(comment_id AS TEXT) || ':' || CAST(user_id AS TEXT) || ':' || CAST(value AS TEXT) FROM comment_votes`)
	if err != nil {
		return "", false, err
	}
	stored[kVote] = count(votes, false)
	// Article saves: the text now must be the last acknowledged save's,
	// or a later one's whose answer never came.
	texts := map[int64]string{}
	rows, err := d.Query(ctx, `SELECT id, body_md FROM articles WHERE headline LIKE 'Crash test draft %'`)
	if err != nil {
		return "", false, err
	}
	type idText struct {
		id   int64
		text string
	}
	its, err := db.Collect(rows, func(sc db.Scanner) (idText, error) {
		var it idText
		return it, sc.Scan(&it.id, &it.text)
	})
	if err != nil {
		return "", false, err
	}
	for _, it := range its {
		texts[it.id] = tokenRE.FindString(it.text)
	}

	lg.mu.Lock()
	writes := append([]write(nil), lg.writes...)
	lg.mu.Unlock()
	lastAck := map[int64]int{} // article -> seq of its last acknowledged save
	seqOf := map[string]int{}  // save token -> its seq
	for _, w := range writes {
		if w.kind == kSave {
			seqOf[w.key] = w.seq
			if w.outcome == outcomeAck && w.seq > lastAck[w.article] {
				lastAck[w.article] = w.seq
			}
		}
	}
	seenTwice := map[string]bool{} // kind and key of each write stored more than once
	rowsByKind := map[string]*row{}
	for _, k := range kinds {
		rowsByKind[k] = &row{kind: k}
	}
	for _, w := range writes {
		r := rowsByKind[w.kind]
		n := stored[w.kind][w.key]
		if w.kind == kSave {
			// Present when the text is this save's or a later one's.
			n = 0
			if t := texts[w.article]; t == w.key || (t != "" && seqOf[t] > w.seq) {
				n = 1
			}
		}
		switch w.outcome {
		case outcomeAck:
			r.acked++
			if n > 0 {
				r.found++
			} else {
				r.lost++
			}
		case outcomeUnknown:
			r.unknown++
			if n > 0 {
				r.unknownStored++
			}
		default:
			r.refused++
			if len(r.reasons) < 3 && !contains(r.reasons, w.why) {
				r.reasons = append(r.reasons, w.why)
			}
		}
		if n > 1 && !seenTwice[w.kind+" "+w.key] {
			seenTwice[w.kind+" "+w.key] = true
			r.doubled++
		}
	}

	ok := true
	var b strings.Builder
	fmt.Fprintf(&b, "\n==== %s: %d kills (SIGKILL) during the load ====\n", eng, rounds)
	fmt.Fprintf(&b, "%-20s %8s %8s %6s %8s %8s %15s %8s\n", "write", "acked", "found", "lost", "doubled", "unknown", "unknown stored", "refused")
	for _, k := range kinds {
		r := rowsByKind[k]
		fmt.Fprintf(&b, "%-20s %8d %8d %6d %8d %8d %15d %8d\n", r.kind, r.acked, r.found, r.lost, r.doubled, r.unknown, r.unknownStored, r.refused)
		if r.lost > 0 || r.doubled > 0 {
			ok = false
		}
	}
	for _, k := range kinds {
		for _, why := range rowsByKind[k].reasons {
			fmt.Fprintf(&b, "  refused %s: %s\n", k, why)
		}
	}
	var off int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM comments c WHERE c.up <> (SELECT count(*) FROM comment_votes v WHERE v.comment_id = c.id AND v.value = 1)
		OR c.down <> (SELECT count(*) FROM comment_votes v WHERE v.comment_id = c.id AND v.value = -1)`).Scan(&off); err != nil {
		return "", false, err
	}
	fmt.Fprintf(&b, "comments whose vote counts differ from their votes: %d\n", off)
	ok = ok && off == 0
	// Each article's stored comment count moved by the visible comments
	// the load added to it.
	now, err := commentCounters(ctx, d, fx.articles)
	if err != nil {
		return "", false, err
	}
	var countOff []string
	for _, id := range fx.articles {
		var added int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1 AND status = 'visible' AND deleted_at IS NULL
			AND body_md LIKE '%from the crash test%'`, id).Scan(&added); err != nil {
			return "", false, err
		}
		if now[id]-fx.counted[id] != added {
			countOff = append(countOff, fmt.Sprintf("article %d: counter moved %d, %d comments added", id, now[id]-fx.counted[id], added))
		}
	}
	fmt.Fprintf(&b, "articles whose comment counter differs from the comments added: %d %s\n", len(countOff), strings.Join(countOff, "; "))
	ok = ok && len(countOff) == 0
	integrity := "n/a (PostgreSQL)"
	if eng == "sqlite" {
		res, err := strs(`PRAGMA integrity_check`)
		if err != nil {
			return "", false, err
		}
		integrity = strings.Join(res, "; ")
		if integrity != "ok" {
			ok = false
		}
	}
	fmt.Fprintf(&b, "integrity_check: %s\n", integrity)

	nl, nlOK, err := checkNewsletter(ctx, d, fx.campaign, sk)
	if err != nil {
		return "", false, err
	}
	b.WriteString(nl)
	return b.String(), ok && nlOK, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkNewsletter compares the campaign's deliveries and the outbox with
// what the sink received, counting distinct Message-IDs per recipient.
func checkNewsletter(ctx context.Context, d *db.DB, campaign int64, sk *sink) (string, bool, error) {
	byStatus, err := d.CountBy(ctx, `SELECT status, count(*) FROM deliveries WHERE campaign_id = $1 GROUP BY status`, campaign)
	if err != nil {
		return "", false, err
	}
	rows, err := d.Query(ctx, `SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.campaign_id = $1 AND d.status = 'sent'`, campaign)
	if err != nil {
		return "", false, err
	}
	sent, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	})
	if err != nil {
		return "", false, err
	}
	prefix := fmt.Sprintf("<c%d.s", campaign)
	ids := map[string]map[string]int{} // recipient -> Message-ID -> copies
	other := map[string]int{}          // Message-ID -> copies, for every other message
	campaignMsgs := 0
	for _, m := range sk.messages() {
		if strings.HasPrefix(m.messageID, prefix) {
			campaignMsgs++
			if ids[m.to] == nil {
				ids[m.to] = map[string]int{}
			}
			ids[m.to][m.messageID]++
			continue
		}
		other[strings.Trim(m.messageID, "<>")]++
	}
	var once, missing, doubled, resent int
	for _, e := range sent {
		got := ids[strings.ToLower(e)]
		switch {
		case len(got) == 0:
			missing++
		case len(got) == 1:
			once++
		}
	}
	for _, got := range ids {
		if len(got) > 1 {
			doubled++
		}
		for _, n := range got {
			resent += n - 1
		}
	}
	left := byStatus["queued"] + byStatus["sending"]
	total := 0
	for _, n := range byStatus {
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "newsletter: %d subscribers (%d marked sent, %d skipped as they left, %d failed, %d bounced, %d not finished)\n",
		total, byStatus["sent"], byStatus["skipped"], byStatus["failed"], byStatus["bounced"], left)
	fmt.Fprintf(&b, "  messages received by the sink %d; recipients received exactly once %d; missing %d; doubled (two Message-IDs) %d; re-sent under the same Message-ID %d\n",
		campaignMsgs, once, missing, doubled, resent)
	ok := missing == 0 && doubled == 0 && left == 0 && byStatus["failed"] == 0

	// Other mail (sign-up confirmations, quote mails): the outbox's.
	rows, err = d.Query(ctx, `SELECT message_id FROM mail_outbox WHERE status = 'sent'`)
	if err != nil {
		return "", false, err
	}
	outbox, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	})
	if err != nil {
		return "", false, err
	}
	var lost, again int
	for _, id := range outbox {
		if other[strings.Trim(id, "<>")] == 0 {
			lost++
		}
	}
	for _, n := range other {
		again += n - 1
	}
	var pending int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE status <> 'sent'`).Scan(&pending); err != nil {
		return "", false, err
	}
	fmt.Fprintf(&b, "outbox mail: %d marked sent, %d received, %d marked sent but never received, %d not sent yet, %d re-sent under the same Message-ID\n",
		len(outbox), len(other), lost, pending, again)
	ok = ok && lost == 0 && pending == 0
	return b.String(), ok, nil
}
